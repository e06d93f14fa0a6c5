/**
 * Where accepted messages go: `<session>/messages/NNNN.eml` (the exact bytes, dot-unstuffed, as
 * the client sent them) and the lab INBOX, so that the phone's next mail check shows the message
 * it sent. The lab never relays: nothing here, or anywhere in smtp/, opens a connection.
 *
 * DATA streams to disk as it arrives (a `.part` file, renamed when the final "." is seen), so a
 * big message costs no memory; only its first bytes are kept, to read the header fields. A
 * message cut short (the client vanished mid-DATA, the size limit, a bare LF refused) is removed,
 * and nothing half-received reaches the INBOX. Writes are synchronous, like the recorder's: the
 * reply to the final "." goes out only once the message is on disk.
 */
import { closeSync, copyFileSync, linkSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvelope } from '../mailbox/mime.js';
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

export class MessageSpool {
  private counter = 0;
  private partCounter = 0;
  private spooledBytes = 0;
  private deliveredMessages = 0;
  private deliveredBytes = 0;

  constructor(
    /** <session>/messages */
    readonly dir: string,
    private readonly store: MailStoreApi,
    private readonly limits: Pick<SmtpLimits, 'maxSpoolBytes' | 'maxDeliveredMessages' | 'maxDeliveredBytes' | 'headerCaptureBytes'>,
  ) {}

  /** Room left on disk for this session's messages. */
  get full(): boolean {
    return this.spooledBytes >= this.limits.maxSpoolBytes;
  }

  private dirMade = false;

  /** Start a message; write its bytes with `write`, then `commit` or `abort`. */
  begin(): SpoolWriter {
    if (!this.dirMade) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.dirMade = true;
    }
    this.partCounter += 1;
    return new SpoolWriter(this, join(this.dir, `incoming-${this.partCounter}.part`), this.limits.headerCaptureBytes);
  }

  /** Bytes the session may still keep. */
  get room(): number {
    return Math.max(0, this.limits.maxSpoolBytes - this.spooledBytes);
  }

  /** @internal SpoolWriter.commit */
  finish(partPath: string, size: number, head: Buffer): CapturedMessage {
    this.counter += 1;
    const name = `${String(this.counter).padStart(4, '0')}.eml`;
    renameSync(partPath, join(this.dir, name));
    this.spooledBytes += size;
    const env = parseEnvelope(head);
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

export class SpoolWriter {
  private fd: number | null;
  private head: Buffer[] = [];
  private headBytes = 0;
  size = 0;

  constructor(
    private readonly spool: MessageSpool,
    private readonly partPath: string,
    private readonly headLimit: number,
  ) {
    this.fd = openSync(partPath, 'w', 0o600);
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
    this.head = this.head.length > 1 ? [Buffer.concat(this.head)] : this.head;
  }
}
