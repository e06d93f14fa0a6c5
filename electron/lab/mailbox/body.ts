/**
 * Where a message's bytes live. The store serves RFC 5322 bytes with CRLF line ends (RFC 3501
 * §2.3.1, RFC 1939 §3): a message held in memory has them as they are; a message on disk (a
 * range of the technician's mbox, a Maildir file, a spooled APPEND or SMTP delivery) is read on
 * demand, in chunks of at most BODY_CHUNK_BYTES, and converted while it is read: bare LF becomes
 * CRLF, and in an mbox a quoted ">From " line loses one ">" (mboxrd, which also undoes mboxo's
 * quoting). The served size is computed once, when the message is indexed, by the same rules, so
 * RFC822.SIZE, POP3 LIST and the bytes sent always agree.
 *
 * Files are only ever opened read-only here.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { bareLfCount, servedCrlf, servedInput } from '../byte-kernels/index.js';
import { ChunkPool } from './chunk-pool.js';
import { findHeaderEnd } from './headers.js';

/** Bytes read from a file at a time, and the most one chunk of served bytes holds (plus its added CRs). */
export const BODY_CHUNK_BYTES = 64 * 1024;
/**
 * Bytes read from a file at a time while a range is streamed to a socket: fewer, larger reads
 * and socket writes (the recorder still cuts its events at MAX_EVENT_PAYLOAD_BYTES).
 */
export const STREAM_READ_BYTES = 512 * 1024;
/** A range of at most this many bytes is read in one go (readInto) or scanned at once (SEARCH): a message of a few chunks. */
export const SYNC_READ_BYTES = 256 * 1024;

/** Free buffers STREAMED_CHUNKS keeps: a few connections' chunks in flight (one being written, one being read). */
export const MAX_FREE_STREAMED_CHUNKS = 8;

/**
 * A line whose first bytes are ">...>From " is a quoted From line; only the line's first
 * QUOTE_SCAN_BYTES bytes are looked at (so neither the indexer nor the reader holds a long line).
 */
export const QUOTE_SCAN_BYTES = 1024;

/** How a file range becomes served bytes. */
export type BodyTransform =
  /** The file bytes are the served bytes (CRLF already, nothing quoted). */
  | 'none'
  /** Maildir and spooled files: bare LF → CRLF. */
  | 'crlf'
  /** mbox: bare LF → CRLF, one ">" off quoted From lines, and a last line without LF gets CRLF. */
  | 'mbox';

export interface MessageBody {
  /** Octets served (RFC822.SIZE, POP3 sizes). */
  readonly size: number;
  /** The bytes, when the message is held in memory. */
  readonly memory: Buffer | null;
  /** Served bytes [start, end), read now (the caller bounds the range). */
  readSync(start: number, end: number): Buffer;
  /**
   * readSync, written into `dest` from `at` (which has room for end - start bytes) instead of a
   * buffer of its own: a response is assembled where it is sent from. Returns the bytes written
   * (fewer when the range passes the end of the message, or the file is shorter than indexed).
   */
  readInto(start: number, end: number, dest: Buffer, at: number): number;
  /** Served bytes [start, end), in chunks, read synchronously one at a time (scans). */
  chunksSync(start: number, end: number): Iterable<Buffer>;
  /**
   * Served bytes [start, end), in chunks, read as they are consumed (responses to a socket).
   * With a `pool`, chunks read from disk are buffers of it, which the consumer gives back.
   */
  chunks(start: number, end: number, pool?: ChunkPool | null): AsyncIterable<Buffer>;
}

export class MemoryBody implements MessageBody {
  constructor(readonly memory: Buffer) {}

  get size(): number {
    return this.memory.length;
  }

  readSync(start: number, end: number): Buffer {
    return this.memory.subarray(start, end);
  }

  readInto(start: number, end: number, dest: Buffer, at: number): number {
    return start >= end ? 0 : this.memory.copy(dest, at, start, end);
  }

