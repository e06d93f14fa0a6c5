/**
 * What an independent TLS test suite (tlsfuzzer) and scanners found: each case here is a
 * handshake built byte by byte (or a real client where the bytes do not matter), over loopback,
 * asserting what the client sees on the wire and what the session records.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TlsFailedEvent } from '../../electron/api.js';
import { chooseEngine } from '../../electron/lab/tls/choose.js';
import { MAX_CLIENT_HELLO_BYTES, parseClientHello } from '../../electron/lab/tls/hello.js';
import { alertName } from '../../electron/lab/tls/names.js';
import { classifyOpenSslError } from '../../electron/lab/tls/modern.js';
import { MAX_WARNING_ALERTS_IN_A_ROW } from '../../electron/lab/tls/legacy/engine.js';
import { legacySuiteByName, LEGACY_SUITES } from '../../electron/lab/tls/legacy/suites.js';
import { ext, helloRecords, type HelloSpec } from './hello-builder.js';
import { alerts, failedFor, raw, startHarness, type Harness } from './harness.js';
import { legacyHandshake, ServerAlert } from './phone-client.js';
import { tempDir } from '../support/temp.js';

interface TlsRecord {
  type: number;
  version: number;
  body: Buffer;
}

function records(data: Buffer): TlsRecord[] {
  const out: TlsRecord[] = [];
  for (let o = 0; o + 5 <= data.length; ) {
    const len = data.readUInt16BE(o + 3);
    out.push({ type: data[o], version: data.readUInt16BE(o + 1), body: data.subarray(o + 5, o + 5 + len) });
    o += 5 + len;
  }
  return out;
}

/** Version and suite of the ServerHello at the start of the server's answer, if it is one. */
function serverHello(data: Buffer): { version: number; suite: number } | undefined {
  const first = records(data)[0];
  if (!first || first.type !== 22 || first.body[0] !== 2) return undefined;
  const b = first.body;
  const sidLen = b[4 + 2 + 32];
  return { version: b.readUInt16BE(4), suite: b.readUInt16BE(4 + 2 + 32 + 1 + sidLen) };
}

