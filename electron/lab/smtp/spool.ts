/**
 * Where accepted messages go: `<session>/messages/NNNN.eml` (the exact bytes, dot-unstuffed, as
 * the client sent them) and the lab INBOX, so that the phone's next mail check shows the message
 * it sent. The lab never relays: nothing here, or anywhere in smtp/, opens a connection.
 *
 * DATA streams to disk as it arrives (`<session>/incoming/N.part`, renamed into `messages/` when
 * the final "." is seen, so `messages/` only ever holds whole messages), so a big message costs
 * no memory; only its first bytes are kept, to read the header fields. A message cut short (the client vanished mid-DATA, the size limit, a bare LF refused) is removed,
 * and nothing half-received reaches the INBOX. Writes are synchronous, like the recorder's: the
 * reply to the final "." goes out only once the message is on disk.
 *
 * Creating a file (a new inode and directory entry) is the slowest step of a whole submission on
 * a busy disk: 0.1 to 1.3 ms here, more than everything else the lab does for a message (perf
 * puts it in ext4's recently_deleted(): the inode allocator steps over every inode of the block
 * group freed in the last minutes). So the `.part` files are created ahead, on the thread pool,
 * never on the reply path: the spool keeps SPARE_MESSAGE_FILES of them ready, a session takes one
 * once AUTH succeeded or MAIL FROM was accepted (`reserve`), and its replacement is created once
 * the message is kept. When DATA comes before its file exists (a burst of sessions, a client
 * pipelining MAIL, RCPT and DATA), the session stops reading until the file is there instead of
 * creating one itself (`SpoolWriter.whenOpen`). A session that leaves without DATA gives its empty
 * file back to the spares. The spares are removed when the lab stops; a lab killed with SIGKILL
 * leaves them, empty, in `incoming/`.
 */
import { close, closeSync, constants, mkdirSync, open, openSync, renameSync, rmdirSync, rmSync, unlink, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CrlfMeter, type RangeMeasure } from '../mailbox/body.js';
import { parseSubjectAndMessageId } from '../mailbox/mime.js';
import type { MailStoreApi } from '../mailbox/types.js';
import type { SmtpLimits } from './options.js';

export interface CapturedMessage {
  /** Session-relative path, e.g. "messages/0001.eml". */
  path: string;
  /** Bytes kept (after dot-unstuffing). */
  size: number;
  messageId: string | null;
  subject: string | null;
  /** UID in the lab INBOX, when delivered. */
  uid?: number;
  delivered: boolean;
  /** Why not delivered to the INBOX (kept on disk all the same). */
  notDelivered?: string;
}

/** Next to `messages/` in the session folder: the files of messages still being received. */
export const INCOMING_DIR = 'incoming';

/**
 * Empty `.part` files the spool keeps created ahead: one is enough for phones sending one after
 * another; a few more let a burst of sessions start their DATA without waiting for a create.
 */
export const SPARE_MESSAGE_FILES = 4;

export class MessageSpool {
  private counter = 0;
  private partCounter = 0;
  private spooledBytes = 0;
  private deliveredMessages = 0;
  private deliveredBytes = 0;

  /** <session>/incoming: messages being received, renamed into `dir` when whole (as Maildir's tmp/ and new/). */
  readonly incomingDir: string;

  constructor(
    /** <session>/messages: whole messages only. */
    readonly dir: string,
    private readonly store: MailStoreApi,
    private readonly limits: Pick<SmtpLimits, 'maxSpoolBytes' | 'maxDeliveredMessages' | 'maxDeliveredBytes' | 'headerCaptureBytes'>,
  ) {
    this.incomingDir = join(dirname(dir), INCOMING_DIR);
  }

  /** Room left on disk for this session's messages. */
  get full(): boolean {
    return this.spooledBytes >= this.limits.maxSpoolBytes;
  }

  private incomingMade = false;
  private dirMade = false;

  private nextPartPath(): string {
    if (!this.incomingMade) {
      mkdirSync(this.incomingDir, { recursive: true, mode: 0o700 });
      this.incomingMade = true;
    }
    this.partCounter += 1;
    return join(this.incomingDir, `${this.partCounter}.part`);
  }

