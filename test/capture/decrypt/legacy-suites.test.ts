/**
 * The suites of the 2006 phones (RC4-MD5, RC4-SHA, 3DES, AES-CBC with RSA key exchange) on
 * TLS 1.0 and 1.1, captured between gnutls-cli (the only client here that still speaks RC4 and
 * 3DES) and the lab's own legacy engine, and decrypted from the bytes with the server's key, as
 * a customer's admin would hand over a tcpdump and key.pem; and with gnutls's key log.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerKey } from '../../../electron/lab/capture/decrypt/index.js';
import { GNUTLS_SUITES, gnutlsPriority, startHarness, testPki, type Harness } from '../../tls/harness.js';
import { decryptRecording, GNUTLS_CLIENT_SENT, gnutlsCapture, HARNESS_SERVER_SENT, startRecordingProxy, type RecordingProxy } from './support.js';

let h: Harness;
let proxy: RecordingProxy;
let connections = 0;

beforeAll(async () => {
  h = await startHarness('implicit', { engine: 'legacy' });
  proxy = await startRecordingProxy(h.port);
});
afterAll(async () => {
  await proxy.close();
  await h.close();
});

async function captured(priority: string) {
  const n = connections++;
  const { result, keyLog } = await gnutlsCapture(proxy.port, priority);
  expect(result.stdout, result.stderr.slice(-400)).toContain('a3 OK bye');
  return { rec: await proxy.connection(n), keyLog };
}

const CLIENT_SENT = GNUTLS_CLIENT_SENT;
const SERVER_SENT = HARNESS_SERVER_SENT;

describe.each([
  ['TLS 1.0', 'VERS-TLS1.0'],
  ['TLS 1.1', 'VERS-TLS1.1'],
] as const)('%s legacy suites from the bytes', (vname, vers) => {
  for (const [name, items] of GNUTLS_SUITES) {
    it(`${name}: the server's RSA key gives both directions' IMAP lines, as sent`, async () => {
      const { rec, keyLog } = await captured(gnutlsPriority(vers, items));
      const key = loadServerKey(testPki().keyPem);
      const byKey = decryptRecording(rec, { keyLog: [], serverKeys: [key] });
      expect(byKey.statuses[0], byKey.statuses[0].detail).toMatchObject({ state: "decrypting" });
      expect(byKey.statuses[0].detail).toContain(`${vname} ${name}`);
      expect(byKey.statuses[0].detail).toContain("server's RSA key");
      expect(byKey.statuses).toHaveLength(1);
      expect(byKey.c2s).toBe(CLIENT_SENT);
      expect(byKey.s2c).toBe(SERVER_SENT);
      // The same bytes with gnutls's key log (CLIENT_RANDOM) and no key.
      expect(keyLog.some((l) => l.startsWith('CLIENT_RANDOM '))).toBe(true);
      const byLog = decryptRecording(rec, { keyLog, serverKeys: [] });
      expect(byLog.statuses.map((s) => s.state)).toEqual(['decrypting']);
      expect(byLog.statuses[0].detail).toContain('key log');
      expect(byLog.c2s).toBe(CLIENT_SENT);
      expect(byLog.s2c).toBe(SERVER_SENT);
    });
  }
});

describe('the wrong secret gives a status, never garbage', () => {
  it('another server key: says it does not match the certificate', async () => {
    const { rec } = await captured(gnutlsPriority('VERS-TLS1.0', '+ARCFOUR-128:+MD5'));
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const r = decryptRecording(rec, { keyLog: [], serverKeys: [other] });
    expect(r.outputs.filter((o) => o.kind === 'plaintext')).toEqual([]);
    expect(r.statuses).toEqual([{ kind: 'status', state: 'no-secret', detail: expect.stringContaining('RSA key exchange but the server key does not match the certificate') }]);
  });

  it('no secret at all: names the client random that has no key log line', async () => {
    const { rec, keyLog } = await captured(gnutlsPriority('VERS-TLS1.0', '+AES-128-CBC:+SHA1'));
    const random = keyLog[0].split(' ')[1];
    const r = decryptRecording(rec, { keyLog: [], serverKeys: [] });
    expect(r.outputs.filter((o) => o.kind === 'plaintext')).toEqual([]);
    expect(r.statuses).toHaveLength(1);
    expect(r.statuses[0].state).toBe('no-secret');
    expect(r.statuses[0].detail).toContain(`no key log line for client random ${random}`);
  });

  it('a key log line with a wrong master secret: the first encrypted record fails its MAC', async () => {
    const { rec, keyLog } = await captured(gnutlsPriority('VERS-TLS1.0', '+3DES-CBC:+SHA1'));
    const wrong = keyLog.map((l) => (l.startsWith('CLIENT_RANDOM ') ? `${l.slice(0, -2)}${l.endsWith('00') ? '01' : '00'}` : l));
    const r = decryptRecording(rec, { keyLog: wrong, serverKeys: [] });
    expect(r.outputs.filter((o) => o.kind === 'plaintext')).toEqual([]);
    expect(r.statuses.map((s) => s.state)).toEqual(['decrypting', 'lost-sync', 'lost-sync']);
    expect(r.statuses[1].detail).toMatch(/first encrypted record fails to verify \((MAC mismatch|bad CBC padding)\): wrong secret \(key log line\)/);
  });
});
