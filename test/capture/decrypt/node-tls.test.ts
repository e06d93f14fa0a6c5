/**
 * TLS 1.2 and 1.3 from OpenSSL 3 (node:tls on both ends) captured through a recording proxy:
 * RSA key exchange with the server's key (OpenSSL negotiates the extended master secret, so its
 * session hash is computed from the captured handshake), ECDHE with the client's key log, TLS 1.3
 * with its traffic secrets, session resumption, and the statuses for what cannot be read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { constants } from 'node:crypto';
import { loadServerKey, type CaptureSecrets } from '../../../electron/lab/capture/decrypt/index.js';
import { testPki } from '../../tls/harness.js';
import { NODE_GREETING, runNodeClient, startNodeTlsServer, type NodeTlsServer } from './node-peers.js';
import { decryptRecording, gnutlsCapture, startRecordingProxy, type RecordingProxy } from './support.js';

const LINES = ['NOOP', 'LOGIN phone 424242', 'SELECT INBOX'];
const CLIENT_SENT = 'a1 NOOP\r\na2 LOGIN phone 424242\r\na3 SELECT INBOX\r\na4 LOGOUT\r\n';
const SERVER_SENT = `${NODE_GREETING}\r\na1 OK echo: a1 NOOP\r\na2 OK echo: a2 LOGIN phone 424242\r\na3 OK echo: a3 SELECT INBOX\r\n* BYE\r\na4 OK bye\r\n`;

interface Peer {
  server: NodeTlsServer;
  proxy: RecordingProxy;
  n: number;
}
const peers: Peer[] = [];

async function peer(opts: Parameters<typeof startNodeTlsServer>[0]): Promise<Peer> {
  const server = await startNodeTlsServer(opts);
  const proxy = await startRecordingProxy(server.port);
  const p = { server, proxy, n: 0 };
  peers.push(p);
  return p;
}

afterAll(async () => {
  for (const p of peers) {
    await p.proxy.close();
    await p.server.close();
  }
});

async function capture(p: Peer, opts: Parameters<typeof runNodeClient>[2]) {
  const run = await runNodeClient(p.proxy.port, LINES, opts);
  const rec = await p.proxy.connection(p.n++);
  return { run, rec };
}

const serverKey = () => loadServerKey(testPki().keyPem);

describe('TLS 1.2 RSA key exchange with the server key (extended master secret)', () => {
  let p: Peer;
  beforeAll(async () => {
    p = await peer({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA:AES256-SHA:AES128-SHA256:AES256-SHA256:AES128-GCM-SHA256:AES256-GCM-SHA384:@SECLEVEL=0' });
  });
  for (const [openssl, iana] of [
    ['AES128-SHA', 'TLS_RSA_WITH_AES_128_CBC_SHA'],
    ['AES256-SHA', 'TLS_RSA_WITH_AES_256_CBC_SHA'],
    ['AES128-SHA256', 'TLS_RSA_WITH_AES_128_CBC_SHA256'],
    ['AES256-SHA256', 'TLS_RSA_WITH_AES_256_CBC_SHA256'],
    ['AES128-GCM-SHA256', 'TLS_RSA_WITH_AES_128_GCM_SHA256'],
    ['AES256-GCM-SHA384', 'TLS_RSA_WITH_AES_256_GCM_SHA384'],
  ] as const) {
    it(`${iana}: both directions in clear, from the key and from the key log`, async () => {
      const { run, rec } = await capture(p, { ciphers: `${openssl}:@SECLEVEL=0`, maxVersion: 'TLSv1.2' });
      expect(run.cipher).toBe(iana);
      const byKey = decryptRecording(rec, { keyLog: [], serverKeys: [serverKey()] });
      expect(byKey.statuses).toEqual([{ kind: 'status', state: 'decrypting', detail: `TLS 1.2 ${iana}: master secret from the server's RSA key, extended master secret (RFC 7627)${iana.includes('CBC') ? ', encrypt-then-MAC (RFC 7366)' : ''}` }]);
      expect(byKey.c2s).toBe(CLIENT_SENT);
      expect(byKey.s2c).toBe(SERVER_SENT);
      expect(run.received).toBe(SERVER_SENT);
      const byLog = decryptRecording(rec, { keyLog: run.keyLog, serverKeys: [] });
      expect(byLog.statuses.map((s) => s.state)).toEqual(['decrypting']);
      expect(byLog.c2s).toBe(CLIENT_SENT);
      expect(byLog.s2c).toBe(SERVER_SENT);
    });
  }
});

describe('TLS 1.2 ECDHE with the key log', () => {
  let p: Peer;
  beforeAll(async () => {
    p = await peer({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305' });
  });
  for (const [openssl, iana] of [
    ['ECDHE-RSA-AES128-SHA', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'],
    ['ECDHE-RSA-AES256-SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384'],
    ['ECDHE-RSA-AES128-GCM-SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
    ['ECDHE-RSA-AES256-GCM-SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
    ['ECDHE-RSA-CHACHA20-POLY1305', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
  ] as const) {
    it(`${iana}: the CLIENT_RANDOM line opens it; the server key alone says forward secrecy needs a key log`, async () => {
      const { run, rec } = await capture(p, { ciphers: openssl, maxVersion: 'TLSv1.2' });
      expect(run.cipher).toBe(iana);
      const byLog = decryptRecording(rec, { keyLog: run.keyLog, serverKeys: [] });
      expect(byLog.statuses.map((s) => s.state)).toEqual(['decrypting']);
      expect(byLog.c2s).toBe(CLIENT_SENT);
      expect(byLog.s2c).toBe(SERVER_SENT);
      const byKey = decryptRecording(rec, { keyLog: [], serverKeys: [serverKey()] });
      expect(byKey.outputs.filter((o) => o.kind === 'plaintext')).toEqual([]);
      expect(byKey.statuses).toHaveLength(1);
      expect(byKey.statuses[0].state).toBe('unsupported');
      expect(byKey.statuses[0].detail).toMatch(/ECDHE key exchange: its forward secrecy means the server's RSA key cannot decrypt it; a key log .* is needed/);
    });
  }
});

describe('TLS 1.3 with the key log', () => {
  let p: Peer;
  beforeAll(async () => {
    p = await peer({ minVersion: 'TLSv1.3' });
  });
  for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
    it(`${suite}: handshake records skipped, application data of both directions in clear`, async () => {
      const { run, rec } = await capture(p, { ciphers: suite });
      expect(run.cipher).toBe(suite);
      expect(run.version).toBe('TLSv1.3');
      const r = decryptRecording(rec, { keyLog: run.keyLog, serverKeys: [serverKey()] });
      expect(r.statuses.map((s) => s.state)).toEqual(['decrypting']);
      expect(r.statuses[0].detail).toContain(`TLS 1.3 ${suite}: traffic secrets from the key log`);
      expect(r.c2s).toBe(CLIENT_SENT);
      expect(r.s2c).toBe(SERVER_SENT);
    });
  }

  it('without key log lines: says TLS 1.3 needs one, whatever the server key', async () => {
    const { rec } = await capture(p, {});
    const r = decryptRecording(rec, { keyLog: [], serverKeys: [serverKey()] });
    expect(r.outputs.filter((o) => o.kind === 'plaintext')).toEqual([]);
    expect(r.statuses).toHaveLength(1);
    expect(r.statuses[0]).toMatchObject({ state: 'no-secret', detail: expect.stringContaining('TLS 1.3 always needs a key log') });
  });

  it('a wrong server secret in the key log: that direction fails its tag and gives no garbage; the other still reads', async () => {
    const { run, rec } = await capture(p, {});
    const wrong = run.keyLog.map((l) => (l.startsWith('SERVER_HANDSHAKE_TRAFFIC_SECRET ') ? l.replace(/.$/, (c) => (c === '0' ? '1' : '0')) : l));
    const r = decryptRecording(rec, { keyLog: wrong, serverKeys: [] });
    expect(r.s2c).toBe('');
    expect(r.c2s).toBe(CLIENT_SENT);
    expect(r.statuses.map((s) => s.state)).toEqual(['decrypting', 'lost-sync']);
    expect(r.statuses[1].detail).toContain("the server's first encrypted record fails to verify (authentication tag mismatch): wrong secret (TLS 1.3 key log lines)");
  });

  it('after a HelloRetryRequest (the server wants another group than the client guessed)', async () => {
    const hrr = await peer({ minVersion: 'TLSv1.3', ecdhCurve: 'P-384' });
    const { run, rec } = await capture(hrr, { ecdhCurve: 'X25519:P-384' });
    // The HelloRetryRequest is visible in the capture: the server's first record is a
    // ServerHello whose random is the RFC 8446 §4.1.3 constant.
    expect(rec.stream('s2c').subarray(11, 43).toString('hex')).toBe('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c');
    const r = decryptRecording(rec, { keyLog: run.keyLog, serverKeys: [] });
    expect(r.statuses.map((s) => s.state)).toEqual(['decrypting']);
    expect(r.c2s).toBe(CLIENT_SENT);
    expect(r.s2c).toBe(SERVER_SENT);
  });
});

describe('TLS 1.2 session resumption, with only the server key', () => {
  it('by session ticket (RFC 5077): the resumed connection decrypts with the master secret of the first', async () => {
    const p = await peer({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' });
    const first = await capture(p, { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' });
    const second = await capture(p, { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256', session: first.run.session });
    expect(second.run.reused).toBe(true);
    const secrets: CaptureSecrets = { keyLog: [], serverKeys: [serverKey()] };
    const a = decryptRecording(first.rec, secrets);
    expect(a.c2s).toBe(CLIENT_SENT);
    const b = decryptRecording(second.rec, secrets);
    expect(b.statuses).toHaveLength(1);
    expect(b.statuses[0]).toMatchObject({ state: 'decrypting', detail: expect.stringContaining('resumed session: master secret from the earlier full handshake in this capture') });
    expect(b.c2s).toBe(CLIENT_SENT);
    expect(b.s2c).toBe(SERVER_SENT);
    // Another capture (another secrets object) has not seen the full handshake.
    const alone = decryptRecording(second.rec, { keyLog: [], serverKeys: [serverKey()] });
    expect(alone.outputs.filter((o) => o.kind === 'plaintext')).toEqual([]);
    expect(alone.statuses).toEqual([{ kind: 'status', state: 'no-secret', detail: expect.stringContaining('a resumed session (abbreviated handshake) whose full handshake is not in this capture') }]);
  });

  it('by session ID (RFC 5246 §7.3), tickets off', async () => {
    const store = new Map<string, Buffer>();
    const p = await peer({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'AES256-SHA256', secureOptions: constants.SSL_OP_NO_TICKET });
    p.server.server.on('newSession', (id: Buffer, data: Buffer, cb: () => void) => {
      store.set(id.toString('hex'), data);
      cb();
    });
    p.server.server.on('resumeSession', (id: Buffer, cb: (err: Error | null, data: Buffer | null) => void) => cb(null, store.get(id.toString('hex')) ?? null));
    const first = await capture(p, { maxVersion: 'TLSv1.2', ciphers: 'AES256-SHA256' });
    const second = await capture(p, { maxVersion: 'TLSv1.2', ciphers: 'AES256-SHA256', session: first.run.session });
    expect(second.run.reused).toBe(true);
    expect(store.size).toBe(1);
    const secrets: CaptureSecrets = { keyLog: [], serverKeys: [serverKey()] };
    decryptRecording(first.rec, secrets);
    const b = decryptRecording(second.rec, secrets);
    expect(b.statuses).toEqual([{ kind: 'status', state: 'decrypting', detail: expect.stringMatching(/resumed session: .* \(session ID [0-9a-f]{16}…\)/) }]);
    expect(b.c2s).toBe(CLIENT_SENT);
    expect(b.s2c).toBe(SERVER_SENT);
  });
});

describe('TLS 1.2 without the extended master secret (gnutls-cli %NO_SESSION_HASH:%NO_ETM)', () => {
  for (const [items, iana] of [
    ['+AES-128-CBC:+SHA256', 'TLS_RSA_WITH_AES_128_CBC_SHA256'],
    ['+AES-256-GCM:+AEAD', 'TLS_RSA_WITH_AES_256_GCM_SHA384'],
  ] as const) {
    it(`${iana}: the master secret comes from the randoms, and the key decrypts it`, async () => {
      const p = await peer({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA256:AES256-GCM-SHA384' });
      const priority = `NONE:+VERS-TLS1.2:${items}:+RSA:+COMP-NULL:+SIGN-ALL:+CTYPE-X509:%NO_SESSION_HASH:%NO_ETM`;
      const { result, keyLog } = await gnutlsCapture(p.proxy.port, priority, NODE_GREETING);
      expect(result.stdout, result.stderr.slice(-300)).toContain('a3 OK bye');
      const rec = await p.proxy.connection(p.n++);
      const d = decryptRecording(rec, { keyLog: [], serverKeys: [serverKey()] });
      expect(d.statuses).toEqual([{ kind: 'status', state: 'decrypting', detail: `TLS 1.2 ${iana}: master secret from the server's RSA key` }]);
      expect(d.c2s).toBe('a1 NOOP\r\na2 LOGIN phone 424242\r\na3 LOGOUT\r\n');
      expect(d.s2c).toBe(`${NODE_GREETING}\r\na1 OK echo: a1 NOOP\r\na2 OK echo: a2 LOGIN phone 424242\r\n* BYE\r\na3 OK bye\r\n`);
      expect(decryptRecording(rec, { keyLog, serverKeys: [] }).c2s).toBe(d.c2s);
    });
  }
});
