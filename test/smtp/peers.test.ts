/**
 * Real SMTP clients against the lab over loopback: swaks (every mechanism, STARTTLS, implicit
 * TLS, pipelining), curl smtp:// with --login-options AUTH=…, Python smtplib, nodemailer, msmtp,
 * Perl Net::SMTP with Authen::SASL (DIGEST-MD5), and gnutls-cli with each legacy suite over
 * STARTTLS and port 465. Each must get its message accepted: an `auth` event with ok, an
 * `smtp.message` with what it sent, and the message in the lab INBOX.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import type { StartedLab } from '../../electron/lab/lab.js';
import { runPeer } from '../support/run.js';
import { TEST_PASSWORD, TEST_USER, eventsOf, startTestLab, tempDir, waitFor } from '../support/lab.js';
import { GNUTLS_SUITES, gnutlsPriority, runInteractive } from '../tls/harness.js';

let lab: StartedLab;
let smtpPort: number;
let smtpsPort: number;
const work = tempDir('mp-smtp-peers-');

beforeAll(async () => {
  lab = await startTestLab({ imapPort: null, imapsPort: null, smtpPort: 0, smtpsPort: 0 });
  smtpPort = lab.listeners.smtp!.port;
  smtpsPort = lab.listeners.smtps!.port;
});
afterAll(() => lab.stop());

let subjects = 0;
/** A unique subject per client run, to find its smtp.message. */
function nextSubject(peer: string): string {
  subjects += 1;
  return `peer ${peer} #${subjects}`;
}

/** The smtp.message with this subject, its connection's auth and TLS events. */
async function delivered(subject: string): Promise<{ msg: Extract<LabEvent, { kind: 'smtp.message' }>; auth?: LabEvent; tls?: LabEvent }> {
  const msg = await waitFor(() => eventsOf(lab).find((e) => e.kind === 'smtp.message' && e.subject === subject) as Extract<LabEvent, { kind: 'smtp.message' }> | undefined, 10_000, `smtp.message "${subject}"`);
  const evs = eventsOf(lab).filter((e) => e.conn === msg.conn);
  const inbox = lab.store.messages('INBOX').find((m) => m.uid === msg.uid);
  expect(inbox?.envelope.subject).toBe(subject);
  return { msg, auth: evs.find((e) => e.kind === 'auth' && e.ok), tls: evs.find((e) => e.kind === 'tls.established') };
}

function messageFile(subject: string): string {
  const f = join(work, `${subjects}.eml`);
  writeFileSync(f, `From: phone@lab.example\r\nTo: friend@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subjects}@peers.example>\r\n\r\nHello.\r\n`);
  return f;
}

