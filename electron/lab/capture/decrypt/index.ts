/**
 * Decrypting the TLS connections of a customer's capture (`mailprobe diagnose capture.pcap
 * --keylog FILE --server-key key.pem`). The capture reader feeds each connection's reassembled
 * TCP payload, per direction, to a decryptor, and gets back the plaintext records and statuses
 * saying why a connection cannot be read. README.md says what decrypts with which secret.
 */
import type { KeyObject } from 'node:crypto';
import { TlsConnection, type DecryptOutput, type Direction } from './connection.js';
import { KeyLogIndex } from './keylog.js';
import { SessionCache } from './session-cache.js';

export type { DecryptOutput, DecryptStatus } from './connection.js';
export { KEYLOG_LABELS, KeyLogIndex, parseKeyLog } from './keylog.js';
export { keyForCertificate, loadServerKey, loadServerKeys, ServerKeyError } from './server-key.js';
export { MAX_PENDING_BYTES } from './connection.js';
export { MAX_CACHED_SESSIONS } from './session-cache.js';

export interface CaptureSecrets {
  /** NSS key log lines (parseKeyLog, or a pcapng Decryption Secrets Block). */
  keyLog: string[];
  /** RSA private keys of the server(s) in the capture (loadServerKeys). */
  serverKeys: KeyObject[];
}

export interface TlsConnectionDecryptor {
  /** Feed reassembled TCP payload of one direction, in order, starting at the first TLS byte. */
  push(direction: Direction, bytes: Buffer, timestampMs: number): DecryptOutput[];
  /** A gap of `bytes` missing bytes in that direction. */
  gap(direction: Direction, bytes: number): DecryptOutput[];
}

interface CaptureState {
  keyLog: KeyLogIndex;
  keyLogLines: number;
  cache: SessionCache;
}

// One state per secrets object, that is per capture: the key log is indexed once, and master
// secrets of full handshakes serve later resumptions of the same session in that capture.
const perCapture = new WeakMap<CaptureSecrets, CaptureState>();

function stateFor(secrets: CaptureSecrets): CaptureState {
  let st = perCapture.get(secrets);
  if (!st || st.keyLogLines !== secrets.keyLog.length) {
    st = { keyLog: new KeyLogIndex(secrets.keyLog), keyLogLines: secrets.keyLog.length, cache: st?.cache ?? new SessionCache() };
    perCapture.set(secrets, st);
  }
  return st;
}

/** A decryptor for one TCP connection of the capture whose secrets these are. */
export function createTlsDecryptor(secrets: CaptureSecrets): TlsConnectionDecryptor {
  const st = stateFor(secrets);
  const conn = new TlsConnection({ keyLog: st.keyLog, serverKeys: secrets.serverKeys, cache: st.cache });
  return {
    push: (direction, bytes, timestampMs) => conn.push(direction, bytes, timestampMs),
    gap: (direction, bytes) => conn.gap(direction, bytes),
  };
}
