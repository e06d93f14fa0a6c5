/**
 * What a capture reader really hands over: records split across arbitrary push() boundaries,
 * the two directions interleaved in any order (a reader may even give all of one direction
 * first), and gaps where the capture lost segments. Real captures from gnutls-cli (RC4, 3DES,
 * AES-CBC) and node:tls (AES-GCM, TLS 1.3 ChaCha20), cut up by fast-check.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerKey, type CaptureSecrets } from '../../../electron/lab/capture/decrypt/index.js';
import { gnutlsPriority, startHarness, testPki, type Harness } from '../../tls/harness.js';
import { runNodeClient, startNodeTlsServer, type NodeTlsServer } from './node-peers.js';
import { decryptRecording, decryptSteps, GNUTLS_CLIENT_SENT, gnutlsCapture, HARNESS_SERVER_SENT, recordsOf, startRecordingProxy, type Decrypted, type Dir, type RecordingProxy } from './support.js';

interface Capture {
  name: string;
  c2s: Buffer;
  s2c: Buffer;
  secrets: () => CaptureSecrets;
  reference: Decrypted;
}

let harness: Harness;
let nodeServer: NodeTlsServer;
const proxies: RecordingProxy[] = [];
const captures: Capture[] = [];

beforeAll(async () => {
  harness = await startHarness('implicit', { engine: 'legacy' });
  const legacyProxy = await startRecordingProxy(harness.port);
  proxies.push(legacyProxy);
  const key = loadServerKey(testPki().keyPem);
  let n = 0;
  for (const [name, priority] of [
    ['TLS 1.0 RC4-MD5', gnutlsPriority('VERS-TLS1.0', '+ARCFOUR-128:+MD5')],
    ['TLS 1.0 3DES-CBC', gnutlsPriority('VERS-TLS1.0', '+3DES-CBC:+SHA1')],
    ['TLS 1.1 AES-128-CBC', gnutlsPriority('VERS-TLS1.1', '+AES-128-CBC:+SHA1')],
  ] as const) {
    await gnutlsCapture(legacyProxy.port, priority);
    const rec = await legacyProxy.connection(n++);
    const secrets = () => ({ keyLog: [], serverKeys: [key] });
    captures.push({ name, c2s: rec.stream('c2s'), s2c: rec.stream('s2c'), secrets, reference: decryptRecording(rec, secrets()) });
  }
  nodeServer = await startNodeTlsServer({});
  const nodeProxy = await startRecordingProxy(nodeServer.port);
  proxies.push(nodeProxy);
  await runNodeClient(nodeProxy.port, ['NOOP', 'LOGIN phone 424242'], { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' });
  const gcmRec = await nodeProxy.connection(0);
  captures.push({ name: 'TLS 1.2 AES-128-GCM (RSA key)', c2s: gcmRec.stream('c2s'), s2c: gcmRec.stream('s2c'), secrets: () => ({ keyLog: [], serverKeys: [key] }), reference: decryptRecording(gcmRec, { keyLog: [], serverKeys: [key] }) });
  const t13 = await runNodeClient(nodeProxy.port, ['NOOP', 'LOGIN phone 424242'], { ciphers: 'TLS_CHACHA20_POLY1305_SHA256' });
  const t13Rec = await nodeProxy.connection(1);
  captures.push({ name: 'TLS 1.3 ChaCha20-Poly1305 (key log)', c2s: t13Rec.stream('c2s'), s2c: t13Rec.stream('s2c'), secrets: () => ({ keyLog: t13.keyLog, serverKeys: [] }), reference: decryptRecording(t13Rec, { keyLog: t13.keyLog, serverKeys: [] }) });
}, 30_000);

afterAll(async () => {
  for (const p of proxies) await p.close();
  await nodeServer?.close();
  await harness?.close();
});

describe('chunking', () => {
  it('the references decrypt whole', () => {
    for (const c of captures.slice(0, 3)) {
      expect(c.reference.c2s, c.name).toBe(GNUTLS_CLIENT_SENT);
      expect(c.reference.s2c, c.name).toBe(HARNESS_SERVER_SENT);
    }
    for (const c of captures.slice(3)) {
      expect(c.reference.c2s, c.name).toContain('a2 LOGIN phone 424242\r\n');
      expect(c.reference.statuses.map((s) => s.state), c.name).toEqual(['decrypting']);
    }
  });

  it('any cut points and any interleaving of the two directions give the same plaintext and statuses', () => {
    const piece = fc.record({ dir: fc.constantFrom<Dir>('c2s', 's2c'), size: fc.integer({ min: 1, max: 700 }) });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: captures.length - 1 }), fc.array(piece, { minLength: 1, maxLength: 60 }), (which, plan) => {
        const c = captures[which];
        const pos: Record<Dir, number> = { c2s: 0, s2c: 0 };
        const src: Record<Dir, Buffer> = { c2s: c.c2s, s2c: c.s2c };
        const steps: Array<{ dir: Dir; bytes: Buffer }> = [];
        for (const p of plan) {
          if (pos[p.dir] >= src[p.dir].length) continue;
          steps.push({ dir: p.dir, bytes: src[p.dir].subarray(pos[p.dir], pos[p.dir] + p.size) });
          pos[p.dir] += p.size;
        }
        for (const dir of ['c2s', 's2c'] as const) if (pos[dir] < src[dir].length) steps.push({ dir, bytes: src[dir].subarray(pos[dir]) });
        const r = decryptSteps(steps, c.secrets());
        expect(r.c2s).toBe(c.reference.c2s);
        expect(r.s2c).toBe(c.reference.s2c);
        expect(r.statuses).toEqual(c.reference.statuses);
      }),
      { numRuns: 150 },
    );
  });

  it('one direction entirely before the other, either way round', () => {
    for (const c of captures) {
      for (const order of [
        ['c2s', 's2c'],
        ['s2c', 'c2s'],
      ] as const) {
        const r = decryptSteps(order.map((dir) => ({ dir, bytes: dir === 'c2s' ? c.c2s : c.s2c })), c.secrets());
        expect(r.c2s, `${c.name} ${order.join(' then ')}`).toBe(c.reference.c2s);
        expect(r.s2c).toBe(c.reference.s2c);
      }
    }
  });
});

/** The plaintext pieces of one direction in a reference decryption, one per record. */
function pieces(d: Decrypted, dir: Dir): string[] {
  return d.outputs.flatMap((o) => (o.kind === 'plaintext' && o.direction === dir ? [o.bytes.toString('latin1')] : []));
}

