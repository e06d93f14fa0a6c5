/**
 * The per-direction SMTP stream reassembler: bytes (cut anywhere by TCP and the recorder) into
 * lines. Unlike IMAP there are no literals; what matters instead is how each line ended, since
 * RFC 5321 §2.3.8 allows only CRLF and a bare LF is the `smtp-bare-lf` signature, and whether a
 * line carried 8-bit bytes (RFC 6152). TLS plaintext after STARTTLS continues the same stream.
 *
 * Memory is bounded: a line keeps at most MAX_LINE_BYTES of text (DATA lines of a 100 MB
 * message are counted, never kept whole); sizes are always counted exactly.
 */
import { MAX_LINE_BYTES } from '../constants.js';
import { addSeq } from '../evidence.js';
import type { FramerInput } from '../framer.js';

export interface SmtpLine {
  /** The line without its line end (as UTF-8 text of the kept prefix). */
  text: string;
  /** Bytes of the line, line end included (exact, even when only a prefix is kept). */
  bytes: number;
  /** Ended with LF not preceded by CR (RFC 5321 §2.3.8). */
  bareLf: boolean;
  /** Some byte of the line is 0x80 or above (RFC 6152: needs BODY=8BITMIME). */
  eightBit: boolean;
  /** Events that carried the line's bytes (bounded). */
  seqs: number[];
  /** Time of the event that carried its first byte. */
  t: string;
  tls: boolean;
  /** Part of the line was not recorded or exceeded MAX_LINE_BYTES: only a prefix is known. */
  incomplete: boolean;
}

export class SmtpLineFramer {
  private parts: Buffer[] = [];
  private kept = 0;
  private bytes = 0;
  private eightBit = false;
  private lastByteCr = false;
  private incomplete = false;
  private seqs: number[] = [];
  private first: FramerInput | null = null;

  /** Octets still to come as one BDAT chunk (RFC 3030 §2): taken as they are, not cut into lines. */
  private rawRemaining = 0;

  /** The next `n` octets are a BDAT chunk: `feed` hands them to its `raw` callback. */
  expectRaw(n: number): void {
    this.rawRemaining = n;
  }

  /**
   * Like push, but each line goes to `line` as soon as it is cut, so that the owner can announce
   * a BDAT chunk (`expectRaw`) before the octets after that line are looked at.
   */
  feed(data: Buffer, at: FramerInput, line: (l: SmtpLine) => void, raw: (bytes: number, at: FramerInput) => void): void {
    let pos = 0;
    while (pos < data.length) {
      if (this.rawRemaining > 0) {
        const take = Math.min(this.rawRemaining, data.length - pos);
        this.rawRemaining -= take;
        pos += take;
        raw(take, at);
        continue;
      }
      if (this.first === null) this.first = at;
      addSeq(this.seqs, at.seq);
      const lf = data.indexOf(0x0a, pos);
      const end = lf === -1 ? data.length : lf;
      this.append(data.subarray(pos, end));
      if (lf === -1) break;
      this.bytes += 1;
      pos = lf + 1;
      line(this.endLine());
    }
  }

  /** True while a line is partly received. */
  get midLine(): boolean {
    return this.first !== null;
  }

  /** Bytes of the partial line held so far. */
  get partialBytes(): number {
    return this.bytes;
  }

  push(data: Buffer, at: FramerInput): SmtpLine[] {
    const out: SmtpLine[] = [];
    this.feed(data, at, (line) => out.push(line), () => undefined);
    return out;
  }

  /** `n` bytes of the stream were not recorded: the rest of the current line is unknown. */
  skip(n: number, at: FramerInput): void {
    if (n <= 0) return;
    if (this.rawRemaining > 0) {
      // Unrecorded octets of a BDAT chunk: the chunk is shorter to wait for, no line is touched.
      const take = Math.min(this.rawRemaining, n);
      this.rawRemaining -= take;
      n -= take;
      if (n <= 0) return;
    }
    if (this.first === null) this.first = at;
    addSeq(this.seqs, at.seq);
    this.bytes += n;
    this.incomplete = true;
  }

  private append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.bytes += chunk.length;
    if (!this.eightBit) for (let i = 0; i < chunk.length; i++) if (chunk[i] >= 0x80) { this.eightBit = true; break; }
    this.lastByteCr = chunk[chunk.length - 1] === 0x0d;
    const room = MAX_LINE_BYTES - this.kept;
    if (room <= 0) {
      this.incomplete = true;
      return;
    }
    if (chunk.length > room) {
      chunk = chunk.subarray(0, room);
      this.incomplete = true;
    }
    // Copy: the caller's buffer may be reused.
    this.parts.push(Buffer.from(chunk));
    this.kept += chunk.length;
  }

  private endLine(): SmtpLine {
    let seg = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.kept);
    const bareLf = !this.lastByteCr;
    if (!bareLf && seg.length > 0 && seg[seg.length - 1] === 0x0d) seg = seg.subarray(0, seg.length - 1);
    const line: SmtpLine = {
      text: seg.toString('utf8'),
      bytes: this.bytes,
      bareLf,
      eightBit: this.eightBit,
      seqs: this.seqs,
      t: this.first?.t ?? '',
      tls: this.first?.tls ?? false,
      incomplete: this.incomplete,
    };
    this.parts = [];
    this.kept = 0;
    this.bytes = 0;
    this.eightBit = false;
    this.lastByteCr = false;
    this.incomplete = false;
    this.seqs = [];
    this.first = null;
    return line;
  }
}
