/**
 * The TLS layer against independent TLS stacks (gnutls, OpenSSL's s_client, Python's ssl, curl)
 * through a small IMAP-like harness: what a technician sees is that the client completes the
 * handshake, its lines arrive in clear, and the events name version, suite and engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import type { Server } from 'node:net';
import type { TlsEstablishedEvent, TlsFailedEvent } from '../../electron/api.js';
import { GNUTLS_SUITES, GREETING, gnutlsPriority, gnutlsSession, runInteractive, startHarness, startRelay, testPki, waitForEvent, type Harness } from './harness.js';

const VERSIONS = [
  ['TLSv1', 'VERS-TLS1.0'],
  ['TLSv1.1', 'VERS-TLS1.1'],
] as const;

function established(h: Harness, conn?: string): TlsEstablishedEvent[] {
  return h.events().filter((e): e is TlsEstablishedEvent => e.kind === 'tls.established' && (conn === undefined || e.conn === conn));
}

describe.each(['implicit', 'starttls'] as const)('legacy engine with gnutls-cli, %s', (mode) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(mode, { engine: 'legacy' });
  });
  afterAll(() => h.close());

  for (const [vname, vers] of VERSIONS) {
    it(`every legacy suite completes on ${vname} and carries IMAP lines both ways`, async () => {
      const runs = await Promise.all(GNUTLS_SUITES.map(([, p]) => gnutlsSession(h.port, gnutlsPriority(vers, p), mode === 'starttls')));
      for (const [i, r] of runs.entries()) {
        expect(r.stdout, `${GNUTLS_SUITES[i][0]}: ${r.stderr.slice(-400)}`).toContain('a1 OK echo: a1 NOOP');
        expect(r.stdout).toContain('a2 OK bye');
      }
      for (const [name] of GNUTLS_SUITES) {
        const e = established(h).find((x) => x.cipher === name && x.version === vname);
        expect(e, `${name} ${vname}`).toMatchObject({ engine: 'legacy', mode });
      }
    });
  }
});

/** A relay to `port` that passes what the client sends in pieces of 1–7 bytes, a millisecond
 * apart: each record reaches the engine split over many socket reads, as from a slow radio link. */
function fragmentingRelay(port: number): Promise<{ port: number; server: Server }> {
  return startRelay(port, (u) => {
    u.setNoDelay(true);
    let queue: Buffer = Buffer.alloc(0);
    const pump = (): void => {
      if (queue.length === 0 || u.writableEnded) return;
      const n = 1 + Math.floor(Math.random() * 7);
      u.write(queue.subarray(0, n));
      queue = queue.subarray(n);
      setTimeout(pump, 1);
    };
    return (d) => {
      const idle = queue.length === 0;
      queue = Buffer.concat([queue, d]);
      if (idle) pump();
    };
  });
}

describe('legacy engine with records split over many reads', () => {
  let h: Harness;
  let relay: Awaited<ReturnType<typeof fragmentingRelay>>;
  beforeAll(async () => {
    h = await startHarness('implicit', { engine: 'legacy' });
    relay = await fragmentingRelay(h.port);
  });
  afterAll(async () => {
    relay.server.close();
    await h.close();
  });

  it('reassembles the handshake and IMAP lines sent a few bytes at a time (RC4 and AES-CBC)', async () => {
    const suites = ['+ARCFOUR-128:+SHA1', '+AES-128-CBC:+SHA1'];
    const runs = await Promise.all(suites.map((p) => gnutlsSession(relay.port, gnutlsPriority('VERS-TLS1.0', p), false)));
    for (const [i, r] of runs.entries()) {
      expect(r.stdout, `${suites[i]}: ${r.stderr.slice(-400)}`).toContain('a1 OK echo: a1 NOOP');
      expect(r.stdout).toContain('a2 OK bye');
    }
  });
});

