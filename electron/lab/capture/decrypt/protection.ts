/**
 * Removing record protection, one direction at a time, for a passive reader (no peer to answer,
 * so no padding oracle to guard: a failure is simply reported):
 * - MAC-then-encrypt with RC4 or CBC (RFC 6101 §5.2.3, RFC 2246 §6.2.3, RFC 4346 §6.2.3.2,
 *   RFC 5246 §6.2.3.1–2): SSL 3.0 and TLS 1.0 chain the CBC IV across records, TLS 1.1+ send it
 *   per record; or encrypt-then-MAC for CBC when both hellos asked for it (RFC 7366 §3), which
 *   OpenSSL does by default;
 * - TLS 1.2 AEAD: AES-GCM with a 4-byte salt and 8-byte explicit nonce (RFC 5288 §3), ChaCha20-
 *   Poly1305 with the IV XOR the sequence number (RFC 7905 §2);
 * - TLS 1.3 AEAD over TLSInnerPlaintext (RFC 8446 §5.2, §5.3).
 */
import { createDecipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Rc4 } from '../../tls/legacy/rc4.js';
import type { DecryptSuite } from './suites.js';
import { SSL30, TLS10 } from './kdf.js';

export const AEAD_TAG_LENGTH = 16;
export const GCM_EXPLICIT_NONCE_LENGTH = 8;

export type OpenResult = { ok: true; type: number; data: Buffer } | { ok: false; reason: string };

export interface RecordOpener {
  /** Decrypt and verify one record's fragment (`version` from its header). */
  open(type: number, version: number, fragment: Buffer): OpenResult;
  /** Account for a record whose bytes were partly lost: advance the sequence number and the
   * cipher's running state exactly as if it had been read, without trusting its output. */
  skip(type: number, version: number, fragment: Buffer): void;
  /** Whether state carried across records (RC4 key stream, CBC IV chain) makes the record after a
   * damaged one unreadable too. */
  readonly chained: boolean;
  /** The next record's sequence number (RFC 5246 §6.1). */
  sequence: bigint;
}

/** Up to how many lost records a resynchronisation tries (the sequence number is in the MAC or
 * nonce of every record, and a lost header hides how many records the gap held). */
export const MAX_RESYNC_LOST_RECORDS = 64;

/**
 * After a gap that swallowed a record header: does this candidate record open with one of the
 * next sequence numbers? Only where no state chains records (explicit-IV CBC, AEAD): RFC 4346
 * §6.2.3.2, RFC 5246 §6.2.3.3, RFC 8446 §5.3. On success the opener continues after it.
 */
export function resyncOpen(opener: RecordOpener, type: number, version: number, fragment: Buffer, maxLost = MAX_RESYNC_LOST_RECORDS): { result: Extract<OpenResult, { ok: true }>; lost: number } | undefined {
  if (opener.chained) return undefined;
  const start = opener.sequence;
  for (let k = 1; k <= maxLost; k++) {
    opener.sequence = start + BigInt(k);
    const r = opener.open(type, version, fragment);
    if (r.ok) return { result: r, lost: k };
  }
  opener.sequence = start;
  return undefined;
}

function seqBytes(seq: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(seq);
  return b;
}

/** RFC 7905 §2, RFC 8446 §5.3: the 12-byte IV XOR the sequence number, left-padded. */
function xorNonce(iv: Buffer, seq: Buffer): Buffer {
  const nonce = Buffer.from(iv);
  for (let i = 0; i < 8; i++) nonce[4 + i] ^= seq[i];
  return nonce;
}

const SSL3_PAD1 = 0x36;
const SSL3_PAD2 = 0x5c;

/** RC4 or CBC with an HMAC (SSL 3.0: its own MAC) over the plaintext, or over the ciphertext. */
class MacAndDecrypt implements RecordOpener {
  sequence = 0n;
  private readonly rc4?: Rc4;
  private iv: Buffer;
  readonly chained: boolean;

  constructor(
    private readonly suite: DecryptSuite,
    private readonly version: number,
    private readonly macKey: Buffer,
    private readonly key: Buffer,
    iv: Buffer,
    private readonly encryptThenMac: boolean,
  ) {
    if (suite.kind === 'stream') this.rc4 = new Rc4(key);
    this.iv = iv;
    this.chained = suite.kind === 'stream' || version <= TLS10;
  }