const hasServerHelloDone = (d: Buffer): boolean => records(d).some((r) => r.type === 22 && r.body.includes(Buffer.from([14, 0, 0, 0])));
const firstAlert = (d: Buffer): boolean => records(d).some((r) => r.type === 21);

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const hsRecord = (type: number, body: Buffer, version = 0x0301): Buffer =>
  Buffer.concat([Buffer.from([22]), u16(version), u16(body.length + 4), Buffer.from([type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
const ccs = Buffer.from([20, 3, 1, 0, 1, 1]);

const RC4_MD5 = 0x0004;
const RC4_SHA = 0x0005;
const DES3 = 0x000a;
const AES128 = 0x002f;
const SCSV_FALLBACK = 0x5600;

describe('legacy engine: ClientKeyExchange framing (RFC 2246 §7.4.7.1)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('implicit', { engine: 'legacy' });
  });
  afterAll(() => h.close());

  const hello = helloRecords({ version: 0x0301, suites: [RC4_MD5], extensions: [ext.reneg()] });

  for (const [what, body] of [
    ['a length prefix one byte longer than the body', Buffer.concat([u16(256), randomBytes(255)])],
    ['a length prefix one byte shorter than the body', Buffer.concat([u16(256), randomBytes(257)])],
    ['no length prefix at all (SSL 3.0 style)', randomBytes(256)],
  ] as const) {
    it(`${what} gets decode_error at once, not a wait for the handshake timeout`, async () => {
      const n = h.events().length;
      const started = Date.now();
      const answer = await raw(h.port, [hello, hsRecord(16, body)], 3000);
      expect(hasServerHelloDone(answer.data)).toBe(true);
      expect(answer.closedByServer).toBe(true);
      expect(alerts(answer.data)).toEqual([50]);
      expect(Date.now() - started).toBeLessThan(3000);
      const f = (await failedFor(h, n)) as TlsFailedEvent;
      expect(f).toMatchObject({ reason: 'malformed', alert: 'decode_error', alertFrom: 'server' });
      expect(f.description).toMatch(/length prefix/);
    });
  }

  it('a well-framed but garbage premaster still fails only at Finished, with bad_record_mac (Bleichenbacher defence)', async () => {
    for (const enc of [randomBytes(256), Buffer.alloc(256), Buffer.alloc(128)]) {
      // The CKE alone draws no answer: the engine waits for ChangeCipherSpec and Finished.
      const quiet = await raw(h.port, [hello, hsRecord(16, Buffer.concat([u16(enc.length), enc]))], 400);
      expect(quiet.closedByServer).toBe(false);
      expect(alerts(quiet.data)).toEqual([]);
      const n = h.events().length;
      const fakeFinished = Buffer.concat([Buffer.from([22, 3, 1]), u16(32), randomBytes(32)]);
      const r = await raw(h.port, [hello, hsRecord(16, Buffer.concat([u16(enc.length), enc])), ccs, fakeFinished], 3000);
      expect(alerts(r.data)).toEqual([20]);
      expect(await failedFor(h, n)).toMatchObject({ alert: 'bad_record_mac' });
    }
  });
});

describe('--tls auto: the listener as a whole', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('implicit', { engine: 'auto' });
  });
  afterAll(() => h.close());

  it('TLS_FALLBACK_SCSV in an RC4/3DES-only TLS 1.1 hello gets inappropriate_fallback: the listener speaks TLS 1.3 (RFC 7507 §3)', async () => {
    const n = h.events().length;
    const r = await raw(h.port, [helloRecords({ version: 0x0302, suites: [DES3, RC4_SHA, SCSV_FALLBACK], extensions: [ext.reneg()] })]);
    expect(alerts(r.data)).toEqual([86]);
    const f = (await failedFor(h, n)) as TlsFailedEvent;
    expect(f).toMatchObject({ reason: 'protocol-version', alert: 'inappropriate_fallback' });
    expect(f.description).toMatch(/TLSv1\.3/);
  });

  it('the same hello without the SCSV (what old phones send) is served by the legacy engine', async () => {
    const r = await raw(h.port, [helloRecords({ version: 0x0302, suites: [DES3, RC4_SHA], extensions: [ext.reneg()] })], 3000, false, hasServerHelloDone);
    expect(serverHello(r.data)).toEqual({ version: 0x0302, suite: DES3 });
  });

  it('client_version 3.4 without supported_versions is TLS 1.2 at most (RFC 8446 §4.2.1), for either engine', async () => {
    const modern = await raw(h.port, [helloRecords({ version: 0x0304, suites: [0x009c, 0x1301], extensions: [ext.sigAlgs([0x0401, 0x0804]), ext.groups([29, 23]), ext.reneg()] })], 3000, false, hasServerHelloDone);
    expect(serverHello(modern.data)).toEqual({ version: 0x0303, suite: 0x009c });
    // TLS 1.3 suites in such a hello cannot be negotiated, so they do not pull it away from the
    // engine that has its RC4 suite.
    const legacy = await raw(h.port, [helloRecords({ version: 0x0304, suites: [0x1301, RC4_SHA], extensions: [ext.groups([29]), ext.reneg()] })], 3000, false, hasServerHelloDone);
    expect(serverHello(legacy.data)).toEqual({ version: 0x0302, suite: RC4_SHA });
    const parsed = parseClientHello(helloRecords({ version: 0x0304, suites: [0x1301] }));
    expect(parsed.status === 'ok' && parsed.hello.maxVersion).toBe(0x0303);
  });

  /**
   * The suite mixes scanners (sslscan, testssl.sh, tlsfuzzer) offer: each hello goes to the engine
   * that can really answer it, and the ServerHello carries the suite that engine picks; where no
   * engine shares a suite, OpenSSL refuses with an alert.
   */
  const ec = [ext.groups([23, 29]), ext.pointFormats([0])];
  const mixes: Array<{ what: string; spec: HelloSpec; engine: 'modern' | 'legacy'; suite?: number }> = [
    { what: 'DHE-RSA-AES128-SHA + RC4-SHA, TLS 1.0', spec: { version: 0x0301, suites: [0x0033, RC4_SHA] }, engine: 'legacy', suite: RC4_SHA },
    { what: 'DHE-RSA-AES256-SHA + DHE-RSA-AES128-SHA + 3DES, TLS 1.0', spec: { version: 0x0301, suites: [0x0039, 0x0033, DES3] }, engine: 'legacy', suite: DES3 },
    { what: 'DHE-RSA-AES128-GCM only, TLS 1.2', spec: { version: 0x0303, suites: [0x009e], extensions: [ext.sigAlgs([0x0401])] }, engine: 'modern' },
    { what: 'DHE-RSA-AES128-SHA + AES128-SHA, TLS 1.0', spec: { version: 0x0301, suites: [0x0033, AES128] }, engine: 'modern', suite: AES128 },
    { what: 'ECDHE-RSA-AES128-SHA with P-256, TLS 1.0', spec: { version: 0x0301, suites: [0xc013], extensions: ec }, engine: 'modern', suite: 0xc013 },
    { what: 'ECDHE-RSA-AES128-SHA without supported_groups + RC4-SHA, TLS 1.0', spec: { version: 0x0301, suites: [0xc013, RC4_SHA] }, engine: 'legacy', suite: RC4_SHA },
    { what: 'ECDHE-RSA-AES128-SHA with only an unknown group + RC4-MD5', spec: { version: 0x0301, suites: [0xc013, RC4_MD5], extensions: [ext.groups([0x0099])] }, engine: 'legacy', suite: RC4_MD5 },
    { what: 'ECDHE-ECDSA suites + 3DES (the lab key is RSA)', spec: { version: 0x0301, suites: [0xc009, 0xc00a, DES3], extensions: ec }, engine: 'legacy', suite: DES3 },
    { what: 'AES128-GCM + 3DES at TLS 1.1 (GCM needs 1.2)', spec: { version: 0x0302, suites: [0x009c, DES3] }, engine: 'legacy', suite: DES3 },
    { what: 'AES128-SHA256 at TLS 1.2', spec: { version: 0x0303, suites: [0x003c], extensions: [ext.sigAlgs([0x0401])] }, engine: 'modern', suite: 0x003c },
    { what: 'AES128-SHA256 + RC4-SHA at TLS 1.0 (SHA256 needs 1.2)', spec: { version: 0x0301, suites: [0x003c, RC4_SHA] }, engine: 'legacy', suite: RC4_SHA },
    { what: 'CAMELLIA and SEED (not in OpenSSL DEFAULT) + RC4-MD5', spec: { version: 0x0301, suites: [0x0041, 0x0084, 0x0096, RC4_MD5] }, engine: 'legacy', suite: RC4_MD5 },
    { what: 'export, NULL and anonymous suites only', spec: { version: 0x0301, suites: [0x0003, 0x0008, 0x0001, 0x0002, 0x0018, 0x001b] }, engine: 'modern' },
    { what: 'TLS 1.3 suites in a hello without supported_versions + RC4-SHA', spec: { version: 0x0303, suites: [0x1301, 0x1302, RC4_SHA] }, engine: 'legacy', suite: RC4_SHA },
    { what: 'TLS 1.3 only, with a key share group', spec: { version: 0x0303, suites: [0x1301], extensions: [ext.supportedVersions([0x0304]), ext.groups([29]), ext.sigAlgs([0x0804]), [51, Buffer.from([0, 0])]] }, engine: 'modern' },
    { what: 'supported_versions naming TLS 1.2 and 1.1, ECDHE-RSA-GCM with P-256', spec: { version: 0x0303, suites: [0xc02f], extensions: [ext.supportedVersions([0x0303, 0x0302]), ext.groups([23]), ext.sigAlgs([0x0401])] }, engine: 'modern', suite: 0xc02f },
    { what: 'supported_versions naming only TLS 1.1, ECDHE-RSA-GCM + 3DES', spec: { version: 0x0303, suites: [0xc02f, DES3], extensions: [ext.supportedVersions([0x0302]), ext.groups([23])] }, engine: 'legacy', suite: DES3 },
  ];
  const legacyIds = LEGACY_SUITES.map((s) => s.id);

  it('routes every suite mix scanners try to the engine that can answer it (one rule, tls/choose.ts)', async () => {
    for (const m of mixes) {
      const bytes = helloRecords({ extensions: [ext.reneg()], ...m.spec, ...(m.spec.extensions ? { extensions: [...m.spec.extensions, ext.reneg()] } : {}) });
      const parsed = parseClientHello(bytes);
      if (parsed.status !== 'ok') throw new Error(`bad test hello for ${m.what}`);
      expect(chooseEngine(parsed.hello, 'auto', legacyIds).engine, m.what).toBe(m.engine);
      const r = await raw(h.port, [bytes], 3000, false, (d) => hasServerHelloDone(d) || firstAlert(d) || serverHello(d) !== undefined);
      if (m.suite !== undefined) expect(serverHello(r.data)?.suite, m.what).toBe(m.suite);
      else if (m.what.startsWith('TLS 1.3 only')) expect(serverHello(r.data)?.suite, m.what).toBe(0x1301); // a HelloRetryRequest for the key share
      else expect(alerts(r.data), m.what).toEqual([40]);
    }
  });

  it('a modern hello of about 2 KB (Chrome/Firefox style), one of 1.8 KB with an ML-KEM key share, and one of 16 KB all get a ServerHello', async () => {
    const x25519 = generateKeyPairSync('x25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const keyShare = (entries: Array<[number, Buffer]>): [number, Buffer] => {
      const list = Buffer.concat(entries.map(([g, k]) => Buffer.concat([u16(g), u16(k.length), k])));
      return [51, Buffer.concat([u16(list.length), list])];
    };
    const base = (extra: Array<[number, Buffer]>): HelloSpec => ({
      version: 0x0303,
      sessionId: randomBytes(32),
      suites: [0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035],
      extensions: [
        [0x1a1a, Buffer.alloc(0)],
        ext.sni('mail.example.com'),
        [23, Buffer.alloc(0)],
        ext.reneg(),
        ext.groups([0x2a2a, 0x11ec, 29, 23, 24]),
        ext.pointFormats([0]),
        [35, Buffer.alloc(0)],
        ext.alpn(['imap']),
        ext.sigAlgs([0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]),
        ext.supportedVersions([0x3a3a, 0x0304, 0x0303]),
        [45, Buffer.from([1, 1])],
        ...extra,
      ],
    });
    const chromeSized = helloRecords(base([keyShare([[29, x25519]]), ext.padding(1900)]));
    // Chrome 131+: X25519MLKEM768 (1216-byte share) and x25519, plus ECH GREASE and the rest (padding here).
    const mlkem = helloRecords(base([keyShare([[0x11ec, randomBytes(1216)], [29, x25519]]), ext.padding(320)]));
    const big = helloRecords(base([keyShare([[29, x25519]]), ext.padding(16_200)]));
    expect(chromeSized.length).toBeGreaterThan(1900);
    expect(mlkem.length).toBeGreaterThan(1750);
    expect(mlkem.length).toBeLessThan(2000);
    expect(big.length).toBeGreaterThan(16_384); // two records
    expect(big.length).toBeLessThan(MAX_CLIENT_HELLO_BYTES);
    for (const hello of [chromeSized, mlkem, big]) {
      const n = h.events().length;
      const r = await raw(h.port, [hello], 3000, false, (d) => serverHello(d) !== undefined || firstAlert(d));
      const sh = serverHello(r.data);
      expect(sh?.version).toBe(0x0303); // a TLS 1.3 ServerHello says 1.2 in legacy_version
      expect([0x1301, 0x1302, 0x1303]).toContain(sh?.suite);
      expect(h.events().slice(n).some((e) => e.kind === 'tls.hello')).toBe(true);
    }
  });

  it('a 16 KB hello (two records) reaches the legacy engine too', async () => {
    const big = helloRecords({ version: 0x0301, suites: [RC4_MD5], extensions: [ext.reneg(), ext.padding(16_400)] });
    expect(records(big)).toHaveLength(2);
    const r = await raw(h.port, [big], 3000, false, hasServerHelloDone);
    expect(serverHello(r.data)).toEqual({ version: 0x0301, suite: RC4_MD5 });
  });
});

