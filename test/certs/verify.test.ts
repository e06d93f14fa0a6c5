/**
 * Every current TLS stack on this machine verifies the real lab trusting only its `ca.pem`, on
 * the IMAPS port and through STARTTLS, by IP address and by name: OpenSSL (s_client, Python's
 * default SSLContext, curl), Node (tls with `ca`, imapflow) and GnuTLS (gnutls-cli, the stack mutt
 * uses). They get the SHA-256 server certificate; a 2006-style RC4-MD5 client still gets the SHA-1
 * one under the same CA (electron/lab/tls/certificate-choice.ts). The lab's CA is the one it
 * makes itself in a fresh data directory, as a user's first run would.
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent, TlsEstablishedEvent } from '../../electron/api.js';
import { diagnose } from '../../electron/lab/diagnosis/index.js';
import { startLab, type StartedLab } from '../../electron/lab/lab.js';
import { runInteractive } from '../tls/harness.js';
import { waitFor } from '../support/lab.js';
import { runPeer } from '../support/run.js';
import { tempDir } from '../support/temp.js';

const USER = 'phone';
const PASS = 'secret';
const SUBJECT = 'Welcome to the Mailprobe test mailbox';
const HOSTS = ['127.0.0.1', 'localhost'] as const;
const MODES = ['imaps', 'starttls'] as const;
type Mode = (typeof MODES)[number];

let lab: StartedLab;
let caFile: string;
const events: LabEvent[] = [];
const port = (mode: Mode): number => (mode === 'imaps' ? lab.listeners.imaps!.port : lab.listeners.imap!.port);

beforeAll(async () => {
  const dataDir = tempDir('mp-verify-');
  lab = await startLab({ bind: '127.0.0.1', imapPort: 0, imapsPort: 0, httpPort: null, dataDir, user: USER, password: PASS });
  lab.recorder.subscribe((e) => events.push(e));
  caFile = join(dataDir, 'certs', 'ca.pem');
});
afterAll(() => lab.stop());

/** The tls.established events of the connections `fn` opened, once the lab has seen them close. */
async function established(fn: () => Promise<unknown>): Promise<TlsEstablishedEvent[]> {
  const before = events.length;
  await fn();
  const mine = new Set(events.slice(before).filter((e) => e.kind === 'conn.open').map((e) => e.conn));
  await waitFor(() => [...mine].every((c) => events.some((e) => e.kind === 'conn.close' && e.conn === c)), 5000, 'the lab to see the close');
  return events.filter((e): e is TlsEstablishedEvent => e.kind === 'tls.established' && mine.has(e.conn));
}

const imapScript = (first: string | RegExp) => [
  { waitFor: first, send: `a1 LOGIN ${USER} ${PASS}\r\n` },
  { waitFor: 'a1 OK', send: 'a2 SELECT INBOX\r\n' },
  { waitFor: 'a2 OK', send: 'a3 FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n' },
  { waitFor: 'a3 OK', send: 'a4 LOGOUT\r\n' },
  { waitFor: 'a4 OK' },
];

