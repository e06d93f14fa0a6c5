/**
 * Line framing of client input, shared by the protocols: cuts the byte stream into lines (CRLF or
 * a bare LF) and, for a protocol with literals, counted blocks of bytes. IMAP passes a marker
 * function (a line ending in `{N}` / `{N+}`, RFC 3501 §4.3, RFC 7888) and the owner decides
 * whether to accept the announced bytes; SMTP and POP3 have no literals and pass none.
 *
 * Memory is bounded: a line is kept up to `maxLine` bytes (past that the owner is told and the
 * framer stops), a literal up to the size the owner accepted; a literal the owner takes as a
 * stream (a large APPEND spooled to disk) is handed on chunk by chunk and never held.
 */

export interface LiteralSpec {
  size: number;
  /** false for LITERAL+ `{N+}`: the client sends the bytes without waiting for `+`. */
  sync: boolean;
}

export interface LineFrame {
  /** The exact bytes, line terminator included. */
  raw: Buffer;
  /** The line without its terminator (CRLF or a bare LF), as latin1 so every byte is one char. */
  text: string;
  /** Set when the line ends with a literal marker; `text` still contains the marker. */
  literal: LiteralSpec | null;
}

/** Takes an accepted literal as it arrives, instead of whole (LineFramer: `line` returned it). */
export interface LiteralReceiver {
  /** The next bytes of the literal, in order (views into the socket chunk). */
  chunk(data: Buffer): void;
  /** The last byte has arrived. */
  end(): void;
}

export interface FramerSink {
  /**
   * A line (or the part of a command line before a literal). For an announced literal: false
   * refuses it, true accepts it whole (`literal`), a LiteralReceiver accepts it as a stream.
   */
  line(frame: LineFrame): boolean | LiteralReceiver;
  /** The bytes of an accepted literal, complete. */
  literal(data: Buffer): void;
  /** A line grew past the limit without a line end; the framer has stopped. `total` counts bytes seen so far. */
  overflow(prefix: Buffer, total: number): void;
}

/** Reads a literal announcement at the end of a line (the line's text without its terminator). */
export type LiteralMarker = (text: string) => LiteralSpec | null;

const NO_LITERALS: LiteralMarker = () => null;

export class LineFramer {
  private lineChunks: Buffer[] = [];
  private lineBytes = 0;
  private literalRemaining = 0;
  private literalChunks: Buffer[] = [];
  private receiver: LiteralReceiver | null = null;
  /** Bytes of the current literal already handed to the receiver. */
  private streamed = 0;
  private stopped = false;

  constructor(
    private readonly sink: FramerSink,
    private readonly maxLine: number,
    private readonly marker: LiteralMarker = NO_LITERALS,
  ) {}

  /**
   * Take the partial input not yet framed (a line without its end, a literal cut short), for the
   * record. `streamed` counts the bytes of a streamed literal already handed on (and recorded by
   * its receiver); the owner drops that receiver.
   */
  takePending(): { data: Buffer; inLiteral: boolean; streamed: number } {
    const inLiteral = this.literalRemaining > 0;
    const data = Buffer.concat(inLiteral ? this.literalChunks : this.lineChunks);
    const streamed = this.streamed;
    this.lineChunks = [];
    this.lineBytes = 0;
    this.literalChunks = [];
    this.literalRemaining = 0;
    this.receiver = null;
    this.streamed = 0;
    return { data, inLiteral, streamed };
  }

  /** Stop framing (STARTTLS, LOGOUT, overflow, SMTP DATA). Input pushed afterwards is returned unframed. */
  stop(): void {
    this.stopped = true;
  }

  /** Frame again after stop() (SMTP: the end of DATA hands the rest of the stream back to commands). */
  resume(): void {
    this.stopped = false;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Feed bytes; returns what was left unframed because the framer was stopped meanwhile. */
  push(chunk: Buffer): Buffer {
    let at = 0;
    while (at < chunk.length) {
      if (this.stopped) return chunk.subarray(at);
      if (this.literalRemaining > 0) {
        const take = Math.min(this.literalRemaining, chunk.length - at);
        this.literalRemaining -= take;
        if (this.receiver) {
          const receiver = this.receiver;
          this.streamed += take;
          receiver.chunk(chunk.subarray(at, at + take));
          at += take;
          if (this.literalRemaining === 0) {
            this.receiver = null;
            this.streamed = 0;
            receiver.end();
          }
          continue;
        }
        this.literalChunks.push(chunk.subarray(at, at + take));
        at += take;
        if (this.literalRemaining === 0) {
          const data = this.literalChunks.length === 1 ? this.literalChunks[0] : Buffer.concat(this.literalChunks);
          this.literalChunks = [];
          this.sink.literal(data);
        }
        continue;
      }
      const lf = chunk.indexOf(0x0a, at);
      const end = lf === -1 ? chunk.length : lf + 1;
      const piece = chunk.subarray(at, end);
      // The limit counts the line without its terminator (CRLF: up to 2 bytes more on the wire).
      const seen = this.lineBytes + piece.length;
      if (lf === -1 ? seen > this.maxLine + 1 : seen - 2 > this.maxLine) {
        const all = Buffer.concat([...this.lineChunks, piece]);
        this.lineChunks = [];
        const total = seen;
        this.lineBytes = 0;
        this.stopped = true;
        this.sink.overflow(all.subarray(0, this.maxLine), total);
        return chunk.subarray(end);
      }
      this.lineChunks.push(piece);
      this.lineBytes += piece.length;
      at = end;
      if (lf === -1) break;
      const raw = this.lineChunks.length === 1 ? this.lineChunks[0] : Buffer.concat(this.lineChunks);
      this.lineChunks = [];
      this.lineBytes = 0;
      let stop = raw.length - 1;
      if (stop > 0 && raw[stop - 1] === 0x0d) stop -= 1;
      const text = raw.toString('latin1', 0, stop);
      const literal = this.marker(text);
      const accepted = this.sink.line({ raw, text, literal });
      if (literal && accepted) {
        if (typeof accepted === 'object') this.receiver = accepted;
        if (literal.size === 0) {
          this.receiver = null;
          if (typeof accepted === 'object') accepted.end();
          else this.sink.literal(Buffer.alloc(0));
        } else this.literalRemaining = literal.size;
      }
    }
    return Buffer.alloc(0);
  }
}
