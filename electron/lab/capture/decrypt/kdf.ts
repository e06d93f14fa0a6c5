/**
 * Key derivation for every version the decryptor reads:
 * - SSL 3.0: MD5/SHA-1 constructions of RFC 6101 §6.1 and §6.2.2;
 * - TLS 1.0/1.1: the MD5 ⊕ SHA-1 PRF of RFC 2246 §5 (shared with the legacy engine);
 * - TLS 1.2: P_SHA256 or the suite's hash (RFC 5246 §5);
 * - extended master secret over the session hash (RFC 7627 §4);
 * - TLS 1.3: HKDF-Expand-Label and the traffic keys of RFC 8446 §7.1 and §7.3.
 */
import { createHash, createHmac } from 'node:crypto';
import { pHash, prf10 } from '../../tls/legacy/prf.js';
import { keyBlockLength, splitKeyBlock } from '../../tls/legacy/record.js';
import type { DecryptSuite } from './suites.js';

export const SSL30 = 0x0300;
export const TLS10 = 0x0301;
export const TLS12 = 0x0303;
export const TLS13 = 0x0304;

export const MASTER_SECRET_LENGTH = 48;

/** "SSL 3.0", "TLS 1.0" … "TLS 1.3" for statuses. */
export function versionLabel(v: number): string {
  if (v === SSL30) return 'SSL 3.0';
  if (v >= TLS10 && v <= TLS13) return `TLS 1.${v - TLS10}`;
  return `version 0x${v.toString(16).padStart(4, '0')}`;
}

/** The PRF of the negotiated version (TLS only; SSL 3.0 has none). */
export function prf(version: number, suite: DecryptSuite, secret: Buffer, label: string, seed: Buffer, length: number): Buffer {
  if (version < TLS12) return prf10(secret, label, seed, length);
  return pHash(suite.prfHash, secret, Buffer.concat([Buffer.from(label, 'latin1'), seed]), length);
}

/** RFC 6101 §6.2.2 and §6.1: MD5(secret + SHA1("A" + secret + seed)) + MD5(secret + SHA1("BB" + …)) … */
function ssl3Expand(secret: Buffer, seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0, total = 0; total < length; i++) {
    const salt = Buffer.alloc(i + 1, 0x41 + i); // 'A', 'BB', 'CCC', …
    const inner = createHash('sha1').update(salt).update(secret).update(seed).digest();
    const block = createHash('md5').update(secret).update(inner).digest();
    out.push(block);
    total += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** The hash of the handshake so far that RFC 7627 §3 calls session_hash. */
export function sessionHash(version: number, suite: DecryptSuite, transcript: readonly Buffer[]): Buffer {
  if (version < TLS12) {
    const md5 = createHash('md5');
    const sha1 = createHash('sha1');
    for (const m of transcript) {
      md5.update(m);
      sha1.update(m);
    }
    return Buffer.concat([md5.digest(), sha1.digest()]);
  }
  const h = createHash(suite.prfHash);
  for (const m of transcript) h.update(m);
  return h.digest();
}

export interface MasterInputs {
  version: number;
  suite: DecryptSuite;
  preMaster: Buffer;
  clientRandom: Buffer;
  serverRandom: Buffer;
  /** Present when both hellos carried extended_master_secret (RFC 7627 §4). */
  sessionHash?: Buffer;
}

/** RFC 5246 §8.1, RFC 7627 §4, RFC 6101 §6.1. */
export function masterSecret(m: MasterInputs): Buffer {
  if (m.version === SSL30) return ssl3Expand(m.preMaster, Buffer.concat([m.clientRandom, m.serverRandom]), MASTER_SECRET_LENGTH);
  if (m.sessionHash) return prf(m.version, m.suite, m.preMaster, 'extended master secret', m.sessionHash, MASTER_SECRET_LENGTH);
  return prf(m.version, m.suite, m.preMaster, 'master secret', Buffer.concat([m.clientRandom, m.serverRandom]), MASTER_SECRET_LENGTH);
}

export interface DirectionKeys {
  macKey: Buffer;
  key: Buffer;
  iv: Buffer;
}

/** RFC 5246 §6.3 (and RFC 6101 §6.2.2): client MAC, server MAC, client key, server key, client IV, server IV. */
export function keyBlock(version: number, suite: DecryptSuite, master: Buffer, clientRandom: Buffer, serverRandom: Buffer): { client: DirectionKeys; server: DirectionKeys } {
  const shape = { macLength: suite.macLength, keyLength: suite.keyLength, blockLength: suite.ivLength };
  const length = keyBlockLength(shape);
  const seed = Buffer.concat([serverRandom, clientRandom]);
  const kb = version === SSL30 ? ssl3Expand(master, seed, length) : prf(version, suite, master, 'key expansion', seed, length);
  const m = splitKeyBlock(shape, kb);
  return { client: { macKey: m.clientMac, key: m.clientKey, iv: m.clientIv }, server: { macKey: m.serverMac, key: m.serverKey, iv: m.serverIv } };
}

/** RFC 8446 §7.1: HKDF-Expand-Label(Secret, Label, Context, Length) with the "tls13 " prefix. */
export function hkdfExpandLabel(hash: 'sha256' | 'sha384', secret: Buffer, label: string, context: Buffer, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([context.length]), context]);
  return hkdfExpand(hash, secret, info, length);
}

/** RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) | info | i). Node's hkdfSync always runs Extract
 * first, and TLS 1.3's traffic secrets are already pseudo-random keys, so Expand is done here. */
function hkdfExpand(hash: 'sha256' | 'sha384', prk: Buffer, info: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let i = 1, total = 0; total < length; i++) {
    t = createHmac(hash, prk).update(t).update(info).update(Buffer.from([i])).digest();
    out.push(t);
    total += t.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** RFC 8446 §7.3: [sender]_write_key and _iv from a traffic secret. */
export function tls13TrafficKeys(suite: DecryptSuite, secret: Buffer): { key: Buffer; iv: Buffer } {
  return {
    key: hkdfExpandLabel(suite.prfHash, secret, 'key', Buffer.alloc(0), suite.keyLength),
    iv: hkdfExpandLabel(suite.prfHash, secret, 'iv', Buffer.alloc(0), 12),
  };
}

/** RFC 8446 §7.2: application_traffic_secret_N+1 after a KeyUpdate. */
export function tls13NextSecret(suite: DecryptSuite, secret: Buffer): Buffer {
  return hkdfExpandLabel(suite.prfHash, secret, 'traffic upd', Buffer.alloc(0), secret.length);
}
