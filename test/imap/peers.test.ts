/**
 * Real clients against the lab over loopback: curl (CRAM-MD5, PLAIN, LOGIN, STARTTLS),
 * Python's imaplib (CRAM-MD5, STARTTLS, SELECT, SEARCH, FETCH, STORE, IDLE), imapflow (LOGIN,
 * FETCH, APPEND, IDLE) and Perl's Mail::IMAPClient with Authen::SASL (DIGEST-MD5).
 */
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedLab } from '../../electron/lab/lab.js';
import { TEST_PASSWORD, TEST_USER, eventsOf, startTestLab } from '../support/lab.js';
import { runPeer } from '../support/run.js';

let lab: StartedLab;
let port: number;
let tlsPort: number;

beforeAll(async () => {
  lab = await startTestLab({});
  port = lab.listeners.imap!.port;
  tlsPort = lab.listeners.imaps!.port;
});
afterAll(() => lab.stop());

function authEvents(mechanism: string) {
  return eventsOf(lab).filter((e) => e.kind === 'auth' && e.mechanism === mechanism);
}

describe('curl', () => {
  for (const mech of ['CRAM-MD5', 'PLAIN', 'LOGIN']) {
    it(`fetches a message with AUTH=${mech}`, async () => {
      const before = authEvents(mech).length;
      const r = await runPeer('curl', ['-sS', '--login-options', `AUTH=${mech}`, '-u', `${TEST_USER}:${TEST_PASSWORD}`, `imap://127.0.0.1:${port}/INBOX;UID=1`]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Subject: /m);
      expect(authEvents(mech).slice(before)).toEqual([expect.objectContaining({ ok: true, user: TEST_USER })]);
    });
  }

  it('STARTTLS with --ssl-reqd: the conversation after the handshake is recorded as tls', async () => {
    const r = await runPeer('curl', ['-sS', '--ssl-reqd', '-k', '-u', `${TEST_USER}:${TEST_PASSWORD}`, `imap://127.0.0.1:${port}/INBOX;UID=2`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Subject: /m);
    const evs = eventsOf(lab);
    const est = evs.filter((e) => e.kind === 'tls.established' && e.mode === 'starttls').at(-1);
    expect(est).toBeDefined();
    const afterTls = evs.filter((e) => e.kind === 'c2s' && e.conn === est!.conn && e.seq > est!.seq);
    expect(afterTls.length).toBeGreaterThan(0);
    expect(afterTls.every((e) => e.kind === 'c2s' && e.tls === true)).toBe(true);
  });

  it('a wrong password is refused and recorded', async () => {
    const r = await runPeer('curl', ['-sS', '-u', `${TEST_USER}:wrong`, `imap://127.0.0.1:${port}/INBOX;UID=1`]);
    expect(r.code).toBe(67); // CURLE_LOGIN_DENIED
    expect(eventsOf(lab).some((e) => e.kind === 'auth' && !e.ok)).toBe(true);
  });
});

const PY = String.raw`
import imaplib, ssl, sys, threading, time
port, tls_port, user, pw = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4('127.0.0.1', port)
assert m.login_cram_md5(user, pw)[0] == 'OK'
typ, data = m.select('INBOX'); n = int(data[0]); print('exists', n)
typ, data = m.search(None, 'UNSEEN'); print('unseen', len(data[0].split()))
typ, data = m.search(None, 'FROM', '"mailprobe"'); print('from', len(data[0].split()) > 0)
typ, data = m.fetch('1', '(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
print('fetch', typ, b'ENVELOPE' in data[0][0], b'Subject:' in data[0][1])
typ, data = m.store('2', '+FLAGS', '(\\Flagged)'); print('store', typ, b'\\Flagged' in data[0])
# IDLE by hand (imaplib has no idle() before 3.14): another client APPENDs, we see EXISTS.
tag = m._new_tag().decode()
m.send(('%s IDLE\r\n' % tag).encode())
print('cont', m.readline().decode().strip())
def other():
    o = imaplib.IMAP4('127.0.0.1', port); o.login(user, pw)
    o.append('INBOX', None, None, b'Subject: pushed\r\n\r\nhello\r\n'); o.logout()
threading.Thread(target=other).start()
print('push', m.readline().decode().strip())
m.send(b'DONE\r\n')
line = m.readline().decode().strip()
while line.startswith('* '): line = m.readline().decode().strip()  # RECENT follows EXISTS (RFC 3501 §7.3.2)
print('done', line.split(' ', 1)[1])
m.logout()
s = imaplib.IMAP4('127.0.0.1', port); s.starttls(ssl_context=ctx); print('starttls', s.login(user, pw)[0]); s.logout()
t = imaplib.IMAP4_SSL('127.0.0.1', tls_port, ssl_context=ctx); print('imaps', t.login(user, pw)[0]); t.logout()
`;

describe('Python imaplib', () => {
  it('CRAM-MD5, SELECT, SEARCH, FETCH, STORE, IDLE, STARTTLS, IMAPS', async () => {
    const r = await runPeer('python3', ['-c', PY, String(port), String(tlsPort), TEST_USER, TEST_PASSWORD]);
    expect(r.stderr).toBe('');
    const out = Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.split(' ')[0], l.slice(l.indexOf(' ') + 1)]));
    expect(Number(out.exists)).toBeGreaterThan(5);
    expect(Number(out.unseen)).toBeGreaterThan(0);
    expect(out.from).toBe('True');
    expect(out.fetch).toBe('OK True True');
    expect(out.store).toBe('OK True');
    expect(out.cont).toBe('+ idling');
    expect(out.push).toMatch(/^\* \d+ EXISTS$/);
    expect(out.done).toBe('OK Idle completed');
    expect(out.starttls).toBe('OK');
    expect(out.imaps).toBe('OK');
  });
});

