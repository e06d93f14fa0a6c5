/**
 * One client connection on a lab listener, whatever the protocol: the plumbing that IMAP, SMTP
 * (and POP3) sessions share, so that each protocol module keeps only its grammar and state
 * machine.
 *
 * - Recording: every byte in wire order. Client bytes are recorded per framed unit (a command
 *   line, a literal, a DATA chunk) as they are framed; the server's response units are queued
 *   and recorded just before the one socket write at the end of the input chunk, after
 *   `recorder.flush()`, so the events that explain a response are in events.jsonl before the
 *   client can see it, and pipelined commands cost one write. That order is what shows a phone
 *   pipelining a command before it saw the previous result (QUIRKS.md command-before-auth-result).
 * - Secrets: byte ranges of a client unit, kept by the recorder as ranges of the recorded text
 *   (exports redact them); a unit longer than one event is recorded whole as several.
 * - Timers, the TLS upgrade (implicit on 993/465, STARTTLS), TLS or HTTP on a plaintext port,
 *   bytes pipelined after STARTTLS (discarded, CVE-2011-0411), close accounting (`conn.close`
 *   with who ended it and the byte counts) and back-pressure.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnCloseEvent, EventInput, ListenerName } from '../../api.js';
import { encodeBytes } from '../recorder/bytes.js';
import type { BytesStreamRecorder, SessionRecorder } from '../recorder/recorder.js';
import type { TlsAcceptor } from '../tls/types.js';

export type CloseBy = ConnCloseEvent['by'];

/**
 * A part of a response produced while it is sent: a message body read from disk in bounded
 * chunks. The connection writes each chunk when the socket has room (write() returned false →
 * wait for 'drain'), recording it just before, so a 20 MB body is never held whole.
 */
export interface StreamedPart {
  readonly chunks: AsyncIterable<Buffer>;
  /** At most this many bytes, when known: a response unit small enough is read whole when its turn comes and recorded as one event, as if it had been bytes all along. */
  readonly maxLength?: number;
  /** Called with each chunk once it is recorded and the socket has taken it (or it will not be sent): its memory may be reused. */
  readonly release?: (chunk: Buffer) => void;
}

/**
 * Parts of a response made when the pump reaches them, not when the command runs: the answer
 * to a FETCH of 20,000 messages (each ENVELOPE read from disk, each body a StreamedPart) is
 * produced a batch at a time as the socket takes it, so the output queue never holds it whole.
 * What the parts show must not depend on when they are made (the command takes what can
 * change, such as flags, when it runs).
 */
export interface ProducedParts {
  readonly produced: Iterable<Buffer | StreamedPart | LentBytes>;
}

/**
 * Produced bytes in a buffer lent by their producer (a FETCH batch assembled in a pooled
 * buffer): recorded and written as any bytes, then handed back (`release`) once the socket has
 * taken them, so the next batch is assembled in the same memory.
 */
export interface LentBytes {
  readonly lent: Buffer;
  readonly release: (chunk: Buffer) => void;
}

const isLent = (p: Buffer | StreamedPart | LentBytes): p is LentBytes => !Buffer.isBuffer(p) && 'lent' in p;

/** A streamed response unit of at most this many bytes (all lengths known) is read whole and recorded as one unit. */
export const COALESCE_STREAMED_UNIT_BYTES = 64 * 1024;

type OutPart = Buffer | StreamedPart | ProducedParts;
/** One response unit: bytes, or bytes with streamed parts in between. */
type OutUnit = Buffer | OutPart[];

const isStreamedUnit = (u: OutUnit): u is OutPart[] => Array.isArray(u);
const isProduced = (p: OutPart): p is ProducedParts => !Buffer.isBuffer(p) && 'produced' in p;

/** A unit's parts in order, produced ones made as they are reached. */
function* partsOf(unit: OutPart[]): Iterable<Buffer | StreamedPart | LentBytes> {
  for (const p of unit) {
    if (isProduced(p)) yield* p.produced;
    else yield p;
  }
}
const EMPTY = Buffer.alloc(0);

/** A piece of a coalesced unit: protocol bytes or a stored message's bytes, with the streamed part's release for a piece that is one chunk of it. */
interface CoalescedPiece {
  bytes: Buffer;
  release?: (chunk: Buffer) => void;
}

