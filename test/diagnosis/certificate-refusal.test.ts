/**
 * Real clients refuse the lab's certificate for different reasons, and the diagnosis must tell
 * them apart (../../electron/lab/diagnosis/certificate-refusal.ts): "install the CA" only when the
 * client lacks it (unknown_ca); otherwise the property it refused — a SHA-1 signature (what every
 * lab served before it had a SHA-256 certificate), a name the certificate does not cover — whether
 * it said so with an alert, closed during the handshake (GnuTLS), or closed right after it (curl).
 * And a client that verifies and works gets no TLS finding at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, LabEvent } from '../../electron/api.js';
import { ensureLabCertificates, type LabCertificates } from '../../electron/lab/certs/index.js';
import { diagnose } from '../../electron/lab/diagnosis/index.js';
import { startLab, type StartedLab } from '../../electron/lab/lab.js';
import { runPeer } from '../support/run.js';
import { waitFor } from '../support/lab.js';
import { session } from './helpers.js';
import { tempDir } from '../support/temp.js';

let certs: LabCertificates;
/** As the lab serves today: SHA-256 to current clients, SHA-1 to 2006 phones. */
let lab: StartedLab;
/** As every lab served before: the SHA-1 certificate to everyone. */
let sha1Lab: StartedLab;
const recorded = new Map<StartedLab, LabEvent[]>();

async function start(c: LabCertificates): Promise<StartedLab> {
  const l = await startLab({ bind: '127.0.0.1', imapPort: 0, imapsPort: 0, httpPort: null, dataDir: tempDir('mp-refusal-'), user: 'phone', password: 'secret', certificates: c });
  const evs: LabEvent[] = [];
  l.recorder.subscribe((e) => evs.push(e));
  recorded.set(l, evs);
  return l;
}

beforeAll(async () => {
  certs = await ensureLabCertificates({ outDir: tempDir('mp-refusal-certs-'), hosts: ['127.0.0.1', 'localhost'] });
  lab = await start(certs);
  sha1Lab = await start({ ...certs, serverCertPem: certs.serverSha1CertPem });
});
afterAll(async () => {
  await lab.stop();
  await sha1Lab.stop();
});

/** The tls-handshake-failed finding of the one connection `client` makes, once the lab saw it close. */
async function refusalOf(l: StartedLab, client: () => Promise<unknown>): Promise<{ finding?: Finding; ids: string[] }> {
  const evs = recorded.get(l)!;
  const before = evs.length;
  await client();
  const conn = await waitFor(() => evs.slice(before).find((e) => e.kind === 'conn.open')?.conn, 5000, 'the connection');
  await waitFor(() => evs.some((e) => e.kind === 'conn.close' && e.conn === conn), 5000, 'the close');
  const mine = evs.filter((e) => e.kind === 'lab.start' || e.conn === conn);
  const d = diagnose(mine);
  return { finding: d.findings.find((f) => f.id === 'tls-handshake-failed'), ids: d.findings.map((f) => f.id) };
}

/** Python connecting to 127.0.0.1 but checking the name `name` (SNI and hostname check). */
function pythonAs(port: number, name: string, cafile?: string) {
  return runPeer('python3', [
    '-c',
    `
import socket, ssl
ctx = ssl.create_default_context(${cafile ? `cafile='${cafile}'` : ''})
try:
    with socket.create_connection(('127.0.0.1', ${port})) as raw:
        with ctx.wrap_socket(raw, server_hostname='${name}') as s:
            print('ok', s.recv(200)[:4])
            s.sendall(b'a1 LOGOUT\\r\\n')
            s.recv(200)
except ssl.SSLCertVerificationError as e:
    print('refused:', e.verify_message)
`,
  ]);
}