describe('legacy engine: warning alerts and the server flight', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('implicit', { engine: 'legacy' });
  });
  afterAll(() => h.close());
  const hello = helloRecords({ version: 0x0301, suites: [RC4_MD5], extensions: [ext.reneg()] });
  const warnings = (k: number): Buffer => Buffer.concat(Array.from({ length: k }, () => Buffer.from([21, 3, 1, 0, 2, 1, 43])));

  it(`ignores ${MAX_WARNING_ALERTS_IN_A_ROW} warning alerts in a row during the handshake and refuses one more with unexpected_message`, async () => {
    const ok = await raw(h.port, [hello, warnings(MAX_WARNING_ALERTS_IN_A_ROW)], 600);
    expect(ok.closedByServer).toBe(false);
    expect(alerts(ok.data)).toEqual([]);
    const n = h.events().length;
    const r = await raw(h.port, [hello, warnings(MAX_WARNING_ALERTS_IN_A_ROW + 1)], 3000);
    expect(r.closedByServer).toBe(true);
    expect(alerts(r.data)).toEqual([10]);
    expect(await failedFor(h, n)).toMatchObject({ reason: 'malformed', alert: 'unexpected_message' });
  });

  it('sends ServerHello, Certificate and ServerHelloDone each in its own record, in one write', async () => {
    const r = await raw(h.port, [hello], 3000, false, hasServerHelloDone);
    const hs = records(r.data).filter((x) => x.type === 22);
    expect(hs.map((x) => x.body[0])).toEqual([2, 11, 14]);
    expect(hs.every((x) => x.body.length === 4 + x.body.readUIntBE(1, 3))).toBe(true);
  });

  it('still completes a full handshake with the 2006-style client in both flight shapes', async () => {
    const one = await startHarness('implicit', { engine: 'legacy', legacyServerFlight: 'one-record' });
    try {
      for (const port of [h.port, one.port]) await legacyHandshake(port, legacySuiteByName('TLS_RSA_WITH_RC4_128_MD5')!, 0x0301);
    } finally {
      await one.close();
    }
  });
});

