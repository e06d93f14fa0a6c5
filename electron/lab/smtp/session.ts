/**
 * One SMTP submission connection (RFC 5321, RFC 6409): framing (a line framer in command mode,
 * the DataDecoder in DATA), the secrets of AUTH lines, the state machine (greeting → EHLO/HELO →
 * AUTH → MAIL → RCPT… → DATA), dispatch to one module per command, and the SMTP limits. The
 * plumbing (recording in wire order, output after the recorder, timers, TLS, close accounting) is
 * the shared LabConnection (../connection/connection.ts).
 *
 * PIPELINING (RFC 2920) comes for free from that plumbing: every line of an input chunk is
 * executed in order and the replies go out in one write at the end of the chunk.
 */
import type { Socket } from 'node:net';
import type { EventInput, ListenerName } from '../../api.js';
import { HTTP_REQUEST, LabConnection, type FarewellCause } from '../connection/connection.js';
import { LineFramer, type LineFrame } from '../connection/framer.js';
import { splitCommand } from './codec/command.js';
import { BareLfCounter, DataDecoder } from './codec/data.js';
import { formatReply } from './codec/reply.js';
import { SMTP_COMMANDS } from './commands/index.js';
import { SmtpError } from './errors.js';
import type { SmtpServerOptions } from './options.js';
import type { MessageSpool, PartReservation, SpoolWriter } from './spool.js';

/** How the shared plumbing speaks SMTP. */
const SMTP_WORDS = {
  name: 'SMTP',
  where: 'smtp',
  tlsOnPlaintext: 'This is the submission port with STARTTLS; the client started TLS directly. Use the SMTPS port for SSL/TLS, or STARTTLS here.',
  dataAfterStarttls: 'bytes pipelined after STARTTLS (discarded, RFC 3207 §4.2)',
};

/** Enhanced status code of the 421 that ends a conversation, by cause (RFC 3463). */
const FAREWELL_STATUS: Record<FarewellCause, string> = { timer: '4.4.2', timeout: '4.4.2', server: '4.7.0', error: '4.3.0', 'lab-stop': '4.3.2' };

/** Why reading stops while a message's file is being created (LabConnection.pauseInput). */
const MESSAGE_FILE_HOLD = 'message-file';

/** `AUTH <mechanism> <initial-response>`: the initial response is a secret. */
const AUTH_WITH_IR = /^AUTH +\S+ +(?=\S)/i;

export interface Transaction {
  /** Reverse-path; "" for the null sender `<>`. */
  from: string;
  to: string[];
  /** SIZE= of MAIL FROM (RFC 1870). */
  declaredSize?: number;
  /** BODY= of MAIL FROM (RFC 6152). */
  body?: string;
  /** SMTPUTF8 on MAIL FROM (RFC 6531 §3.4): the addresses and header may be UTF-8. */
  smtputf8?: boolean;
}

/** A message sent in BDAT chunks (RFC 3030), from its first chunk to LAST. */
interface ChunkedMessage {
  writer: SpoolWriter | null;
  /** Once set, nothing is kept, and every later chunk is refused too (RFC 3030 §3). */
  refusal: SmtpError | null;
  /** The refusal was answered once; later chunks get "discarded". */
  refusalSent: boolean;
  size: number;
  chunks: number;
  bareLf: BareLfCounter;
}

/** The BDAT chunk being read: exactly `remaining` more octets, whatever they are (RFC 3030 §2). */
interface ChunkState {
  remaining: number;
  size: number;
  last: boolean;
  /** Why this chunk is dropped (no transaction, no recipient, too big); null to keep it. */
  refusal: SmtpError | null;
}

/** A DATA stream in progress. */
interface DataState {
  decoder: DataDecoder;
  /** null once the message is refused (too big, no room): the rest is read and dropped. */
  writer: SpoolWriter | null;
  refusal: SmtpError | null;
}

