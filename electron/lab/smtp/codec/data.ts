/**
 * The DATA stream (RFC 5321 §4.1.1.4, §4.5.2): the message ends at a line holding only ".", and
 * a leading "." on any other line is removed (dot-unstuffing). Works on chunks as they arrive,
 * whatever their size or where they split (a line, a CRLF, the final ".\r\n"), holding no more
 * than a few bytes of state: a 100 MB message streams through without being kept.
 *
 * A line ending in a bare LF (RFC 5321 §2.3.8 forbids it) is counted. As Postfix does, a bare LF
 * ends a line, so `\n.\n` also ends the message; whether such a message is accepted is the
 * session's choice (`--smtp-bare-lf`).
 */

export interface DataProgress {
  /** The unstuffed message bytes found in this chunk, in order (views into the chunk where possible). */
  pieces: Buffer[];
  /** Bytes of the chunk that belong to DATA (all of it, or up to and including the final ".\r\n"). */
  consumed: number;
  /** The final "." line was seen. */
  ended: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const CR_BYTE = Buffer.from([CR]);

export class DataDecoder {
  /** The next byte starts a line. DATA begins at a line start (right after "354"). */
  private lineStart = true;
  /** A line started with "." (removed); the next byte decides: CR/LF ends the message, anything else is content. */
  private dotPending = false;
  /** ".\r" at a line start: LF next ends the message. */
  private dotCr = false;
  /** The last byte of the previous chunk was CR (for a CRLF split across chunks). */
  private prevCr = false;
  /** Lines ended by a bare LF. */
  bareLfLines = 0;
  /** Unstuffed bytes so far. */
  size = 0;

  push(chunk: Buffer): DataProgress {
    const pieces: Buffer[] = [];
    // Content is copied out as few views as possible: one per run of bytes between removed dots.
    let segStart = 0;
    const flush = (end: number) => {
      if (end > segStart) {
        pieces.push(chunk.subarray(segStart, end));
        this.size += end - segStart;
      }
    };
    const done = (consumed: number): DataProgress => ({ pieces, consumed, ended: true });
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.dotCr) {
        this.dotCr = false;
        if (chunk[i] === LF) return done(i + 1);
        // ".\rX": the dot was stuffing; the CR is content.
        pieces.push(CR_BYTE);
        this.size += 1;
        this.prevCr = true;
        segStart = i;
        continue;
      }
      if (this.dotPending) {
        this.dotPending = false;
        if (chunk[i] === CR) {
          this.dotCr = true;
          i += 1;
          segStart = i;
          continue;
        }
        if (chunk[i] === LF) {
          this.bareLfLines += 1;
          return done(i + 1);
        }
        this.prevCr = false;
        // the rest of the line is content
      } else if (this.lineStart) {
        this.lineStart = false;
        if (chunk[i] === DOT) {
          // A leading dot is removed (RFC 5321 §4.5.2): end the run before it.
          flush(i);
          this.dotPending = true;
          i += 1;
          segStart = i;
          continue;
        }
      }
      const lf = chunk.indexOf(LF, i);
      if (lf < 0) {
        this.prevCr = chunk[n - 1] === CR;
        break;
      }
      const crBefore = lf > i ? chunk[lf - 1] === CR : this.prevCr;
      if (!crBefore) this.bareLfLines += 1;
      i = lf + 1;
      this.lineStart = true;
      this.prevCr = false;
    }
    flush(n);
    return { pieces, consumed: n, ended: false };
  }
}

/**
 * Lines ended by a bare LF in BDAT chunks (RFC 3030 text is not dot-stuffed or framed, but a bare
 * LF is still what RFC 5321 §2.3.8 forbids, and what `--smtp-bare-lf reject` refuses). O(1) state.
 */
export class BareLfCounter {
  lines = 0;
  private prevCr = false;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    for (let i = chunk.indexOf(LF); i >= 0; i = chunk.indexOf(LF, i + 1)) {
      const crBefore = i > 0 ? chunk[i - 1] === CR : this.prevCr;
      if (!crBefore) this.lines += 1;
    }
    this.prevCr = chunk[chunk.length - 1] === CR;
  }
}
