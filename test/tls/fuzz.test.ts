/**
 * Random bytes after a real ClientHello (legacy and modern engines) and random bytes instead of
 * one, over real sockets: every connection ends with an outcome event, nothing throws, and the
 * lab still serves a real client afterwards.
 */
import fc from 'fast-check';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ext, helloRecords } from './hello-builder.js';
import { gnutlsPriority, gnutlsSession, startHarness, waitForEvent, type Harness } from './harness.js';

function sendAndClose(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.end(bytes));
    s.on('data', () => undefined);
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    setTimeout(() => {
      s.destroy();
      resolve();
    }, 2000).unref();
  });
}

describe('fuzzing the TLS port', () => {
  let h: Harness;
  const errors: unknown[] = [];
  const onError = (e: unknown): void => void errors.push(e);
  beforeAll(async () => {
    process.on('uncaughtException', onError);
    h = await startHarness('implicit', { engine: 'auto', handshakeTimeoutMs: 3000 });
  });
  afterAll(async () => {
    process.off('uncaughtException', onError);
    await h.close();
  });

  it('every connection ends in tls.failed (or established), and the lab keeps serving', async () => {
    const hellos = [
      helloRecords({ version: 0x0301, suites: [0x0004, 0x000a], extensions: [ext.reneg()] }),
      helloRecords({ version: 0x0302, suites: [0x0005] }),
      helloRecords({ version: 0x0303, suites: [0xc02f, 0x009c], extensions: [ext.sigAlgs([0x0401]), ext.groups([29, 23]), ext.reneg()] }),
    ];
    // Plausible records (right header, random body) hit deeper code than pure noise.
    const record = fc.tuple(fc.constantFrom(20, 21, 22, 23), fc.uint8Array({ maxLength: 120 })).map(([t, b]) => Buffer.concat([Buffer.from([t, 3, 1, b.length >> 8, b.length & 0xff]), Buffer.from(b)]));
    const tail = fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), fc.array(record, { maxLength: 4 }).map((rs) => Buffer.concat(rs)));
    const input = fc.oneof(
      fc.tuple(fc.constantFrom(...hellos), tail).map(([hello, t]) => Buffer.concat([hello, t])),
      fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => Buffer.from(b)),
    );
    await fc.assert(
      fc.asyncProperty(input, async (bytes) => {
        await sendAndClose(h.port, bytes);
      }),
      { numRuns: 150 },
    );
    // Every connection that got as far as a hello has an outcome.
    const hellosSeen = new Set(h.events().filter((e) => e.kind === 'tls.hello').map((e) => e.conn));
    await waitForEvent({ events: () => h.events() }, () => {
      const settled = new Set(h.events().filter((e) => e.kind === 'tls.failed' || e.kind === 'tls.established').map((e) => e.conn));
      return [...hellosSeen].every((c) => settled.has(c));
    }, 8000);
    expect(hellosSeen.size).toBeGreaterThan(40);
    expect(errors).toEqual([]);
    const r = await gnutlsSession(h.port, gnutlsPriority('VERS-TLS1.0', '+ARCFOUR-128:+MD5'), false);
    expect(r.stdout).toContain('a1 OK echo');
  });
});