/** Wireshark's reading of the alert records in what a server sent (text2pcap + tshark). */
function tsharkAlerts(serverBytes: Buffer): string[] {
  const dir = tempDir('mailprobe-alert-');
  const hex = serverBytes.toString('hex').match(/../g) ?? [];
  let dump = '';
  for (let i = 0; i < hex.length; i += 16) dump += `${i.toString(16).padStart(6, '0')} ${hex.slice(i, i + 16).join(' ')}\n`;
  writeFileSync(join(dir, 'server.txt'), dump);
  execFileSync('text2pcap', ['-q', '-T', '993,50000', join(dir, 'server.txt'), join(dir, 'server.pcap')]);
  const out = execFileSync('tshark', ['-r', join(dir, 'server.pcap'), '-d', 'tcp.port==993,tls', '-T', 'fields', '-e', 'tls.alert_message.desc'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split(/\s+/).filter(Boolean);
}

/** The alert in `serverBytes`, read three ways: the bytes, Wireshark, and the session event. */
async function sameAlertEverywhere(h: Harness, n: number, serverBytes: Buffer): Promise<number> {
  const onWire = alerts(serverBytes);
  expect(onWire).toHaveLength(1);
  expect(tsharkAlerts(serverBytes)).toEqual([String(onWire[0])]);
  expect(await failedFor(h, n)).toMatchObject({ alert: alertName(onWire[0]), alertFrom: 'server' });
  return onWire[0];
}

describe('modern engine (OpenSSL): the alert recorded is the alert sent', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('implicit', { engine: 'modern' });
  });
  afterAll(() => h.close());

  it('a second ClientHello during the handshake', async () => {
    const n = h.events().length;
    const hello12 = helloRecords({ version: 0x0303, suites: [0x009c], extensions: [ext.sigAlgs([0x0401]), ext.reneg()] });
    const r = await raw(h.port, [hello12, hello12], 3000);
    // OpenSSL answers protocol_version here; the lab used to record decode_error.
    expect(await sameAlertEverywhere(h, n, r.data)).not.toBe(50);
  });

  it('a garbage premaster and a garbage Finished', async () => {
    const n = h.events().length;
    const hello10 = helloRecords({ version: 0x0301, suites: [AES128], extensions: [ext.reneg()] });
    const fakeFinished = Buffer.concat([Buffer.from([22, 3, 1]), u16(48), randomBytes(48)]);
    const r = await raw(h.port, [hello10, hsRecord(16, Buffer.concat([u16(256), randomBytes(256)])), ccs, fakeFinished], 3000);
    expect([20, 51]).toContain(await sameAlertEverywhere(h, n, r.data));
  });

  it('a correctly encrypted but wrong client Finished: decrypt_error', async () => {
    const n = h.events().length;
    const received: Buffer[] = [];
    const err = await legacyHandshake(h.port, legacySuiteByName('TLS_RSA_WITH_AES_128_CBC_SHA')!, 0x0301, { wrongFinished: true, received }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ServerAlert);
    expect((err as ServerAlert).alert).toBe(51);
    expect(await sameAlertEverywhere(h, n, Buffer.concat(received))).toBe(51);
  });
});

describe('modern engine: OpenSSL errors whose alert travels encrypted', () => {
  it('are named by the alert OpenSSL sends for them (as tlsfuzzer receives it), and an unknown code names none', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(classifyOpenSslError(err('ERR_SSL_CIPHER_OPERATION_FAILED'))).toMatchObject({ alert: 20, alertFrom: 'server' });
    expect(classifyOpenSslError(err('ERR_SSL_BAD_KEY_UPDATE'))).toMatchObject({ alert: 47, alertFrom: 'server' });
    expect(classifyOpenSslError(err('ERR_SSL_SOMETHING_NEW')).alert).toBeUndefined();
  });
});
