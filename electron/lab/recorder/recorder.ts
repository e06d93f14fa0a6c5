/**
 * The session recorder: every byte and decision of a lab session becomes an event, appended to
 * <data-dir>/sessions/<id>/events.jsonl.
 *
 * Ordering and durability rule: an event reaches the file before the response it
 * caused is sent, so a lab killed with SIGKILL loses nothing it already answered. Protocol code
 * therefore calls `flush()` (synchronous write to the kernel; no fsync, which a process kill does
 * not need) right before writing to a socket. Between flushes events are batched in memory, so a
 * burst of pipelined commands costs one write, not one per event. Anything not yet flushed is
 * written on the next tick anyway.
 */
import { closeSync, mkdirSync, openSync, writeSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import type { EventInput, LabEvent } from '../../api.js';
import { printableAsciiJsonBytes } from '../byte-kernels/index.js';
import { encodeBytes, MAX_EVENT_PAYLOAD_BYTES, payloadPieces, PieceCutter, secretRangesOfPiece } from './bytes.js';
import { EVENTS_FILE } from './read.js';

/** Past this many bytes of events.jsonl, c2s/s2c payloads are no longer kept (sizes still are). */
export const MAX_RECORDED_BYTES = 512 * 1024 * 1024;

/**
 * Events batched in memory before they are written anyway, without waiting for the next flush:
 * a 50 MB literal arriving in one tick must not wait in memory as JSON.
 */
export const MAX_PENDING_EVENT_BYTES = 256 * 1024;

/**
 * The buffer events wait in, as the bytes of their lines: a batch is written once it reaches
 * MAX_PENDING_EVENT_BYTES, so an event line of up to this much more joins it without a write of
 * its own (a longer one is written alone, after the batch, in order).
 */
export const PENDING_BUFFER_BYTES = 2 * MAX_PENDING_EVENT_BYTES;

/** Bytes of an event line (a body's JSON) written from where they are, with the batch before them, rather than copied into it. */
export const DIRECT_WRITE_BYTES = 32 * 1024;

export type EventListener = (ev: LabEvent) => void;

/** What a unit of traffic is, for `recordBytes`: direction, connection, whether it travelled inside TLS. */
export interface BytesOrigin {
  kind: 'c2s' | 's2c';
  conn: string;
  tls?: boolean;
}

export interface RecordBytesOptions {
  /** Byte ranges [start, end) of the payload that are secrets (passwords, AUTHENTICATE data). */
  secrets?: ReadonlyArray<[number, number]>;
  /** Largest payload of one event (MAX_EVENT_PAYLOAD_BYTES). */
  maxEventBytes?: number;
  /** The bytes go on a unit recorded before (a message body streamed after its response line): every event is `continued`. */
  continued?: boolean;
}

/**
 * A piece of at least this many bytes without secrets (a DATA chunk, a message body, a long
 * response) that is printable ASCII is recorded as text whose JSON a byte kernel
 * (printableAsciiJsonBytes) makes straight into the event line's bytes, a fraction of the cost
 * of the general path (UTF-8 check, control characters, JSON.stringify); other bytes take the
 * general path (text or base64), so the event is the same either way.
 */
export const PRINTABLE_FAST_PATH_MIN_BYTES = 1024;

/** An event's `text` payload given as its bytes (printable ASCII) and the bytes of its JSON string body. */
interface FastPathText {
  bytes: Uint8Array;
  /** A view of the byte kernels' memory: copied into the line at once. */
  json: Uint8Array;
}

/** One unit of traffic being recorded as it arrives (SessionRecorder.recordBytesStream). */
export interface BytesStreamRecorder {
  write(chunk: Uint8Array): void;
  end(): void;
}

export interface RecorderOptions {
  /** Where sessions live: the session goes to <dataDir>/sessions/<id>. */
  dataDir: string;
  /** Defaults to a time-based id such as 2026-11-29T02-10-00Z-1. */
  sessionId?: string;
  maxRecordedBytes?: number;
  /** Clock, for tests. */
  now?: () => Date;
}

let sessionCounter = 0;

/** A sortable, filesystem-safe session id: UTC time to the second and a per-process counter. */
export function newSessionId(now: Date = new Date()): string {
  const stamp = now.toISOString().slice(0, 19).replace(/:/g, '-') + 'Z';
  sessionCounter += 1;
  return `${stamp}-${process.pid}-${sessionCounter}`;
}

export class SessionRecorder {
  readonly id: string;
  readonly dir: string;
  readonly file: string;
  private fd: number | null;
  private seq = 0;
  /** Event lines not written yet, as bytes: pending[0, pendingBytes). */
  private readonly pending = Buffer.allocUnsafe(PENDING_BUFFER_BYTES);
  private pendingBytes = 0;
  private flushScheduled = false;
  private listeners = new Set<EventListener>();
  private written = 0;
  private readonly maxRecordedBytes: number;
  /** The clock a test gave; null for the system clock, read once per millisecond (timestamp). */
  private readonly clock: (() => Date) | null;
  private lastMs = -1;
  private lastIso = '';
  /** Payload bytes dropped after MAX_RECORDED_BYTES was reached. */
  droppedPayloadBytes = 0;

  constructor(opts: RecorderOptions) {
    this.clock = opts.now ?? null;
    this.id = opts.sessionId ?? newSessionId(this.clock ? this.clock() : new Date());
    this.dir = join(opts.dataDir, 'sessions', this.id);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.file = join(this.dir, EVENTS_FILE);
    this.fd = openSync(this.file, 'a', 0o600);
    this.maxRecordedBytes = opts.maxRecordedBytes ?? MAX_RECORDED_BYTES;
  }

  get lastSeq(): number {
    return this.seq;
  }

  get closed(): boolean {
    return this.fd === null;
  }

  /** Stamp, queue and publish an event. Returns the stamped event. */
  record(input: EventInput): LabEvent {
    return this.append(input, undefined, true)!;
  }

  /**
   * record(), and for the recorder's own byte events: the event object (spread from the input)
   * is made only when someone listens or `wanted`, since the line is written from the input as
   * it is. `fast`: a `text` payload given as bytes with its JSON already made, copied into the
   * line instead of going through JSON.stringify; the event's `text` string is made only for
   * subscribers.
   */
  private append(input: EventInput, fast: FastPathText | undefined, wanted: boolean): LabEvent | undefined {
    let body: EventInput = input;
    if ((input.kind === 'c2s' || input.kind === 's2c') && this.written >= this.maxRecordedBytes) {
      // The session file is at its cap: keep the fact and size of the traffic, not the bytes.
      const size = fast ? fast.bytes.length : input.truncated ?? (input.text !== undefined ? Buffer.byteLength(input.text) : Buffer.from(input.b64 ?? '', 'base64').length);
      this.droppedPayloadBytes += size;
      body = { kind: input.kind, conn: input.conn, tls: input.tls, text: '', truncated: size };
      if (input.continued) body.continued = true;
      fast = undefined;
    } else if ((input.kind === 'wire.c2s' || input.kind === 'wire.s2c') && this.written >= this.maxRecordedBytes) {
      const size = input.truncated ?? Buffer.from(input.b64, 'base64').length;
      this.droppedPayloadBytes += size;
      body = { kind: input.kind, conn: input.conn, b64: '', truncated: size };
    }
    this.seq += 1;
    const t = this.timestamp();
    if (this.fd !== null) {
      // The same line as JSON.stringify({ seq, t, ...body }): the stamp first, then the body's own fields.
      const json = JSON.stringify(body);
      const head = `{"seq":${this.seq},"t":"${t}",`;
      if (fast === undefined) this.queueText(`${head}${json.slice(1)}\n`);
      else {
        this.queueText(`${head}${json.slice(1, -1)},"text":"`);
        this.queueBytes(fast.json);
        this.queueText('"}\n');
      }
      if (this.pendingBytes >= MAX_PENDING_EVENT_BYTES) this.flush();
      else this.scheduleFlush();
    }
    if (!wanted && this.listeners.size === 0) return undefined;
    const ev = { seq: this.seq, t, ...body } as LabEvent;
    if (this.listeners.size === 0) return ev;
    if (fast !== undefined) (ev as { text?: string }).text = Buffer.from(fast.bytes.buffer, fast.bytes.byteOffset, fast.bytes.byteLength).toString('latin1');
    this.publish(ev);
    return ev;
  }

  private publish(ev: LabEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(ev);
      } catch {
        // A broken subscriber (a UI that went away) must never stop the recording.
      }
    }
  }

  /**
   * append() of a c2s/s2c event past the session file's cap (`text: ""` and the size kept as
   * `truncated`), its line written as it is rather than through JSON.stringify: past the cap a
   * download still makes an event per piece of every response. The same line and event as
   * append() makes of { kind, conn, tls, text: '', truncated, continued }.
   */
  private appendDropped(origin: BytesOrigin, continued: boolean, size: number): void {
    this.droppedPayloadBytes += size;
    this.seq += 1;
    const t = this.timestamp();
    if (this.fd !== null) {
      this.queueText(`{"seq":${this.seq},"t":"${t}","kind":"${origin.kind}","conn":${JSON.stringify(origin.conn)}${origin.tls ? ',"tls":true' : ''},"text":"","truncated":${size}${continued ? ',"continued":true' : ''}}\n`);
      if (this.pendingBytes >= MAX_PENDING_EVENT_BYTES) this.flush();
      else this.scheduleFlush();
    }
    if (this.listeners.size === 0) return;
    const ev = { seq: this.seq, t, kind: origin.kind, conn: origin.conn, tls: origin.tls || undefined, text: '', truncated: size } as LabEvent;
    if (continued) (ev as { continued?: boolean }).continued = true;
    this.publish(ev);
  }

  /** The ISO time of an event; the system clock's string is made once per millisecond (a burst of events shares it). */
  private timestamp(): string {
    if (this.clock) return this.clock().toISOString();
    const ms = Date.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = new Date(ms).toISOString();
    }
    return this.lastIso;
  }

  /** Queue part of an event line (UTF-8), after what is queued. */
  private queueText(s: string): void {
    // A UTF-16 unit is at most 3 bytes of UTF-8: a string that surely fits is written in place.
    if (s.length * 3 > PENDING_BUFFER_BYTES - this.pendingBytes) {
      this.writePending();
      if (s.length * 3 > PENDING_BUFFER_BYTES) {
        const b = Buffer.from(s, 'utf8');
        this.writeAll(b);
        this.written += b.length;
        return;
      }
    }
    const n = this.pending.write(s, this.pendingBytes, 'utf8');
    this.pendingBytes += n;
    this.written += n;
  }

  /** Queue bytes of an event line, after what is queued. */
  private queueBytes(b: Uint8Array): void {
    this.written += b.length;
    if (b.length >= DIRECT_WRITE_BYTES || b.length > PENDING_BUFFER_BYTES - this.pendingBytes) {
      // Written from where they are, with the batch before them: no copy of a body's JSON.
      const batch = this.pending.subarray(0, this.pendingBytes);
      this.pendingBytes = 0;
      this.writeAll(batch, b);
      return;
    }
    this.pending.set(b, this.pendingBytes);
    this.pendingBytes += b.length;
  }

  /**
   * Record one unit of traffic (a command line, a literal, one command's response) whole: as
   * one c2s/s2c event, or, past `maxEventBytes`, as several in order, each after the first
   * marked `continued`, cut after a line end where one fits (so each event reads as whole
   * lines) and never inside a UTF-8 character. Shared by every protocol session (IMAP, SMTP,
   * POP3), so what a client sent or was sent is never cut short by the event size.
   */
  recordBytes(origin: BytesOrigin, data: Uint8Array, opts: RecordBytesOptions = {}): void {
    const max = opts.maxEventBytes ?? MAX_EVENT_PAYLOAD_BYTES;
    if (data.length <= max) this.recordPiece(origin, { start: 0, bytes: data }, opts);
    else for (const piece of payloadPieces(data, max)) this.recordPiece(origin, piece, opts);
  }

  /**
   * recordBytes for a unit that arrives in chunks and is never held whole (an IMAP literal
   * spooled to disk): `write` each chunk as it arrives, `end` after the last. The events are the
   * ones recordBytes would make of the whole unit; `opts.secrets` are ranges of the whole unit.
   */
  recordBytesStream(origin: BytesOrigin, opts: RecordBytesOptions = {}): BytesStreamRecorder {
    const cutter = new PieceCutter(opts.maxEventBytes ?? MAX_EVENT_PAYLOAD_BYTES);
    return {
      write: (chunk) => cutter.push(chunk, (piece) => this.recordPiece(origin, piece, opts)),
      end: () => cutter.end((piece) => this.recordPiece(origin, piece, opts)),
    };
  }

  private recordPiece(origin: BytesOrigin, piece: { start: number; bytes: Uint8Array }, opts: RecordBytesOptions): void {
    if (!opts.secrets?.length && piece.bytes.length >= PRINTABLE_FAST_PATH_MIN_BYTES) {
      const ev: EventInput = { kind: origin.kind, conn: origin.conn };
      if (origin.tls) ev.tls = true;
      if (piece.start > 0 || opts.continued) ev.continued = true;
      const b = piece.bytes;
      // Past the session file's cap only the size is kept: no JSON made to be thrown away.
      if (this.written >= this.maxRecordedBytes) {
        this.appendDropped(origin, ev.continued === true, b.length);
        return;
      }
      // As text when it is printable ASCII, as every event is (docs/events.md); other bytes
      // (a body in another charset, UTF-8 text) take the general path below, text or base64.
      const json = printableAsciiJsonBytes(b);
      if (json !== null) {
        this.append(ev, { bytes: b, json }, false);
        return;
      }
    }
    const enc = encodeBytes(piece.bytes, Infinity);
    const ev: EventInput = { kind: origin.kind, conn: origin.conn, ...enc };
    if (origin.tls) ev.tls = true;
    if (piece.start > 0 || opts.continued) ev.continued = true;
    if (opts.secrets && opts.secrets.length) {
      const ranges = secretRangesOfPiece(opts.secrets, piece.start, piece.bytes, enc.text);
      if (ranges.length) ev.secrets = ranges;
    }
    this.append(ev, undefined, false);
  }

  /**
   * Record the raw bytes of a TLS connection as they crossed the wire (`wire.c2s` / `wire.s2c`,
   * base64), in pieces of at most `maxEventBytes`. Unlike recordBytes there are no lines to keep
   * whole: ciphertext is cut anywhere, and a reader joins the pieces back in order.
   */
  recordWire(kind: 'wire.c2s' | 'wire.s2c', conn: string, data: Uint8Array, maxEventBytes = MAX_EVENT_PAYLOAD_BYTES): void {
    const size = Math.max(1, Math.floor(maxEventBytes));
    for (let pos = 0; pos < data.length; pos += size) {
      const piece = data.subarray(pos, Math.min(data.length, pos + size));
      this.record({ kind, conn, b64: Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength).toString('base64') });
    }
  }

  /** Write everything queued so far. Call right before sending bytes to a peer. */
  flush(): void {
    this.writePending();
  }

  private writePending(): void {
    if (this.fd === null || this.pendingBytes === 0) return;
    const n = this.pendingBytes;
    this.pendingBytes = 0;
    this.writeAll(this.pending.subarray(0, n));
  }

  /** Synchronous writes of `parts` in order, in one system call where the file takes them at once (a short write goes on where it stopped). */
  private writeAll(...parts: Uint8Array[]): void {
    if (this.fd === null) return;
    let left = parts.filter((p) => p.length > 0);
    while (left.length > 0) {
      let n = left.length === 1 ? writeSync(this.fd, left[0]!) : writevSync(this.fd, left);
      const rest: Uint8Array[] = [];
      for (const p of left) {
        if (n >= p.length) n -= p.length;
        else {
          rest.push(p.subarray(n));
          n = 0;
        }
      }
      left = rest;
    }
  }

  subscribe(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    if (this.fd === null) return;
    this.flush();
    closeSync(this.fd);
    this.fd = null;
    this.listeners.clear();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }
}