export class SmtpSession extends LabConnection {
  helo: { verb: 'EHLO' | 'HELO'; domain: string } | null = null;
  /** The authenticated user, once AUTH succeeded. */
  user: string | null = null;
  transaction: Transaction | null = null;

  private framer: LineFramer;
  private lineHandler: ((frame: LineFrame) => void) | null = null;
  private data: DataState | null = null;
  private chunked: ChunkedMessage | null = null;
  private chunk: ChunkState | null = null;
  private badCount = 0;
  private commandsSeen = 0;
  /** Authenticated, or a transaction started: the setup deadline gives way to the idle timer. */
  private setupDone = false;
  /** The next message's spool file, created while MAIL and RCPT are answered (spool.ts). */
  private reservedPart: PartReservation | null = null;
  private reservePending = false;

  constructor(
    id: string,
    socket: Socket,
    listener: ListenerName,
    private readonly opts: SmtpServerOptions,
    readonly spool: MessageSpool,
    release: (session: LabConnection) => void,
  ) {
    super(id, socket, listener, { recorder: opts.recorder, tlsAcceptor: opts.tlsAcceptor, maxEventPayloadBytes: opts.limits.maxEventPayloadBytes, release }, SMTP_WORDS);
    this.framer = this.newFramer();
    this.armTimer(opts.limits.setupTimeoutMs, 'timeout exceeded', false);
  }

  get options(): SmtpServerOptions {
    return this.opts;
  }

  // ─────────────────── the shared plumbing's hooks ───────────────────

  protected greet(): void {
    this.emit(formatReply(220, null, `${this.opts.hostname} ESMTP ${this.opts.greeting}`));
    this.flushOut();
  }

  protected receive(chunk: Buffer): Buffer {
    let rest = chunk;
    for (;;) {
      if (this.data) {
        rest = this.onDataBytes(rest);
        if (this.data || rest.length === 0) return Buffer.alloc(0);
      } else if (this.chunk) {
        rest = this.onChunkBytes(rest);
        if (this.chunk || rest.length === 0) return Buffer.alloc(0);
      }
      const left = this.framer.push(rest);
      // DATA or a BDAT chunk began in the middle of the input: the rest is message text.
      if ((this.data || this.chunk) && left.length > 0) {
        rest = left;
        continue;
      }
      return this.data || this.chunk ? Buffer.alloc(0) : left;
    }
  }

  protected takePending(): { data: Buffer; rejected?: { what: string; detail: string } } {
    if (this.data) {
      const size = this.data.decoder.size;
      return { data: Buffer.alloc(0), rejected: { what: 'data-incomplete', detail: `the connection ended ${size} bytes into DATA, before the final "."; nothing was kept or delivered` } };
    }
    if (this.chunk) {
      const size = this.chunked?.size ?? 0;
      return { data: Buffer.alloc(0), rejected: { what: 'data-incomplete', detail: `the connection ended ${size} bytes into a BDAT message, ${this.chunk.remaining} bytes short of its chunk; nothing was kept or delivered` } };
    }
    return { data: this.framer.takePending().data };
  }

  protected stopInput(): void {
    this.framer.stop();
  }

  protected farewell(text: string, cause: FarewellCause): string {
    return formatReply(421, FAREWELL_STATUS[cause], `${this.opts.hostname} ${cause === 'timer' ? `Error: ${text}` : text}`);
  }

  /** RFC 3207 §4.2: after the handshake the client starts over with EHLO; everything learnt before is forgotten. */
  protected tlsStarted(): void {
    this.framer = this.newFramer();
    this.helo = null;
    this.user = null;
    this.endTransaction();
    this.lineHandler = null;
  }

  protected closed(): void {
    // The client vanished mid-DATA: nothing half-received is kept or delivered.
    this.data?.writer?.abort();
    this.chunked?.writer?.abort();
    this.reservedPart?.release();
    this.reservedPart = null;
  }