  *chunksSync(start: number, end: number): Iterable<Buffer> {
    for (let at = start; at < end; at += BODY_CHUNK_BYTES) yield this.memory.subarray(at, Math.min(end, at + BODY_CHUNK_BYTES));
  }

  async *chunks(start: number, end: number): AsyncIterable<Buffer> {
    yield* this.chunksSync(start, end);
  }
}

const GT = 0x3e;
const FROM_SP = Buffer.from('From ');

/** Is `head` (a line's first bytes, up to QUOTE_SCAN_BYTES) a quoted From line (">From ", ">>From ", …)? */
export function isQuotedFromLine(head: Uint8Array): boolean {
  let i = 0;
  const n = Math.min(head.length, QUOTE_SCAN_BYTES);
  while (i < n && head[i] === GT) i++;
  if (i === 0 || i + FROM_SP.length > n) return false;
  for (let k = 0; k < FROM_SP.length; k++) if (head[i + k] !== FROM_SP[k]) return false;
  return true;
}

/**
 * The served form of a file range, fed chunk by chunk: bare LF → CRLF and, for an mbox, the
 * quoted From lines and the last line's terminator. Holds at most QUOTE_SCAN_BYTES of a line.
 */
export class ServedLines {
  private atLineStart = true;
  /** A line's first bytes while it is not yet known whether it is a quoted From line. */
  private head: Buffer[] = [];
  private headBytes = 0;
  private deciding = false;
  /** Bytes of "From " matched after the ">"s of the held head. */
  private fromMatched = 0;
  private prevCr = false;

  constructor(
    private readonly mbox: boolean,
    /** false: always the line-by-line path (the reference the kernel is tested against). */
    private readonly useKernel = true,
  ) {}

  /** The output being written by push() or end(), and how much of it is written. */
  private ob: Buffer = Buffer.alloc(0);
  private o = 0;

  /**
   * Convert one chunk; the result may be shorter (a line head held back) or longer (added CRs).
   * Written into `out` when it has room for it (the line-by-line path: for
   * servedBytesAtMost(chunk.length)), else into a new buffer.
   */
  push(chunk: Buffer, out?: Buffer): Buffer {
    // The kernel knows the served length before it writes, so it uses `out` whenever that fits.
    const fast = this.pushByKernel(chunk, out);
    if (fast) return fast;
    const room = out && out.length >= servedBytesAtMost(chunk.length) ? out : undefined;
    if (room) this.ob = room;
    else {
      // At most one CR added per LF, plus a held-back head released: sized exactly, so a chunk of
      // text costs its size plus its line count, not twice its size.
      let lfs = 0;
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lfs++;
      this.ob = Buffer.allocUnsafe(chunk.length + lfs + this.headBytes + 2);
    }
    this.o = 0;
    let pos = 0;
    while (pos < chunk.length) {
      if (this.deciding) {
        pos = this.decide(chunk, pos);
        continue;
      }
      if (this.atLineStart && this.mbox && chunk[pos] === GT) {
        this.deciding = true;
        this.atLineStart = false;
        continue;
      }
      const lf = chunk.indexOf(0x0a, pos);
      const stop = lf === -1 ? chunk.length : lf;
      if (stop > pos) {
        this.o += chunk.copy(this.ob, this.o, pos, stop);
        this.prevCr = chunk[stop - 1] === 0x0d;
        this.atLineStart = false;
      }
      if (lf === -1) break;
      this.newline();
      pos = lf + 1;
    }
    return this.ob.subarray(0, this.o);
  }

  /**
   * A chunk converted by the servedCrlf kernel (the same rules, SIMD; byte-kernels/): every
   * chunk unless a line head is held back, or the chunk ends on a line starting with ">" that
   * cannot be decided yet. Null when the chunk needs the line-by-line path below.
   */
  private pushByKernel(chunk: Buffer, room: Buffer | undefined): Buffer | null {
    if (!this.useKernel || this.deciding || chunk.length === 0) return null;
    const out = servedCrlf(chunk, { mbox: this.mbox, prevCr: this.prevCr, atLineStart: this.atLineStart }, room);
    if (!out) return null;
    const last = chunk[chunk.length - 1];
    this.atLineStart = last === 0x0a;
    this.prevCr = last === 0x0d;
    return out;
  }