describe('swaks', () => {
  const base = () => ['--server', '127.0.0.1', '--from', 'phone@lab.example', '--to', 'friend@example.com', '--auth-user', TEST_USER, '--auth-password', TEST_PASSWORD];
  for (const [mech, extra, security] of [
    ['PLAIN', [], 'none'],
    ['LOGIN', [], 'none'],
    ['CRAM-MD5', [], 'none'],
    ['DIGEST-MD5', [], 'none'],
    ['LOGIN', ['--tls'], 'starttls'],
    ['CRAM-MD5', ['--tls', '--pipeline'], 'starttls'],
    ['PLAIN', ['--tlsc'], 'implicit'],
    ['DIGEST-MD5', ['--pipeline'], 'none'],
  ] as const) {
    it(`AUTH ${mech} ${extra.join(' ') || '(no TLS)'}`, async () => {
      const subject = nextSubject(`swaks ${[mech, ...extra].join(' ')}`);
      const port = security === 'implicit' ? smtpsPort : smtpPort;
      const r = await runPeer('swaks', [...base(), '-p', String(port), '--auth', mech, '--header', `Subject: ${subject}`, ...extra]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const { auth, tls } = await delivered(subject);
      expect(auth).toMatchObject({ mechanism: mech, user: TEST_USER, ok: true });
      if (security === 'none') expect(tls).toBeUndefined();
      else expect(tls).toMatchObject({ mode: security });
    });
  }
});

describe('curl smtp://', () => {
  for (const [mech, scheme, tls] of [
    ['PLAIN', 'smtp', false],
    ['LOGIN', 'smtp', true],
    ['CRAM-MD5', 'smtp', false],
    ['PLAIN', 'smtps', true],
  ] as const) {
    it(`--login-options AUTH=${mech} ${scheme}${tls && scheme === 'smtp' ? ' --ssl-reqd' : ''}`, async () => {
      const subject = nextSubject(`curl ${mech} ${scheme}`);
      const file = messageFile(subject);
      const port = scheme === 'smtps' ? smtpsPort : smtpPort;
      const r = await runPeer('curl', ['-sS', '--url', `${scheme}://127.0.0.1:${port}`, '--mail-from', 'phone@lab.example', '--mail-rcpt', 'friend@example.com', '--upload-file', file, '--user', `${TEST_USER}:${TEST_PASSWORD}`, '--login-options', `AUTH=${mech}`, '--insecure', ...(tls && scheme === 'smtp' ? ['--ssl-reqd'] : [])]);
      expect(r.code, r.stderr).toBe(0);
      const { auth, msg } = await delivered(subject);
      expect(auth).toMatchObject({ mechanism: mech, ok: true });
      expect(msg).toMatchObject({ from: 'phone@lab.example', to: ['friend@example.com'] });
    });
  }
});

describe('Python smtplib', () => {
  it('login (it picks CRAM-MD5 by itself), then starttls and login again on a new connection, then SMTP_SSL', async () => {
    const subjects3 = [nextSubject('python plain'), nextSubject('python starttls'), nextSubject('python ssl')];
    const script = `
import smtplib, ssl, sys
from email.message import EmailMessage
host, port, sport, user, pw = '127.0.0.1', int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
subjects = sys.argv[5:8]
def msg(s):
    m = EmailMessage(); m['From'] = 'phone@lab.example'; m['To'] = 'friend@example.com'; m['Subject'] = s; m.set_content('Hello.'); return m
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
with smtplib.SMTP(host, port) as s:
    s.login(user, pw); s.send_message(msg(subjects[0]))
with smtplib.SMTP(host, port) as s:
    s.starttls(context=ctx); s.login(user, pw); s.send_message(msg(subjects[1]))
with smtplib.SMTP_SSL(host, sport, context=ctx) as s:
    s.login(user, pw); s.send_message(msg(subjects[2]))
print('sent')
`;
    const r = await runPeer('python3', ['-c', script, String(smtpPort), String(smtpsPort), TEST_USER, TEST_PASSWORD, ...subjects3]);
    expect(r.code, r.stderr).toBe(0);
    const [plain, starttls, implicit] = await Promise.all(subjects3.map(delivered));
    expect(plain.auth).toMatchObject({ mechanism: 'CRAM-MD5', ok: true });
    expect(starttls.tls).toMatchObject({ mode: 'starttls' });
    expect(implicit.tls).toMatchObject({ mode: 'implicit' });
  });
});

describe('nodemailer', () => {
  for (const [authMethod, secure] of [['PLAIN', false], ['LOGIN', true], ['CRAM-MD5', false]] as const) {
    it(`${authMethod} ${secure ? 'on 465' : 'with STARTTLS'}`, async () => {
      const subject = nextSubject(`nodemailer ${authMethod}`);
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: secure ? smtpsPort : smtpPort,
        secure,
        requireTLS: !secure,
        auth: { user: TEST_USER, pass: TEST_PASSWORD },
        authMethod,
        tls: { rejectUnauthorized: false },
      });
      const info = await transport.sendMail({ from: 'phone@lab.example', to: 'friend@example.com', subject, text: 'Hello.' });
      transport.close();
      expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as \d{4}$/);
      const { auth, tls } = await delivered(subject);
      expect(auth).toMatchObject({ mechanism: authMethod, ok: true });
      expect(tls).toMatchObject({ mode: secure ? 'implicit' : 'starttls' });
    });
  }
});

