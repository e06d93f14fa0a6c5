/**
 * SSL 3.0 (RFC 6101), which no TLS stack installed on this machine still negotiates: recorded
 * once between tlslite-ng client and server through a recording proxy (fixtures/make-ssl3.py
 * says how; the bytes and the throwaway server key are in fixtures/ssl3.json), and decrypted
 * with that key: SSL 3.0's own key derivation and MAC, RC4 and CBC.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadServerKey } from '../../../electron/lab/capture/decrypt/index.js';
import { decryptRecording, type Chunk, type Dir, type Recording } from './support.js';

interface Fixture {
  keyPem: string;
  connections: Array<{ suite: string; chunks: Array<{ dir: Dir; hex: string; ts: number }> }>;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/ssl3.json', import.meta.url), 'utf8')) as Fixture;

function recording(chunks: Fixture['connections'][number]['chunks']): Recording {
  const cs: Chunk[] = chunks.map((c) => ({ dir: c.dir, bytes: Buffer.from(c.hex, 'hex'), ts: c.ts }));
  return { chunks: cs, stream: (dir) => Buffer.concat(cs.filter((c) => c.dir === dir).map((c) => c.bytes)) };
}

describe('SSL 3.0 with the server key', () => {
  for (const conn of fixture.connections) {
    it(`${conn.suite}: both directions as sent`, () => {
      const rec = recording(conn.chunks);
      // The capture really is SSL 3.0: the ServerHello's version is 3.0.
      expect(rec.stream('s2c').readUInt16BE(9)).toBe(0x0300);
      const d = decryptRecording(rec, { keyLog: [], serverKeys: [loadServerKey(fixture.keyPem)] });
      expect(d.statuses).toEqual([{ kind: 'status', state: 'decrypting', detail: `SSL 3.0 ${conn.suite}: master secret from the server's RSA key` }]);
      expect(d.c2s).toBe('a1 NOOP\r\na2 LOGIN phone 424242\r\na3 LOGOUT\r\n');
      expect(d.s2c).toBe('* OK ssl3 fixture ready\r\na1 OK echo: a1 NOOP\r\na2 OK echo: a2 LOGIN phone 424242\r\n* BYE\r\na3 OK bye\r\n');
    });
  }
});