  private newFramer(): LineFramer {
    return new LineFramer(
      {
        line: (frame) => this.onLine(frame),
        literal: () => undefined,
        overflow: (prefix, total) => this.onOverflow(prefix, total),
      },
      this.opts.limits.maxLineBytes,
    );
  }

  // ───────────────────────── commands ─────────────────────────

  private onLine(frame: LineFrame): boolean {
    if (this.lineHandler) {
      // An AUTH continuation line: secret as a whole.
      const fn = this.lineHandler;
      this.lineHandler = null;
      this.recordIn(frame.raw, frame.text.length > 0 ? [[0, frame.text.length]] : undefined);
      this.guard(() => fn(frame));
      this.endUnit();
      return false;
    }
    this.commandsSeen += 1;
    const ir = AUTH_WITH_IR.exec(frame.text);
    this.recordIn(frame.raw, ir && frame.text.length > ir[0].length ? [[ir[0].length, frame.text.length]] : undefined);
    if (this.commandsSeen === 1 && HTTP_REQUEST.test(frame.text)) {
      this.rejectForeign(null, 'http-on-smtp-port', 'an HTTP request arrived on the SMTP port', 'This is an SMTP mail server, not a web page. Open the hand-off page on the lab\'s HTTP port.', frame.raw);
      return false;
    }
    this.execute(frame);
    this.endUnit();
    return false;
  }

  private onOverflow(prefix: Buffer, total: number): void {
    this.recordOverflow(prefix, total, this.opts.limits.maxLineBytes);
    this.emitError(new SmtpError('line-too-long', `Error: line too long (limit ${this.opts.limits.maxLineBytes} bytes)`));
    this.closeWith('server', 'Error: line too long; closing the connection');
  }

  private execute(frame: LineFrame): void {
    const { verb, args } = splitCommand(frame.text);
    const cmd = SMTP_COMMANDS.get(verb);
    if (!cmd) {
      this.fail(new SmtpError('command-unrecognized', verb === '' ? 'Error: bad syntax' : undefined));
      return;
    }
    this.guard(() => cmd.run({ verb, args, frame, session: this }));
  }

  /** Run a step; map typed errors to their reply and anything else to 451 4.3.0 with a lab.error. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof SmtpError) this.fail(err);
      else {
        this.labError('smtp.command', err as Error);
        this.emit(formatReply(451, '4.3.0', 'Error: internal error; the lab recorded it'));
      }
    }
  }

  // ─────────────────── services for commands ───────────────────

  /** A positive reply; a run of errors ends here. */
  ok(code: number, enhanced: string, text: string): void {
    this.badCount = 0;
    this.emit(formatReply(code, enhanced, text));
  }

  /** A refusal; too many in a row end the conversation (Postfix's hard error limit). */
  fail(err: SmtpError): void {
    this.emitError(err);
    this.badCount += 1;
    if (this.badCount >= this.opts.limits.maxBadCommands) {
      this.rejected('too-many-bad-commands', `${this.badCount} commands in a row were refused`, null);
      this.closeWith('server', 'Error: too many errors');
    }
  }

  private emitError(err: SmtpError): void {
    this.emit(formatReply(err.reply, err.enhanced, err.message));
  }

  /** The EHLO keywords in force (RFC 1869 §4.3), in Postfix's order. */
  extensions(): string[] {
    const o = this.opts;
    const ext = ['PIPELINING', `SIZE ${o.limits.maxMessageBytes}`, 'VRFY'];
    if (!this.tls && o.tlsAcceptor) ext.push('STARTTLS');
    if (o.auth !== 'off' && (!o.authRequiresTls || this.tls) && o.mechanisms.length > 0) {
      ext.push(`AUTH ${o.mechanisms.join(' ')}`);
      if (o.legacyAuthLine) ext.push(`AUTH=${o.mechanisms.join(' ')}`);
    }
    // RFC 6531 (UTF-8 addresses and header) and RFC 3030 (BDAT), last, as Postfix lists them.
    ext.push('ENHANCEDSTATUSCODES', '8BITMIME', 'SMTPUTF8', 'CHUNKING');
    return ext;
  }

