/**
 * The SMTP listeners inside startLab: the keys of the ready line and lab.start, the hand-off page
 * telling the phone its outgoing ports, and the secrets of an SMTP session hidden in what leaves
 * the building (the report's event preparation, the CLI's redaction).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedLab } from '../../electron/lab/lab.js';
import { redactEvents } from '../../electron/lab/recorder/index.js';
import { prepareEvents } from '../../electron/lab/report/secrets.js';
import { TEST_PASSWORD, TEST_USER, eventsOf, startTestLab, waitForEvent } from '../support/lab.js';
import { smtp, smtpGreeted } from '../support/smtp.js';

let lab: StartedLab;

beforeAll(async () => {
  lab = await startTestLab({ smtpPort: 0, smtpsPort: 0, httpPort: 0, smtpAuth: 'required' });
});
afterAll(() => lab.stop());

describe('startLab with SMTP', () => {
  it('lists smtp and smtps with the IMAP listeners, and the SMTP behaviour in lab.start', () => {
    expect(Object.keys(lab.listeners).sort()).toEqual(['http', 'imap', 'imaps', 'smtp', 'smtps']);
    const start = eventsOf(lab).find((e) => e.kind === 'lab.start');
    expect(start).toMatchObject({ settings: { smtp: { auth: 'required', mechanisms: ['PLAIN', 'LOGIN', 'CRAM-MD5', 'DIGEST-MD5'], bareLf: 'accept', mailFrom: 'lenient', authTlsOnly: false, legacyAuthLine: false } } });
    expect(lab.options).toMatchObject({ smtpPort: lab.listeners.smtp!.port, smtpsPort: lab.listeners.smtps!.port });
  });

  it('the hand-off page gives the phone its outgoing ports', async () => {
    const page = await (await fetch(lab.handoffUrl!)).text();
    expect(page).toContain(`Outgoing (SMTP) port: ${lab.listeners.smtp!.port}<br/>`);
    expect(page).toContain(`Outgoing SSL port: ${lab.listeners.smtps!.port}<br/>`);
  });

  it('an AUTH LOGIN exchange leaves no password or base64 of it in exports or the report', async () => {
    const c = await smtpGreeted(lab.listeners.smtp!.port);
    await smtp(c, 'EHLO phone.example');
    await smtp(c, 'AUTH LOGIN');
    await smtp(c, Buffer.from(TEST_USER).toString('base64'));
    expect(await smtp(c, Buffer.from(TEST_PASSWORD).toString('base64'))).toBe('235 2.7.0 Authentication successful');
    c.close();
    await waitForEvent(lab, (e) => e.kind === 'auth' && e.ok && e.mechanism === 'LOGIN');
    const b64 = Buffer.from(TEST_PASSWORD).toString('base64');
    for (const events of [redactEvents(eventsOf(lab)), prepareEvents(eventsOf(lab), false).events]) {
      const text = JSON.stringify(events);
      expect(text).not.toContain(b64);
      expect(text).not.toContain(TEST_PASSWORD);
    }
  });
});

describe('--network trusted|untrusted and SMTP', () => {
  // As for IMAP and POP3 (test/cli/lab.test.ts), the network is the technician's word for the
  // diagnosis, not a server setting: the lab serves the phone the same way on both, so that what
  // the phone does is what is seen. A password in clear there is the lab's throwaway account;
  // Postfix's smtpd_tls_auth_only stays an explicit choice (--smtp-auth-tls-only).
  it('untrusted: AUTH PLAIN in clear still works, lab.start says untrusted, and the diagnosis makes cleartext-password a warning on sending', async () => {
    const { diagnose } = await import('../../electron/lab/diagnosis/index.js');
    const { runPeer } = await import('../support/run.js');
    const untrusted = await startTestLab({ smtpPort: 0, smtpsPort: null, network: 'untrusted' });
    try {
      const swaks = (...extra: string[]) =>
        runPeer('swaks', ['--server', '127.0.0.1', '-p', String(untrusted.listeners.smtp!.port), '--from', 'phone@lab.example', '--to', 'friend@example.com', '--auth-user', TEST_USER, '--auth-password', TEST_PASSWORD, ...extra]);
      expect((await swaks('--auth', 'PLAIN')).code).toBe(0);
      expect((await swaks('--auth', 'CRAM-MD5')).code).toBe(0);
      await waitForEvent(untrusted, (e) => e.kind === 'conn.close' && eventsOf(untrusted).filter((x) => x.kind === 'smtp.message').length === 2);
      const events = eventsOf(untrusted);
      expect(events.find((e) => e.kind === 'lab.start')).toMatchObject({ settings: { network: 'untrusted', smtp: { authTlsOnly: false } } });
      expect(events.filter((e) => e.kind === 'auth').map((e) => e.kind === 'auth' && `${e.mechanism}:${e.ok}`)).toEqual(['PLAIN:true', 'CRAM-MD5:true']);
      const d = diagnose(events);
      expect(d.directions.sending).toBe('pass');
      const clear = d.findings.find((f) => f.id === 'cleartext-password');
      expect(clear).toMatchObject({ severity: 'warning' });
      // Only the PLAIN connection: CRAM-MD5 sends no password.
      const plainConn = events.find((e) => e.kind === 'auth' && e.mechanism === 'PLAIN')!.conn;
      expect(new Set(clear!.evidence.map((seq) => events.find((e) => e.seq === seq)?.conn))).toEqual(new Set([plainConn]));
      // The same session told trusted (diagnose --network trusted): only a note.
      expect(diagnose(events, { network: 'trusted' }).findings.find((f) => f.id === 'cleartext-password')?.severity).toBe('info');
    } finally {
      await untrusted.stop();
    }
  });
});