describe('what the diagnosis says when a client refuses the certificate', () => {
  it('a SHA-1 certificate to Python (OpenSSL 3, holding the CA): bad_certificate, "its SHA-1 signature", not "install the CA"', async () => {
    const caPem = certs.files!.caPem;
    const r = await refusalOf(sha1Lab, async () => {
      const out = await pythonAs(sha1Lab.listeners.imaps!.port, 'localhost', caPem);
      expect(out.stdout).toContain('refused: CA signature digest algorithm too weak');
    });
    expect(r.finding!.data).toMatchObject({ reason: 'client-rejected-certificate', alert: 'bad_certificate', how: 'alert', refused: ['sha1-signature'], certificate: 'sha1' });
    expect(r.finding!.title).toBe("The client refused the lab's certificate: its SHA-1 signature");
    expect(r.finding!.explanation).toMatch(/holds a CA but refused the lab's certificate \(alert bad_certificate\); the certificate it got is signed with SHA-1/);
    expect(r.finding!.recommendation).toMatch(/SHA-256 certificate; the CA itself does not need replacing/);
    expect(r.finding!.recommendation).not.toMatch(/Install the lab CA/);
  });

  it('the same SHA-1 certificate to gnutls-cli (TLS 1.3): "its SHA-1 signature", whether it sends an alert or just closes', async () => {
    const r = await refusalOf(sha1Lab, async () => {
      const out = await runPeer('gnutls-cli', ['--x509cafile', certs.files!.caPem, '-p', String(sha1Lab.listeners.imaps!.port), 'localhost'], { timeoutMs: 10_000 });
      expect(out.stdout + out.stderr).toMatch(/insecure algorithm/);
    });
    // GnuTLS 3.7 sometimes closes before its Finished without an alert (seen here), sometimes
    // sends bad_certificate first: both are the same refusal.
    expect(r.finding!.data).toMatchObject({ reason: 'client-rejected-certificate', refused: ['sha1-signature'] });
    expect(['alert', 'closed-during-handshake']).toContain(r.finding!.data!.how);
    expect(r.finding!.title).toBe("The client refused the lab's certificate: its SHA-1 signature");
  });

  it('a name the certificate does not cover (Python asks for mail.example.com): "the name is not in it", with both names', async () => {
    const r = await refusalOf(lab, async () => {
      const out = await pythonAs(lab.listeners.imaps!.port, 'mail.example.com', certs.files!.caPem);
      expect(out.stdout).toMatch(/refused: Hostname mismatch/);
    });
    expect(r.finding!.data).toMatchObject({ reason: 'client-rejected-certificate', refused: ['name'], askedFor: 'mail.example.com', certificate: 'sha256' });
    expect(r.finding!.title).toBe("The client refused the lab's certificate: the name is not in it");
    expect(r.finding!.explanation).toContain('it asked for "mail.example.com", which the certificate does not cover (it covers 127.0.0.1, localhost)');
    expect(r.finding!.recommendation).toMatch(/Set the server address in the client to one the certificate covers \(127\.0\.0\.1, localhost\)/);
  });

  it('curl checks the name after the handshake and closes without a command: the same finding, closed-after-handshake', async () => {
    const r = await refusalOf(lab, async () => {
      const port = lab.listeners.imaps!.port;
      const out = await runPeer('curl', ['-sS', '--cacert', certs.files!.caPem, '--resolve', `mail.example.com:${port}:127.0.0.1`, '-u', 'phone:secret', `imaps://mail.example.com:${port}/`]);
      expect(out.stderr).toMatch(/no alternative certificate subject name matches target host name 'mail.example.com'/);
    });
    expect(r.ids).not.toContain('tls-no-command');
    expect(r.finding!.data).toMatchObject({ reason: 'client-rejected-certificate', how: 'closed-after-handshake', refused: ['name'], askedFor: 'mail.example.com' });
  });

  it('a client without the lab CA (Python with only the system CAs): unknown_ca, "install the CA"', async () => {
    const r = await refusalOf(lab, async () => {
      const out = await pythonAs(lab.listeners.imaps!.port, 'localhost');
      expect(out.stdout).toMatch(/refused: (self-signed certificate in certificate chain|unable to get local issuer certificate)/);
    });
    expect(r.finding!.data).toMatchObject({ reason: 'client-lacks-ca', alert: 'unknown_ca' });
    expect(r.finding!.title).toBe('The secure (SSL/TLS) connection could not be set up');
    expect(r.finding!.recommendation).toMatch(/^Install the lab CA certificate/);
  });

  it('a client that verifies the certificate and goes on gets no TLS finding', async () => {
    const r = await refusalOf(lab, async () => {
      const out = await pythonAs(lab.listeners.imaps!.port, 'localhost', certs.files!.caPem);
      expect(out.stdout).toContain("ok b'* OK'");
    });
    expect(r.finding).toBeUndefined();
    expect(r.ids).not.toContain('tls-no-command');
  });
});

describe('the refusal rules on the shapes real clients leave (events)', () => {
  const NAMES = ['192.168.1.20', '127.0.0.1', 'localhost'];
  const hello = (maxVersion: string, sni?: string) => ({ kind: 'tls.hello', conn: 'c1', format: 'record', clientVersion: maxVersion === 'TLSv1' ? 'TLSv1' : 'TLSv1.2', maxVersion, cipherSuites: ['TLS_AES_128_GCM_SHA256'], compression: [0], extensions: [], ...(sni ? { sni } : {}) }) as const;
  const open = (local = '192.168.1.20:993') => ({ kind: 'conn.open', conn: 'c1', proto: 'imaps', remote: '192.168.1.50:50000', local, port: 993 }) as const;
  const failed = (reason: string, extra: Record<string, unknown> = {}) => ({ kind: 'tls.failed', conn: 'c1', reason, ...extra }) as never;
  const close = (by = 'client') => ({ kind: 'conn.close', conn: 'c1', by, bytesIn: 0, bytesOut: 180 }) as never;
  const tlsFinding = (evs: unknown[]) => diagnose(session(evs as never)).findings.find((f) => f.id === 'tls-handshake-failed');

  it('a TLS 1.3 client that closes once it has the SHA-1 certificate, without an alert (gnutls-cli, seen here): closed-during-handshake', () => {
    const f = tlsFinding([open(), hello('TLSv1.3', 'localhost'), failed('client-closed', { certificate: 'sha1', certificateNames: NAMES }), close()]);
    expect(f!.data).toMatchObject({ reason: 'client-rejected-certificate', how: 'closed-during-handshake', refused: ['sha1-signature'] });
    expect(f!.explanation).toMatch(/received the lab's certificate and closed the connection without saying why/);
  });

  it('but not a TLS 1.0 phone closing mid-handshake, nor a client that closed before the certificate went out', () => {
    expect(tlsFinding([open(), hello('TLSv1'), failed('client-closed', { certificate: 'sha1', certificateNames: NAMES }), close()])!.data).toMatchObject({ reason: 'client-closed' });
    expect(tlsFinding([open(), hello('TLSv1.3'), failed('client-closed'), close()])!.data).toMatchObject({ reason: 'client-closed' });
  });

  it('checks the address the client connected to when it sent no SNI (a client connecting by IP), IPv4-mapped or not', () => {
    const byIp = (local: string) => tlsFinding([open(local), hello('TLSv1.2'), failed('client-rejected-certificate', { alert: 'bad_certificate', alertFrom: 'client', certificate: 'sha256', certificateNames: NAMES }), close()])!;
    expect(byIp('10.0.0.7:993').data).toMatchObject({ refused: ['name'], askedFor: '10.0.0.7' });
    expect(byIp('::ffff:192.168.1.20:993').data).toMatchObject({ refused: ['unknown'], askedFor: '192.168.1.20' });
    expect(byIp('::ffff:192.168.1.20:993').recommendation).toMatch(/trust this lab's CA/);
  });

  it('certificate_expired: the dates (the phone clock)', () => {
    const f = tlsFinding([open(), hello('TLSv1.2', 'localhost'), failed('client-rejected-certificate', { alert: 'certificate_expired', alertFrom: 'client', certificate: 'sha256', certificateNames: NAMES }), close()])!;
    expect(f.title).toBe("The client refused the lab's certificate: its dates");
    expect(f.recommendation).toMatch(/date and time/);
  });

  it('a modern client silent after the handshake until the lab times out (a person never answered a certificate prompt)', () => {
    const established = { kind: 'tls.established', conn: 'c1', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', engine: 'modern', mode: 'implicit', certificate: 'sha256', certificateNames: NAMES } as const;
    const evs = [open(), hello('TLSv1.3', 'localhost'), established, { kind: 's2c', conn: 'c1', text: '* OK ready\r\n', tls: true }, close('timeout')];
    const d = diagnose(session(evs as never));
    expect(d.findings.map((f) => f.id)).toEqual(['tls-handshake-failed']);
    expect(d.findings[0].data).toMatchObject({ how: 'closed-after-handshake', closedBy: 'timeout', refused: ['trust'] });
    expect(d.findings[0].explanation).toMatch(/stayed silent until the lab timed out/);
  });

  it('not a modern client whose session broke on a fatal TLS error after the handshake (a bad record is not a certificate check)', () => {
    const established = { kind: 'tls.established', conn: 'c1', version: 'TLSv1.2', cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', engine: 'modern', mode: 'implicit', certificate: 'sha256', certificateNames: NAMES } as const;
    const broke = failed('malformed', { alert: 'bad_record_mac', alertFrom: 'server', afterHandshake: true });
    const d = diagnose(session([open(), hello('TLSv1.2', 'localhost'), established, broke, close()] as never));
    expect(d.findings.map((f) => f.id)).not.toContain('tls-handshake-failed');
    expect(d.attempts[0].steps.find((s) => s.step === 'tls')!.result).toBe('pass');
  });
});
