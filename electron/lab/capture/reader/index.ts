/**
 * A packet capture as session events, read as a stream: `mailprobe diagnose capture.pcapng`.
 * File → packets (./file-format.ts) → TCP segments (./packet.ts) → reassembled streams
 * (./tcp-stream.ts) → LabEvents (./sessions.ts), each event handed to `onEvent` as soon as it
 * exists, so memory is bounded by the open connections, not by the file.
 */
import { createReadStream, readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import type { DeviceProfile, LabEvent } from '../../../api.js';
import { CaptureStreamReader } from './file-format.js';
import { CaptureSessionBuilder, type CaptureStats } from './sessions.js';
import { defaultDecryptorFactory, type CaptureSecrets, type DecryptorFactory } from './decryptor.js';
import { loadServerKeys, parseKeyLog } from '../decrypt/index.js';
import { helloMatcher } from './fingerprint.js';

export { CaptureFormatError, CaptureStreamReader, MAX_BLOCK_BYTES } from './file-format.js';
export { CaptureSessionBuilder, MAX_OPEN_CONNECTIONS, MAX_PENDING_EVENTS, type CaptureStats } from './sessions.js';
export { MAX_OUT_OF_ORDER_BYTES, MAX_OUT_OF_ORDER_SEGMENTS } from './tcp-stream.js';
export { decodeFrame, LINKTYPE } from './packet.js';
export { helloMatcher, labFingerprints } from './fingerprint.js';
export type { CaptureSecrets, DecryptOutput, TlsConnectionDecryptor } from './decryptor.js';

/** Bytes read from the file at a time. */
export const CAPTURE_READ_CHUNK_BYTES = 1024 * 1024;

/** pcap (both byte orders, µs and ns) and pcapng magic numbers, as the file's first 4 bytes in hex. */
export const CAPTURE_MAGICS: readonly string[] = ['a1b2c3d4', 'd4c3b2a1', 'a1b23c4d', '4d3cb2a1', '0a0d0d0a'];

export interface ReadCaptureOptions {
  /** NSS key log lines (`--keylog`); the capture's own DSB lines are added as they are read. */
  keyLog?: string[];
  /** The server's RSA private keys (`--server-key`). */
  serverKeys?: KeyObject[];
  /** Device profiles, for the ClientHello match. */
  profiles?: readonly DeviceProfile[];
  /** The decryption module (default: ../decrypt). */
  decryptorFactory?: DecryptorFactory;
}

export interface ReadCaptureResult {
  stats: CaptureStats;
  format: 'pcap' | 'pcapng' | 'unknown';
  /** Bytes of a last block or record the file cut short. */
  truncatedBytes: number;
  /** Key log lines found in the capture's Decryption Secrets Blocks. */
  embeddedKeyLogLines: number;
}

/** Read a capture file chunk by chunk; every event goes to onEvent in order (seq from 1). */
export async function readCapture(path: string, onEvent: (ev: LabEvent) => void, options: ReadCaptureOptions = {}): Promise<ReadCaptureResult> {
  const secrets: CaptureSecrets = { keyLog: [...(options.keyLog ?? [])], serverKeys: [...(options.serverKeys ?? [])] };
  const factory = options.decryptorFactory ?? defaultDecryptorFactory;
  const builder = new CaptureSessionBuilder({
    emit: onEvent,
    decryptor: () => factory(secrets),
    ...(options.profiles ? { fingerprint: helloMatcher(options.profiles) } : {}),
  });
  let embedded = 0;
  const reader = new CaptureStreamReader({
    packet: (p) => builder.packet(p),
    secrets: (lines) => {
      embedded += lines.length;
      // The same array the decryptors read: keys met later still serve later connections.
      secrets.keyLog.push(...lines);
    },
  });
  for await (const chunk of createReadStream(path, { highWaterMark: CAPTURE_READ_CHUNK_BYTES })) reader.push(chunk as Buffer);
  const { truncatedBytes } = reader.end();
  builder.end();
  return { stats: builder.stats, format: reader.detectedFormat, truncatedBytes, embeddedKeyLogLines: embedded };
}

/** An NSS key log file's lines (comments, blank and unknown lines dropped). */
export function readKeyLogFile(path: string): string[] {
  return parseKeyLog(readFileSync(path, 'latin1'));
}

/** The server's RSA private keys in a PEM file. */
export function readServerKeys(path: string): KeyObject[] {
  return loadServerKeys(readFileSync(path));
}
