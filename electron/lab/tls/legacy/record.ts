/**
 * Record protection for TLS 1.0 and 1.1 (RFC 2246 §6.2.3, RFC 4346 §6.2.3): MAC-then-encrypt
 * with HMAC-MD5/SHA-1 over seq_num + type + version + length + fragment; RC4 as a stream, or
 * CBC with padding. TLS 1.0 chains the IV from one record to the next; TLS 1.1 sends an explicit
 * IV per record. Both fall out of keeping one CBC context per direction: in 1.0 its state is the
 * last ciphertext block; in 1.1 each record starts with a random block whose decryption is
 * thrown away (RFC 4346 §6.2.3.2, option 2b).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual, type Cipher, type Decipher } from 'node:crypto';
import { Rc4 } from './rc4.js';
import type { LegacySuite } from './suites.js';

/** RFC 2246 §6.2.3: TLSCiphertext.length MUST NOT exceed 2^14 + 2048. */
export const MAX_CIPHERTEXT_RECORD = 16384 + 2048;
export const MAX_PLAINTEXT_FRAGMENT = 16384;

export const TLS10 = 0x0301;
export const TLS11 = 0x0302;

interface StreamCtx {
  update(data: Buffer): Buffer;
}

function makeCtx(suite: LegacySuite, key: Buffer, iv: Buffer, encrypt: boolean): StreamCtx {
  if (suite.cipher === 'rc4') return new Rc4(key);
  const c: Cipher | Decipher = encrypt ? createCipheriv(suite.cipher, key, iv) : createDecipheriv(suite.cipher, key, iv);
  c.setAutoPadding(false);
  return { update: (d) => c.update(d) };
}

function header(seq: bigint, type: number, version: number, length: number): Buffer {
  const h = Buffer.allocUnsafe(13);
  h.writeBigUInt64BE(seq, 0);
  h[8] = type;
  h.writeUInt16BE(version, 9);
  h.writeUInt16BE(length, 11);
  return h;
}

export class BadRecordMac extends Error {
  override name = 'BadRecordMac';
}

/** One direction's protection state after ChangeCipherSpec. */
export class CipherState {
  private seq = 0n;
  private readonly ctx: StreamCtx;

  constructor(
    private readonly suite: LegacySuite,
    private readonly version: number,
    private readonly macKey: Buffer,
    key: Buffer,
    iv: Buffer,
    encrypt: boolean,
  ) {
    const ivLen = suite.blockLength;
    this.ctx = makeCtx(suite, key, ivLen > 0 ? (iv.length === ivLen ? iv : Buffer.alloc(ivLen)) : iv, encrypt);
  }

  private mac(type: number, data: Buffer): Buffer {
    return createHmac(this.suite.mac, this.macKey).update(header(this.seq, type, this.version, data.length)).update(data).digest();
  }

  /** Protect one plaintext fragment (≤ 2^14 bytes); returns the record's fragment. */
  seal(type: number, plaintext: Buffer): Buffer {
    const mac = this.mac(type, plaintext);
    this.seq += 1n;
    const bs = this.suite.blockLength;
    if (bs === 0) return this.ctx.update(Buffer.concat([plaintext, mac]));
    const len = plaintext.length + mac.length;
    const padLen = (bs - ((len + 1) % bs)) % bs;
    const pad = Buffer.alloc(padLen + 1, padLen);
    const parts = [plaintext, mac, pad];
    if (this.version >= TLS11) parts.unshift(randomBytes(bs));
    return this.ctx.update(Buffer.concat(parts));
  }

  /** Remove protection from one record fragment. Throws BadRecordMac on a wrong MAC or padding,
   * with the same alert either way (RFC 5246 §6.2.3.2: no padding oracle). */
  open(type: number, fragment: Buffer): Buffer {
    const bs = this.suite.blockLength;
    const ml = this.suite.macLength;
    let content: Buffer;
    let ok = 1;
    if (bs === 0) {
      const p = this.ctx.update(fragment);
      if (p.length < ml) throw new BadRecordMac('record shorter than its MAC');
      content = p;
    } else {
      const explicit = this.version >= TLS11 ? bs : 0;
      if (fragment.length % bs !== 0 || fragment.length < explicit + Math.ceil((ml + 1) / bs) * bs) {
        throw new BadRecordMac('ciphertext length is not a whole number of blocks');
      }
      const p = this.ctx.update(fragment).subarray(explicit);
      const padLen = p[p.length - 1];
      // Check every padding byte position (up to 255) whatever the claimed length, so the time
      // taken does not say how many were right.
      const fits = padLen + 1 + ml <= p.length ? 1 : 0;
      ok &= fits;
      const checkLen = Math.min(256, p.length);
      for (let i = 1; i <= checkLen; i++) {
        const inPad = i <= padLen + 1 ? 1 : 0;
        const same = p[p.length - i] === padLen ? 1 : 0;
        ok &= 1 - (inPad & (1 - same));
      }
      content = p.subarray(0, p.length - (fits === 1 ? padLen + 1 : 0));
      if (content.length < ml) throw new BadRecordMac('record shorter than its MAC');
    }
    const data = content.subarray(0, content.length - ml);
    const got = content.subarray(content.length - ml);
    const want = this.mac(type, data);
    this.seq += 1n;
    const macOk = timingSafeEqual(got, want) ? 1 : 0;
    if ((ok & macOk) !== 1) throw new BadRecordMac(ok === 1 ? 'MAC mismatch' : 'bad CBC padding');
    return data; // a view of the cipher's fresh output: nothing else holds it, no copy needed
  }
}

export interface KeyMaterial {
  clientMac: Buffer;
  serverMac: Buffer;
  clientKey: Buffer;
  serverKey: Buffer;
  clientIv: Buffer;
  serverIv: Buffer;
}

/** Bytes of key_block a suite needs (RFC 2246 §6.3; TLS 1.1 drops the IVs, harmless to derive). */
export function keyBlockLength(suite: KeyBlockShape): number {
  return 2 * (suite.macLength + suite.keyLength + suite.blockLength);
}

/** The sizes that lay out a key block (the capture decryptor passes its AEAD suites' implicit IV
 * length as `blockLength`). */
export type KeyBlockShape = Pick<LegacySuite, 'macLength' | 'keyLength' | 'blockLength'>;

export function splitKeyBlock(suite: KeyBlockShape, kb: Buffer): KeyMaterial {
  let o = 0;
  const take = (n: number): Buffer => {
    const v = kb.subarray(o, o + n);
    o += n;
    return Buffer.from(v);
  };
  const clientMac = take(suite.macLength);
  const serverMac = take(suite.macLength);
  const clientKey = take(suite.keyLength);
  const serverKey = take(suite.keyLength);
  const clientIv = take(suite.blockLength);
  const serverIv = take(suite.blockLength);
  return { clientMac, serverMac, clientKey, serverKey, clientIv, serverIv };
}