  /** EHLO/HELO: RFC 5321 §4.1.4, the same effect as RSET. */
  greeted(verb: 'EHLO' | 'HELO', domain: string): void {
    this.helo = { verb, domain };
    this.endTransaction();
    this.badCount = 0;
  }

  beginTransaction(tx: Transaction): void {
    this.transaction = tx;
    this.setupComplete();
    this.reserveMessageFile();
  }

  /**
   * DATA most likely follows: its file is taken from the spool's spares, or created meanwhile, off
   * the reply path (spool.ts). Even handing a create to the thread pool costs a thread wake-up, so
   * it is asked for once the reply is written (the next tick, after flushOut).
   */
  private reserveMessageFile(): void {
    if (this.reservedPart || this.reservePending) return;
    this.reservePending = true;
    process.nextTick(() => {
      this.reservePending = false;
      if (this.reservedPart || this.data || this.chunked || this.ending || this.spool.full) return;
      this.reservedPart = this.spool.reserve();
    });
  }

  /** RSET, a new EHLO, STARTTLS: the transaction goes, with any message sent in BDAT chunks so far (nothing kept). */
  endTransaction(): void {
    this.transaction = null;
    this.chunked?.writer?.abort();
    this.chunked = null;
  }

  /** A BDAT chunk was read and LAST not yet: MAIL, RCPT and DATA are out of place (RFC 3030 §3). */
  get chunking(): boolean {
    return this.chunked !== null;
  }

  /** The next line from the client goes to `fn`, recorded as a secret (AUTH steps). */
  expectLine(fn: (frame: LineFrame) => void): void {
    this.lineHandler = fn;
  }

  authenticated(user: string): void {
    this.user = user;
    this.setupComplete();
    // A submission client sends MAIL next: its message file is created while it does.
    this.reserveMessageFile();
  }

  recordAuth(mechanism: string, user: string, ok: boolean, reason?: string): void {
    const ev: EventInput = { kind: 'auth', conn: this.id, mechanism, user, ok };
    if (reason) ev.reason = reason;
    this.record(ev);
  }

  startTls(): void {
    this.emit(formatReply(220, '2.0.0', 'Ready to start TLS'));
    this.upgradeToTls();
  }

  /** A refusal after which the stream cannot be read on (a BDAT count that is not one): the reply, then the close. */
  refuseAndClose(err: SmtpError): void {
    this.rejected('bad-chunk-size', `a BDAT command without a valid size; the octets that follow cannot be told from commands`, null);
    this.emitError(err);
    this.endConversation('server', err.message);
  }

  quit(): void {
    this.ok(221, '2.0.0', 'Bye');
    this.endConversation('client', 'QUIT');
  }

  private setupComplete(): void {
    if (this.setupDone) return;
    this.setupDone = true;
    this.armTimer(this.opts.limits.commandTimeoutMs, 'timeout exceeded', true);
  }

  // ───────────────────────── DATA ─────────────────────────

  /** 354, then the bytes that follow are the message until the final ".". */
  startData(): void {
    this.emit(formatReply(354, null, 'End data with <CR><LF>.<CR><LF>'));
    const tooBigDeclared = (this.transaction?.declaredSize ?? 0) > this.spool.room;
    const refusal = this.spool.full || tooBigDeclared ? new SmtpError('storage-full') : null;
    const reserved = this.reservedPart;
    this.reservedPart = null;
    if (refusal) reserved?.release();
    const writer = refusal ? null : this.spool.begin(reserved);
    this.data = { decoder: new DataDecoder(), writer, refusal };
    this.framer.stop();
    if (writer) this.waitForMessageFile(writer);
  }

  /**
   * The message's file is still being created on the thread pool (DATA came early): reading stops
   * until it exists, rather than the lab creating it here and holding up every session meanwhile.
   */
  private waitForMessageFile(writer: SpoolWriter): void {
    if (writer.ready) return;
    this.pauseInput(MESSAGE_FILE_HOLD);
    writer.whenOpen(() => this.resumeInput(MESSAGE_FILE_HOLD));
  }

