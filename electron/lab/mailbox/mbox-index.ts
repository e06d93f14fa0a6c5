/**
 * Index an mbox file without reading it into memory: one pass in chunks finds each message's
 * byte range, its served size (CRLF line ends, quoted From lines unquoted: the rules of
 * body.ts's ServedLines, which are parseMbox's), its flags (Status / X-Status) and its "From "
 * line date. The split follows parseMbox: a "From " line at the start of the file or after an
 * empty line starts a message, and the empty line before it belongs to the separator.
 *
 * Asynchronous: every chunk is an awaited read, so the lab's other work (progress events, a
 * stop) goes on while a 2 GB file is indexed.
 */
import { open } from 'node:fs/promises';
import { isQuotedFromLine, QUOTE_SCAN_BYTES, type BodyTransform } from './body.js';
import { asctimeDate, statusFlags } from './mbox-flags.js';

/** Bytes read per step of the indexing pass. */
export const INDEX_READ_BYTES = 1024 * 1024;
/** Header bytes per message looked at while indexing, for its Status and X-Status lines. */
export const INDEX_HEADER_BYTES = 16 * 1024;

export interface IndexedMessage {
  fileStart: number;
  fileEnd: number;
  size: number;
  transform: BodyTransform;
  flags: string[];
  date: Date | null;
}

export interface IndexProgress {
  bytesDone: number;
  bytesTotal: number;
  messages: number;
}

export interface MboxIndexOptions {
  onProgress?: (p: IndexProgress) => void;
  /** Called for every message found; throw to stop (limits). */
  onMessage?: (m: IndexedMessage, index: number) => void;
  /** Aborted: reading stops before the next chunk, and the indexing rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** One line of the file: where it starts, its bytes before the LF, and a view of its first bytes (up to QUOTE_SCAN_BYTES). */
interface Line {
  start: number;
  /** Bytes before the LF (a CR before it included). */
  length: number;
  hasLf: boolean;
  endsWithCr: boolean;
  /** The line's first bytes are buf[headStart, headEnd) (no copy for a line within one chunk). */
  buf: Buffer;
  headStart: number;
  headEnd: number;
}

const FROM_SP = [0x46, 0x72, 0x6f, 0x6d, 0x20]; // "From "

const STATUS = Buffer.from('status:');
const X_STATUS = Buffer.from('x-status:');

/** Does buf[start, end) start with `lower` (lower-case ASCII), in any case? */
function startsWithField(buf: Buffer, start: number, end: number, lower: Buffer): boolean {
  if (end - start < lower.length) return false;
  for (let k = 0; k < lower.length; k++) if ((buf[start + k]! | 0x20) !== lower[k]) return false;
  return true;
}

/** A Status or X-Status header line (statusFlags reads nothing else): only these are kept as text while indexing. */
function isStatusLine(buf: Buffer, start: number, end: number): boolean {
  const first = buf[start]! | 0x20;
  return (first === 0x73 && startsWithField(buf, start, end, STATUS)) || (first === 0x78 && startsWithField(buf, start, end, X_STATUS));
}

function startsWithFromSp(buf: Buffer, start: number, end: number): boolean {
  if (end - start < 5) return false;
  for (let k = 0; k < 5; k++) if (buf[start + k] !== FROM_SP[k]) return false;
  return true;
}

class MessageBuilder {
  readonly fileStart: number;
  fileEnd: number;
  size = 0;
  identity = true;
  inHeader = true;
  /** The Status and X-Status lines among the header's first INDEX_HEADER_BYTES. */
  statusLines: string[] = [];
  headerBytes = 0;
  lastStart = -1;
  lastServed = 0;
  lastBlank = false;

  constructor(
    start: number,
    readonly date: Date | null,
  ) {
    this.fileStart = start;
    this.fileEnd = start;
  }

  add(line: Line): void {
    const quoted = line.headEnd > line.headStart && line.buf[line.headStart] === 0x3e && isQuotedFromLine(line.buf.subarray(line.headStart, line.headEnd));
    const served = line.length + (line.endsWithCr ? 1 : 2) - (quoted ? 1 : 0);
    if (!line.hasLf || !line.endsWithCr || quoted) this.identity = false;
    this.size += served;
    this.fileEnd = line.start + line.length + (line.hasLf ? 1 : 0);
    const blank = line.length === 0 || (line.length === 1 && line.endsWithCr);
    this.lastStart = line.start;
    this.lastServed = served;
    this.lastBlank = blank;
    if (this.inHeader) {
      if (blank) this.inHeader = false;
      else if (this.headerBytes < INDEX_HEADER_BYTES) {
        if (isStatusLine(line.buf, line.headStart, line.headEnd)) this.statusLines.push(line.buf.toString('latin1', line.headStart, line.headEnd));
        this.headerBytes += line.headEnd - line.headStart;
      }
    }
  }

