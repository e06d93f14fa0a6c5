/**
 * The TLS layer inside the real lab (electron/lab/lab.ts → IMAP listeners → createTlsAcceptor):
 * independent clients log in, select and fetch through the tunnel, on the IMAPS port and after
 * STARTTLS, and the session file tells which version, suite and engine carried it.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BytesEvent, LabEvent, TlsEstablishedEvent, TlsFailedEvent } from '../../electron/api.js';
import { startLab, type StartedLab } from '../../electron/lab/lab.js';
import { readEvents } from '../../electron/lab/recorder/index.js';
import { GNUTLS_SUITES, gnutlsPriority, runInteractive, testPki, waitForEvent } from './harness.js';
import { tempDir } from '../support/temp.js';

const SUBJECT = 'Subject: Welcome to the Mailprobe test mailbox';

interface Lab {
  lab: StartedLab;
  events: LabEvent[];
  imap: number;
  imaps: number;
  caFile: string;
}

async function lab(tls: 'auto' | 'legacy'): Promise<Lab> {
  const dataDir = tempDir('mailprobe-tls-lab-');
  const l = await startLab({ bind: '127.0.0.1', imapPort: 0, imapsPort: 0, smtpPort: 0, smtpsPort: 0, httpPort: null, dataDir, user: 'phone', password: 'secret', tls });
  const events: LabEvent[] = [];
  l.recorder.subscribe((e) => events.push(e));
  return { lab: l, events, imap: l.listeners.imap!.port, imaps: l.listeners.imaps!.port, caFile: join(dataDir, 'certs', 'ca.pem') };
}

const imapScript = (first: string | RegExp) => [
  { waitFor: first, send: 'a1 LOGIN phone secret\r\n' },
  { waitFor: 'a1 OK', send: 'a2 SELECT INBOX\r\n' },
  { waitFor: 'a2 OK', send: 'a3 FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n' },
  { waitFor: 'a3 OK', send: 'a4 LOGOUT\r\n' },
  { waitFor: 'a4 OK' },
];

function gnutls(l: Lab, priority: string, starttls: boolean) {
  const args = ['--x509cafile', l.caFile, '--verify-allow-broken', '-p', String(starttls ? l.imap : l.imaps), '--priority', priority, ...(starttls ? ['--starttls-proto=imap'] : []), '127.0.0.1'];
  return runInteractive('gnutls-cli', args, imapScript(starttls ? 'Simple Client Mode' : /\* OK/), 15_000);
}

describe('legacy engine in the lab (--tls legacy), gnutls-cli', () => {
  let l: Lab;
  beforeAll(async () => {
    l = await lab('legacy');
  });
  afterAll(() => l.lab.stop());

  for (const starttls of [false, true]) {
    for (const [vname, vers] of [
      ['TLSv1', 'VERS-TLS1.0'],
      ['TLSv1.1', 'VERS-TLS1.1'],
    ] as const) {
      it(`${starttls ? 'STARTTLS on the IMAP port' : 'the IMAPS port'}, ${vname}: each suite logs in, selects and fetches`, async () => {
        const runs = await Promise.all(GNUTLS_SUITES.map(([, p]) => gnutls(l, gnutlsPriority(vers, p), starttls)));
        for (const [i, r] of runs.entries()) {
          expect(r.stdout, `${GNUTLS_SUITES[i][0]}\n${r.stderr.slice(-600)}`).toContain(SUBJECT);
          expect(r.stdout).toContain('a4 OK');
        }
        const mode = starttls ? 'starttls' : 'implicit';
        for (const [name] of GNUTLS_SUITES) {
          const e = l.events.find((x): x is TlsEstablishedEvent => x.kind === 'tls.established' && x.cipher === name && x.version === vname && x.mode === mode);
          expect(e, `${name} ${vname} ${mode}`).toMatchObject({ engine: 'legacy' });
          // The IMAP layer recorded the commands inside TLS, in clear, marked tls: true.
          const c2s = l.events.filter((x): x is BytesEvent => x.kind === 'c2s' && x.conn === e!.conn && x.tls === true).map((x) => x.text ?? '').join('');
          expect(c2s).toContain('a2 SELECT INBOX');
        }
      });
    }
  }

  it('writes tls.hello before tls.established in events.jsonl', async () => {
    const evs = readEvents(l.lab.sessionDir);
    const est = evs.find((e) => e.kind === 'tls.established')!;
    const hello = evs.find((e) => e.kind === 'tls.hello' && e.conn === est.conn)!;
    expect(hello.seq).toBeLessThan(est.seq);
  });
});

describe('auto engine in the lab with other stacks', () => {
  let l: Lab;
  beforeAll(async () => {
    l = await lab('auto');
  });
  afterAll(() => l.lab.stop());

  it('Python and openssl verify the lab trusting only ca.crt (DER), by IP and by name', async () => {
    // Issue 4: the phone installs ca.crt; the same file must be enough for a strict client.
    const caDer = join(l.lab.options.dataDir, 'certs', 'ca.crt');
    const py = [
      'import socket, ssl, sys',
      'ca = ssl.DER_cert_to_PEM_cert(open(sys.argv[1], "rb").read())',
      'for name in ("127.0.0.1", "localhost"):',
      '    ctx = ssl.create_default_context(cadata=ca)',
      '    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # the legacy profile signs with SHA-1 for 2006 phones',
      '    with socket.create_connection(("127.0.0.1", int(sys.argv[2]))) as raw:',
      '        with ctx.wrap_socket(raw, server_hostname=name) as tls:',
      '            print(name, tls.version(), tls.recv(100).decode().split("]")[0][:4])',
    ].join('\n');
    const out = await new Promise<string>((resolve, reject) =>
      execFile('python3', ['-c', py, caDer, String(l.imaps)], { timeout: 15_000 }, (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout))),
    );
    expect(out).toMatch(/^127\.0\.0\.1 TLSv1\.3 \* OK/m);
    expect(out).toMatch(/^localhost TLSv1\.3 \* OK/m);
    // openssl checks the name explicitly; a name the certificate does not cover is refused.
    const caPem = join(l.lab.options.dataDir, 'certs', 'ca.pem');
    const ok = await runInteractive('openssl', ['s_client', '-connect', `127.0.0.1:${l.imaps}`, '-CAfile', caPem, '-verify_return_error', '-verify_hostname', 'localhost', '-cipher', 'DEFAULT:@SECLEVEL=0', '-quiet'], imapScript(/\* OK/), 15_000);
    expect(ok.stdout, ok.stderr.slice(-600)).toContain(SUBJECT);
    const bad = await runInteractive('openssl', ['s_client', '-connect', `127.0.0.1:${l.imaps}`, '-CAfile', caPem, '-verify_return_error', '-verify_hostname', 'not-the-lab.example', '-cipher', 'DEFAULT:@SECLEVEL=0', '-quiet'], [{ waitFor: /$^/ }], 10_000);
    expect(bad.stderr).toMatch(/hostname mismatch/i);
  });

  for (const v of ['-tls1_2', '-tls1_3'] as const) {
    it(`openssl s_client ${v} on the IMAPS port reads the mailbox through OpenSSL`, async () => {
      const r = await runInteractive('openssl', ['s_client', '-connect', `127.0.0.1:${l.imaps}`, v, '-CAfile', l.caFile, '-verify_return_error', '-cipher', 'DEFAULT:@SECLEVEL=0', '-quiet'], imapScript(/\* OK/), 15_000);
      expect(r.stdout, r.stderr.slice(-600)).toContain(SUBJECT);
      const want = v === '-tls1_2' ? 'TLSv1.2' : 'TLSv1.3';
      expect(l.events.find((e) => e.kind === 'tls.established' && e.version === want)).toMatchObject({ engine: 'modern', mode: 'implicit' });
    });
  }

  it('openssl s_client -starttls imap with TLS 1.2', async () => {
    const r = await runInteractive('openssl', ['s_client', '-connect', `127.0.0.1:${l.imap}`, '-starttls', 'imap', '-tls1_2', '-CAfile', l.caFile, '-cipher', 'DEFAULT:@SECLEVEL=0', '-quiet'], imapScript(''), 15_000);
    expect(r.stdout, r.stderr.slice(-600)).toContain(SUBJECT);
    expect(l.events.find((e) => e.kind === 'tls.established' && e.mode === 'starttls')).toMatchObject({ engine: 'modern', version: 'TLSv1.2' });
  });

  it('Python imaplib over TLS 1.0 (implicit and STARTTLS) logs in and fetches', async () => {
    const script = `
import ssl, imaplib, warnings
warnings.simplefilter('ignore')
def ctx():
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.minimum_version = c.maximum_version = ssl.TLSVersion.TLSv1
    c.set_ciphers('AES128-SHA:@SECLEVEL=0')
    c.load_verify_locations(${JSON.stringify(l.caFile)})
    return c
m = imaplib.IMAP4_SSL('127.0.0.1', ${l.imaps}, ssl_context=ctx())
m.login('phone', 'secret'); m.select('INBOX')
print(m.sock.version(), m.fetch('1', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')[1][0][1].decode().strip())
m.logout()
s = imaplib.IMAP4('127.0.0.1', ${l.imap})
s.starttls(ssl_context=ctx())
s.login('phone', 'secret'); s.select('INBOX')
print('starttls', s.sock.version(), s.fetch('1', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')[1][0][1].decode().strip())
s.logout()
`;
    const out = await new Promise<string>((resolve) => execFile('python3', ['-c', script], { timeout: 15_000 }, (_e, so, se) => resolve(so + se)));
    expect(out).toContain(`TLSv1 ${SUBJECT}`);
    expect(out).toContain(`starttls TLSv1 ${SUBJECT}`);
  });

  it('curl --tlsv1.0 --tls-max 1.0 fetches message 1 over IMAPS', async () => {
    const out = await new Promise<{ so: string; se: string }>((resolve) =>
      execFile(
        'curl',
        ['-sS', '--tlsv1.0', '--tls-max', '1.0', '--ciphers', 'AES128-SHA:@SECLEVEL=0', '--cacert', l.caFile, '-u', 'phone:secret', `imaps://127.0.0.1:${l.imaps}/INBOX;UID=1`],
        { timeout: 15_000 },
        (_e, so, se) => resolve({ so, se }),
      ),
    );
    expect(out.so, out.se).toContain(SUBJECT);
    expect(l.events.find((e) => e.kind === 'tls.established' && e.version === 'TLSv1' && e.engine === 'modern')).toBeDefined();
  });

  it('a 2006-style RC4-only client gets the legacy engine from --tls auto and reads the mailbox', async () => {
    const r = await gnutls(l, gnutlsPriority('VERS-TLS1.0', '+ARCFOUR-128:+MD5'), false);
    expect(r.stdout).toContain(SUBJECT);
    expect(l.events.find((e) => e.kind === 'tls.established' && e.cipher === 'TLS_RSA_WITH_RC4_128_MD5')).toMatchObject({ engine: 'legacy', version: 'TLSv1' });
  });

  it('records unknown_ca when the client does not trust the lab CA (OpenSSL, and Python with CERT_REQUIRED)', async () => {
    const n = l.events.length;
    await runInteractive('openssl', ['s_client', '-connect', `127.0.0.1:${l.imaps}`, '-tls1_2', '-CAfile', testPki().otherCaFile, '-verify_return_error', '-cipher', 'DEFAULT:@SECLEVEL=0'], [{ waitFor: /$^/ }], 5000);
    const f1 = (await waitForEvent({ events: () => l.events.slice(n) }, (e) => e.kind === 'tls.failed')) as TlsFailedEvent;
    expect(f1).toMatchObject({ reason: 'client-lacks-ca', alert: 'unknown_ca', alertFrom: 'client', certificate: 'sha256' });
    const m = l.events.length;
    const py = `
import ssl, imaplib
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
c.verify_mode = ssl.CERT_REQUIRED
try:
    imaplib.IMAP4_SSL('127.0.0.1', ${l.imaps}, ssl_context=c)
except ssl.SSLError as e:
    print('refused', e.reason)
`;
    const out = await new Promise<string>((resolve) => execFile('python3', ['-c', py], { timeout: 10_000 }, (_e, so, se) => resolve(so + se)));
    expect(out).toContain('refused CERTIFICATE_VERIFY_FAILED');
    const f2 = (await waitForEvent({ events: () => l.events.slice(m) }, (e) => e.kind === 'tls.failed')) as TlsFailedEvent;
    expect(f2).toMatchObject({ reason: 'client-lacks-ca', alert: 'unknown_ca' });
  });
});