  /** Feed DATA bytes; returns what follows the final "." (commands again). */
  private onDataBytes(chunk: Buffer): Buffer {
    const d = this.data!;
    const { pieces, consumed, ended } = d.decoder.push(chunk);
    this.recordDataBytes(chunk.subarray(0, consumed), d.refusal !== null);
    if (d.writer && d.refusal === null) {
      const limit = this.opts.limits.maxMessageBytes;
      if (d.decoder.size > limit) {
        d.refusal = new SmtpError('message-too-big');
        this.rejected('message-too-big', `DATA went past the SIZE limit of ${limit} bytes; the rest is read and dropped, nothing is kept`, null);
      } else if (d.decoder.size > this.spool.room) {
        d.refusal = new SmtpError('storage-full');
        this.rejected('spool-full', `the session's messages reached their limit; this message is not kept`, null);
      }
      if (d.refusal) {
        d.writer.abort();
        d.writer = null;
      } else d.writer.write(pieces);
    }
    if (!ended) return Buffer.alloc(0);
    this.endData(d);
    return chunk.subarray(consumed);
  }

  /**
   * DATA bytes as they came, whole (the recorder splits a long unit into several events). Past a
   * refusal (SIZE exceeded) only their count is recorded: they were dropped, not kept.
   */
  private recordDataBytes(raw: Buffer, dropped: boolean): void {
    if (raw.length === 0) return;
    if (dropped) {
      this.endUnit();
      const ev: EventInput = { kind: 'c2s', conn: this.id, text: '', truncated: raw.length };
      if (this.tls) ev.tls = true;
      this.record(ev);
      return;
    }
    this.recordIn(raw);
  }

  private endData(d: DataState): void {
    this.data = null;
    const tx = this.transaction;
    this.transaction = null;
    this.framer.resume();
    if (!d.refusal && d.decoder.bareLfLines > 0 && this.opts.bareLf === 'reject') {
      d.refusal = new SmtpError('bare-lf');
      this.rejected('bare-lf', `${d.decoder.bareLfLines} DATA lines ended in a bare LF (RFC 5321 §2.3.8); the message is refused, nothing is kept`, null);
      d.writer?.abort();
    }
    if (d.refusal || !d.writer || !tx) {
      this.emitError(d.refusal ?? new SmtpError('need-mail'));
      return;
    }
    this.finishMessage(d.writer, tx, d.decoder.bareLfLines, null);
  }

  /** The message is whole: kept, delivered, recorded (smtp.message), answered 250 with its name. */
  private finishMessage(writer: SpoolWriter, tx: Transaction, bareLfLines: number, chunks: number | null): void {
    const captured = writer.commit();
    const ev: EventInput = {
      kind: 'smtp.message',
      conn: this.id,
      from: tx.from,
      to: tx.to,
      size: captured.size,
      messageId: captured.messageId,
      subject: captured.subject,
      path: captured.path,
      delivered: captured.delivered,
    };
    if (captured.uid !== undefined) ev.uid = captured.uid;
    if (captured.notDelivered) ev.notDelivered = captured.notDelivered;
    if (bareLfLines > 0) ev.bareLfLines = bareLfLines;
    if (tx.body) ev.body = tx.body;
    if (tx.smtputf8) ev.smtputf8 = true;
    if (chunks !== null) ev.chunks = chunks;
    if (this.user) ev.user = this.user;
    this.record(ev);
    const id = captured.path.replace(/^messages\/|\.eml$/g, '');
    // Postfix's wording; after BDAT it names the size, as Postfix does.
    this.ok(250, '2.0.0', chunks === null ? `Ok: queued as ${id}` : `Ok: ${captured.size} bytes queued as ${id}`);
  }

  // ───────────────────────── BDAT (RFC 3030) ─────────────────────────