  private creating = 0;
  private settledWaiters: Array<() => void> = [];
  /** Files created ahead that no session holds yet (being created, or ready). */
  private readonly spares: PartReservation[] = [];
  private refillScheduled = false;
  private stopped = false;

  /**
   * The next message's `.part` file: a spare created ahead when there is one (its replacement is
   * created once a message is renamed into messages/: a create and a rename in the same folder
   * wait for each other), else one created now, with the spares. `begin` takes it, `release`
   * gives it back.
   */
  reserve(): PartReservation {
    const spare = this.spares.shift();
    if (spare) return spare;
    this.scheduleRefill();
    return this.createPart();
  }

  private createPart(): PartReservation {
    this.creating += 1;
    return new PartReservation(
      this.nextPartPath(),
      () => {
        this.creating -= 1;
        if (this.creating === 0) for (const fn of this.settledWaiters.splice(0)) fn();
      },
      (r) => this.giveBack(r),
    );
  }

  /** Spares are created after the reply that asked for one is written (the next turn of the event loop), never while it is made. */
  private scheduleRefill(): void {
    if (this.refillScheduled || this.stopped) return;
    this.refillScheduled = true;
    setImmediate(() => {
      this.refillScheduled = false;
      while (!this.stopped && this.spares.length < SPARE_MESSAGE_FILES) this.spares.push(this.createPart());
    });
  }

  /** An unused reservation (its session left without DATA): kept as a spare while there is room; false to remove it. */
  private giveBack(r: PartReservation): boolean {
    if (this.stopped || this.spares.length >= SPARE_MESSAGE_FILES) return false;
    this.spares.push(r);
    return true;
  }

  /** Every background create has finished (and every released file is gone): the lab may stop. */
  settled(): Promise<void> {
    return this.creating === 0 ? Promise.resolve() : new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /** The lab stopped: the spares are removed, then the incoming folder when it is empty (it always is once every session ended). */
  tidy(): void {
    this.stopped = true;
    for (const spare of this.spares.splice(0)) spare.release();
    try {
      if (this.incomingMade) rmdirSync(this.incomingDir);
    } catch {
      // not empty (a session still open at a forced stop): left as it is
    }
  }

  /** Start a message (in the reserved file when there is one); write its bytes with `write`, then `commit` or `abort`. */
  begin(reserved?: PartReservation | null): SpoolWriter {
    if (reserved) return new SpoolWriter(this, reserved.path, this.limits.headerCaptureBytes, reserved);
    return new SpoolWriter(this, this.nextPartPath(), this.limits.headerCaptureBytes);
  }

  /** Bytes the session may still keep. */
  get room(): number {
    return Math.max(0, this.limits.maxSpoolBytes - this.spooledBytes);
  }

  /** @internal SpoolWriter.commit; `served` is the message's size and line-end form as IMAP serves it (measured while it was written). */
  finish(partPath: string, size: number, head: Buffer, served: RangeMeasure): CapturedMessage {
    this.counter += 1;
    const name = `${String(this.counter).padStart(4, '0')}.eml`;
    if (!this.dirMade) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.dirMade = true;
    }
    const kept = join(this.dir, name);
    renameSync(partPath, kept);
    this.scheduleRefill();
    this.spooledBytes += size;
    const env = parseSubjectAndMessageId(head);
    const captured: CapturedMessage = { path: `messages/${name}`, size, messageId: env.messageId, subject: env.subject, delivered: false };
    if (this.deliveredMessages >= this.limits.maxDeliveredMessages || this.deliveredBytes + size > this.limits.maxDeliveredBytes) {
      captured.notDelivered = `the lab INBOX takes at most ${this.limits.maxDeliveredMessages} messages or ${this.limits.maxDeliveredBytes} bytes per run; kept on disk only`;
      return captured;
    }
    try {
      // The INBOX gets its own name for the same bytes (a hard link; a copy where links fail): the
      // capture stays in messages/, and nothing is read back or held in memory.
      captured.uid = this.store.appendFrom('INBOX', { path: kept, size, normalizeLineEnds: true, served, keepSource: true }, [], new Date());
      captured.delivered = true;
      this.deliveredMessages += 1;
      this.deliveredBytes += size;
    } catch (err) {
      captured.notDelivered = (err as Error).message;
    }
    return captured;
  }
}