/** A small streamed unit, read whole now (its turn has come), piece by piece; null for one to stream. */
async function coalesced(unit: OutPart[]): Promise<CoalescedPiece[] | null> {
  let total = 0;
  for (const p of unit) {
    const n = Buffer.isBuffer(p) ? p.length : isProduced(p) ? undefined : p.maxLength;
    if (n === undefined) return null;
    total += n;
  }
  if (total > COALESCE_STREAMED_UNIT_BYTES) return null;
  const pieces: CoalescedPiece[] = [];
  for (const p of unit) {
    if (Buffer.isBuffer(p)) {
      pieces.push({ bytes: p });
      continue;
    }
    if (isProduced(p)) return null; // never: it has no known length
    const chunks: Buffer[] = [];
    for await (const c of p.chunks) chunks.push(c);
    if (chunks.length === 1) {
      pieces.push({ bytes: chunks[0]!, release: p.release });
      continue;
    }
    pieces.push({ bytes: Buffer.concat(chunks) });
    for (const c of chunks) p.release?.(c);
  }
  return pieces;
}

/** `release(chunk)` at the first call only: the socket's write callback may come after an earlier release. */
function releaseOnce(chunk: Buffer, release: (chunk: Buffer) => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    release(chunk);
  };
}

/** Bytes of the offending input kept in an input.rejected event's sample. */
export const REJECTED_SAMPLE_BYTES = 64;

/** A client that never reads its farewell must not hold the socket forever. */
export const CLOSE_GRACE_MS = 2000;

/** HTTP request line on a mail port: a browser pointed at the lab, or a proxy probe. */
export const HTTP_REQUEST = /^(GET|POST|HEAD|PUT|OPTIONS|CONNECT|DELETE|PATCH) \S+ HTTP\/\d/;

/** A TLS handshake record (type 22, version 3.x) where protocol text should be. */
export function looksLikeTlsHello(chunk: Buffer): boolean {
  return chunk[0] === 0x16 && (chunk.length < 2 || chunk[1] === 0x03);
}

/** What every connection needs from its server. */
export interface ConnectionSettings {
  recorder: SessionRecorder;
  /** STARTTLS and the implicit-TLS listener need one. */
  tlsAcceptor: TlsAcceptor | null;
  /** Bytes kept per c2s/s2c event (encodeBytes). */
  maxEventPayloadBytes?: number;
  /** Called once, when the connection is gone. */
  release(conn: LabConnection): void;
  /** The server behaviour variant this connection is served with (`conn.open` fields). */
  variant?: { id: string; label: string };
}

/** Why the lab ends a conversation, for the protocol's last line: 'timer' is the connection's own timer running out. */
export type FarewellCause = 'timer' | 'timeout' | 'server' | 'error' | 'lab-stop';

/** What the shared plumbing tells the client in the protocol's words. */
export interface ProtocolWords {
  /** "IMAP", "SMTP": in event details. */
  name: string;
  /** Prefix of lab.error `where` ("imap" → "imap.input"). */
  where: string;
  /** Farewell text when a TLS ClientHello arrives on the plaintext port. */
  tlsOnPlaintext: string;
  /** input.rejected detail for bytes sent after STARTTLS before the handshake. */
  dataAfterStarttls: string;
}

export abstract class LabConnection {
  tls = false;

  protected stream: Duplex;
  /** The response unit being built (one command's response). */
  private unit: OutPart[] = [];
  private unitStreams = false;
  /** Finished response units waiting for the socket write; recorded just before it. */
  private outUnits: OutUnit[] = [];
  /** Streamed units are being written: output waits in order behind them, input waits. */
  private pumping = false;
  /** The conversation ended while streaming: end the socket once everything is written. */
  private endAfterPump = false;
  private bytesIn = 0;
  private bytesOut = 0;
  private firstInput = true;
  private timer: NodeJS.Timeout | null = null;
  /** After the lab's last word: the close it waits for. Cleared once the socket is gone, so a closed session is not held for CLOSE_GRACE_MS. */
  private graceTimer: NodeJS.Timeout | null = null;
  /** The timer restarts on every input chunk (an idle timer) rather than running out in total. */
  private timerRefreshes = false;
  /** Why reading from the client is paused besides socket back-pressure (a slow spool file, a command finishing on disk). */
  private readonly inputHolds = new Set<string>();
  protected closeInfo: { by: CloseBy; reason?: string } | null = null;
  protected finalized = false;
  protected upgrading = false;