  /**
   * `BDAT size [LAST]`: the next `size` octets are message text, taken as they are (no dot
   * stuffing, no line ends looked for). The octets are read even when the chunk is refused, so
   * the command stream stays in step (RFC 3030 §2); the reply comes once they are in.
   */
  startChunk(size: number, last: boolean): void {
    const tx = this.transaction;
    if (!this.chunked) {
      // The first chunk opens the chunked message, even a refused one: RFC 3030 §3 wants every
      // later chunk refused too, until LAST or RSET, and MAIL, RCPT and DATA are out of place.
      let refusal: SmtpError | null = null;
      if (!tx) refusal = new SmtpError('need-mail');
      else if (tx.to.length === 0) refusal = new SmtpError('no-valid-recipients');
      else if (this.spool.full || (tx.declaredSize ?? 0) > this.spool.room) refusal = new SmtpError('storage-full');
      const reserved = this.reservedPart;
      this.reservedPart = null;
      if (refusal) reserved?.release();
      const writer = refusal ? null : this.spool.begin(reserved);
      this.chunked = { writer, refusal, refusalSent: false, size: 0, chunks: 0, bareLf: new BareLfCounter() };
      if (writer) this.waitForMessageFile(writer);
    }
    const m = this.chunked;
    if (!m.refusal && m.size + size > this.opts.limits.maxMessageBytes) {
      m.refusal = new SmtpError('message-too-big');
      this.rejected('message-too-big', `BDAT went past the SIZE limit of ${this.opts.limits.maxMessageBytes} bytes; the chunks are read and dropped, nothing is kept`, null);
    } else if (!m.refusal && m.size + size > this.spool.room) {
      m.refusal = new SmtpError('storage-full');
      this.rejected('spool-full', `the session's messages reached their limit; this message is not kept`, null);
    }
    if (m.refusal && m.writer) {
      m.writer.abort();
      m.writer = null;
    }
    this.chunk = { remaining: size, size, last, refusal: m.refusal };
    if (size === 0) this.endChunk();
    else this.framer.stop();
  }

  /** Feed chunk octets; returns what follows the chunk (commands again). */
  private onChunkBytes(input: Buffer): Buffer {
    const c = this.chunk!;
    const take = Math.min(c.remaining, input.length);
    const bytes = input.subarray(0, take);
    this.recordDataBytes(bytes, c.refusal !== null);
    const m = this.chunked;
    if (m && c.refusal === null && m.refusal === null) {
      m.size += take;
      m.bareLf.push(bytes);
      m.writer?.write([bytes]);
    }
    c.remaining -= take;
    if (c.remaining === 0) this.endChunk();
    return input.subarray(take);
  }

  private endChunk(): void {
    const c = this.chunk!;
    const m = this.chunked!;
    this.chunk = null;
    this.framer.resume();
    if (c.refusal === null) m.chunks += 1;
    if (c.last) {
      // LAST: the message is whole, or refused; either way the transaction is over.
      const tx = this.transaction;
      this.chunked = null;
      this.transaction = null;
      if (!m.refusal && m.bareLf.lines > 0 && this.opts.bareLf === 'reject') {
        m.refusal = new SmtpError('bare-lf');
        this.rejected('bare-lf', `${m.bareLf.lines} BDAT lines ended in a bare LF (RFC 5321 §2.3.8); the message is refused, nothing is kept`, null);
        m.writer?.abort();
      }
      if (!m.refusal && m.writer && tx) {
        this.finishMessage(m.writer, tx, m.bareLf.lines, m.chunks);
        return;
      }
    }
    if (m.refusal) {
      // The reason once; after it, each chunk is discarded with Postfix's words (RFC 3030 §3).
      this.fail(m.refusalSent ? new SmtpError('bdat-discarded', `Discarded ${c.size} bytes after earlier error`) : m.refusal);
      m.refusalSent = true;
      return;
    }
    this.ok(250, '2.0.0', `Ok: ${m.size} bytes`);
  }
}