  /** The end of the range: a line held back goes out; an mbox's last line without LF gets its CRLF. */
  end(): Buffer {
    this.ob = Buffer.allocUnsafe(this.headBytes + 2);
    this.o = 0;
    if (this.deciding) this.flushHead(false);
    if (this.mbox && !this.atLineStart) this.newline();
    this.atLineStart = true;
    this.prevCr = false;
    return this.ob.subarray(0, this.o);
  }

  /** A line's LF, with its CR unless it had one. */
  private newline(): void {
    if (!this.prevCr) this.ob[this.o++] = 0x0d;
    this.ob[this.o++] = 0x0a;
    this.prevCr = false;
    this.atLineStart = true;
  }

  /** Collect a line head until it is known to be (or not be) a quoted From line (isQuotedFromLine's rule). */
  private decide(chunk: Buffer, pos: number): number {
    let i = pos;
    let quoted: boolean | null = null;
    while (i < chunk.length) {
      const ch = chunk[i]!;
      if (ch === 0x0a || this.headBytes + (i - pos) >= QUOTE_SCAN_BYTES) {
        quoted = false;
        break;
      }
      if (this.fromMatched === 0 && ch === GT) {
        i++;
        continue;
      }
      if (ch !== FROM_SP[this.fromMatched]) {
        quoted = false;
        break;
      }
      i++;
      if (++this.fromMatched === FROM_SP.length) {
        quoted = true;
        break;
      }
    }
    // A copy: the chunk's buffer may be reused for the next read.
    this.head.push(Buffer.from(chunk.subarray(pos, i)));
    this.headBytes += i - pos;
    if (quoted !== null) this.flushHead(quoted);
    return i;
  }

  private flushHead(quoted: boolean): void {
    const head = Buffer.concat(this.head);
    this.head = [];
    this.headBytes = 0;
    this.deciding = false;
    this.fromMatched = 0;
    const kept = quoted ? head.subarray(1) : head;
    if (kept.length > 0) {
      this.o += kept.copy(this.ob, this.o);
      this.prevCr = kept[kept.length - 1] === 0x0d;
    }
  }
}

/** The most served bytes ServedLines.push makes of a chunk of `n` file bytes: a CR per byte, and a held-back line head. */
export function servedBytesAtMost(n: number): number {
  return 2 * n + QUOTE_SCAN_BYTES + 2;
}

/**
 * The buffers of chunks streamed to sockets (FETCH, for a consumer that gives them back): each
 * holds what one read of STREAM_READ_BYTES becomes.
 */
export const STREAMED_CHUNKS = new ChunkPool(servedBytesAtMost(STREAM_READ_BYTES), MAX_FREE_STREAMED_CHUNKS);

/** What measuring a file range found: its served size and whether the file bytes are already served bytes. */
export interface RangeMeasure {
  size: number;
  transform: BodyTransform;
}

/**
 * Served size of a Maildir or spooled file's bytes, measured chunk by chunk: the file size plus
 * one CR for every LF that has none before it.
 */
export class CrlfMeter {
  private bytes = 0;
  private bareLf = 0;
  private prevCr = false;

  push(chunk: Uint8Array, start = 0, end = chunk.length): void {
    if (end <= start) return;
    this.bytes += end - start;
    this.bareLf += bareLfCount(chunk.subarray(start, end), this.prevCr);
    this.prevCr = chunk[end - 1] === 0x0d;
  }

  result(): RangeMeasure {
    return { size: this.bytes + this.bareLf, transform: this.bareLf === 0 ? 'none' : 'crlf' };
  }
}

let measureScratch: Buffer | null = null;

