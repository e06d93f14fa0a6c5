/**
 * Test support for the capture decryptor: a TCP proxy on 127.0.0.1 that records what crosses
 * it in each direction with timestamps (what tcpdump on the server would hold, already
 * reassembled), and a helper that feeds a recording to a decryptor.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createTlsDecryptor, parseKeyLog, type CaptureSecrets, type DecryptOutput } from '../../../electron/lab/capture/decrypt/index.js';
import { GREETING, runInteractive, testPki } from '../../tls/harness.js';
import type { RunResult } from '../../support/run.js';
import { tempDir } from '../../support/temp.js';

export type Dir = 'c2s' | 's2c';
export interface Chunk {
  dir: Dir;
  bytes: Buffer;
  ts: number;
}
export interface Recording {
  chunks: Chunk[];
  stream(dir: Dir): Buffer;
}

export interface RecordingProxy {
  port: number;
  /** Resolves with the n-th connection's recording once both sides have closed. */
  connection(n: number): Promise<Recording>;
  close(): Promise<void>;
}

export async function startRecordingProxy(target: number): Promise<RecordingProxy> {
  const done: Array<Promise<Recording>> = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((c) => {
    const chunks: Chunk[] = [];
    const u = connect(target, '127.0.0.1');
    sockets.add(c);
    sockets.add(u);
    c.on('data', (d) => {
      chunks.push({ dir: 'c2s', bytes: Buffer.from(d), ts: Date.now() });
      u.write(d);
    });
    u.on('data', (d) => {
      chunks.push({ dir: 's2c', bytes: Buffer.from(d), ts: Date.now() });
      c.write(d);
    });
    u.on('end', () => c.end());
    c.on('end', () => u.end());
    u.on('error', () => c.destroy());
    c.on('error', () => u.destroy());
    const closed = (s: Socket): Promise<void> => new Promise((r) => s.on('close', () => r()));
    done.push(
      Promise.all([closed(c), closed(u)]).then(() => ({
        chunks,
        stream: (dir: Dir) => Buffer.concat(chunks.filter((x) => x.dir === dir).map((x) => x.bytes)),
      })),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    async connection(n) {
      const end = Date.now() + 15_000;
      while (done.length <= n) {
        if (Date.now() > end) throw new Error(`no connection ${n} through the proxy`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return done[n];
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface Decrypted {
  c2s: string;
  s2c: string;
  statuses: Array<Extract<DecryptOutput, { kind: 'status' }>>;
  outputs: DecryptOutput[];
}

function collect(outputs: DecryptOutput[]): Decrypted {
  const text = (dir: Dir): string =>
    Buffer.concat(outputs.filter((o): o is Extract<DecryptOutput, { kind: 'plaintext' }> => o.kind === 'plaintext' && o.direction === dir).map((o) => o.bytes)).toString('latin1');
  return { c2s: text('c2s'), s2c: text('s2c'), statuses: outputs.filter((o): o is Extract<DecryptOutput, { kind: 'status' }> => o.kind === 'status'), outputs };
}

/** Feed the chunks in the order they crossed the proxy. */
export function decryptRecording(rec: Recording, secrets: CaptureSecrets): Decrypted {
  const d = createTlsDecryptor(secrets);
  const out: DecryptOutput[] = [];
  for (const c of rec.chunks) out.push(...d.push(c.dir, c.bytes, c.ts));
  return collect(out);
}

/** Feed the chunks as the given steps (a push of some bytes of a direction, or a gap). */
export function decryptSteps(steps: Array<{ dir: Dir; bytes?: Buffer; gap?: number; ts?: number }>, secrets: CaptureSecrets): Decrypted {
  const d = createTlsDecryptor(secrets);
  const out: DecryptOutput[] = [];
  for (const s of steps) out.push(...(s.gap !== undefined ? d.gap(s.dir, s.gap) : d.push(s.dir, s.bytes!, s.ts ?? 0)));
  return collect(out);
}

export const GNUTLS_CLIENT_SENT = 'a1 NOOP\r\na2 LOGIN phone 424242\r\na3 LOGOUT\r\n';
export const HARNESS_SERVER_SENT = `${GREETING}\r\na1 OK echo: a1 NOOP\r\na2 OK echo: a2 LOGIN phone 424242\r\n* BYE\r\na3 OK bye\r\n`;

/** One gnutls-cli session (NOOP, LOGIN, LOGOUT) against the TLS harness on `port`, with
 * gnutls's key log (SSLKEYLOGFILE). */
export async function gnutlsCapture(port: number, priority: string, greeting = GREETING): Promise<{ result: RunResult; keyLog: string[] }> {
  const file = join(tempDir('mp-keylog-'), 'keys.log');
  const result = await runInteractive('gnutls-cli', ['--x509cafile', testPki().caFile, '-p', String(port), '--priority', priority, 'localhost'], [
    { waitFor: greeting, send: 'a1 NOOP\r\n' },
    { waitFor: 'a1 OK', send: 'a2 LOGIN phone 424242\r\n' },
    { waitFor: 'a2 OK', send: 'a3 LOGOUT\r\n' },
    { waitFor: 'a3 OK' },
  ], 10_000, { SSLKEYLOGFILE: file });
  let keyLog: string[] = [];
  try {
    keyLog = parseKeyLog(readFileSync(file, 'utf8'));
  } catch {
    // no file: gnutls had nothing to log
  }
  return { result, keyLog };
}

/** The records of a captured direction: offset of each header, type and length. */
export function recordsOf(stream: Buffer): Array<{ offset: number; type: number; length: number }> {
  const out: Array<{ offset: number; type: number; length: number }> = [];
  for (let o = 0; o + 5 <= stream.length; ) {
    const length = stream.readUInt16BE(o + 3);
    out.push({ offset: o, type: stream[o], length });
    o += 5 + length;
  }
  return out;
}
