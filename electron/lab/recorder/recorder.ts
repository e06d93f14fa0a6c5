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
import { isAscii } from 'node:buffer';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { EventInput, LabEvent } from '../../api.js';
import { encodeBytes, MAX_EVENT_PAYLOAD_BYTES, payloadPieces, PieceCutter, secretRangesOfPiece } from './bytes.js';
import { EVENTS_FILE } from './read.js';

/** Past this many bytes of events.jsonl, c2s/s2c payloads are no longer kept (sizes still are). */
export const MAX_RECORDED_BYTES = 512 * 1024 * 1024;

/**
 * Events batched in memory before they are written anyway, without waiting for the next flush:
 * a 50 MB literal arriving in one tick must not wait in memory as JSON.
 */
export const MAX_PENDING_EVENT_BYTES = 256 * 1024;

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
 * response) is encoded by the printable-ASCII fast path (printableAsciiJson) before the general
 * one (UTF-8 check, control characters, JSON.stringify), which costs several times more per byte.
 */
export const PRINTABLE_FAST_PATH_MIN_BYTES = 1024;

/** An event payload with its JSON string form (without the quotes) already made. */
interface EncodedPayload {
  field: 'text' | 'b64';
  value: string;
  json: string;
}

/** Bytes that make a payload other than printable ASCII text: the controls but TAB, LF, CR; and DEL. */
const NOT_TEXT_BYTES = [...Array(32).keys()].filter((b) => b !== 0x09 && b !== 0x0a && b !== 0x0d).concat([0x7f]);
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const TAB = 0x09;

/**
 * The text of bytes that are printable ASCII (with tab, CR, LF), and its JSON string form: for
 * these characters JSON.stringify escapes exactly \\, ", tab, CR and LF. Made with native
 * scans and replaces (a SIMD ASCII check, one memchr per control byte, CRLF replaced as a pair),
 * a fraction of the cost of a regular expression and JSON.stringify over the same bytes.
 * Undefined for any other byte.
 */
export function printableAsciiJson(b: Uint8Array): { value: string; json: string } | undefined {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (!isAscii(buf)) return undefined;
  for (const c of NOT_TEXT_BYTES) if (buf.indexOf(c) !== -1) return undefined;
  const value = buf.toString('latin1');
  let json = value;
  if (buf.indexOf(BACKSLASH) !== -1) json = json.replaceAll('\\', '\\\\');
  if (buf.indexOf(QUOTE) !== -1) json = json.replaceAll('"', '\\"');
  if (buf.indexOf(TAB) !== -1) json = json.replaceAll('\t', '\\t');
  // Mail is CRLF lines: one replace for the pair, then any CR or LF left alone.
  json = json.replaceAll('\r\n', '\\r\\n');
  if (json.includes('\r')) json = json.replaceAll('\r', '\\r');
  if (json.includes('\n')) json = json.replaceAll('\n', '\\n');
  return { value, json };
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
  private pending: string[] = [];
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

  /**
   * Stamp, queue and publish an event. Returns the stamped event. `encoded`: the event's `text` or
   * `b64` payload with its JSON form already made (`json`), spliced into the line instead of
   * going through JSON.stringify, which costs as much per byte as the check it replaces.
   */
  record(input: EventInput, encoded?: EncodedPayload): LabEvent {
    return this.append(input, encoded, true)!;
  }

  /**
   * record(), for the recorder's own byte events: the event object (spread from the input) is
   * made only when someone listens, since the line is written from the input as it is.
   */
  private append(input: EventInput, encoded: EncodedPayload | undefined, wanted: boolean): LabEvent | undefined {
    if (encoded !== undefined && this.written >= this.maxRecordedBytes) {
      input = { ...input, [encoded.field]: encoded.value } as EventInput;
      encoded = undefined;
    }
    let body: EventInput = input;
    if ((input.kind === 'c2s' || input.kind === 's2c') && this.written >= this.maxRecordedBytes) {
      // The session file is at its cap: keep the fact and size of the traffic, not the bytes.
      const size = input.truncated ?? (input.text !== undefined ? Buffer.byteLength(input.text) : Buffer.from(input.b64 ?? '', 'base64').length);
      this.droppedPayloadBytes += size;
      body = { kind: input.kind, conn: input.conn, tls: input.tls, text: '', truncated: size };
      if (input.continued) body.continued = true;
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
      const line = encoded === undefined ? `${head}${json.slice(1)}\n` : `${head}${json.slice(1, -1)},"${encoded.field}":"${encoded.json}"}\n`;
      this.pending.push(line);
      this.pendingBytes += line.length;
      this.written += line.length;
      if (this.pendingBytes >= MAX_PENDING_EVENT_BYTES) this.flush();
      else this.scheduleFlush();
    }
    if (!wanted && this.listeners.size === 0) return undefined;
    const ev = { seq: this.seq, t, ...body } as LabEvent;
    if (encoded !== undefined) (ev as { text?: string; b64?: string })[encoded.field] = encoded.value;
    for (const fn of this.listeners) {
      try {
        fn(ev);
      } catch {
        // A broken subscriber (a UI that went away) must never stop the recording.
      }
    }
    return ev;
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
      write: (chunk) => {
        for (const piece of cutter.push(chunk)) this.recordPiece(origin, piece, opts);
      },
      end: () => {
        for (const piece of cutter.end()) this.recordPiece(origin, piece, opts);
      },
    };
  }

  private recordPiece(origin: BytesOrigin, piece: { start: number; bytes: Uint8Array }, opts: RecordBytesOptions): void {
    const b = piece.bytes;
    if (b.length >= PRINTABLE_FAST_PATH_MIN_BYTES && !opts.secrets?.length) {
      const ev: EventInput = { kind: origin.kind, conn: origin.conn };
      if (origin.tls) ev.tls = true;
      if (piece.start > 0 || opts.continued) ev.continued = true;
      // Past the session file's cap only the size is kept: nothing encoded to be thrown away.
      if (this.written >= this.maxRecordedBytes) {
        this.append({ ...ev, text: '', truncated: b.length } as EventInput, undefined, false);
        return;
      }
      // As text when it is printable ASCII, as every event is (docs/events.md); other bytes take
      // the general path below, which decides text (UTF-8) or base64.
      const text = printableAsciiJson(b);
      if (text !== undefined) {
        this.append(ev, { field: 'text', ...text }, false);
        return;
      }
    }
    const enc = encodeBytes(b, Infinity);
    const ev: EventInput = { kind: origin.kind, conn: origin.conn, ...enc };
    if (origin.tls) ev.tls = true;
    if (piece.start > 0 || opts.continued) ev.continued = true;
    if (opts.secrets && opts.secrets.length) {
      const ranges = secretRangesOfPiece(opts.secrets, piece.start, b, enc.text);
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
    if (this.fd === null || this.pending.length === 0) return;
    const chunk = this.pending.length === 1 ? this.pending[0] : this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    writeSync(this.fd, chunk);
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