  constructor(
    readonly id: string,
    protected readonly socket: Socket,
    readonly listener: ListenerName,
    private readonly settings: ConnectionSettings,
    private readonly words: ProtocolWords,
  ) {
    this.stream = socket;
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    const local = `${socket.localAddress ?? '?'}:${socket.localPort ?? 0}`;
    const variant = settings.variant ? { variant: settings.variant.id, variantLabel: settings.variant.label } : {};
    this.record({ kind: 'conn.open', conn: id, proto: listener, remote, local, port: socket.localPort ?? 0, ...variant });
    socket.setNoDelay(true);
    socket.on('error', (err: NodeJS.ErrnoException) => this.onError(err));
    socket.on('close', () => this.finalize());
  }

  // ───────────── what each protocol provides ─────────────

  /** The greeting, once the connection is ready (at once, or after the implicit TLS handshake). */
  protected abstract greet(): void;
  /** Frame and execute client bytes; returns the bytes left unframed because input stopped (STARTTLS, close). */
  protected abstract receive(chunk: Buffer): Buffer;
  /** What the framer holds half-framed (a line without its end, a literal or DATA cut short); recorded at the end. */
  protected abstract takePending(): { data: Buffer; rejected?: { what: string; detail: string } };
  /** Stop reading commands: the conversation is ending. */
  protected abstract stopInput(): void;
  /** The protocol's last line when the lab ends the conversation ("* BYE …", "421 4.4.2 …"). */
  protected abstract farewell(text: string, cause: FarewellCause): string;
  /** The STARTTLS handshake is done: a fresh framer, and the state RFC 3207 §4.2 asks to forget. */
  protected abstract tlsStarted(): void;
  /** The socket is gone: release what the protocol holds (IDLE subscriptions, spool files). */
  protected abstract closed(): void;

  // ───────────────────────── services ─────────────────────────

  get recorder(): SessionRecorder {
    return this.settings.recorder;
  }

  get tlsAcceptor(): TlsAcceptor | null {
    return this.settings.tlsAcceptor;
  }

  /** The conversation is ending or over: input is recorded, not executed. */
  get ending(): boolean {
    return this.closeInfo !== null || this.finalized;
  }

  record(ev: EventInput): void {
    this.settings.recorder.record(ev);
  }

  rejected(what: string, detail: string, sample: Buffer | null): void {
    const ev: EventInput = { kind: 'input.rejected', conn: this.id, what, detail };
    if (sample && sample.length) {
      const s = sample.subarray(0, REJECTED_SAMPLE_BYTES);
      const enc = encodeBytes(s);
      if (enc.text !== undefined) ev.sample = enc.text;
      else ev.sampleB64 = enc.b64;
      ev.bytes = sample.length;
    }
    this.record(ev);
  }

  labError(where: string, err: Error): void {
    this.record({ kind: 'lab.error', conn: this.id, where, message: err?.message ?? String(err), stack: err?.stack });
  }

  /**
   * Record client bytes (one framed unit); `secrets` are byte ranges of `raw`. The response to
   * the previous unit is closed but not recorded yet: it reaches the wire only at the end of the
   * chunk, after every client byte of the chunk arrived, so the log keeps wire order.
   */
  protected recordIn(raw: Buffer, secrets?: Array<[number, number]>): void {
    this.endUnit();
    // A unit longer than one event is recorded whole, as several (the recorder cuts at line ends).
    this.settings.recorder.recordBytes({ kind: 'c2s', conn: this.id, tls: this.tls }, raw, { secrets, maxEventBytes: this.settings.maxEventPayloadBytes });
  }