describe('auto engine choice with real clients (implicit TLS)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('implicit', { engine: 'auto' });
  });
  afterAll(() => h.close());

  it('gives an RC4-only 2006-style client to the legacy engine and AES-CBC TLS 1.0 to OpenSSL', async () => {
    const [rc4, aes] = await Promise.all([
      gnutlsSession(h.port, gnutlsPriority('VERS-TLS1.0', '+ARCFOUR-128:+MD5'), false),
      gnutlsSession(h.port, gnutlsPriority('VERS-TLS1.0', '+AES-128-CBC:+SHA1'), false),
    ]);
    expect(rc4.stdout).toContain('a1 OK echo');
    expect(aes.stdout).toContain('a1 OK echo');
    expect(established(h).find((e) => e.cipher === 'TLS_RSA_WITH_RC4_128_MD5')).toMatchObject({ engine: 'legacy', version: 'TLSv1' });
    expect(established(h).find((e) => e.cipher === 'TLS_RSA_WITH_AES_128_CBC_SHA')).toMatchObject({ engine: 'modern', version: 'TLSv1' });
    const hello = h.events().find((e) => e.kind === 'tls.hello' && e.cipherSuites.includes('TLS_RSA_WITH_RC4_128_MD5'));
    expect(hello).toMatchObject({ kind: 'tls.hello', clientVersion: 'TLSv1', maxVersion: 'TLSv1', sni: 'localhost' });
  });

  it('a hello with no extensions at all and no RFC 5746 signal (as 2006 phones sent) completes on both engines', async () => {
    const old = '+RSA:+COMP-NULL:+SIGN-ALL:+CTYPE-X509:%DISABLE_SAFE_RENEGOTIATION:%NO_EXTENSIONS';
    const [rc4, aes] = await Promise.all([
      gnutlsSession(h.port, `NONE:+VERS-TLS1.0:+ARCFOUR-128:+SHA1:${old}`, false),
      gnutlsSession(h.port, `NONE:+VERS-TLS1.0:+AES-256-CBC:+SHA1:${old}`, false),
    ]);
    expect(rc4.stdout).toContain('a1 OK echo');
    expect(aes.stdout).toContain('a1 OK echo');
    const bare = h.events().filter((e) => e.kind === 'tls.hello' && e.extensions.length === 0);
    expect(bare).toHaveLength(2);
    expect(established(h).find((e) => e.cipher === 'TLS_RSA_WITH_RC4_128_SHA')).toMatchObject({ engine: 'legacy' });
    expect(established(h).find((e) => e.cipher === 'TLS_RSA_WITH_AES_256_CBC_SHA')).toMatchObject({ engine: 'modern' });
  });

  for (const v of ['-tls1_2', '-tls1_3'] as const) {
    it(`openssl s_client ${v} gets OpenSSL with the lab CA verified`, async () => {
      const pki = testPki();
      const r = await runInteractive('openssl', ['s_client', '-connect', `127.0.0.1:${h.port}`, v, '-CAfile', pki.caFile, '-verify_return_error', '-servername', 'localhost', '-quiet'], [
        { waitFor: GREETING, send: 'a1 NOOP\r\n' },
        { waitFor: 'a1 OK', send: 'a2 LOGOUT\r\n' },
        { waitFor: 'a2 OK' },
      ]);
      expect(r.stdout).toContain('a1 OK echo: a1 NOOP');
      const want = v === '-tls1_2' ? 'TLSv1.2' : 'TLSv1.3';
      expect(established(h).find((e) => e.version === want)).toMatchObject({ engine: 'modern' });
    });
  }

  it('Python ssl forced to TLS 1.0 reads the greeting and logs in through imaplib', async () => {
    const pki = testPki();
    const script = `
import ssl, imaplib, warnings
warnings.simplefilter('ignore')
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.minimum_version = ssl.TLSVersion.TLSv1
ctx.maximum_version = ssl.TLSVersion.TLSv1
ctx.set_ciphers('AES128-SHA:@SECLEVEL=0')
ctx.load_verify_locations(${JSON.stringify(pki.caFile)})
m = imaplib.IMAP4_SSL('localhost', ${h.port}, ssl_context=ctx)
print(m.sock.version(), m.sock.cipher()[0])
print(m.noop())
`;
    const out = await new Promise<string>((resolve) => execFile('python3', ['-c', script], { timeout: 10_000 }, (_e, so, se) => resolve(so + se)));
    expect(out).toContain('TLSv1 AES128-SHA');
    expect(out).toContain("('OK'");
    expect(h.received.some((l) => /NOOP/.test(l))).toBe(true);
  });

  it('curl --tlsv1.0 --tls-max 1.0 completes an IMAPS exchange', async () => {
    const pki = testPki();
    const out = await new Promise<{ code: number; err: string }>((resolve) =>
      execFile(
        'curl',
        ['-sS', '--tlsv1.0', '--tls-max', '1.0', '--ciphers', 'AES128-SHA:@SECLEVEL=0', '--cacert', pki.caFile, '-u', 'phone:secret', '-X', 'NOOP', `imaps://localhost:${h.port}/`],
        { timeout: 10_000 },
        (e, _so, se) => resolve({ code: e ? Number(e.code) : 0, err: se }),
      ),
    );
    expect(out.err).toBe('');
    expect(out.code).toBe(0);
    expect(h.received.some((l) => /LOGIN phone secret/.test(l))).toBe(true);
  });

  it('records unknown_ca when OpenSSL rejects the certificate (TLS 1.2, wrong CA)', async () => {
    const pki = testPki();
    const before = h.events().length;
    await runInteractive('openssl', ['s_client', '-connect', `127.0.0.1:${h.port}`, '-tls1_2', '-CAfile', pki.otherCaFile, '-verify_return_error'], [{ waitFor: /$^/ }], 5000);
    const f = (await waitForEvent({ events: () => h.events().slice(before) }, (e) => e.kind === 'tls.failed')) as TlsFailedEvent;
    expect(f).toMatchObject({ reason: 'client-lacks-ca', alert: 'unknown_ca', alertFrom: 'client' });
  });

  it('records the refusal when a 2006-style client rejects the certificate on the legacy engine', async () => {
    const pki = testPki();
    const before = h.events().length;
    const r = await runInteractive('gnutls-cli', ['--x509cafile', pki.otherCaFile, '-p', String(h.port), '--priority', gnutlsPriority('VERS-TLS1.0', '+3DES-CBC:+SHA1'), 'localhost'], [{ waitFor: /$^/ }], 5000);
    expect(r.stdout + r.stderr).toMatch(/verification of server certificate failed/i);
    const f = (await waitForEvent({ events: () => h.events().slice(before) }, (e) => e.kind === 'tls.failed')) as TlsFailedEvent;
    expect(f).toMatchObject({ alertFrom: 'client' });
    // unknown_ca → the client lacks the CA; bad_certificate → it refused this certificate.
    expect(f.alert === 'unknown_ca' ? 'client-lacks-ca' : f.alert === 'bad_certificate' ? 'client-rejected-certificate' : f.alert).toBe(f.reason);
  });
});