  finish(): IndexedMessage {
    // The empty line before the next "From " line (or the end of the file) is the separator's.
    if (this.lastBlank) {
      this.size -= this.lastServed;
      this.fileEnd = this.lastStart;
    }
    return {
      fileStart: this.fileStart,
      fileEnd: this.fileEnd,
      size: this.size,
      transform: this.identity ? 'none' : 'mbox',
      flags: this.statusLines.length === 0 ? [] : statusFlags(this.statusLines.join('\r\n')),
      date: this.date,
    };
  }
}

/**
 * Index the mbox at `path`: each message goes to `onMessage` in file order, and nothing is kept
 * here (the store holds the index). Resolves with the number of messages.
 */
export async function indexMbox(path: string, opts: MboxIndexOptions = {}): Promise<number> {
  const fh = await open(path, 'r');
  let count = 0;
  try {
    const total = (await fh.stat()).size;
    let current: MessageBuilder | null = null;
    let prevBlank = true; // the start of the file counts as after an empty line
    // A line that goes on past the chunk it starts in: its start, length so far, head (copied), last byte.
    let lineStart = 0;
    let lineLength = 0;
    let carryHead: Buffer[] = [];
    let carryHeadBytes = 0;
    let lastByte = -1;
    const line: Line = { start: 0, length: 0, hasLf: false, endsWithCr: false, buf: Buffer.alloc(0), headStart: 0, headEnd: 0 };
    const finishLine = (head: Buffer, headStart: number, headEnd: number, hasLf: boolean) => {
      line.start = lineStart;
      line.length = lineLength;
      line.hasLf = hasLf;
      line.endsWithCr = lastByte === 0x0d;
      line.buf = head;
      line.headStart = headStart;
      line.headEnd = headEnd;
      if (prevBlank && startsWithFromSp(head, headStart, headEnd)) {
        if (current) {
          opts.onMessage?.(current.finish(), count);
          count += 1;
        }
        current = new MessageBuilder(lineStart + lineLength + (hasLf ? 1 : 0), asctimeDate(head.toString('latin1', headStart, headEnd)));
      } else if (current) {
        current.add(line);
      }
      prevBlank = lineLength === 0 || (lineLength === 1 && lastByte === 0x0d);
      lineStart += lineLength + (hasLf ? 1 : 0);
      lineLength = 0;
      lastByte = -1;
    };
    const buf = Buffer.allocUnsafe(INDEX_READ_BYTES);
    let filePos = 0;
    let lastReport = 0;
    for (;;) {
      // The lab stopped while it indexed (the wizard's Stop, Ctrl+C): 2 GB are not read for nobody.
      opts.signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buf, 0, buf.length, filePos);
      if (bytesRead <= 0) break;
      filePos += bytesRead;
      let pos = 0;
      while (pos < bytesRead) {
        let lf = buf.indexOf(0x0a, pos);
        if (lf >= bytesRead) lf = -1;
        const stop = lf === -1 ? bytesRead : lf;
        if (lf !== -1 && carryHeadBytes === 0 && lineLength === 0) {
          // The common case: the whole line is in this chunk; its head is a view, not a copy.
          lineLength = stop - pos;
          if (stop > pos) lastByte = buf[stop - 1]!;
          finishLine(buf, pos, Math.min(stop, pos + QUOTE_SCAN_BYTES), true);
          pos = lf + 1;
          continue;
        }
        if (stop > pos) {
          if (carryHeadBytes < QUOTE_SCAN_BYTES) {
            // A copy: the read buffer is reused for the next chunk.
            const take = Buffer.from(buf.subarray(pos, Math.min(stop, pos + QUOTE_SCAN_BYTES - carryHeadBytes)));
            carryHead.push(take);
            carryHeadBytes += take.length;
          }
          lineLength += stop - pos;
          lastByte = buf[stop - 1]!;
        }
        if (lf === -1) break;
        const head = carryHead.length === 1 ? carryHead[0]! : Buffer.concat(carryHead);
        finishLine(head, 0, head.length, true);
        carryHead = [];
        carryHeadBytes = 0;
        pos = lf + 1;
      }
      if (opts.onProgress && filePos - lastReport >= INDEX_READ_BYTES * 8) {
        lastReport = filePos;
        opts.onProgress({ bytesDone: filePos, bytesTotal: total, messages: count });
      }
    }
    if (lineLength > 0) {
      const head = Buffer.concat(carryHead);
      finishLine(head, 0, head.length, false);
    }
    if (current) {
      opts.onMessage?.((current as MessageBuilder).finish(), count);
      count += 1;
    }
    opts.onProgress?.({ bytesDone: filePos, bytesTotal: total, messages: count });
  } finally {
    await fh.close();
  }
  return count;
}