  /**
   * recordIn for a unit that is never held whole (a literal spooled to disk): the same events,
   * made as its chunks arrive. `secret` marks the whole unit as a secret.
   */
  protected recordInStream(size: number, secret: boolean): BytesStreamRecorder {
    this.endUnit();
    const unit = this.settings.recorder.recordBytesStream(
      { kind: 'c2s', conn: this.id, tls: this.tls },
      { secrets: secret && size > 0 ? [[0, size]] : undefined, maxEventBytes: this.settings.maxEventPayloadBytes },
    );
    return {
      write: (chunk) => {
        this.endUnit();
        unit.write(chunk);
      },
      end: () => unit.end(),
    };
  }

  /** A line that grew past the limit: its first bytes with the true length, and input.rejected. */
  protected recordOverflow(prefix: Buffer, total: number, limit: number): void {
    const enc = encodeBytes(prefix, Math.min(prefix.length, this.settings.maxEventPayloadBytes ?? prefix.length));
    this.endUnit();
    const ev: EventInput = { kind: 'c2s', conn: this.id, ...enc, truncated: total };
    if (this.tls) ev.tls = true;
    this.record(ev);
    this.rejected('line-too-long', `a command line longer than ${limit} bytes (${total} bytes so far, no line end)`, prefix);
  }

  emit(data: string | Buffer | StreamedPart | ProducedParts): void {
    if (typeof data === 'string') this.unit.push(Buffer.from(data, 'utf8'));
    else {
      if (!Buffer.isBuffer(data)) this.unitStreams = true;
      this.unit.push(data);
    }
  }

  /** Send now (outside input processing: IDLE updates, the end of an asynchronous step). */
  pushNow(data: string | Buffer): void {
    if (this.ending) return;
    this.emit(data);
    this.flushOut();
  }

  /** Close the current response unit (one command's response); it is recorded at the write. */
  protected endUnit(): void {
    if (this.unit.length === 0) return;
    if (this.unitStreams) this.outUnits.push(this.unit);
    else this.outUnits.push(this.unit.length === 1 ? (this.unit[0] as Buffer) : Buffer.concat(this.unit as Buffer[]));
    this.unit = [];
    this.unitStreams = false;
  }

  private recordOut(data: Buffer, continued: boolean): void {
    this.settings.recorder.recordBytes({ kind: 's2c', conn: this.id, tls: this.tls }, data, { maxEventBytes: this.settings.maxEventPayloadBytes, continued });
  }

  /** Record the closed response units as s2c events, in order; returns them, for the write. Streamed units were never sent: not recorded. */
  private recordOutUnits(): Buffer[] {
    const units = this.outUnits;
    this.outUnits = [];
    const out: Buffer[] = [];
    for (const data of units) {
      if (isStreamedUnit(data)) continue;
      this.recordOut(data, false);
      out.push(data);
    }
    return out;
  }

  /** Record, flush the recorder, then write: the events reach the file before the client sees the bytes. */
  flushOut(): void {
    this.endUnit();
    if (this.pumping) return; // the pump writes them, in order, after what it is streaming
    if (this.outUnits.some(isStreamedUnit)) {
      void this.pump();
      return;
    }
    const units = this.recordOutUnits();
    if (units.length === 0) return;
    const data = units.length === 1 ? units[0] : Buffer.concat(units);
    this.settings.recorder.flush();
    if (this.finalized || this.stream.destroyed || this.stream.writableEnded) return;
    this.bytesOut += data.length;
    if (!this.stream.write(data)) this.stream.pause(); // back-pressure: stop reading until the client reads
  }