describe('forced engines and the failures they lead to', () => {
  let modern: Harness;
  let legacy: Harness;
  beforeAll(async () => {
    [modern, legacy] = await Promise.all([startHarness('implicit', { engine: 'modern' }), startHarness('implicit', { engine: 'legacy' })]);
  });
  afterAll(async () => {
    await Promise.all([modern.close(), legacy.close()]);
  });

  it('--tls modern refuses an RC4-only phone with handshake_failure: no-shared-cipher, and the hello still says what it offered', async () => {
    const r = await gnutlsSession(modern.port, gnutlsPriority('VERS-TLS1.0', '+ARCFOUR-128:+MD5'), false);
    expect(r.stdout).not.toContain('a1 OK');
    const f = (await waitForEvent(modern, (e) => e.kind === 'tls.failed')) as TlsFailedEvent;
    expect(f).toMatchObject({ reason: 'no-shared-cipher', alert: 'handshake_failure', alertFrom: 'server' });
    expect(modern.events().find((e) => e.kind === 'tls.hello')).toMatchObject({ cipherSuites: ['TLS_RSA_WITH_RC4_128_MD5'], maxVersion: 'TLSv1' });
  });

  it('--tls legacy answers a TLS 1.2-only client with TLS 1.1, which the client refuses: protocol-version', async () => {
    await runInteractive('openssl', ['s_client', '-connect', `127.0.0.1:${legacy.port}`, '-tls1_2'], [{ waitFor: /$^/ }], 5000);
    const f = (await waitForEvent(legacy, (e) => e.kind === 'tls.failed')) as TlsFailedEvent;
    expect(f).toMatchObject({ reason: 'protocol-version', alert: 'protocol_version', alertFrom: 'client' });
  });

  it('--tls legacy serves the first suite of its own preference list, not the client\'s', async () => {
    // gnutls lists RC4-MD5 before AES here; the lab prefers AES-128 (DEFAULT_LEGACY_SUITE_ORDER).
    const r = await gnutlsSession(legacy.port, 'NONE:+VERS-TLS1.0:+ARCFOUR-128:+AES-128-CBC:+MD5:+SHA1:+RSA:+COMP-NULL:+SIGN-ALL:+CTYPE-X509', false);
    expect(r.stdout).toContain('a1 OK echo');
    expect(established(legacy).at(-1)).toMatchObject({ cipher: 'TLS_RSA_WITH_AES_128_CBC_SHA', engine: 'legacy' });
  });
});