/** Feed `dir` with `lost` bytes missing at `at`; the other direction whole. */
function withGap(c: Capture, dir: Dir, at: number, lost: number): Decrypted {
  const src = dir === 'c2s' ? c.c2s : c.s2c;
  const other: Dir = dir === 'c2s' ? 's2c' : 'c2s';
  return decryptSteps(
    [
      { dir: other, bytes: dir === 'c2s' ? c.s2c : c.c2s },
      { dir, bytes: src.subarray(0, at) },
      { dir, gap: lost },
      { dir, bytes: src.subarray(at + lost) },
    ],
    c.secrets(),
  );
}

describe('gaps', () => {
  const byName = (n: string): Capture => captures.find((c) => c.name.startsWith(n))!;
  /** The k-th application data record the server sent (the greeting is the first). */
  const appRecord = (c: Capture, k: number) => recordsOf(c.s2c).filter((r) => r.type === 23)[k];

  it('RC4: bytes lost inside a record lose that record only; the key stream is carried over the gap', () => {
    const c = byName('TLS 1.0 RC4');
    const rec = appRecord(c, 1);
    const r = withGap(c, 's2c', rec.offset + 5 + 4, 10);
    const want = pieces(c.reference, 's2c');
    expect(r.s2c).toBe([...want.slice(0, 1), ...want.slice(2)].join(''));
    expect(r.c2s).toBe(c.reference.c2s);
    expect(r.statuses.map((s) => s.state)).toEqual(['decrypting', 'lost-sync']);
    expect(r.statuses[1].detail).toBe(`a ${rec.length}-byte server's record lost bytes in the capture: its plaintext is left out`);
  });

  it('TLS 1.0 CBC: losing the last block of a record loses the next record too (the IV chains), then decryption resumes', () => {
    const c = byName('TLS 1.0 3DES');
    const recs = recordsOf(c.s2c).filter((r) => r.type === 23);
    const rec = recs[1];
    const r = withGap(c, 's2c', rec.offset + 5 + rec.length - 8, 8);
    const want = pieces(c.reference, 's2c');
    // gnutls and the lab send one record per write here; each piece is one record.
    expect(want.length).toBe(recs.length);
    expect(r.s2c).toBe([...want.slice(0, 1), ...want.slice(3)].join(''));
    expect(r.statuses.map((s) => s.state)).toEqual(['decrypting', 'lost-sync', 'lost-sync']);
    expect(r.statuses[2].detail).toContain('SSL 3.0/TLS 1.0 CBC carries cipher state from one record to the next');
  });

  it('TLS 1.1 CBC (explicit IV): only the damaged record is lost', () => {
    const c = byName('TLS 1.1 AES');
    const rec = appRecord(c, 1);
    const r = withGap(c, 's2c', rec.offset + 5 + rec.length - 16, 16);
    const want = pieces(c.reference, 's2c');
    expect(r.s2c).toBe([...want.slice(0, 1), ...want.slice(2)].join(''));
    expect(r.statuses.map((s) => s.state)).toEqual(['decrypting', 'lost-sync']);
  });

  it('RC4, a gap over a record header: what came before is kept, the rest of that direction is reported lost', () => {
    const c = byName('TLS 1.0 RC4');
    const rec = recordsOf(c.c2s).filter((r) => r.type === 23)[1];
    const r = withGap(c, 'c2s', rec.offset + 2, 20);
    const want = pieces(c.reference, 'c2s');
    expect(r.c2s).toBe(want[0]);
    expect(r.s2c).toBe(c.reference.s2c);
    expect(r.statuses.map((s) => s.state)).toEqual(['decrypting', 'lost-sync']);
    expect(r.statuses[1].detail).toMatch(/20 bytes missing at offset \d+ cover a record header, so where the next record starts is unknown: the rest of the client's stream is not decrypted/);
  });

  for (const name of ['TLS 1.1 AES', 'TLS 1.2 AES-128-GCM', 'TLS 1.3']) {
    it(`${name}, a gap over a record header: the next record is found again (no state chains records), one record lost`, () => {
      const c = byName(name);
      const recs = recordsOf(c.c2s).filter((r) => r.type === 23);
      const want = pieces(c.reference, 'c2s');
      // The record that loses its header carries the client's second line (in TLS 1.3 the
      // client's Finished is an application-data record too, before the first line).
      const k = name === 'TLS 1.3' ? 2 : 1;
      const r = withGap(c, 'c2s', recs[k].offset + 2, 20);
      expect(r.c2s).toBe([want[0], ...want.slice(2)].join(''));
      expect(r.s2c).toBe(c.reference.s2c);
      expect(r.statuses.map((s) => s.state)).toEqual(['decrypting', 'lost-sync', 'decrypting']);
      expect(r.statuses[1].detail).toBe("20 bytes missing from the client's stream cover a record header: looking for the next record that decrypts");
      expect(r.statuses[2].detail).toContain("the client's stream decrypts again after 1 lost record");
    });
  }

  it('a gap in the handshake: the connection cannot be decrypted, and no garbage comes out', () => {
    const c = byName('TLS 1.3');
    const r = withGap(c, 's2c', 100, 50);
    expect(r.outputs.filter((o) => o.kind === 'plaintext')).toEqual([]);
    expect(r.statuses).toHaveLength(1);
    expect(r.statuses[0].state).toBe('lost-sync');
    expect(r.statuses[0].detail).toContain("server's handshake");
  });
});

describe('a capture that starts late', () => {
  it('after the handshake: says so at once instead of waiting for hellos that will not come', () => {
    const c = captures.find((x) => x.name.startsWith('TLS 1.2 AES-128-GCM'))!;
    const from = recordsOf(c.c2s).filter((r) => r.type === 23)[0].offset;
    const r = decryptSteps([{ dir: 'c2s', bytes: c.c2s.subarray(from) }], c.secrets());
    expect(r.outputs).toEqual([{ kind: 'status', state: 'lost-sync', detail: "the capture starts inside the connection, after its TLS handshake (the client's first record is of type 23, not a handshake): it cannot be decrypted" }]);
  });
});

describe('damaged bytes', () => {
  it('flipped bytes anywhere never throw and never give plaintext that was not sent', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: captures.length - 1 }), fc.constantFrom<Dir>('c2s', 's2c'), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (which, dir, flips) => {
        const c = captures[which];
        const damaged = Buffer.from(dir === 'c2s' ? c.c2s : c.s2c);
        for (const [at, x] of flips) damaged[at % damaged.length] ^= x;
        const r = decryptSteps(
          [
            { dir, bytes: damaged },
            { dir: dir === 'c2s' ? 's2c' : 'c2s', bytes: dir === 'c2s' ? c.s2c : c.c2s },
          ],
          c.secrets(),
        );
        // Every damage is foreseen: none reaches the last-resort catch.
        for (const st of r.statuses) expect(st.detail).not.toContain('could not follow');
        for (const d of ['c2s', 's2c'] as const) {
          const sent = pieces(c.reference, d);
          for (const p of pieces(r, d)) expect(sent).toContain(p);
        }
      }),
      { numRuns: 300 },
    );
  });
});
