/**
 * Real, correct SMTP clients against the lab's submission ports: each gets a sending pass with
 * no warning or error finding (cleartext-password only where it sends a password in clear).
 * With RECORD_SMTP_FIXTURES=1 the sessions of swaks, smtplib and nodemailer are written to
 * test/fixtures/ (fixtures.test.ts then holds them to the same standard, offline).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import { runPeer } from '../support/run.js';
import { FIXTURES } from '../diagnosis/helpers.js';
import { observe, serious, startTestLab, type Lab, type Observed } from './lab-session.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startTestLab({ smtpPort: 0, smtpsPort: 0 });
});
afterAll(async () => {
  await lab?.stop();
});

const smtpPort = () => String(lab.listeners.smtp!.port);
const smtpsPort = () => String(lab.listeners.smtps!.port);

function keep(name: string, o: Observed): void {
  if (process.env.RECORD_SMTP_FIXTURES !== '1') return;
  const events: LabEvent[] = o.events.map((e, i) => ({ ...e, seq: i + 2 }));
  const head = { seq: 1, t: events[0]?.t ?? new Date().toISOString(), kind: 'lab.start', version: 'fixture', listeners: { smtp: { host: '127.0.0.1', port: 587 }, smtps: { host: '127.0.0.1', port: 465 } }, account: { user: lab.account.user, password: lab.account.password }, settings: {} } as LabEvent;
  writeFileSync(join(FIXTURES, name), [head, ...events].map((e) => JSON.stringify(e)).join('\n') + '\n');
}

async function swaks(args: string[]): Promise<void> {
  const r = await runPeer('swaks', ['--server', '127.0.0.1', '--auth-user', lab.account.user, '--auth-password', lab.account.password, '--from', 'phone@lab.example', '--to', 'friend@example.net', ...args]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
}

function sent(o: Observed, mechanism: string | undefined, security: string): void {
  expect(o.diagnosis.directions).toEqual({ receiving: 'untested', sending: 'pass' });
  expect(o.diagnosis.verdict).toBe('pass');
  const a = o.diagnosis.attempts.find((x) => x.verdict === 'pass')!;
  expect(a).toMatchObject({ proto: 'smtp', direction: 'sending', security });
  if (mechanism) expect(a.mechanism).toBe(mechanism);
  expect(o.live).toEqual(o.diagnosis);
}

describe('correct SMTP clients get a sending pass with no false finding', () => {
  it('swaks, CRAM-MD5 over STARTTLS', async () => {
    const o = await observe(lab, () => swaks(['--port', smtpPort(), '--auth', 'CRAM-MD5', '--tls']));
    keep('swaks-cram-md5-starttls.jsonl', o);
    sent(o, 'CRAM-MD5', 'starttls');
    expect(o.diagnosis.findings).toEqual([]);
  });

  it('swaks, DIGEST-MD5 without TLS (challenge-response: no password on the wire)', async () => {
    const o = await observe(lab, () => swaks(['--port', smtpPort(), '--auth', 'DIGEST-MD5']));
    sent(o, 'DIGEST-MD5', 'none');
    expect(serious(o.diagnosis)).toEqual([]);
  });

  it('swaks, PLAIN over STARTTLS with pipelining', async () => {
    const o = await observe(lab, () => swaks(['--port', smtpPort(), '--auth', 'PLAIN', '--tls', '--pipeline']));
    sent(o, 'PLAIN', 'starttls');
    expect(o.diagnosis.findings).toEqual([]);
  });

  it('swaks, LOGIN on implicit TLS (465)', async () => {
    const o = await observe(lab, () => swaks(['--port', smtpsPort(), '--auth', 'LOGIN', '--tlsc']));
    sent(o, 'LOGIN', 'tls');
    expect(o.diagnosis.findings).toEqual([]);
  });

  it('swaks, PLAIN in clear: only cleartext-password', async () => {
    const o = await observe(lab, () => swaks(['--port', smtpPort(), '--auth', 'PLAIN']));
    sent(o, 'PLAIN', 'none');
    expect(serious(o.diagnosis)).toEqual(['cleartext-password']);
  });

  it('Python smtplib: starttls, login, send_message with UTF-8 text', async () => {
    const script = `
import smtplib, ssl, sys
from email.message import EmailMessage
m = EmailMessage()
m['From'] = 'phone@lab.example'; m['To'] = 'friend@example.net'; m['Subject'] = 'Grüße aus München'
m.set_content('Viele Grüße – sent with smtplib\\n')
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
with smtplib.SMTP('127.0.0.1', int(sys.argv[1])) as s:
    s.starttls(context=ctx)
    s.login(sys.argv[2], sys.argv[3])
    s.send_message(m)
`;
    const o = await observe(lab, async () => {
      const r = await runPeer('python3', ['-c', script, smtpPort(), lab.account.user, lab.account.password]);
      expect(r.code, r.stderr).toBe(0);
    });
    keep('smtplib-starttls-login.jsonl', o);
    sent(o, undefined, 'starttls');
    // smtplib sends "Content-Transfer-Encoding: 8bit" without BODY=8BITMIME: a note, not a warning.
    expect(serious(o.diagnosis)).toEqual([]);
    expect(o.diagnosis.findings.map((f) => [f.id, f.severity])).toEqual([['smtp-8bit-without-8bitmime', 'info']]);
  });

  it('nodemailer on implicit TLS, with an 8-bit text it encodes itself', async () => {
    const o = await observe(lab, async () => {
      const t = nodemailer.createTransport({ host: '127.0.0.1', port: Number(smtpsPort()), secure: true, auth: { user: lab.account.user, pass: lab.account.password }, tls: { rejectUnauthorized: false } });
      await t.sendMail({ from: 'phone@lab.example', to: 'friend@example.net', subject: 'Grüße', text: 'Viele Grüße aus München\n' });
      t.close();
    });
    keep('nodemailer-implicit-tls.jsonl', o);
    sent(o, undefined, 'tls');
    expect(o.diagnosis.findings).toEqual([]);
  });

  it('curl smtp:// with AUTH=CRAM-MD5 and --ssl-reqd (STARTTLS)', async () => {
    const o = await observe(lab, async () => {
      const r = await runPeer('curl', ['-sS', '--ssl-reqd', '-k', '--login-options', 'AUTH=CRAM-MD5', '--user', `${lab.account.user}:${lab.account.password}`, '--mail-from', 'phone@lab.example', '--mail-rcpt', 'friend@example.net', '-T', '-', `smtp://127.0.0.1:${smtpPort()}`], { input: 'From: phone@lab.example\r\nTo: friend@example.net\r\nSubject: curl\r\n\r\nhello\r\n' });
      expect(r.code, r.stderr).toBe(0);
    });
    sent(o, 'CRAM-MD5', 'starttls');
    expect(o.diagnosis.findings).toEqual([]);
  });

  it('msmtp with STARTTLS and automatic mechanism choice', async () => {
    const o = await observe(lab, async () => {
      const r = await runPeer('msmtp', ['--host=127.0.0.1', `--port=${smtpPort()}`, '--auth=on', `--user=${lab.account.user}`, `--passwordeval=echo ${lab.account.password}`, '--tls=on', '--tls-starttls=on', '--tls-certcheck=off', '-f', 'phone@lab.example', 'friend@example.net'], { input: 'Subject: msmtp\r\n\r\nhello\r\n' });
      expect(r.code, r.stderr).toBe(0);
    });
    sent(o, undefined, 'starttls');
    expect(o.diagnosis.findings).toEqual([]);
  });
});