/** Create without truncating: a file the background create made is joined, never emptied. */
const CREATE_OR_JOIN = constants.O_WRONLY | constants.O_CREAT;
/** The background create: a new file only (the part names are unique per session). */
const CREATE_NEW = CREATE_OR_JOIN | constants.O_EXCL;

/**
 * A `.part` file being created on the thread pool for a message that has not started yet. Whoever
 * holds it either takes it (`take`: the open file; when the create is still running, the same
 * path is opened at once without truncation, so both end up on one file and nothing is lost),
 * waits for it (`whenSettled`), or releases it (the session ended without DATA: the empty file goes
 * back to the spool's spares, or is removed, now or once it exists).
 */
export class PartReservation {
  private fd: number | null = null;
  private state: 'creating' | 'ready' | 'taken' | 'released' = 'creating';
  private waiter: (() => void) | null = null;
  /** The background create has finished, whatever its outcome. */
  private createDone = false;
  /** The message written in the taken file was committed or aborted (SpoolWriter). */
  messageFinished = false;

  constructor(
    readonly path: string,
    /** Called once the background create has finished, whatever happened to it. */
    settled: () => void,
    /** A release of an untouched file: true when the spool keeps it as a spare (else it is removed). */
    private readonly giveBack: (r: PartReservation) => boolean = () => false,
  ) {
    open(path, CREATE_NEW, 0o600, (err, fd) => {
      this.createDone = true;
      if (err) {
        // EEXIST: take() opened it first. Anything else: take() opens it itself and reports it.
        settled();
      } else if (this.state === 'creating') {
        this.fd = fd;
        this.state = 'ready';
        settled();
      } else if (this.state === 'taken' && !this.messageFinished) {
        close(fd, settled); // the message's own file, which take() joined: nothing to undo
      } else {
        // Released, or the message was already renamed or dropped (this create may have come
        // after that, making an empty file): whatever is at the path now is not wanted.
        close(fd, () => unlink(path, () => settled()));
      }
      const waiter = this.waiter;
      this.waiter = null;
      waiter?.();
    });
  }

  /** The background create has finished (the file is open, or take() will open it itself). */
  get settledNow(): boolean {
    return this.createDone || this.state !== 'creating';
  }

  /** `fn` once the background create has finished (at once when it has). One waiter: the writer of its message. */
  whenSettled(fn: () => void): void {
    if (this.settledNow) fn();
    else this.waiter = fn;
  }

  /** The open file, once. */
  take(): { path: string; fd: number } {
    const fd = this.fd ?? openSync(this.path, CREATE_OR_JOIN, 0o600);
    this.fd = null;
    this.state = 'taken';
    return { path: this.path, fd };
  }

  /** Not needed after all: the file goes back to the spares, or is removed (now, or as soon as its create finishes). */
  release(): void {
    if (this.state === 'taken' || this.state === 'released') return;
    this.waiter = null;
    if (this.giveBack(this)) return;
    const fd = this.fd;
    const wasReady = this.state === 'ready';
    this.fd = null;
    this.state = 'released';
    if (!wasReady || fd === null) return;
    try {
      closeSync(fd);
      unlinkSync(this.path);
    } catch {
      // Already gone (someone cleaned the folder): nothing to drop.
    }
  }
}

/** The end of a line followed by a blank line: where a header block ends. */
const BLANK_LINE = [Buffer.from('\n\r\n'), Buffer.from('\n\n')];

export class SpoolWriter {
  private fd: number | null = null;
  /** The reserved file while its create is still running: bytes written meanwhile are held (at most the input chunk being framed: the session stops reading). */
  private pending: PartReservation | null = null;
  private held: Buffer[] = [];
  private onOpen: (() => void) | null = null;
  /** Opening or writing the reserved file failed after its create: thrown by the next write or the commit. */
  private failure: Error | null = null;
  private head: Buffer[] = [];
  private headBytes = 0;
  /** The blank line that ends the header block has been kept: nothing more is captured. */
  private headDone = false;
  private finished = false;
  private readonly served = new CrlfMeter();
  size = 0;