describe('modern clients verify the lab trusting only ca.pem', () => {
  for (const mode of MODES) {
    for (const host of HOSTS) {
      const where = `${mode === 'imaps' ? 'IMAPS' : 'STARTTLS'} by ${host === 'localhost' ? 'name' : 'IP'}`;

      it(`openssl s_client -verify_return_error, ${where}`, async () => {
        const verify = host === 'localhost' ? ['-verify_hostname', host, '-servername', host] : ['-verify_ip', host];
        const args = ['s_client', '-connect', `127.0.0.1:${port(mode)}`, '-CAfile', caFile, '-verify_return_error', ...verify, ...(mode === 'starttls' ? ['-starttls', 'imap'] : [])];
        const tls = await established(async () => {
          const r = await runInteractive('openssl', args, imapScript('Verify return code: 0 (ok)'), 15_000);
          expect(r.stdout, r.stderr).toContain('Verify return code: 0 (ok)');
          expect(r.stdout).toContain(`Subject: ${SUBJECT}`);
        });
        expect(tls).toEqual([expect.objectContaining({ certificate: 'sha256', mode: mode === 'imaps' ? 'implicit' : 'starttls' })]);
      });

      it(`Python imaplib with a default SSLContext, ${where}`, async () => {
        const py = `
import imaplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
host, port, mode = sys.argv[2], int(sys.argv[3]), sys.argv[4]
if mode == 'imaps':
    c = imaplib.IMAP4_SSL(host, port, ssl_context=ctx)
else:
    c = imaplib.IMAP4(host, port)
    c.starttls(ssl_context=ctx)
c.login('${USER}', '${PASS}')
c.select('INBOX')
typ, data = c.fetch('1', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
print(c.sock.version(), data[0][1].decode().strip())
c.logout()
`;
        const tls = await established(async () => {
          const r = await runPeer('python3', ['-c', py, caFile, host, String(port(mode)), mode]);
          expect(r.stderr).toBe('');
          expect(r.stdout).toMatch(new RegExp(`^TLSv1\\.3 Subject: ${SUBJECT}`));
        });
        expect(tls).toEqual([expect.objectContaining({ certificate: 'sha256', version: 'TLSv1.3' })]);
      });

      it(`imapflow (Node tls) with ca, ${where}`, async () => {
        const tls = await established(async () => {
          const client = new ImapFlow({
            host,
            port: port(mode),
            secure: mode === 'imaps',
            doSTARTTLS: mode === 'starttls' ? true : undefined,
            auth: { user: USER, pass: PASS },
            tls: { ca: [readFileSync(caFile, 'utf8')] },
            logger: false,
          });
          await client.connect();
          const lock = await client.getMailboxLock('INBOX');
          try {
            const msg = await client.fetchOne('1', { envelope: true });
            expect(msg && msg.envelope?.subject).toBe(SUBJECT);
          } finally {
            lock.release();
          }
          await client.logout();
        });
        expect(tls).toEqual([expect.objectContaining({ certificate: 'sha256' })]);
      });

      it(`gnutls-cli --x509cafile (mutt's TLS stack), ${where}`, async () => {
        const args = ['--x509cafile', caFile, '-p', String(port(mode)), ...(mode === 'starttls' ? ['--starttls-proto=imap'] : []), host];
        const tls = await established(async () => {
          const r = await runInteractive('gnutls-cli', args, imapScript(mode === 'starttls' ? 'Simple Client Mode' : /\* OK/), 15_000);
          expect(r.stdout + r.stderr).toContain('The certificate is trusted');
          expect(r.stdout).toContain(`Subject: ${SUBJECT}`);
        });
        expect(tls).toEqual([expect.objectContaining({ certificate: 'sha256' })]);
      });

      it(`curl --cacert, ${where}`, async () => {
        const url = `${mode === 'imaps' ? 'imaps' : 'imap'}://${host}:${port(mode)}/INBOX/;MAILINDEX=1`;
        const tls = await established(async () => {
          const r = await runPeer('curl', ['-sS', '--cacert', caFile, ...(mode === 'starttls' ? ['--ssl-reqd'] : []), '-u', `${USER}:${PASS}`, url]);
          expect(r.stderr).toBe('');
          expect(r.code).toBe(0);
          expect(r.stdout).toContain(`Subject: ${SUBJECT}`);
        });
        expect(tls).toEqual([expect.objectContaining({ certificate: 'sha256' })]);
      });
    }
  }

  it('Node tls.connect with ca, IMAPS by IP and by name, reports the connection authorized', async () => {
    const ca = readFileSync(caFile);
    for (const host of HOSTS) {
      const out = await new Promise<{ authorized: boolean; greeting: string }>((resolve, reject) => {
        const s = tlsConnect({ host, port: port('imaps'), ca, ...(host === 'localhost' ? { servername: host } : {}) }, () => {
          s.once('data', (d: Buffer) => {
            resolve({ authorized: s.authorized, greeting: d.toString('latin1') });
            s.end('a1 LOGOUT\r\n');
          });
        });
        s.on('error', reject);
      });
      expect(out.authorized, host).toBe(true);
      expect(out.greeting).toMatch(/^\* OK/);
    }
    // …and through STARTTLS on a plain socket, as a client library does it.
    const authorized = await new Promise<boolean>((resolve, reject) => {
      const raw = netConnect(port('starttls'), '127.0.0.1');
      let buf = '';
      raw.on('error', reject);
      raw.on('data', function onData(d: Buffer) {
        buf += d.toString('latin1');
        if (/^\* OK/m.test(buf) && !buf.includes('a1 ')) raw.write('a1 STARTTLS\r\n');
        if (/^a1 OK/m.test(buf)) {
          raw.off('data', onData);
          const s = tlsConnect({ socket: raw, ca, servername: 'localhost' }, () => {
            resolve(s.authorized);
            s.end('a2 LOGOUT\r\n');
          });
          s.on('error', reject);
        }
      });
    });
    expect(authorized).toBe(true);
  });

  it('a 2006-style client (gnutls-cli, TLS 1.0 RC4-MD5) still gets the SHA-1 certificate under the same CA', async () => {
    const priority = 'NONE:+VERS-TLS1.0:+ARCFOUR-128:+MD5:+RSA:+COMP-NULL:+SIGN-ALL:+CTYPE-X509';
    for (const mode of MODES) {
      const args = ['--x509cafile', caFile, '--verify-allow-broken', '--priority', priority, '-p', String(port(mode)), ...(mode === 'starttls' ? ['--starttls-proto=imap'] : []), 'localhost'];
      const tls = await established(async () => {
        const r = await runInteractive('gnutls-cli', args, imapScript(mode === 'starttls' ? 'Simple Client Mode' : /\* OK/), 15_000);
        expect(r.stdout + r.stderr).toContain('The certificate is trusted');
        expect(r.stdout).toContain('(TLS1.0-X.509)-(RSA)-(ARCFOUR-128)-(MD5)');
        expect(r.stdout).toContain(`Subject: ${SUBJECT}`);
      });
      expect(tls).toEqual([expect.objectContaining({ certificate: 'sha1', engine: 'legacy', cipher: 'TLS_RSA_WITH_RC4_128_MD5' })]);
    }
    // The SHA-1 one is what a modern stack refuses, which is why it is not what they get.
    const s1 = join(lab.options.dataDir, 'certs', 'server-sha1.pem');
    const r = await runPeer('openssl', ['verify', '-auth_level', '1', '-CAfile', caFile, s1]);
    expect(r.stdout + r.stderr).toContain('CA signature digest algorithm too weak');
  });

  it('the diagnosis of all these sessions reports no TLS or certificate problem', () => {
    const d = diagnose(events);
    const ids = d.findings.map((f) => f.id);
    expect(ids).not.toContain('tls-handshake-failed');
    expect(ids).not.toContain('tls-no-command');
    expect(events.filter((e) => e.kind === 'tls.failed')).toEqual([]);
    // Every certificate names what the clients asked for.
    for (const e of events) if (e.kind === 'tls.established') expect(e.certificateNames).toEqual(expect.arrayContaining(['127.0.0.1', 'localhost']));
  });
});

