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
 * Creating a file (a new inode and directory entry under the file system's journal) is the
 * slowest step of a whole submission on a busy disk: 0.1 to 1.3 ms here, more than everything
 * else the lab does for a message. So the `.part` file is created ahead, on the thread pool, once
 * AUTH succeeded or MAIL FROM was accepted (`reserve`), while the client sends its next commands;
 * DATA takes it, joining it when the create is still running (a client pipelining MAIL, RCPT and
 * DATA). A session that leaves without DATA has it removed.
 */
import { close, closeSync, constants, copyFileSync, linkSync, mkdirSync, open, openSync, renameSync, rmdirSync, rmSync, unlink, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

  /** Create the next message's `.part` file in the background; `begin` takes it, `release` drops it. */
  reserve(): PartReservation {
    this.creating += 1;
    return new PartReservation(this.nextPartPath(), () => {
      this.creating -= 1;
      if (this.creating === 0) for (const fn of this.settledWaiters.splice(0)) fn();
    });
  }

  /** Every background create has finished (and every released file is gone): the lab may stop. */
  settled(): Promise<void> {
    return this.creating === 0 ? Promise.resolve() : new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /** The lab stopped: the incoming folder goes when it is empty (it always is once every session ended). */
  tidy(): void {
    try {
      if (this.incomingMade) rmdirSync(this.incomingDir);
    } catch {
      // not empty (a session still open at a forced stop): left as it is
    }
  }

  /** Start a message (in the reserved file when there is one); write its bytes with `write`, then `commit` or `abort`. */
  begin(reserved?: PartReservation | null): SpoolWriter {
    if (reserved) {
      const { path, fd } = reserved.take();
      return new SpoolWriter(this, path, this.limits.headerCaptureBytes, fd, reserved);
    }
    return new SpoolWriter(this, this.nextPartPath(), this.limits.headerCaptureBytes);
  }

  /** Bytes the session may still keep. */
  get room(): number {
    return Math.max(0, this.limits.maxSpoolBytes - this.spooledBytes);
  }

  /** @internal SpoolWriter.commit */
  finish(partPath: string, size: number, head: Buffer): CapturedMessage {
    this.counter += 1;
    const name = `${String(this.counter).padStart(4, '0')}.eml`;
    if (!this.dirMade) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.dirMade = true;
    }
    renameSync(partPath, join(this.dir, name));
    this.spooledBytes += size;
    const env = parseSubjectAndMessageId(head);
    const captured: CapturedMessage = { path: `messages/${name}`, size, messageId: env.messageId, subject: env.subject, delivered: false };
    if (this.deliveredMessages >= this.limits.maxDeliveredMessages || this.deliveredBytes + size > this.limits.maxDeliveredBytes) {
      captured.notDelivered = `the lab INBOX takes at most ${this.limits.maxDeliveredMessages} messages or ${this.limits.maxDeliveredBytes} bytes per run; kept on disk only`;
      return captured;
    }
    try {
      // The INBOX gets its own name for the same bytes (a hard link; a copy where links fail), and
      // the store takes that file: the capture stays in messages/, nothing is read into memory.
      const kept = join(this.dir, name);
      const forStore = join(this.dir, `${name}.inbox`);
      try {
        linkSync(kept, forStore);
      } catch {
        copyFileSync(kept, forStore);
      }
      try {
        captured.uid = this.store.appendFrom('INBOX', { path: forStore, size, normalizeLineEnds: true }, [], new Date());
      } catch (err) {
        rmSync(forStore, { force: true });
        throw err;
      }
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
 * path is opened at once without truncation, so both end up on one file and nothing is lost) or
 * releases it (the session ended without DATA: the file is removed, now or once it exists).
 */
export class PartReservation {
  private fd: number | null = null;
  private state: 'creating' | 'ready' | 'taken' | 'released' = 'creating';
  /** The message written in the taken file was committed or aborted (SpoolWriter). */
  messageFinished = false;

  constructor(
    readonly path: string,
    /** Called once the background create has finished, whatever happened to it. */
    settled: () => void,
  ) {
    open(path, CREATE_NEW, 0o600, (err, fd) => {
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
    });
  }

  /** The open file, once. */
  take(): { path: string; fd: number } {
    const fd = this.fd ?? openSync(this.path, CREATE_OR_JOIN, 0o600);
    this.fd = null;
    this.state = 'taken';
    return { path: this.path, fd };
  }

  /** Not needed after all: the file is removed (now, or as soon as its create finishes). */
  release(): void {
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

export class SpoolWriter {
  private fd: number | null;
  private head: Buffer[] = [];
  private headBytes = 0;
  size = 0;

  constructor(
    private readonly spool: MessageSpool,
    private readonly partPath: string,
    private readonly headLimit: number,
    /** The file, already open (a reservation); else it is opened now. */
    fd?: number,
    private readonly reservation?: PartReservation,
  ) {
    this.fd = fd ?? openSync(partPath, 'w', 0o600);
  }

  write(pieces: readonly Buffer[]): void {
    if (this.fd === null) return;
    const data = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
    if (data.length === 0) return;
    if (this.headBytes < this.headLimit) {
      // A copy: the data is a view into a socket chunk that must not be kept alive.
      const take = Buffer.from(data.subarray(0, this.headLimit - this.headBytes));
      this.head.push(take);
      this.headBytes += take.length;
    }
    this.size += data.length;
    writeSync(this.fd, data);
  }

  commit(): CapturedMessage {
    this.close();
    return this.spool.finish(this.partPath, this.size, Buffer.concat(this.head));
  }

  /** Drop the message: nothing kept, nothing delivered. */
  abort(): void {
    this.close();
    rmSync(this.partPath, { force: true });
  }

  get open(): boolean {
    return this.fd !== null;
  }

  private close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    // Renamed or removed right after this: a late background create of the same path is a stray.
    if (this.reservation) this.reservation.messageFinished = true;
    this.head = this.head.length > 1 ? [Buffer.concat(this.head)] : this.head;
  }
}