/** Measure a whole file (Maildir message, spooled APPEND or delivery) synchronously, in chunks; at most its first `limit` bytes. */
export function measureFileSync(path: string, limit = Infinity, relocate?: Relocate): RangeMeasure {
  const { fd } = openFollowingSync(path, relocate);
  try {
    const meter = new CrlfMeter();
    // One buffer for every measure (synchronous, so never shared): 20,000 Maildir files cost no 20,000 allocations.
    const buf = (measureScratch ??= Buffer.allocUnsafe(BODY_CHUNK_BYTES * 4));
    for (let left = limit; left > 0; ) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, left), null);
      if (n <= 0) break;
      meter.push(buf, 0, n);
      left -= n;
    }
    return meter.result();
  } finally {
    closeSync(fd);
  }
}

/**
 * Where a file went when it is no longer where it was (a Maildir file renamed by another program
 * reading the same Maildir: its flags changed, moved from new/ to cur/), or null when it is gone.
 */
export type Relocate = () => string | null;

const isNotFound = (err: unknown) => (err as NodeJS.ErrnoException)?.code === 'ENOENT';

/** openSync(path), and when the file is not there, the path `relocate` finds (once). */
function openFollowingSync(path: string, relocate: Relocate | undefined): { fd: number; path: string } {
  try {
    return { fd: openSync(path, 'r'), path };
  } catch (err) {
    const moved = isNotFound(err) ? relocate?.() : null;
    if (!moved) throw err;
    return { fd: openSync(moved, 'r'), path: moved };
  }
}

/** A message that is a byte range of a file on disk, converted to served bytes as it is read. */
export class FileBody implements MessageBody {
  readonly memory = null;

  constructor(
    public path: string,
    /** The range of the file that holds the message (for an mbox, without its From line). */
    readonly fileStart: number,
    readonly fileEnd: number,
    readonly size: number,
    readonly transform: BodyTransform,
    /** A file that may be renamed while the lab serves it (Maildir): how to find it again. */
    private readonly relocate?: Relocate,
  ) {}

  private openSync(): number {
    const { fd, path } = openFollowingSync(this.path, this.relocate);
    this.path = path;
    return fd;
  }

  readSync(start: number, end: number): Buffer {
    const out = Buffer.allocUnsafe(Math.max(0, Math.min(end, this.size) - start));
    const n = this.readInto(start, end, out, 0);
    return n === out.length ? out : out.subarray(0, n);
  }

  readInto(start: number, end: number, dest: Buffer, at: number): number {
    // Reads of up to SYNC_READ_BYTES: a message of a few hundred kB in one or two system calls.
    const cursor = new ServedRange(this, start, end, SYNC_READ_BYTES, null);
    if (cursor.done) return 0;
    let o = at;
    // The range's place in `dest`, and no further: a conversion that runs past the range's end goes elsewhere.
    const stop = at + Math.min(end, this.size) - start;
    const fd = this.openSync();
    try {
      while (!cursor.done) {
        // Bytes that need no conversion are read straight into `dest`; converted ones into the
        // kernel's input and converted into `dest` (the part of the conversion in the range).
        const into = dest.subarray(o, stop);
        const { buf, pos } = cursor.nextRead(into);
        const piece = cursor.take(buf.length > 0 ? readSync(fd, buf, 0, buf.length, pos) : 0, buf, into);
        if (!piece) continue;
        if (piece.buffer !== dest.buffer || piece.byteOffset !== dest.byteOffset + o) piece.copy(dest, o);
        o += piece.length;
      }
    } finally {
      closeSync(fd);
    }
    return o - at;
  }

  chunksSync(start: number, end: number): Iterable<Buffer> {
    return this.readChunksSync(start, end, null);
  }

