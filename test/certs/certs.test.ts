import { describe, expect, it, vi } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import {
  CA_VALIDITY_DAYS,
  SERVER_RENEW_BEFORE_DAYS,
  SERVER_VALIDITY_DAYS,
  CertificateHostError,
  ensureLabCertificates,
} from '../../electron/lab/certs/index.js';
import { main } from '../../electron/cli/main.js';
import { IN_USE_DIR, labCertificateHosts, labsUsingCertificates } from '../../electron/lab/certs/index.js';
import { startLab } from '../../electron/lab/lab.js';
import { ROOT } from '../support/cli.js';
import { runPeer as run } from '../support/run.js';
import { tmp } from './helpers.js';

const DAY = 24 * 60 * 60 * 1000;

/** The openssl text dump of a DER certificate. */
async function x509Text(derPath: string): Promise<string> {
  const r = await run('openssl', ['x509', '-inform', 'DER', '-in', derPath, '-noout', '-text']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** ca.crt (DER, what the phone gets) converted to PEM by openssl, as a trust file. */
async function caPemFromDer(dir: string): Promise<string> {
  const out = join(dir, 'ca-from-der.pem');
  const r = await run('openssl', ['x509', '-inform', 'DER', '-in', join(dir, 'ca.crt'), '-out', out]);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

describe('the hosts of the lab certificate', () => {
  it('puts the LAN address first (the CN), then loopback and the machine names; skips a name DNS cannot carry', () => {
    expect(labCertificateHosts('192.168.1.20', 'Tech-Laptop')).toEqual(['192.168.1.20', '127.0.0.1', 'localhost', 'tech-laptop']);
    expect(labCertificateHosts('127.0.0.1', 'bad host!')).toEqual(['127.0.0.1', 'localhost']);
  });
});

describe('lab certificates', () => {
  it('creates a SHA-1 CA and both server certificates (SHA-256 and SHA-1, one key) that openssl reads from DER and verifies', async () => {
    const dir = tmp();
    const c = await ensureLabCertificates({ outDir: dir, hosts: ['192.168.1.20', 'Lab.Local'] });
    expect(c.caCreated).toBe(true);
    expect(c.caSignature).toBe('sha1');
    expect(c.hosts).toEqual(['192.168.1.20', 'lab.local']);
    for (const f of ['ca.crt', 'ca.pem', 'ca.key', 'server.crt', 'server.pem', 'server-sha1.crt', 'server-sha1.pem', 'server.key']) expect(existsSync(join(dir, f))).toBe(true);
    expect(statSync(join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'server.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'ca.crt')).equals(c.caCertDer)).toBe(true);
    expect(c.caCertDer[0]).toBe(0x30); // DER SEQUENCE, not "-----BEGIN"

    const server = await x509Text(join(dir, 'server.crt'));
    expect(server).toContain('Version: 3');
    expect(server).toContain('Signature Algorithm: sha256WithRSAEncryption');
    const sha1Server = await x509Text(join(dir, 'server-sha1.crt'));
    expect(sha1Server).toContain('Signature Algorithm: sha1WithRSAEncryption');
    // Same key, same names: only the signature differs.
    const modulus = (t: string) => /Modulus:([\s\S]*?)Exponent/.exec(t)![1];
    expect(modulus(sha1Server)).toBe(modulus(server));
    expect(sha1Server).toContain('IP Address:192.168.1.20, DNS:lab.local');
    expect(server).toContain('Public-Key: (2048 bit)');
    expect(server).toMatch(/Subject: CN ?= ?192\.168\.1\.20/);
    expect(server).toContain('IP Address:192.168.1.20, DNS:lab.local');
    expect(server).toContain('TLS Web Server Authentication');
    expect(server).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(server).toContain('CA:FALSE');
    const ca = await x509Text(join(dir, 'ca.crt'));
    expect(ca).toContain('Signature Algorithm: sha1WithRSAEncryption');
    expect(ca).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(ca).toContain('Certificate Sign, CRL Sign');
    // Valid from a day back: a phone whose clock is behind still accepts it.
    const notBefore = /Not Before: (.+)/.exec(ca)![1];
    expect(Date.now() - Date.parse(notBefore)).toBeGreaterThan(DAY - 60_000);

    const caPem = await caPemFromDer(dir);
    for (const [der, level] of [['server.crt', '2'], ['server-sha1.crt', '0']]) {
      // The SHA-256 one at security level 2 (above OpenSSL 3's default 1) under the SHA-1 CA: the
      // trust anchor's own signature is not checked. The SHA-1 one only where SHA-1 is allowed.
      const srvPem = join(dir, `${der}-from-der.pem`);
      await run('openssl', ['x509', '-inform', 'DER', '-in', join(dir, der), '-out', srvPem]);
      const v = await run('openssl', ['verify', '-auth_level', level, '-CAfile', caPem, srvPem]);
      expect(v.stdout + v.stderr, der).toContain(': OK');
      expect(v.code).toBe(0);
    }
    const weak = await run('openssl', ['verify', '-auth_level', '1', '-CAfile', caPem, join(dir, 'server-sha1.pem')]);
    expect(weak.stdout + weak.stderr).toContain('CA signature digest algorithm too weak');
    const fp = await run('openssl', ['x509', '-inform', 'DER', '-in', join(dir, 'ca.crt'), '-noout', '-fingerprint', '-sha1']);
    expect(fp.stdout).toContain(c.caSha1);
  });

  it('reuses the CA, keeps the server cert for the same hosts, reissues when the address changes', async () => {
    const dataDir = tmp();
    const a = await ensureLabCertificates({ dataDir, hosts: ['10.0.0.5', 'phone.lab'] });
    expect(a.dir).toBe(join(dataDir, 'certs'));
    chmodSync(join(a.dir, 'ca.key'), 0o644); // someone loosened it: the next run tightens it again
    const same = await ensureLabCertificates({ dataDir, hosts: ['phone.lab', '10.0.0.5'] });
    expect(statSync(join(a.dir, 'ca.key')).mode & 0o777).toBe(0o600);
    expect(same.caCreated).toBe(false);
    expect(same.serverIssued).toBe(false);
    expect(same.serverCertDer.equals(a.serverCertDer)).toBe(true);
    const moved = await ensureLabCertificates({ dataDir, hosts: ['10.0.0.9'] });
    expect(moved.caSha256).toBe(a.caSha256); // a phone configured once keeps working
    expect(moved.serverIssued).toBe(true);
    expect(moved.hosts).toEqual(['10.0.0.9']);
    expect(moved.serverCertDer.equals(a.serverCertDer)).toBe(false);
    const fresh = await ensureLabCertificates({ dataDir, hosts: ['10.0.0.9'], newCa: true });
    expect(fresh.caCreated).toBe(true);
    expect(fresh.caSha256).not.toBe(a.caSha256);
    expect(fresh.serverIssued).toBe(true);
  });

  it('reissues a server certificate that expires soon, and one whose key or files are broken', async () => {
    const dir = tmp();
    const a = await ensureLabCertificates({ outDir: dir, hosts: ['10.1.1.1'] });
    const later = new Date(Date.now() + (SERVER_VALIDITY_DAYS - SERVER_RENEW_BEFORE_DAYS + 1) * DAY);
    const renewed = await ensureLabCertificates({ outDir: dir, hosts: ['10.1.1.1'], now: later });
    expect(renewed.serverIssued).toBe(true);
    expect(renewed.caCreated).toBe(false);
    expect(SERVER_VALIDITY_DAYS).toBeLessThan(CA_VALIDITY_DAYS);
    writeFileSync(join(dir, 'server.pem'), 'garbage');
    const repaired = await ensureLabCertificates({ outDir: dir, hosts: ['10.1.1.1'] });
    expect(repaired.serverIssued).toBe(true);
    expect(repaired.caSha1).toBe(a.caSha1);
  });

  it('upgrades a directory of an older version: its SHA-1 server.pem becomes the SHA-256 one, the CA stays', async () => {
    const dir = tmp();
    const a = await ensureLabCertificates({ outDir: dir, hosts: ['localhost'] });
    // What the old default profile left: server.pem signed with SHA-1, no server-sha1 files.
    writeFileSync(join(dir, 'server.pem'), readFileSync(join(dir, 'server-sha1.pem')));
    writeFileSync(join(dir, 'server.crt'), readFileSync(join(dir, 'server-sha1.crt')));
    for (const f of ['server-sha1.pem', 'server-sha1.crt']) rmSync(join(dir, f));
    const b = await ensureLabCertificates({ outDir: dir, hosts: ['localhost'] });
    expect(b.caCreated).toBe(false);
    expect(b.caResigned).toBe(false);
    expect(b.caSha256).toBe(a.caSha256); // phones that installed the CA keep it
    expect(b.serverIssued).toBe(true);
    expect(await x509Text(join(dir, 'server.crt'))).toContain('sha256WithRSAEncryption');
    expect(await x509Text(join(dir, 'server-sha1.crt'))).toContain('sha1WithRSAEncryption');
    const v = await run('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'server.pem')]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it('re-signs a SHA-256 CA of an older version with SHA-1 under the same key and name; the old ca.pem still verifies', async () => {
    const dir = tmp();
    // An older version's `--profile modern` CA: RSA 2048, self-signed with SHA-256.
    const at = (f: string) => (f.startsWith('/') ? f : join(dir, f));
    const ossl = (args: string[]) => run('openssl', args.map((a) => (/\.(pem|key)$/.test(a) ? at(a) : a)));
    expect((await ossl(['genrsa', '-traditional', '-out', 'ca.key', '2048'])).code).toBe(0);
    const mk = await ossl(['req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '3650', '-subj', '/CN=Mailprobe Lab CA 0A1B2C/O=Mailprobe', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.pem']);
    expect(mk.code, mk.stderr).toBe(0);
    const oldCa = join(dir, 'old-ca.pem');
    writeFileSync(oldCa, readFileSync(join(dir, 'ca.pem')));
    const c = await ensureLabCertificates({ outDir: dir, hosts: ['localhost'] });
    expect(c.caCreated).toBe(false);
    expect(c.caResigned).toBe(true);
    expect(c.caSignature).toBe('sha1');
    expect(c.caName).toBe('Mailprobe Lab CA 0A1B2C');
    expect(c.warnings?.join(' ')).toMatch(/re-signed with SHA-1 under the same key and name/);
    const ca = await x509Text(join(dir, 'ca.crt'));
    expect(ca).toContain('Signature Algorithm: sha1WithRSAEncryption');
    expect(ca).toMatch(/Subject: CN ?= ?Mailprobe Lab CA 0A1B2C, O ?= ?Mailprobe/);
    const pub = async (f: string) => (await ossl(['x509', '-in', f, '-noout', '-pubkey'])).stdout;
    expect(await pub('ca.pem')).toBe(await pub(oldCa));
    // A computer that trusted the old CA verifies the new server certificate; so does the new CA.
    for (const anchor of [oldCa, join(dir, 'ca.pem')]) {
      const v = await ossl(['verify', '-CAfile', anchor, 'server.pem']);
      expect(v.code, v.stdout + v.stderr).toBe(0);
    }
    // Nothing left to do on the next run.
    const again = await ensureLabCertificates({ outDir: dir, hosts: ['localhost'] });
    expect(again.caResigned).toBe(false);
    expect(again.caSha256).toBe(c.caSha256);
    expect(again.serverIssued).toBe(false);
  });

  it('a lab started on a data directory with such a CA says so in its warnings', async () => {
    const dataDir = tmp('mp-old-ca-');
    const certDir = join(dataDir, 'certs');
    mkdirSync(certDir, { recursive: true, mode: 0o700 });
    expect((await run('openssl', ['genrsa', '-traditional', '-out', join(certDir, 'ca.key'), '2048'])).code).toBe(0);
    const mk = await run('openssl', ['req', '-x509', '-new', '-key', join(certDir, 'ca.key'), '-sha256', '-days', '3650', '-subj', '/CN=Mailprobe Lab CA 0D0D0D/O=Mailprobe', '-addext', 'basicConstraints=critical,CA:TRUE', '-out', join(certDir, 'ca.pem')]);
    expect(mk.code, mk.stderr).toBe(0);
    const lab = await startLab({ bind: '127.0.0.1', imapPort: 0, imapsPort: 0, httpPort: null, dataDir });
    try {
      expect(lab.warnings.join(' ')).toMatch(/re-signed with SHA-1 under the same key and name/);
      expect(await x509Text(join(certDir, 'ca.crt'))).toContain('Signature Algorithm: sha1WithRSAEncryption');
    } finally {
      await lab.stop();
    }
  });

  it('refuses wildcards and junk before writing anything', async () => {
    const dir = join(tmp(), 'never');
    await expect(ensureLabCertificates({ outDir: dir, hosts: ['*.example.com'] })).rejects.toBeInstanceOf(CertificateHostError);
    await expect(ensureLabCertificates({ outDir: dir, hosts: ['*'] })).rejects.toThrow(/wildcard/);
    await expect(ensureLabCertificates({ outDir: dir, hosts: [] })).rejects.toThrow(/at least one host/);
    await expect(ensureLabCertificates({ outDir: dir, hosts: ['bad host'] })).rejects.toThrow(/neither an IP/);
    expect(existsSync(dir)).toBe(false);
  });

  it('two listeners asking at once get one CA', async () => {
    const dir = tmp();
    const [a, b] = await Promise.all([
      ensureLabCertificates({ outDir: dir, hosts: ['127.0.0.1'] }),
      ensureLabCertificates({ outDir: dir, hosts: ['127.0.0.1'] }),
    ]);
    expect(a.caSha256).toBe(b.caSha256);
    expect(a.serverCertDer.equals(b.serverCertDer)).toBe(true);
  });
});

describe('TLS with the lab certificates', () => {
  async function tlsServer(certs: { serverCertPem: string; serverKeyPem: string }): Promise<{ server: TlsServer; port: number }> {
    const server = createTlsServer(
      { cert: certs.serverCertPem, key: certs.serverKeyPem, ciphers: 'DEFAULT:@SECLEVEL=0', minVersion: 'TLSv1' },
      (s) => s.end('* OK hello\r\n'),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { server, port: (server.address() as AddressInfo).port };
  }

  it('python and openssl complete a verified handshake trusting only ca.crt, by IP and by name', async () => {
    const dir = tmp();
    const certs = await ensureLabCertificates({ outDir: dir, hosts: ['127.0.0.1', 'localhost'] });
    const caPem = await caPemFromDer(dir);
    const { server, port } = await tlsServer(certs);
    try {
      const py = `
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
ctx.set_ciphers('DEFAULT:@SECLEVEL=0')
for name in ('127.0.0.1', 'localhost'):
    with socket.create_connection(('127.0.0.1', int(sys.argv[2]))) as raw:
        with ctx.wrap_socket(raw, server_hostname=name) as s:
            print(name, s.version(), s.recv(100).decode().strip())
try:
    with socket.create_connection(('127.0.0.1', int(sys.argv[2]))) as raw:
        ctx.wrap_socket(raw, server_hostname='other.example')
    print('other accepted')
except ssl.SSLCertVerificationError as e:
    print('other refused', e.verify_message)
`;
      const r = await run('python3', ['-c', py, caPem, String(port)]);
      expect(r.stderr).not.toMatch(/Traceback/);
      expect(r.stdout).toMatch(/^127\.0\.0\.1 TLSv1\.\d \* OK hello$/m);
      expect(r.stdout).toMatch(/^localhost TLSv1\.\d \* OK hello$/m);
      expect(r.stdout).toMatch(/other refused .*mismatch/i);

      for (const verify of [['-verify_ip', '127.0.0.1'], ['-verify_hostname', 'localhost']]) {
        const o = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', caPem, '-verify_return_error', '-cipher', 'DEFAULT:@SECLEVEL=0', ...verify], { input: '' });
        expect(o.stdout).toContain('Verify return code: 0 (ok)');
      }
      // TLS 1.0 with the suite family the Nokia era speaks (RSA key exchange, CBC).
      const old = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', caPem, '-verify_return_error', '-tls1', '-cipher', 'AES128-SHA:@SECLEVEL=0', '-verify_ip', '127.0.0.1'], { input: '' });
      expect(old.stdout).toMatch(/Protocol\s*: TLSv1\n/);
      expect(old.stdout).toContain('Verify return code: 0 (ok)');
      // GnuTLS, the one stack here that still speaks the era's suites, verifies the SHA-1 chain by name.
      const g = await run('gnutls-cli', [
        '--priority', 'NONE:+VERS-TLS1.0:+AES-128-CBC:+SHA1:+RSA:+COMP-NULL:+SIGN-ALL:+CTYPE-X509',
        '--x509cafile', caPem, '--verify-allow-broken', '-p', String(port), 'localhost',
      ], { input: '' });
      expect(g.stdout).toContain('The certificate is trusted');
      expect(g.stdout).toContain('(TLS1.0-X.509)-(RSA)-(AES-128-CBC)-(SHA1)');
      expect(g.stdout).toContain('* OK hello');
    } finally {
      server.close();
    }
  });
});

describe('mailprobe cert', () => {
  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    try {
      const code = await main(['cert', ...args]);
      return { code, out, err };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  it('writes the files and prints them with the CA fingerprints; repeated and comma hosts', async () => {
    const dir = tmp();
    const r = await cli(['--out', dir, '--host', '10.0.0.5,phone.lab', '--host', '::1', '--profile', 'modern']);
    expect(r.code, r.err).toBe(0);
    const sha1 = (await run('openssl', ['x509', '-inform', 'DER', '-in', join(dir, 'ca.crt'), '-noout', '-fingerprint', '-sha1'])).stdout.split('=')[1].trim();
    expect(r.out).toContain(sha1);
    expect(r.out).toMatch(/SHA-256 [0-9A-F:]{95}/);
    for (const f of ['ca.crt', 'ca.pem', 'ca.key', 'server.crt', 'server.pem', 'server-sha1.crt', 'server-sha1.pem', 'server.key']) expect(r.out).toContain(join(dir, f));
    // --profile modern no longer means "one SHA-256 certificate": the output says both were written.
    expect(r.out).toMatch(/note: --profile modern no longer chooses one signature: both server certificates were written/);
    expect(r.out).toMatch(/SHA-256 for current clients and SHA-1 for phones/);
    expect(await x509Text(join(dir, 'server.crt'))).toContain('sha256WithRSAEncryption');
    expect(await x509Text(join(dir, 'server-sha1.crt'))).toContain('sha1WithRSAEncryption');
    expect(await x509Text(join(dir, 'server.crt'))).toContain('IP Address:10.0.0.5, DNS:phone.lab, IP Address:0:0:0:0:0:0:0:1');
    const again = await cli(['--out', dir, '--host', '10.0.0.5', '--new-ca']);
    expect(again.code).toBe(0);
    expect(again.out).toContain('created');
    expect(again.out).not.toContain(sha1);
    expect(again.out).not.toContain('note: --profile');
  });

  it('exits 2 with one line on bad usage', async () => {
    const dir = tmp();
    for (const [args, msg] of [
      [['--out', dir], /--host/],
      [['--out', dir, '--host', '*.lab.example'], /wildcard/],
      [['--out', dir, '--host', '10.0.0.1', '--profile', 'sha512'], /--profile must be one of legacy, modern/],
      [['--out', dir, '--host', '10.0.0.1', '--bogus'], /bogus/],
    ] as Array<[string[], RegExp]>) {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(join(dir, 'ca.key'))).toBe(false);
  });
});

describe('a running lab and --new-ca', () => {
  it('refuses to replace the CA a running lab serves, and allows it once the lab has stopped', async () => {
    const dataDir = tmp('mp-inuse-');
    const lab = await startLab({ bind: '127.0.0.1', imapPort: 0, imapsPort: 0, smtpPort: 0, smtpsPort: 0, httpPort: 0, dataDir });
    const certDir = join(dataDir, 'certs');
    const before = readFileSync(join(certDir, 'ca.crt'));
    // Another process (a lab killed with SIGKILL) left a mark: it does not count once it is gone.
    writeFileSync(join(certDir, IN_USE_DIR, '999999'), '');
    const child = await run(process.execPath, [join(ROOT, 'bin', 'mailprobe.js'), 'cert', '--data-dir', dataDir, '--host', '127.0.0.1', '--new-ca']);
    expect(child.code).toBe(2);
    expect(child.stderr).toMatch(new RegExp(`running lab \\(pid ${process.pid}\\)`));
    expect(readFileSync(join(certDir, 'ca.crt')).equals(before)).toBe(true);
    expect(labsUsingCertificates(certDir, -1)).toEqual([process.pid]);
    await lab.stop();
    expect(labsUsingCertificates(certDir, -1)).toEqual([]);
    const again = await run(process.execPath, [join(ROOT, 'bin', 'mailprobe.js'), 'cert', '--data-dir', dataDir, '--host', '127.0.0.1', '--new-ca']);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(certDir, 'ca.crt')).equals(before)).toBe(false);
  });
});