  private mac(seq: bigint, type: number, version: number, data: Buffer): Buffer {
    const s = this.suite;
    if (this.version === SSL30) {
      // RFC 6101 §5.2.3.1: hash(secret + pad_2 + hash(secret + pad_1 + seq_num + type + length + content)).
      const padLen = s.mac === 'md5' ? 48 : 40;
      const len = Buffer.from([data.length >> 8, data.length & 0xff]);
      const inner = createHash(s.mac).update(this.macKey).update(Buffer.alloc(padLen, SSL3_PAD1)).update(seqBytes(seq)).update(Buffer.from([type])).update(len).update(data).digest();
      return createHash(s.mac).update(this.macKey).update(Buffer.alloc(padLen, SSL3_PAD2)).update(inner).digest();
    }
    const h = Buffer.allocUnsafe(13);
    h.writeBigUInt64BE(seq, 0);
    h[8] = type;
    h.writeUInt16BE(version, 9);
    h.writeUInt16BE(data.length, 11);
    return createHmac(s.mac, this.macKey).update(h).update(data).digest();
  }

  private decipher(fragment: Buffer): Buffer | undefined {
    if (this.rc4) return this.rc4.update(fragment);
    const bs = this.suite.ivLength;
    if (fragment.length === 0 || fragment.length % bs !== 0) return undefined;
    let iv = this.iv;
    let body = fragment;
    if (!this.chained) {
      iv = fragment.subarray(0, bs);
      body = fragment.subarray(bs);
    } else {
      this.iv = Buffer.from(fragment.subarray(fragment.length - bs));
    }
    const d = createDecipheriv(this.suite.cipher, this.key, iv);
    d.setAutoPadding(false);
    return Buffer.concat([d.update(body), d.final()]);
  }

  open(type: number, version: number, fragment: Buffer): OpenResult {
    if (this.encryptThenMac && this.suite.kind === 'cbc') return this.openEtm(type, version, fragment);
    const plain = this.decipher(fragment);
    const seq = this.sequence;
    this.sequence += 1n;
    if (plain === undefined) return { ok: false, reason: `a ${fragment.length}-byte fragment is not whole ${this.suite.ivLength}-byte blocks` };
    let content = plain;
    if (this.suite.kind === 'cbc') {
      const unpadded = this.unpad(plain, this.suite.macLength);
      if (!unpadded) return { ok: false, reason: 'bad CBC padding' };
      content = unpadded;
    }
    const ml = this.suite.macLength;
    if (content.length < ml) return { ok: false, reason: 'record shorter than its MAC' };
    const data = content.subarray(0, content.length - ml);
    if (!timingSafeEqual(this.mac(seq, type, version, data), content.subarray(content.length - ml))) return { ok: false, reason: 'MAC mismatch' };
    return { ok: true, type, data };
  }

  /** RFC 7366 §3: the MAC covers the IV and ciphertext and is checked before decrypting. */
  private openEtm(type: number, version: number, fragment: Buffer): OpenResult {
    const ml = this.suite.macLength;
    const seq = this.sequence;
    this.sequence += 1n;
    if (fragment.length < ml + this.suite.ivLength) return { ok: false, reason: 'record shorter than its MAC' };
    const ct = fragment.subarray(0, fragment.length - ml);
    const macOk = timingSafeEqual(this.mac(seq, type, version, ct), fragment.subarray(fragment.length - ml));
    const plain = this.decipher(ct);
    if (!macOk) return { ok: false, reason: 'MAC mismatch' };
    if (plain === undefined) return { ok: false, reason: `a ${ct.length}-byte ciphertext is not whole ${this.suite.ivLength}-byte blocks` };
    const data = this.unpad(plain, 0);
    return data ? { ok: true, type, data } : { ok: false, reason: 'bad CBC padding' };
  }

  /** The plaintext without its CBC padding (RFC 5246 §6.2.3.2; SSL 3.0: RFC 6101 §5.2.3.2). */
  private unpad(plain: Buffer, macLength: number): Buffer | undefined {
    const padLen = plain[plain.length - 1];
    if (padLen === undefined || padLen + 1 + macLength > plain.length) return undefined;
    if (this.version === SSL30) {
      // The padding content is arbitrary and shorter than a block.
      if (padLen >= this.suite.ivLength) return undefined;
    } else {
      for (let i = plain.length - 1 - padLen; i < plain.length; i++) if (plain[i] !== padLen) return undefined;
    }
    return plain.subarray(0, plain.length - padLen - 1);
  }

