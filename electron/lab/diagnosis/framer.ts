/**
 * The per-direction IMAP stream reassembler. TCP (and the recorder) cut the byte stream
 * anywhere; rules must only ever see whole protocol lines. A framer takes the c2s (or s2c)
 * payloads of one connection in order and yields complete lines, each with its literals
 * (RFC 3501 §4.3 `{n}` and RFC 7888 `{n+}`) folded in: the line "A1 LOGIN {4}\r\nuser pass"
 * is one framed line whose literal is "user".
 *
 * TLS plaintext (`tls: true`) after STARTTLS continues the same stream (RFC 3501 §6.2.1: the
 * client's next command follows the handshake), so one framer serves a connection's life.
 *
 * Memory is bounded: a line keeps at most MAX_LINE_BYTES of text and a literal at most
 * MAX_LITERAL_KEEP bytes of content; sizes are always counted exactly.
 */
import { MAX_LINE_BYTES, MAX_LITERAL_KEEP } from './constants.js';
import { addSeq } from './evidence.js';

export interface FramedLiteral {
  /** The announced size in bytes (what a FETCH body costs the phone). */
  size: number;
  /** `{n+}`: a non-synchronizing literal (RFC 7888). */
  nonSync: boolean;
  /** The line text just before the literal marker (e.g. "* 1 FETCH (BODY[] "), for naming it. */
  before: string;
  /** The first MAX_LITERAL_KEEP bytes of its content. */
  data: Buffer;
}

export interface FramedLine {
  /** The line without its CRLF; literal contents are not inlined, their `{n}` markers stay. */
  text: string;
  literals: FramedLiteral[];
  /** Events that carried the line's bytes (bounded). */
  seqs: number[];
  /** Time of the event that carried its first byte. */
  t: string;
  tls: boolean;
  /** Part of the line was not recorded or exceeded MAX_LINE_BYTES: only a prefix is known. */
  incomplete: boolean;
}

export interface FramerInput {
  seq: number;
  t: string;
  tls: boolean;
}

const LITERAL_MARKER = /\{(\d+)(\+?)\}$/;

export class LineFramer {
  private parts: Buffer[] = [];
  private partsLen = 0;
  private textSoFar = '';
  private literals: FramedLiteral[] = [];
  private literalLeft = 0;
  private literalKeep: Buffer[] = [];
  private literalKeepLen = 0;
  private inLiteral = false;
  private skipToEol = false;
  private incomplete = false;
  private seqs: number[] = [];
  private first: FramerInput | null = null;

  /** True while a line (or a literal) is partly received. */
  get midLine(): boolean {
    return this.first !== null;
  }

  /** True while the bytes of an announced literal are still expected. */
  get inLiteralData(): boolean {
    return this.inLiteral;
  }

  /** Feed one payload; returns the lines it completed. */
  push(data: Buffer, at: FramerInput): FramedLine[] {
    const out: FramedLine[] = [];
    let pos = 0;
    while (pos < data.length) {
      this.touch(at);
      if (this.inLiteral) {
        const take = Math.min(this.literalLeft, data.length - pos);
        if (this.literalKeepLen < MAX_LITERAL_KEEP) {
          const keep = Math.min(take, MAX_LITERAL_KEEP - this.literalKeepLen);
          this.literalKeep.push(data.subarray(pos, pos + keep));
          this.literalKeepLen += keep;
        }
        this.literalLeft -= take;
        pos += take;
        if (this.literalLeft === 0) this.endLiteral();
        continue;
      }
      const lf = data.indexOf(0x0a, pos);
      const end = lf === -1 ? data.length : lf;
      if (!this.skipToEol) this.append(data.subarray(pos, end));
      pos = end;
      if (lf === -1) break;
      pos = lf + 1;
      const line = this.endSegment();
      if (line) out.push(line);
    }
    return out;
  }

  /**
   * `n` bytes of the stream were not recorded (the event was truncated to its prefix). Inside a
   * literal they are counted off it; inside a line the rest of that line is unknown.
   */
  skip(n: number, at: FramerInput): void {
    if (n <= 0) return;
    this.touch(at);
    if (this.inLiteral) {
      const take = Math.min(n, this.literalLeft);
      this.literalLeft -= take;
      if (this.literalLeft === 0) this.endLiteral();
      n -= take;
      if (n === 0) return;
    }
    this.skipToEol = true;
    this.incomplete = true;
  }

  private touch(at: FramerInput): void {
    if (this.first === null) this.first = at;
    addSeq(this.seqs, at.seq);
  }

  private append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const room = MAX_LINE_BYTES - this.partsLen;
    if (room <= 0) {
      this.incomplete = true;
      return;
    }
    if (chunk.length > room) {
      chunk = chunk.subarray(0, room);
      this.incomplete = true;
    }
    // Copy: the caller's buffer may be reused; a line rarely spans many payloads.
    this.parts.push(Buffer.from(chunk));
    this.partsLen += chunk.length;
  }

  /** A LF was reached: either the line ends, or it announced a literal and goes on after it. */
  private endSegment(): FramedLine | null {
    let seg = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.partsLen);
    if (seg.length > 0 && seg[seg.length - 1] === 0x0d) seg = seg.subarray(0, seg.length - 1);
    const segText = seg.toString('utf8');
    this.parts = [];
    this.partsLen = 0;
    if (!this.skipToEol) {
      const m = LITERAL_MARKER.exec(segText);
      if (m) {
        const size = Number(m[1]);
        this.textSoFar += segText;
        this.literals.push({ size, nonSync: m[2] === '+', before: segText.slice(Math.max(0, segText.length - 80 - m[0].length), segText.length - m[0].length), data: Buffer.alloc(0) });
        if (size > 0) {
          this.inLiteral = true;
          this.literalLeft = size;
        }
        return null;
      }
    }
    const line: FramedLine = {
      text: this.textSoFar + segText,
      literals: this.literals,
      seqs: this.seqs,
      t: this.first?.t ?? '',
      tls: this.first?.tls ?? false,
      incomplete: this.incomplete,
    };
    this.textSoFar = '';
    this.literals = [];
    this.seqs = [];
    this.first = null;
    this.skipToEol = false;
    this.incomplete = false;
    return line;
  }

  private endLiteral(): void {
    const lit = this.literals[this.literals.length - 1];
    lit.data = this.literalKeep.length === 1 ? this.literalKeep[0] : Buffer.concat(this.literalKeep, this.literalKeepLen);
    if (this.literalKeep.length === 1) lit.data = Buffer.from(lit.data);
    this.literalKeep = [];
    this.literalKeepLen = 0;
    this.inLiteral = false;
  }
}