  /**
   * Write the queued units, streamed parts chunk by chunk, each recorded just before it is
   * written and written only when the socket has room. Input waits meanwhile (a pipelined
   * command's response must follow this one anyway), so memory stays one chunk per connection.
   */
  private async pump(): Promise<void> {
    this.pumping = true;
    this.stream.pause();
    try {
      while (this.outUnits.length > 0) {
        const units = this.outUnits;
        this.outUnits = [];
        for (let i = 0; i < units.length; i++) {
          const unit = units[i]!;
          // Let a written unit go: FETCH 1:* of 20,000 messages queues 20,000 of them.
          units[i] = EMPTY;
          if (!isStreamedUnit(unit)) {
            this.recordOut(unit, false);
            if (!(await this.write(unit))) return;
            continue;
          }
          const pieces = await coalesced(unit);
          if (pieces) {
            // Recorded piece by piece (the protocol text, a message body), written at once.
            let continued = false;
            for (const p of pieces) {
              if (p.bytes.length === 0 && continued) continue;
              this.recordOut(p.bytes, continued);
              continued = true;
            }
            if (!(await this.writePieces(pieces))) return;
            continue;
          }
          let continued = false;
          for (const part of partsOf(unit)) {
            if (Buffer.isBuffer(part)) {
              this.recordOut(part, continued);
              continued = true;
              if (!(await this.write(part))) return;
              continue;
            }
            if (isLent(part)) {
              this.recordOut(part.lent, continued);
              continued = true;
              if (!(await this.write(part.lent, part.release))) return;
              continue;
            }
            for await (const chunk of part.chunks) {
              if (this.finalized || this.stream.destroyed) {
                part.release?.(chunk);
                return;
              }
              this.recordOut(chunk, continued);
              continued = true;
              if (!(await this.write(chunk, part.release))) return;
            }
          }
        }
      }
    } catch (err) {
      // A file that cannot be read any more: the response cannot be completed; the client must not wait for it.
      this.labError(`${this.words.where}.output`, err as Error);
      this.closeInfo ??= { by: 'error', reason: `could not send a response: ${(err as Error).message}` };
      this.socket.destroy();
    } finally {
      this.pumping = false;
      if (!this.finalized && !this.stream.destroyed) {
        if (this.endAfterPump) this.endStream();
        else if (this.outUnits.length > 0) this.flushOut();
        else if (!this.closeInfo && this.inputHolds.size === 0) this.stream.resume();
      }
    }
  }

  /**
   * Write one piece; resolves false when the connection is gone, after 'drain' when the socket
   * is full. `release` gets the piece back once the socket is done with it.
   */
  private write(data: Buffer, release?: (chunk: Buffer) => void): Promise<boolean> | boolean {
    this.settings.recorder.flush();
    if (this.finalized || this.stream.destroyed || this.stream.writableEnded) {
      release?.(data);
      return false;
    }
    this.bytesOut += data.length;
    if (!release) return this.stream.write(data) || this.drained();
    const give = releaseOnce(data, release);
    const room = this.stream.write(data, give);
    // The socket took it whole (written through): its memory is free now, not a tick later.
    if (this.stream.writableLength === 0) give();
    return room || this.drained();
  }

  /** A coalesced unit's pieces, in one socket write (writev), each released once the socket is done with it. */
  private writePieces(pieces: CoalescedPiece[]): Promise<boolean> | boolean {
    this.settings.recorder.flush();
    if (this.finalized || this.stream.destroyed || this.stream.writableEnded) {
      for (const p of pieces) p.release?.(p.bytes);
      return false;
    }
    let room = true;
    const gives: Array<() => void> = [];
    this.stream.cork();
    for (const p of pieces) {
      if (p.bytes.length === 0) {
        p.release?.(p.bytes);
        continue;
      }
      this.bytesOut += p.bytes.length;
      const give = p.release ? releaseOnce(p.bytes, p.release) : undefined;
      if (give) gives.push(give);
      room = this.stream.write(p.bytes, give) && room;
    }
    this.stream.uncork();
    if (this.stream.writableLength === 0) for (const give of gives) give();
    return room || this.drained();
  }