describe('imapflow', () => {
  it('LOGIN, FETCH envelopes, APPEND, IDLE sees a new message', async () => {
    const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user: TEST_USER, pass: TEST_PASSWORD }, logger: false });
    await client.connect();
    const lock = await client.getMailboxLock('INBOX');
    try {
      const subjects: string[] = [];
      for await (const msg of client.fetch('1:*', { envelope: true, flags: true, size: true, internalDate: true })) subjects.push(msg.envelope?.subject ?? '');
      expect(subjects.length).toBeGreaterThan(5);
      const appended = await client.append('INBOX', 'Subject: from imapflow\r\n\r\nhi\r\n', ['\\Seen']);
      expect(appended && appended.uid).toBeGreaterThan(0);
      const one = await client.fetchOne(String(appended && appended.uid), { source: true, bodyStructure: true }, { uid: true });
      expect(one && one.source?.toString()).toContain('from imapflow');
      const exists = new Promise<number>((resolve) => client.on('exists', (d: { count: number }) => resolve(d.count)));
      const idling = client.idle();
      const other = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user: TEST_USER, pass: TEST_PASSWORD }, logger: false });
      await other.connect();
      await other.append('INBOX', 'Subject: while idling\r\n\r\nhi\r\n');
      await other.logout();
      expect(await exists).toBeGreaterThan(subjects.length);
      void idling;
    } finally {
      lock.release();
    }
    await client.logout();
    expect(eventsOf(lab).some((e) => e.kind === 'auth' && e.mechanism === 'LOGIN-COMMAND' && e.ok)).toBe(true);
  });
});

const PERL = String.raw`
use strict; use Mail::IMAPClient; use Authen::SASL;
my ($port, $user, $pw) = @ARGV;
my $imap = Mail::IMAPClient->new(Server => '127.0.0.1', Port => $port, User => $user, Password => $pw, Authmechanism => 'DIGEST-MD5')
  or die "connect/login failed: $@\n";
print "auth ", ($imap->IsAuthenticated ? "yes" : "no"), "\n";
$imap->select('INBOX') or die "select: $@\n";
print "count ", $imap->message_count('INBOX'), "\n";
$imap->logout;
`;

describe('Perl Mail::IMAPClient', () => {
  it('DIGEST-MD5 through Authen::SASL', async () => {
    const r = await runPeer('perl', ['-e', PERL, String(port), TEST_USER, TEST_PASSWORD]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^auth yes\ncount \d+\n$/);
    expect(authEvents('DIGEST-MD5').some((e) => e.kind === 'auth' && e.ok)).toBe(true);
  });
});