describe('msmtp', () => {
  for (const [auth, tls] of [['cram-md5', 'off'], ['digest-md5', 'off'], ['login', 'starttls'], ['plain', 'implicit']] as const) {
    it(`--auth=${auth} tls ${tls}`, async () => {
      const subject = nextSubject(`msmtp ${auth} ${tls}`);
      const args = [
        '--host=127.0.0.1',
        `--port=${tls === 'implicit' ? smtpsPort : smtpPort}`,
        `--auth=${auth}`,
        `--user=${TEST_USER}`,
        `--passwordeval=echo ${TEST_PASSWORD}`,
        '--from=phone@lab.example',
        `--tls=${tls === 'off' ? 'off' : 'on'}`,
        `--tls-starttls=${tls === 'starttls' ? 'on' : 'off'}`,
        '--tls-certcheck=off',
        '--file=/dev/null',
        'friend@example.com',
      ];
      const r = await runPeer('msmtp', args, { input: `From: phone@lab.example\r\nTo: friend@example.com\r\nSubject: ${subject}\r\n\r\nHello.\r\n` });
      expect(r.code, r.stderr).toBe(0);
      const got = await delivered(subject);
      expect(got.auth).toMatchObject({ mechanism: auth.toUpperCase(), ok: true });
    });
  }
});

describe('Perl Net::SMTP with Authen::SASL', () => {
  it('DIGEST-MD5 (digest-uri smtp/…, RFC 4954 §4)', async () => {
    const subject = nextSubject('perl digest-md5');
    const script = `
use strict; use Net::SMTP; use Authen::SASL;
my ($port, $user, $pw, $subject) = @ARGV;
my $smtp = Net::SMTP->new('127.0.0.1', Port => $port, Hello => 'perl.example', Timeout => 10) or die "connect: $@";
my $sasl = Authen::SASL->new(mechanism => 'DIGEST-MD5', callback => { user => $user, pass => $pw, authname => $user });
$smtp->auth($sasl) or die 'auth failed: ' . $smtp->message;
$smtp->mail('phone\\@lab.example') or die 'mail';
$smtp->to('friend\\@example.com') or die 'rcpt';
$smtp->data(); $smtp->datasend("Subject: $subject\\r\\n\\r\\nHello.\\r\\n"); $smtp->dataend() or die 'data';
$smtp->quit; print "sent\\n";
`;
    const r = await runPeer('perl', ['-e', script, String(smtpPort), TEST_USER, TEST_PASSWORD, subject]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const got = await delivered(subject);
    expect(got.auth).toMatchObject({ mechanism: 'DIGEST-MD5', ok: true });
  });
});

describe('gnutls-cli with the legacy suites (TLS 1.0)', () => {
  for (const [iana, items] of GNUTLS_SUITES) {
    for (const starttls of [true, false]) {
      it(`${iana} ${starttls ? 'over STARTTLS' : 'on 465'}`, async () => {
        const subject = nextSubject(`gnutls ${iana} ${starttls}`);
        const plain = Buffer.from(`\0${TEST_USER}\0${TEST_PASSWORD}`).toString('base64');
        const args = ['--insecure', '-p', String(starttls ? smtpPort : smtpsPort), '--priority', gnutlsPriority('VERS-TLS1.0', items), ...(starttls ? ['--starttls-proto=smtp'] : []), '127.0.0.1'];
        const r = await runInteractive('gnutls-cli', args, [
          { waitFor: starttls ? 'Simple Client Mode' : /220 \S+ ESMTP/, send: `EHLO gnutls.example\r\nAUTH PLAIN ${plain}\r\n` },
          { waitFor: '235 2.7.0', send: 'MAIL FROM:<phone@lab.example>\r\nRCPT TO:<friend@example.com>\r\nDATA\r\n' },
          { waitFor: '354 ', send: `Subject: ${subject}\r\n\r\nHello.\r\n.\r\n` },
          { waitFor: 'queued as', send: 'QUIT\r\n' },
          { waitFor: '221 2.0.0' },
        ], 15_000);
        expect(r.stdout, r.stderr).toContain('221 2.0.0 Bye');
        const got = await delivered(subject);
        expect(got.tls).toMatchObject({ version: 'TLSv1', cipher: iana, mode: starttls ? 'starttls' : 'implicit' });
      });
    }
  }
});