  constructor(
    private readonly spool: MessageSpool,
    private readonly partPath: string,
    private readonly headLimit: number,
    /** The file created ahead; without one it is created now. */
    private readonly reservation?: PartReservation,
  ) {
    if (!reservation) this.fd = openSync(partPath, 'w', 0o600);
    else if (reservation.settledNow) this.fd = reservation.take().fd;
    else {
      this.pending = reservation;
      reservation.whenSettled(() => {
        if (!this.pending) return;
        try {
          this.openReserved();
        } catch (err) {
          // Outside any command (a thread-pool callback): kept for the next write or the commit, which report it as any write error.
          this.failure = err as Error;
        }
      });
    }
  }

  /** The file is open (false while its create runs on the thread pool). */
  get ready(): boolean {
    return this.pending === null;
  }

  /** `fn` once the file is open, or the message was dropped (a session stops reading meanwhile); at once when it is. */
  whenOpen(fn: () => void): void {
    if (!this.pending) fn();
    else this.onOpen = fn;
  }

  write(pieces: readonly Buffer[]): void {
    if (this.failure) throw this.failure;
    if (this.finished) return;
    const data = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
    if (data.length === 0) return;
    if (!this.headDone && this.headBytes < this.headLimit) {
      // Only the header block is kept (up to the blank line that ends it): what smtp.message
      // reads. A copy: the data is a view into a socket chunk that must not be kept alive.
      const end = this.headerEndIn(data);
      const take = Buffer.from(data.subarray(0, Math.min(end < 0 ? data.length : end, this.headLimit - this.headBytes)));
      this.head.push(take);
      this.headBytes += take.length;
      this.headDone = end >= 0;
    }
    this.size += data.length;
    this.served.push(data);
    if (this.pending) this.held.push(Buffer.from(data));
    else writeSync(this.fd!, data);
  }

  commit(): CapturedMessage {
    if (this.failure) {
      this.abort();
      throw this.failure;
    }
    if (this.pending) this.openReserved();
    this.close();
    return this.spool.finish(this.partPath, this.size, Buffer.concat(this.head), this.served.result());
  }

  /** Drop the message: nothing kept, nothing delivered. */
  abort(): void {
    if (this.pending) {
      // Its create is still running and nothing was written to it: the file goes back to the spares (or is removed once it exists).
      this.pending.release();
      this.pending = null;
      this.finished = true;
      this.held = [];
      this.opened();
      return;
    }
    this.close();
    rmSync(this.partPath, { force: true });
  }

  get open(): boolean {
    return !this.finished;
  }

  /** The reserved file's create has finished (or the message cannot wait): open it, write what was held. */
  private openReserved(): void {
    const r = this.pending!;
    this.pending = null;
    try {
      this.fd = r.take().fd;
      const held = this.held;
      this.held = [];
      for (const b of held) writeSync(this.fd, b);
    } finally {
      this.opened();
    }
  }

  /**
   * Where the header block ends in `data` (just after its blank line: LF LF or LF CR LF, RFC 5322
   * §2.1; or a message that starts with a blank line), counting the bytes already kept before it;
   * -1 when it does not end here.
   */
  private headerEndIn(data: Buffer): number {
    if (this.headBytes === 0) {
      if (data[0] === 0x0a) return 1;
      if (data[0] === 0x0d && data[1] === 0x0a) return 2;
    }
    // The blank line may start in what was kept: look at its last two bytes and the first of `data`.
    const last = this.head.at(-1);
    if (last && last.length > 0) {
      const seam = Buffer.concat([last.subarray(-2), data.subarray(0, 2)]);
      const kept = Math.min(2, last.length);
      for (const pattern of BLANK_LINE) {
        const at = seam.indexOf(pattern);
        if (at >= 0 && at + pattern.length > kept) return at + pattern.length - kept;
      }
    }
    let end = -1;
    for (const pattern of BLANK_LINE) {
      const at = data.indexOf(pattern);
      if (at >= 0 && (end < 0 || at + pattern.length < end)) end = at + pattern.length;
    }
    return end;
  }

  /** The wait is over: whoever stopped reading for it goes on. */
  private opened(): void {
    const fn = this.onOpen;
    this.onOpen = null;
    fn?.();
  }

  private close(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    // Renamed or removed right after this: a late background create of the same path is a stray.
    if (this.reservation) this.reservation.messageFinished = true;
    this.head = this.head.length > 1 ? [Buffer.concat(this.head)] : this.head;
  }
}
