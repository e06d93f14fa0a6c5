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
/** Header bytes per message kept while indexing, to read Status and X-Status. */
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
}

interface Line {
  start: number;
  /** Bytes before the LF (a CR before it included). */
  length: number;
  hasLf: boolean;
  endsWithCr: boolean;
  head: Buffer;
}

class MessageBuilder {
  readonly fileStart: number;
  fileEnd: number;
  size = 0;
  identity = true;
  inHeader = true;
  header: string[] = [];
  headerBytes = 0;
  last: { start: number; served: number; blank: boolean } | null = null;

  constructor(
    start: number,
    readonly date: Date | null,
  ) {
    this.fileStart = start;
    this.fileEnd = start;
  }

  add(line: Line): void {
    const quoted = line.head[0] === 0x3e && isQuotedFromLine(line.head);
    const served = line.length + (line.endsWithCr ? 1 : 2) - (quoted ? 1 : 0);
    if (!line.hasLf || !line.endsWithCr || quoted) this.identity = false;
    this.size += served;
    this.fileEnd = line.start + line.length + (line.hasLf ? 1 : 0);
    const blank = line.length === 0 || (line.length === 1 && line.endsWithCr);
    this.last = { start: line.start, served, blank };
    if (this.inHeader) {
      if (blank) this.inHeader = false;
      else if (this.headerBytes < INDEX_HEADER_BYTES) {
        const text = line.head.toString('latin1');
        this.header.push(text);
        this.headerBytes += text.length;
      }
    }
  }

  finish(): IndexedMessage {
    // The empty line before the next "From " line (or the end of the file) is the separator's.
    if (this.last?.blank) {
      this.size -= this.last.served;
      this.fileEnd = this.last.start;
    }
    return {
      fileStart: this.fileStart,
      fileEnd: this.fileEnd,
      size: this.size,
      transform: this.identity ? 'none' : 'mbox',
      flags: statusFlags(this.header.join('\r\n')),
      date: this.date,
    };
  }
}

/** Index the mbox at `path`; resolves with the messages in file order. */
export async function indexMbox(path: string, opts: MboxIndexOptions = {}): Promise<IndexedMessage[]> {
  const fh = await open(path, 'r');
  const out: IndexedMessage[] = [];
  try {
    const total = (await fh.stat()).size;
    let current: MessageBuilder | null = null;
    let prevBlank = true; // the start of the file counts as after an empty line
    // The line being read, across chunks.
    let lineStart = 0;
    let lineLength = 0;
    let lineHead: Buffer[] = [];
    let lineHeadBytes = 0;
    let lastByte = -1;
    const finishLine = (hasLf: boolean) => {
      const head = lineHead.length === 1 ? lineHead[0]! : Buffer.concat(lineHead);
      const line: Line = { start: lineStart, length: lineLength, hasLf, endsWithCr: lastByte === 0x0d, head };
      const isSeparator = prevBlank && head.length >= 5 && head.toString('latin1', 0, 5) === 'From ';
      if (isSeparator) {
        if (current) {
          const m = current.finish();
          opts.onMessage?.(m, out.length);
          out.push(m);
        }
        current = new MessageBuilder(lineStart + lineLength + (hasLf ? 1 : 0), asctimeDate(head.toString('latin1')));
      } else if (current) {
        current.add(line);
      }
      prevBlank = lineLength === 0 || (lineLength === 1 && lastByte === 0x0d);
      lineStart = lineStart + lineLength + (hasLf ? 1 : 0);
      lineLength = 0;
      lineHead = [];
      lineHeadBytes = 0;
      lastByte = -1;
    };
    const buf = Buffer.allocUnsafe(INDEX_READ_BYTES);
    let filePos = 0;
    let lastReport = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, filePos);
      if (bytesRead <= 0) break;
      filePos += bytesRead;
      let pos = 0;
      while (pos < bytesRead) {
        let lf = buf.indexOf(0x0a, pos);
        if (lf >= bytesRead) lf = -1;
        const stop = lf === -1 ? bytesRead : lf;
        if (stop > pos) {
          if (lineHeadBytes < QUOTE_SCAN_BYTES) {
            // A copy: the read buffer is reused.
            const take = Buffer.from(buf.subarray(pos, Math.min(stop, pos + QUOTE_SCAN_BYTES - lineHeadBytes)));
            lineHead.push(take);
            lineHeadBytes += take.length;
          }
          lineLength += stop - pos;
          lastByte = buf[stop - 1]!;
        }
        if (lf === -1) break;
        finishLine(true);
        pos = lf + 1;
      }
      if (opts.onProgress && filePos - lastReport >= INDEX_READ_BYTES * 8) {
        lastReport = filePos;
        opts.onProgress({ bytesDone: filePos, bytesTotal: total, messages: out.length });
      }
    }
    if (lineLength > 0) finishLine(false);
    if (current) {
      const m = (current as MessageBuilder).finish();
      opts.onMessage?.(m, out.length);
      out.push(m);
    }
    opts.onProgress?.({ bytesDone: filePos, bytesTotal: total, messages: out.length });
  } finally {
    await fh.close();
  }
  return out;
}
