/**
 * A large literal written to a file of the session while it arrives, so that an APPEND of a
 * 50 MB message costs the lab a bounded buffer, not the message (RFC 3501 §4.3 literals may be
 * as large as the server accepts). The session opens one per literal of at least
 * `literalSpoolThresholdBytes`; APPEND hands the finished file to the mail store
 * (`MailStoreApi.appendFrom`); what nobody took is removed. Only APPEND takes a literal that
 * large (the other commands' literals stay under maxArgumentLiteralBytes), and the literals in
 * flight across the lab together stay under maxSpooledLiteralBytes (LiteralSpoolBudget).
 *
 * Back-pressure: when more than the stream's high-water mark is queued for the disk, the owner
 * pauses reading the socket, and resumes on drain; the client is then slowed by TCP, not by the
 * lab's memory. A write error (disk full) is kept, the rest of the literal is read and dropped,
 * and the command gets a NO.
 */
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import type { Writable } from 'node:stream';

/** Opens the file a literal goes to; tests pass one whose disk is slow. */
export type OpenLiteralFile = (path: string, highWaterMark: number) => Writable;

/** A new file, readable by the lab's user only (the literal may be a customer's message). */
export const openLiteralFile: OpenLiteralFile = (path, highWaterMark) => createWriteStream(path, { flags: 'wx', mode: 0o600, highWaterMark });

/** Cleaning up must never throw into a socket handler: a file that cannot be removed was never made, or is not ours to fix. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // ENOTDIR (the folder was never made) and the like: nothing to remove.
  }
}

/**
 * The spooled bytes in flight across the lab's IMAP connections (MAX_SPOOLED_LITERAL_BYTES): a
 * literal's announced size is taken when it is accepted and given back once its command has
 * run (the file handed to the store or removed) or the connection went away.
 */
export class LiteralSpoolBudget {
  /** Announced bytes of the literals accepted and not yet done with. */
  inFlight = 0;

  constructor(readonly limit: number) {}

  /** Take `size` bytes when they fit; false (nothing taken) when they would pass the limit. */
  take(size: number): boolean {
    if (this.inFlight + size > this.limit) return false;
    this.inFlight += size;
    return true;
  }

  give(size: number): void {
    this.inFlight = Math.max(0, this.inFlight - size);
  }
}

export interface LiteralSpoolHooks {
  /** Stop reading the socket: the disk is slower than the client. */
  pause(): void;
  resume(): void;
  /** The literal is done with (handed on, removed or aborted): called once. */
  released?(): void;
}

export class SpooledLiteral {
  /** Bytes written so far (the announced size once complete). */
  received = 0;
  /** Why the file is not usable (the directory could not be made, the disk is full). */
  error: Error | null = null;
  /** Resolves once the file is closed: complete, failed or aborted. */
  readonly done: Promise<void>;
  private handedOff = false;
  private aborted = false;
  private paused = false;
  private settled = false;
  private readonly out: Writable | null;

  constructor(
    readonly path: string,
    /** The announced size (RFC 3501 §4.3 `{N}`). */
    readonly size: number,
    dir: string,
    open: OpenLiteralFile,
    highWaterMark: number,
    private readonly hooks: LiteralSpoolHooks,
  ) {
    let out: Writable | null = null;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      out = open(path, highWaterMark);
    } catch (err) {
      this.error = err as Error;
    }
    this.out = out;
    this.done = new Promise((resolve) => {
      if (!out) return resolve();
      out.on('error', (err: Error) => {
        this.error ??= err;
        // The rest of the literal is read and dropped: reading must go on.
        this.release();
      });
      out.on('drain', () => this.release());
      out.on('close', () => {
        this.release();
        if (this.aborted) removeQuietly(this.path);
        resolve();
      });
    });
  }

  write(chunk: Buffer): void {
    if (!this.out || this.error || this.aborted) return;
    this.received += chunk.length;
    if (!this.out.write(chunk) && !this.paused) {
      this.paused = true;
      this.hooks.pause();
    }
  }

  /** The last byte has arrived: close the file (`done` resolves when it is). */
  end(): void {
    if (this.out && !this.out.destroyed) this.out.end();
  }

  /**
   * Hand the complete file on (APPEND to the store). If `take` returns, the file is its new
   * owner's; if it throws, the file stays here and is removed by `discard`.
   */
  handOff<T>(take: (source: { path: string; size: number }) => T): T {
    const result = take({ path: this.path, size: this.size });
    this.handedOff = true;
    this.settle();
    return result;
  }

  /** After the command: remove the file unless it was handed on. */
  discard(): void {
    if (!this.handedOff) removeQuietly(this.path);
    this.settle();
  }

  /** The connection went away mid-literal or before its command ran: stop writing and remove the file. */
  abort(): void {
    if (this.aborted || this.handedOff) return;
    this.aborted = true;
    this.settle();
    this.release();
    // Removed on 'close': the file may not be open yet, and would otherwise appear after the rm.
    if (this.out && !this.out.closed) this.out.destroy();
    else removeQuietly(this.path);
  }

  /** Done with, whichever way: the lab-wide budget gets its bytes back (once). */
  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.hooks.released?.();
  }

  private release(): void {
    if (!this.paused) return;
    this.paused = false;
    this.hooks.resume();
  }
}