describe('--tls modern does not keep SHA-1 for current clients', () => {
  let modern: StartedLab;
  let ca: string;
  beforeAll(async () => {
    const dataDir = tempDir('mp-verify-modern-');
    modern = await startLab({ bind: '127.0.0.1', imapPort: 0, imapsPort: 0, httpPort: null, dataDir, user: USER, password: PASS, tls: 'modern' });
    ca = join(dataDir, 'certs', 'ca.pem');
  });
  afterAll(() => modern.stop());

  it('Python with a default SSLContext verifies (SHA-256); a TLS 1.0 AES128-SHA client on the same engine gets SHA-1', async () => {
    const seen: LabEvent[] = [];
    modern.recorder.subscribe((e) => seen.push(e));
    const py = `
import imaplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
c = imaplib.IMAP4_SSL('localhost', int(sys.argv[2]), ssl_context=ctx)
c.login('${USER}', '${PASS}'); c.logout()
old = ssl.create_default_context(cafile=sys.argv[1])
old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1
old.set_ciphers('AES128-SHA:@SECLEVEL=0')
c = imaplib.IMAP4_SSL('localhost', int(sys.argv[2]), ssl_context=old)
print(c.sock.version(), c.sock.cipher()[0])
c.login('${USER}', '${PASS}'); c.logout()
`;
    const r = await runPeer('python3', ['-W', 'ignore::DeprecationWarning', '-c', py, ca, String(modern.listeners.imaps!.port)]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('TLSv1 AES128-SHA');
    await waitFor(() => seen.filter((e) => e.kind === 'conn.close').length === 2, 5000, 'both closes');
    const tls = seen.filter((e): e is TlsEstablishedEvent => e.kind === 'tls.established');
    expect(tls.map((e) => [e.engine, e.version, e.certificate])).toEqual([
      ['modern', 'TLSv1.3', 'sha256'],
      ['modern', 'TLSv1', 'sha1'],
    ]);
  });
});
