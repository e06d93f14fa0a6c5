/**
 * Cuts one direction's reassembled TCP payload into TLS records (RFC 5246 §6.2.1: a 5-byte
 * header, type, version, length), and accounts for bytes the capture lost: a gap inside a record
 * whose header arrived keeps the framing (the record is marked damaged, the missing bytes
 * zero-filled so the cipher state can advance over them); a gap that swallows a header loses it.
 * The first record may be an SSLv2-format ClientHello (RFC 5246 appendix E.2).
 */
import { MAX_CIPHERTEXT_RECORD } from '../../tls/legacy/record.js';

export const RECORD_HEADER_LENGTH = 5;
/** The longest fragment accepted: RFC 5246 §6.2.3 (2^14 + 2048); TLS 1.3 records are shorter. */
export const MAX_RECORD_FRAGMENT = MAX_CIPHERTEXT_RECORD;
/** Bytes searched for the next record after a lost header before giving up. */
export const MAX_RESYNC_SCAN_BYTES = 1024 * 1024;
const APPLICATION_DATA = 23;

export interface TlsRecord {
  type: number;
  version: number;
  fragment: Buffer;
  /** Timestamp of the push that completed the record. */
  timestampMs: number;
  /** Some of its bytes were lost (zero-filled here). */
  damaged: boolean;
  /** An SSLv2-format ClientHello: `fragment` is the whole message with its 2-byte header. */
  ssl2Hello?: boolean;
  /** Found by searching after a lost header, and accepted by the resync check (which has
   * already decrypted it). */
  resynced?: boolean;
}

/** Decides whether a candidate record found after a lost header is really the next record. */
export type ResyncCheck = (candidate: TlsRecord) => boolean;

export type FramerError = { kind: 'not-tls'; detail: string } | { kind: 'framing-lost'; detail: string };

export class RecordFramer {
  private buf: Buffer = Buffer.alloc(0);
  private damaged = false;
  private first = true;
  private consumed = 0;
  private lastVersion = 0;
  /** Searching for the next record after a gap that covered a header. */
  private scanning?: { check: ResyncCheck; searched: number };
  failed?: FramerError;

  failure(): FramerError | undefined {
    return this.failed;
  }

  /** Records completed by these bytes. */
  push(bytes: Buffer, timestampMs: number): TlsRecord[] {
    if (this.failed) return [];
    this.buf = this.buf.length === 0 ? bytes : Buffer.concat([this.buf, bytes]);
    const out: TlsRecord[] = [];
    if (this.scanning && !this.scan(out, timestampMs)) return out;
    for (;;) {
      if (this.first && this.buf.length >= 2 && (this.buf[0] & 0x80) !== 0) {
        const len = ((this.buf[0] & 0x7f) << 8) | this.buf[1];
        if (this.buf.length < 2 + len) break;
        out.push({ type: 22, version: 0x0002, fragment: Buffer.from(this.buf.subarray(0, 2 + len)), timestampMs, damaged: this.take(2 + len), ssl2Hello: true });
        continue;
      }
      if (this.buf.length < RECORD_HEADER_LENGTH) break;
      const type = this.buf[0];
      const version = this.buf.readUInt16BE(1);
      const length = this.buf.readUInt16BE(3);
      if (type < 20 || type > 24 || this.buf[1] !== 3 || length > MAX_RECORD_FRAGMENT) {
        this.failed = { kind: 'not-tls', detail: `the bytes at offset ${this.consumed} are not a TLS record header (${this.buf.subarray(0, 5).toString('hex')})` };
        this.buf = Buffer.alloc(0);
        break;
      }
      if (this.buf.length < RECORD_HEADER_LENGTH + length) break;
      const fragment = Buffer.from(this.buf.subarray(RECORD_HEADER_LENGTH, RECORD_HEADER_LENGTH + length));
      this.lastVersion = version;
      out.push({ type, version, fragment, timestampMs, damaged: this.take(RECORD_HEADER_LENGTH + length) });
    }
    return out;
  }

  private take(n: number): boolean {
    const damaged = this.damaged;
    this.damaged = false;
    this.first = false;
    this.buf = this.buf.subarray(n);
    this.consumed += n;
    return damaged;
  }

  /** Look for an application-data header of this direction's version whose record the check
   * accepts; false while still searching. */
  private scan(out: TlsRecord[], timestampMs: number): boolean {
    const sc = this.scanning!;
    let i = 0;
    for (; i + RECORD_HEADER_LENGTH <= this.buf.length; i++) {
      if (this.buf[i] !== APPLICATION_DATA || this.buf.readUInt16BE(i + 1) !== this.lastVersion) continue;
      const length = this.buf.readUInt16BE(i + 3);
      if (length > MAX_RECORD_FRAGMENT) continue;
      if (i + RECORD_HEADER_LENGTH + length > this.buf.length) break; // wait for the whole candidate
      const rec: TlsRecord = { type: APPLICATION_DATA, version: this.lastVersion, fragment: Buffer.from(this.buf.subarray(i + 5, i + 5 + length)), timestampMs, damaged: false, resynced: true };
      if (sc.check(rec)) {
        this.scanning = undefined;
        this.buf = this.buf.subarray(i + 5 + length);
        this.consumed += i + 5 + length;
        out.push(rec);
        return true;
      }
    }
    sc.searched += i;
    this.consumed += i;
    this.buf = this.buf.subarray(i);
    if (sc.searched > MAX_RESYNC_SCAN_BYTES) {
      this.scanning = undefined;
      this.failed = { kind: 'framing-lost', detail: `no record that decrypts in the ${MAX_RESYNC_SCAN_BYTES} bytes after the gap` };
      this.buf = Buffer.alloc(0);
    }
    return false;
  }

  /** `bytes` missing here. 'kept' when they fell inside a record whose header is known;
   * 'scanning' when a header was lost and `resync` will judge the candidates that follow. */
  gap(bytes: number, resync?: ResyncCheck): 'kept' | 'scanning' | FramerError {
    if (this.failed) return this.failed;
    if (bytes <= 0) return 'kept';
    if (this.scanning) {
      this.consumed += this.buf.length + bytes;
      this.buf = Buffer.alloc(0);
      return 'scanning';
    }
    if (this.buf.length >= RECORD_HEADER_LENGTH && !(this.first && (this.buf[0] & 0x80) !== 0)) {
      const remaining = RECORD_HEADER_LENGTH + this.buf.readUInt16BE(3) - this.buf.length;
      if (bytes <= remaining) {
        this.buf = Buffer.concat([this.buf, Buffer.alloc(bytes)]);
        this.damaged = true;
        return 'kept';
      }
    }
    const detail = `${bytes} bytes missing at offset ${this.consumed + this.buf.length} cover a record header, so where the next record starts is unknown`;
    this.consumed += this.buf.length + bytes;
    this.buf = Buffer.alloc(0);
    if (resync && this.lastVersion !== 0) {
      this.scanning = { check: resync, searched: 0 };
      return 'scanning';
    }
    this.failed = { kind: 'framing-lost', detail };
    return this.failed;
  }
}