  /** chunksSync, with the served chunks in buffers of `pool` when one is given, `readBytes` at a time. */
  private *readChunksSync(start: number, end: number, pool: ChunkPool | null, readBytes = BODY_CHUNK_BYTES): Iterable<Buffer> {
    const cursor = new ServedRange(this, start, end, readBytes, pool);
    if (cursor.done) return;
    const fd = this.openSync();
    try {
      while (!cursor.done) {
        const { buf, pos } = cursor.nextRead();
        const piece = cursor.take(buf.length > 0 ? readSync(fd, buf, 0, buf.length, pos) : 0, buf);
        if (piece) yield piece;
      }
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Served bytes [start, end), read while they are consumed. With a `pool`, the chunks are
   * buffers of it, and the consumer gives each back (pool.give) once it is done with it.
   */
  async *chunks(start: number, end: number, pool: ChunkPool | null = null): AsyncIterable<Buffer> {
    // A chunk per step, each read synchronously straight where it is converted: a read of
    // STREAM_READ_BYTES from the page cache costs the event loop less than an asynchronous read
    // on the threadpool followed by a copy into the conversion kernel's memory (bench:mailbox).
    // The consumer paces the reads (the socket's back-pressure: a chunk is read when the one
    // before is written), so the loop is held for one read at a time (from a cold disk, that
    // read's latency), and other connections are served between chunks. A range of a few
    // chunks is read in chunks of BODY_CHUNK_BYTES, as chunksSync reads it.
    yield* this.readChunksSync(start, end, pool, Math.min(end, this.size) - start <= SYNC_READ_BYTES ? BODY_CHUNK_BYTES : STREAM_READ_BYTES);
  }
}

/**
 * A Maildir file whose served size is measured when first asked for (RFC822.SIZE, POP3 LIST, a
 * FETCH of its bytes), not when the Maildir is indexed: indexing reads the file names only
 * (maildir-index.ts), so the first SELECT of 20,000 messages does not wait for 2 GB to be read
 * (Dovecot reads a Maildir file's virtual size lazily too, when it has no W= in its name). The
 * measure reads the first `fileSize` bytes (given, or learnt from the file's stat then) once, by
 * the same rules as FileBody's conversion, so the size and the bytes sent agree. A file gone by
 * then, or a file size of 0, is an empty message.
 */
export class MeasuredOnDemandBody implements MessageBody {
  readonly memory = null;
  private measured: FileBody | null = null;

  constructor(
    public path: string,
    /** The file bytes to serve (the size the index saw); see fileBytes. */
    private readonly fileSize = 0,
  ) {}

  /**
   * The file bytes to serve, asked for once, when the size is first needed: a subclass may learn
   * it then (a Maildir file indexed by its name: maildir-index.ts). 0 is an empty message.
   */
  protected fileBytes(): number {
    return this.fileSize;
  }

  /** Where the file is now when it is not at `path` any more (maildir-index.ts); null: gone. */
  protected relocate(): string | null {
    return null;
  }

  /** Whether the served size is known yet (for tests and a background pass). */
  get isMeasured(): boolean {
    return this.measured !== null;
  }

  private get file(): FileBody {
    if (this.measured) return this.measured;
    const fileSize = this.fileBytes();
    let m: RangeMeasure;
    try {
      m = fileSize === 0 ? { size: 0, transform: 'none' } : measureFileSync(this.path, fileSize, () => this.relocate());
    } catch {
      m = { size: 0, transform: 'none' }; // gone since the index saw it (another program deleted it)
    }
    return (this.measured = new FileBody(this.path, 0, m.size === 0 ? 0 : fileSize, m.size, m.transform, () => this.relocate()));
  }

  get size(): number {
    return this.file.size;
  }

  readSync(start: number, end: number): Buffer {
    return this.file.readSync(start, end);
  }

  readInto(start: number, end: number, dest: Buffer, at: number): number {
    return this.file.readInto(start, end, dest, at);
  }

  chunksSync(start: number, end: number): Iterable<Buffer> {
    return this.file.chunksSync(start, end);
  }

  chunks(start: number, end: number, pool?: ChunkPool | null): AsyncIterable<Buffer> {
    return this.file.chunks(start, end, pool);
  }
}

/**
 * Reading served bytes [start, end) of a FileBody: which file bytes to read next, and what of
 * their conversion falls in the range. Without conversion served offsets are file offsets; with
 * it, the range is read from the message's start (bounded: one chunk at a time).
 */
class ServedRange {
  private readonly conv: ServedLines | null;
  private pos: number;
  private served: number;
  private readonly end: number;
  done: boolean;

  constructor(
    private readonly body: FileBody,
    private readonly start: number,
    end: number,
    /** Most file bytes per read. */
    private readonly readBytes: number,
    /** Where served chunks go (the consumer gives them back); null: new buffers. */
    private readonly pool: ChunkPool | null,
  ) {
    this.end = Math.min(end, body.size);
    this.conv = body.transform === 'none' ? null : new ServedLines(body.transform === 'mbox');
    this.pos = this.conv ? body.fileStart : body.fileStart + start;
    this.served = this.conv ? 0 : start;
    this.done = start >= this.end;
  }

  /**
   * The buffer to read into and the file position (an empty buffer: the file range is all read).
   * `into`: where the served bytes go (readInto), which a read that needs no conversion fills itself.
   */
  nextRead(into?: Buffer): { buf: Buffer; pos: number } {
    // No more than the range still needs (plus what a held-back line head may take): a header read costs a few kB, not a chunk.
    const need = this.end - this.served + (this.conv ? QUOTE_SCAN_BYTES : 0);
    const want = Math.max(0, Math.min(this.readBytes, need, this.body.fileEnd - this.pos));
    // Not converted: the bytes read are yielded as they are, so each read has a buffer of its own.
    if (!this.conv) return { buf: into && into.length >= want ? into.subarray(0, want) : this.pool ? this.pool.take(want).subarray(0, want) : Buffer.allocUnsafe(want), pos: this.pos };
    // Read straight where the conversion kernel reads: every read is synchronous and converted
    // (take) before anything else runs, and the conversion copies what it keeps.
    return { buf: servedInput(want), pos: this.pos };
  }

  /**
   * Take `n` bytes read into `buf`; returns the served bytes of the range among them, or null.
   * `into`: where the served bytes go (readInto); the conversion writes there when this read's
   * served bytes all belong to the range from its start.
   */
  take(n: number, buf: Buffer, into?: Buffer): Buffer | null {
    let piece: Buffer;
    if (buf.length > 0 && n > 0) {
      this.pos += n;
      piece = this.conv ? this.conv.push(buf.subarray(0, n), into && this.served >= this.start ? into : this.pool?.take(servedBytesAtMost(n))) : buf.subarray(0, n);
    } else {
      // The file range is read (or the file is shorter than indexed): what the conversion held back.
      piece = this.conv ? this.conv.end() : Buffer.alloc(0);
      this.done = true;
      if (!this.conv) this.pool?.give(buf);
    }
    const from = Math.max(0, this.start - this.served);
    const to = Math.min(piece.length, this.end - this.served);
    this.served += piece.length;
    if (this.served >= this.end) this.done = true;
    if (to > from) return piece.subarray(from, to);
    this.pool?.give(piece); // nothing of it is in the range: its buffer goes back at once
    return null;
  }
}

/** Sizes tried in turn when reading a message's root header alone. */
const HEADER_READ_STEPS = [4 * 1024, 32 * 1024, BODY_CHUNK_BYTES * 4];

/**
 * The root header block of a message on disk (up to and including the blank line, as
 * findHeaderEnd sees it), read alone: a few kB for a 20 MB message. Null when there is no blank
 * line within `limit` bytes (the caller reads the message whole); the whole message when it is
 * all header.
 */
export function readHeaderBlock(body: MessageBody, limit: number): Buffer | null {
  if (body.memory) return null;
  for (const step of [...HEADER_READ_STEPS.filter((n) => n < limit), limit]) {
    const n = Math.min(body.size, step);
    const buf = body.readSync(0, n);
    const end = findHeaderEnd(buf, 0, buf.length);
    // At the end of what was read, findHeaderEnd cannot tell "found" from "not yet": read more.
    if (end < buf.length || n === body.size) return buf.subarray(0, end);
  }
  return null;
}