  /** Resolves true at the socket's next 'drain', false if it closes first. */
  private drained(): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => () => {
        this.stream.off('drain', onDrain);
        this.stream.off('close', onClose);
        resolve(ok);
      };
      const onDrain = done(true);
      const onClose = done(false);
      this.stream.once('drain', onDrain);
      this.stream.once('close', onClose);
    });
  }

  /**
   * Stop reading from the client until resumeInput(reason) (a spool file that cannot keep up, a
   * command that must finish before the next is read). Holds add up: reading resumes when the
   * last is released and the client has read what it was sent.
   */
  pauseInput(reason: string): void {
    this.inputHolds.add(reason);
    this.stream.pause();
  }

  resumeInput(reason: string): void {
    if (!this.inputHolds.delete(reason) || this.inputHolds.size > 0) return;
    if (!this.finalized && !this.pumping && !this.stream.writableNeedDrain) this.stream.resume();
  }

  // ───────────────────────── start ─────────────────────────

  /** A plaintext port: greet now. */
  startPlain(): void {
    this.attach(this.socket);
    this.greet();
  }

  /** An implicit-TLS port (RFC 8314): the handshake first, then the greeting inside it. */
  startImplicitTls(): void {
    const acceptor = this.settings.tlsAcceptor;
    if (!acceptor) {
      this.closeNow('error', 'no TLS acceptor configured');
      return;
    }
    this.upgrading = true;
    acceptor.accept(this.socket, { conn: this.id, mode: 'implicit', recorder: this.settings.recorder }).then(
      (tls) => {
        this.upgrading = false;
        if (this.finalized) return;
        this.tls = true;
        this.attach(tls.stream);
        this.greet();
      },
      (err: Error) => this.handshakeFailed(err),
    );
  }

  /**
   * STARTTLS: the protocol has emitted its "go ahead"; it goes on the wire now, then the
   * handshake runs on the raw socket and `tlsStarted()` follows.
   */
  protected upgradeToTls(): void {
    const acceptor = this.settings.tlsAcceptor;
    if (!acceptor) throw new Error('no TLS acceptor configured');
    this.endUnit();
    this.stopInput();
    this.upgrading = true;
    // Hand the raw socket over: our listeners stop reading it, the TLS engine takes it.
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('end');
    this.socket.removeAllListeners('drain');
    // The go-ahead must be on the wire before the handshake starts; flushOut happens at the end
    // of onData, so write it now.
    this.flushOut();
    acceptor.accept(this.socket, { conn: this.id, mode: 'starttls', recorder: this.settings.recorder }).then(
      (tls) => {
        this.upgrading = false;
        if (this.finalized) return;
        this.tls = true;
        this.tlsStarted();
        this.attach(tls.stream);
      },
      (err: Error) => this.handshakeFailed(err),
    );
  }

  private handshakeFailed(err: Error): void {
    this.upgrading = false;
    this.closeInfo ??= { by: 'error', reason: `TLS handshake failed: ${err.message}` };
    this.socket.destroy();
  }

  private attach(stream: Duplex): void {
    this.stream = stream;
    if (stream !== this.socket) {
      stream.on('error', (err: NodeJS.ErrnoException) => this.onError(err));
      stream.on('close', () => {
        if (!this.socket.destroyed) this.socket.destroy();
      });
    }
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('end', () => {
      this.closeInfo ??= { by: 'client', reason: 'client closed the connection' };
      // After QUIT our side is already ended; a second end() costs an error object with a stack.
      if (!stream.writableEnded) stream.end();
    });
    stream.on('drain', () => {
      if (!this.pumping && this.inputHolds.size === 0) stream.resume();
    });
  }

  // ───────────────────────── input ─────────────────────────

  private onData(chunk: Buffer): void {
    if (this.finalized) return;
    this.bytesIn += chunk.length;
    this.processInput(chunk);
  }

  /**
   * Frame and execute client bytes, then write the responses. Also for bytes the protocol held
   * back while a command finished (they were counted when they arrived).
   */
  protected processInput(chunk: Buffer): void {
    if (this.finalized) return;
    if (this.closeInfo) {
      // After the farewell the bytes are not executed, but they arrived: they are part of the
      // record, after the partial unit the framer still held, to keep wire order.
      this.recordPending();
      this.recordIn(chunk);
      this.settings.recorder.flush();
      return;
    }
    if (this.timerRefreshes) this.timer?.refresh();
    if (this.firstInput) {
      this.firstInput = false;
      // The client was set to "SSL/TLS" but pointed at the plaintext port.
      if (!this.tls && looksLikeTlsHello(chunk)) {
        this.rejectForeign(chunk, 'tls-on-plaintext-port', `a TLS ClientHello arrived on the plaintext ${this.words.name} port`, this.words.tlsOnPlaintext);
        return;
      }
    }
    try {
      const rest = this.receive(chunk);
      if (rest.length > 0) {
        // Bytes pipelined after STARTTLS (must be discarded, CVE-2011-0411) or after the
        // farewell: recorded, never executed.
        this.recordIn(rest);
        this.rejected(this.upgrading ? 'data-after-starttls' : 'data-after-close', this.upgrading ? this.words.dataAfterStarttls : 'bytes after the end of the conversation', rest);
      }
    } catch (err) {
      this.labError(`${this.words.where}.input`, err as Error);
      this.closeWith('error', 'Internal error; the lab recorded it');
    }
    this.flushOut();
  }

  /** Record what the framer held half-framed when the conversation ended. */
  private recordPending(): void {
    const { data, rejected } = this.takePending();
    if (data.length > 0) this.recordIn(data);
    if (rejected) this.rejected(rejected.what, rejected.detail, null);
  }

  /** Foreign input (TLS or HTTP on a plaintext port): recorded, named, answered, closed. */
  protected rejectForeign(chunk: Buffer | null, what: string, detail: string, farewellText: string, sample?: Buffer): void {
    if (chunk) this.recordIn(chunk);
    this.rejected(what, detail, sample ?? chunk);
    this.closeWith('server', farewellText);
  }

  // ──────────────────────── timers ────────────────────────

  /**
   * One timer per connection: when it runs out, the protocol's farewell and a close. `idle`
   * restarts it on every input chunk; otherwise it counts in total (a deadline that a client
   * dripping one byte at a time cannot stretch).
   */
  protected armTimer(ms: number, why: string, idle: boolean): void {
    this.clearTimer();
    this.timerRefreshes = idle;
    this.timer = setTimeout(() => {
      try {
        this.closeInfo ??= { by: 'timeout', reason: why };
        this.emit(this.farewell(why, 'timer'));
        this.stopInput();
        this.endConnection();
      } catch (err) {
        this.labError(`${this.words.where}.timer`, err as Error);
        this.socket.destroy();
      }
    }, ms);
    this.timer.unref();
  }

  /** Restart the running timer now (a protocol unit completed). */
  protected refreshTimer(): void {
    this.timer?.refresh();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  // ──────────────────────── ending ────────────────────────

  /** The lab ends the conversation: the protocol's farewell, flush, close (unless the lab is already closing it). */
  closeWith(by: CloseBy, text: string): void {
    if (this.closeInfo && this.closeInfo.by !== 'client') return;
    this.closeInfo ??= { by, reason: text };
    this.emit(this.farewell(text, by === 'lab-stop' || by === 'timeout' || by === 'error' ? by : 'server'));
    this.stopInput();
    this.endConnection();
  }

  /** The conversation is over by the protocol's rules (LOGOUT, QUIT): the last response goes out, then the close. */
  protected endConversation(by: CloseBy, reason: string): void {
    this.closeInfo ??= { by, reason };
    this.stopInput();
    this.endConnection();
  }

  private endConnection(): void {
    this.flushOut();
    this.closed();
    this.clearTimer();
    if (this.pumping) this.endAfterPump = true;
    else this.endStream();
  }

  private endStream(): void {
    if (!this.stream.writableEnded) this.stream.end();
    this.graceTimer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
    this.graceTimer.unref();
  }

  /** Lab stop: the farewell to everyone still here (not in the middle of a TLS handshake). */
  shutdown(): void {
    if (this.finalized) return;
    this.closeInfo ??= { by: 'lab-stop', reason: 'the lab is stopping' };
    if (!this.upgrading) {
      this.emit(this.farewell('The lab is stopping', 'lab-stop'));
      this.flushOut();
    }
    this.stream.end();
    this.socket.destroy();
  }

  closeNow(by: CloseBy, reason: string): void {
    this.closeInfo ??= { by, reason };
    this.socket.destroy();
  }

  private onError(err: NodeJS.ErrnoException): void {
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') this.closeInfo ??= { by: 'client', reason: 'connection reset by the client' };
    else this.closeInfo ??= { by: 'error', reason: err.message };
  }

  /** The socket is gone: record what was left half-framed, then conn.close. */
  private finalize(): void {
    if (this.finalized) return;
    this.endUnit();
    this.recordOutUnits();
    this.recordPending();
    this.finalized = true;
    this.clearTimer();
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.closed();
    const info = this.closeInfo ?? { by: 'client' as const, reason: 'connection closed' };
    const ev: EventInput = { kind: 'conn.close', conn: this.id, by: info.by, bytesIn: this.bytesIn, bytesOut: this.bytesOut };
    if (info.reason) ev.reason = info.reason;
    this.record(ev);
    this.settings.release(this);
  }
}