  skip(_type: number, _version: number, fragment: Buffer): void {
    const ct = this.encryptThenMac && this.suite.kind === 'cbc' ? fragment.subarray(0, Math.max(0, fragment.length - this.suite.macLength)) : fragment;
    if (this.rc4 || ct.length % this.suite.ivLength === 0) this.decipher(ct);
    this.sequence += 1n;
  }
}

/** What both AEAD record formats share: a key, an IV and a sequence number per direction. */
abstract class AeadOpener implements RecordOpener {
  sequence = 0n;
  readonly chained = false;

  constructor(
    protected readonly suite: DecryptSuite,
    protected readonly key: Buffer,
    protected readonly iv: Buffer,
  ) {}

  /** This record's sequence number, as 8 bytes, and count it. */
  protected nextSeq(): Buffer {
    const seq = seqBytes(this.sequence);
    this.sequence += 1n;
    return seq;
  }

  abstract open(type: number, version: number, fragment: Buffer): OpenResult;

  skip(): void {
    this.sequence += 1n;
  }
}

/** TLS 1.2 AES-GCM and ChaCha20-Poly1305. */
class Aead12 extends AeadOpener {
  open(type: number, version: number, fragment: Buffer): OpenResult {
    const seq = this.nextSeq();
    const gcm = this.suite.cipher !== 'chacha20-poly1305';
    const explicit = gcm ? GCM_EXPLICIT_NONCE_LENGTH : 0;
    if (fragment.length < explicit + AEAD_TAG_LENGTH) return { ok: false, reason: 'record shorter than its nonce and tag' };
    const nonce = gcm ? Buffer.concat([this.iv, fragment.subarray(0, explicit)]) : xorNonce(this.iv, seq);
    const ct = fragment.subarray(explicit, fragment.length - AEAD_TAG_LENGTH);
    const aad = Buffer.allocUnsafe(13);
    seq.copy(aad, 0);
    aad[8] = type;
    aad.writeUInt16BE(version, 9);
    aad.writeUInt16BE(ct.length, 11);
    return aeadOpen(this.suite, this.key, nonce, aad, ct, fragment.subarray(fragment.length - AEAD_TAG_LENGTH), type);
  }
}

function aeadOpen(suite: DecryptSuite, key: Buffer, nonce: Buffer, aad: Buffer, ct: Buffer, tag: Buffer, type: number): OpenResult {
  try {
    const d = createDecipheriv(suite.cipher as 'aes-128-gcm', key, nonce, { authTagLength: AEAD_TAG_LENGTH });
    d.setAAD(aad);
    d.setAuthTag(tag);
    const data = Buffer.concat([d.update(ct), d.final()]);
    return { ok: true, type, data };
  } catch {
    return { ok: false, reason: 'authentication tag mismatch' };
  }
}

/** RFC 8446 §5.2–5.3: per-record nonce = IV XOR sequence number, additional data = the header. */
export class Aead13 extends AeadOpener {
  open(type: number, version: number, fragment: Buffer): OpenResult {
    const seq = this.nextSeq();
    if (fragment.length < AEAD_TAG_LENGTH + 1) return { ok: false, reason: 'record shorter than its tag' };
    const nonce = xorNonce(this.iv, seq);
    const aad = Buffer.from([type, version >> 8, version & 0xff, fragment.length >> 8, fragment.length & 0xff]);
    const r = aeadOpen(this.suite, this.key, nonce, aad, fragment.subarray(0, fragment.length - AEAD_TAG_LENGTH), fragment.subarray(fragment.length - AEAD_TAG_LENGTH), type);
    if (!r.ok) return r;
    // TLSInnerPlaintext: content, the real type, then zero padding.
    let end = r.data.length;
    while (end > 0 && r.data[end - 1] === 0) end--;
    if (end === 0) return { ok: false, reason: 'TLSInnerPlaintext without a content type' };
    return { ok: true, type: r.data[end - 1], data: r.data.subarray(0, end - 1) };
  }
}

export function createOpener(suite: DecryptSuite, version: number, keys: { macKey: Buffer; key: Buffer; iv: Buffer }, encryptThenMac: boolean): RecordOpener {
  if (suite.kind === 'aead') return new Aead12(suite, keys.key, keys.iv);
  return new MacAndDecrypt(suite, version, keys.macKey, keys.key, keys.iv, encryptThenMac);
}
