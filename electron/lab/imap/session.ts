/**
 * One IMAP connection: framing (codec/framer), recording (every byte in order, secrets marked),
 * the RFC 3501 §3 state machine, dispatch to one module per command, and the limits.
 *
 * Output discipline (issue 2): responses are queued while a chunk of input is processed and
 * written in one socket write at the end, after `recorder.flush()`, so the events that explain
 * a response are in events.jsonl before the client can see it, and pipelined commands cost one
 * write. c2s is recorded per framed unit (a command line fragment, a literal, a continuation
 * line), s2c per command's response, so the file reads as a conversation; a unit longer than
 * one event is recorded whole as several (the shared recorder's `recordBytes`).
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { EventInput, ListenerName } from '../../api.js';
import { encodeBytes } from '../recorder/bytes.js';
import { Framer, type LineFrame } from './codec/framer.js';
import { CommandReader, type Segment } from './codec/reader.js';
import { COMMANDS } from './commands/index.js';
import { PENDING, type CommandContext, type CommandModule, type SessionState } from './commands/types.js';
import { ImapBad, ImapNo, ParseError, responseText } from './errors.js';
import { REJECTED_SAMPLE_BYTES } from './limits.js';
import { MailboxView } from './mailbox-view.js';
import type { ImapServerOptions } from './options.js';

/** Where the session lives: the server that counts connections and hands out ids. */
export interface SessionHost {
  options: ImapServerOptions;
  /** Called once, when the connection is gone. */
  release(session: ImapSession): void;
}

type CloseBy = 'client' | 'server' | 'timeout' | 'error' | 'lab-stop';

/** HTTP request line on the IMAP port: a browser pointed at the lab, or a proxy probe. */
const HTTP_REQUEST = /^(GET|POST|HEAD|PUT|OPTIONS|CONNECT|DELETE|PATCH) \S+ HTTP\/\d/;

export class ImapSession {
  state: SessionState = 'not-authenticated';
  user: string | null = null;
  selected: MailboxView | null = null;
  tls = false;
  /** Set by IDLE while it waits for DONE. */
  idling: { tag: string; stop(): void } | null = null;

  private stream: Duplex;
  private framer: Framer;
  private segments: Segment[] = [];
  /** The command being assembled carries secrets in its later fragments (LOGIN with literals). */
  private assemblingSecret = false;
  private lineHandler: { fn: (frame: LineFrame) => void; secret: boolean; tag: string } | null = null;
  /** The response unit being built (one command's response). */
  private unit: Buffer[] = [];
  /** Finished response units waiting for the socket write; recorded just before it. */
  private outUnits: Buffer[] = [];
  private bytesIn = 0;
  private bytesOut = 0;
  private badCount = 0;
  private firstInput = true;
  private commandsSeen = 0;
  private timer: NodeJS.Timeout | null = null;
  private closeInfo: { by: CloseBy; reason?: string } | null = null;
  private finalized = false;
  private upgrading = false;
  private readonly opts: ImapServerOptions;

  constructor(
    readonly id: string,
    private readonly socket: Socket,
    readonly listener: ListenerName,
    private readonly host: SessionHost,
  ) {
    this.opts = host.options;
    this.stream = socket;
    this.framer = this.newFramer();
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    const local = `${socket.localAddress ?? '?'}:${socket.localPort ?? 0}`;
    const variant = this.opts.variant ? { variant: this.opts.variant.id, variantLabel: this.opts.variant.label } : {};
    this.record({ kind: 'conn.open', conn: id, proto: listener, remote, local, port: socket.localPort ?? 0, ...variant });
    socket.setNoDelay(true);
    socket.on('error', (err: NodeJS.ErrnoException) => this.onError(err));
    socket.on('close', () => this.finalize());
    this.armTimer(this.opts.limits.preAuthTimeoutMs, 'authentication not completed in time');
  }

  get options(): ImapServerOptions {
    return this.opts;
  }

  get store() {
    return this.opts.store;
  }

  get recorder() {
    return this.opts.recorder;
  }

  record(ev: EventInput): void {
    this.opts.recorder.record(ev);
  }

  // ───────────────────────── start ─────────────────────────

  /** Plain IMAP: greet now. */
  startPlain(): void {
    this.attach(this.socket);
    this.greet();
  }

  /** IMAPS: the TLS handshake first (RFC 8314 implicit TLS), then the greeting inside it. */
  startImplicitTls(): void {
    const acceptor = this.opts.tlsAcceptor;
    if (!acceptor) {
      this.closeNow('error', 'no TLS acceptor configured');
      return;
    }
    this.upgrading = true;
    acceptor.accept(this.socket, { conn: this.id, mode: 'implicit', recorder: this.opts.recorder }).then(
      (tls) => {
        this.upgrading = false;
        if (this.finalized) return;
        this.tls = true;
        this.attach(tls.stream);
        this.greet();
      },
      (err: Error) => {
        this.upgrading = false;
        this.closeInfo ??= { by: 'error', reason: `TLS handshake failed: ${err.message}` };
        this.socket.destroy();
      },
    );
  }

  private greet(): void {
    this.emit(`* OK [CAPABILITY ${this.capabilities().join(' ')}] ${this.opts.greeting}\r\n`);
    this.flushOut();
  }

  private newFramer(): Framer {
    return new Framer(
      {
        line: (frame) => this.onLine(frame),
        literal: (data) => this.onLiteral(data),
        overflow: (prefix, total) => this.onOverflow(prefix, total),
      },
      this.opts.limits.maxLineBytes,
    );
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
      stream.end();
    });
    stream.on('drain', () => stream.resume());
  }

  // ───────────────────────── input ─────────────────────────

  private onData(chunk: Buffer): void {
    if (this.finalized) return;
    this.bytesIn += chunk.length;
    if (this.closeInfo) {
      // After BYE the bytes are not executed, but they arrived: they are part of the record,
      // after the partial line the framer still held, to keep wire order.
      this.recordPartial();
      this.recordIn(chunk);
      this.opts.recorder.flush();
      return;
    }
    if (this.state !== 'not-authenticated') this.timer?.refresh();
    if (this.firstInput) {
      this.firstInput = false;
      // A TLS handshake record (type 22, version 3.x) where IMAP text should be: the client
      // was set to "SSL/TLS" but pointed at the plaintext port.
      if (!this.tls && chunk[0] === 0x16 && (chunk.length < 2 || chunk[1] === 0x03)) {
        this.rejectForeign(
          chunk,
          'tls-on-plaintext-port',
          'a TLS ClientHello arrived on the plaintext IMAP port',
          'This is the plain IMAP port; the client started TLS directly. Use the IMAPS port for SSL/TLS, or STARTTLS here.',
        );
        return;
      }
    }
    try {
      const rest = this.framer.push(chunk);
      if (rest.length > 0) {
        // Bytes pipelined after STARTTLS (RFC 3501 §6.2.1: must be discarded, CVE-2011-0411)
        // or after LOGOUT/BYE: recorded, never executed.
        this.recordIn(rest);
        this.rejected(this.upgrading ? 'data-after-starttls' : 'data-after-close', this.upgrading ? 'bytes pipelined after STARTTLS (discarded, RFC 3501 §6.2.1)' : 'bytes after LOGOUT or BYE', rest);
      }
    } catch (err) {
      this.labError('imap.input', err as Error);
      this.closeWithBye('error', 'Internal error; the lab recorded it');
    }
    this.flushOut();
  }

  /**
   * Record client bytes (one framed unit); `secrets` are byte ranges of `raw`, mapped here to
   * ranges of the recorded text. The response to the previous unit is closed but not recorded
   * yet: it reaches the wire only at the end of the chunk, after every client byte of the chunk
   * arrived, so the log keeps wire order. That is what shows a phone pipelining
   * `SELECT INBOX` before it saw the LOGIN result (QUIRKS.md command-before-auth-result).
   */
  private recordIn(raw: Buffer, secrets?: Array<[number, number]>): void {
    this.endUnit();
    this.opts.recorder.recordBytes({ kind: 'c2s', conn: this.id, tls: this.tls }, raw, { secrets, maxEventBytes: this.opts.limits.maxEventPayloadBytes });
  }

  private onLine(frame: LineFrame): boolean {
    // A continuation response (AUTHENTICATE step, IDLE's DONE): never a literal.
    if (this.lineHandler && this.segments.length === 0) {
      const h = this.lineHandler;
      const secretEnd = frame.text.length; // bytes before the line terminator
      this.recordIn(frame.raw, h.secret && secretEnd > 0 ? [[0, secretEnd]] : undefined);
      this.lineHandler = null;
      this.guard(h.tag, () => h.fn(frame));
      this.endUnit();
      return false;
    }
    let secrets: Array<[number, number]> | undefined;
    let textNoMarker = frame.text;
    if (frame.literal) textNoMarker = frame.text.slice(0, frame.text.lastIndexOf('{'));
    if (this.segments.length === 0) {
      this.commandsSeen += 1;
      this.assemblingSecret = false;
      secrets = this.secretRanges(textNoMarker);
    } else if (this.assemblingSecret && textNoMarker.length > 0) {
      secrets = [[0, textNoMarker.length]];
    }
    this.recordIn(frame.raw, secrets);
    if (this.segments.length === 0 && this.commandsSeen === 1 && HTTP_REQUEST.test(frame.text)) {
      this.rejectForeign(
        null,
        'http-on-imap-port',
        'an HTTP request arrived on the IMAP port',
        'This is an IMAP mail server, not a web page. Open the hand-off page on the lab\'s HTTP port.',
        frame.raw,
      );
      return false;
    }
    if (frame.literal) {
      this.segments.push({ text: textNoMarker, literal: null });
      const { size, sync } = frame.literal;
      const limit = this.state === 'not-authenticated' ? this.opts.limits.maxPreAuthLiteralBytes : this.opts.limits.maxLiteralBytes;
      // The literals of one command count together, and there may be only so many of them.
      const already = this.segments.reduce((n, sg) => n + (sg.literal?.length ?? 0), 0);
      const tooMany = this.segments.length > this.opts.limits.maxLiteralsPerCommand;
      if (size + already > limit || tooMany) {
        const tag = this.tagOf(this.segments[0].text) || '*';
        this.segments = [];
        this.rejected(
          tooMany ? 'too-many-literals' : 'literal-too-large',
          tooMany
            ? `more than ${this.opts.limits.maxLiteralsPerCommand} literals in one command`
            : `a literal of ${size} bytes was announced; the limit is ${limit}${this.state === 'not-authenticated' ? ' before login' : ''}`,
          frame.raw,
        );
        const why = tooMany ? `Too many literals in one command (limit ${this.opts.limits.maxLiteralsPerCommand})` : `Literal too large (limit ${limit} bytes)`;
        if (sync) {
          // The client waits for "+" before sending: refusing costs nothing (RFC 3501 §7.5).
          this.emit(`${tag} NO [TOOBIG] ${why}\r\n`);
          this.countBad();
        } else {
          // LITERAL+ (RFC 7888 §4): the bytes are on their way anyway; the only clean answer is BYE.
          this.closeWithBye('server', why);
        }
        return false;
      }
      if (sync) this.emit('+ Ready for literal data\r\n');
      return true;
    }
    this.segments.push({ text: frame.text, literal: null });
    const segs = this.segments;
    this.segments = [];
    this.execute(segs);
    this.endUnit();
    return false;
  }

  private onLiteral(data: Buffer): void {
    this.recordIn(data, this.assemblingSecret && data.length ? [[0, data.length]] : undefined);
    this.segments[this.segments.length - 1].literal = data;
  }

  private onOverflow(prefix: Buffer, total: number): void {
    this.segments = [];
    const enc = encodeBytes(prefix, Math.min(prefix.length, this.opts.limits.maxEventPayloadBytes ?? prefix.length));
    this.endUnit();
    const ev: EventInput = { kind: 'c2s', conn: this.id, ...enc, truncated: total };
    if (this.tls) ev.tls = true;
    this.record(ev);
    this.rejected('line-too-long', `a command line longer than ${this.opts.limits.maxLineBytes} bytes (${total} bytes so far, no line end)`, prefix);
    this.closeWithBye('server', `Command line too long (limit ${this.opts.limits.maxLineBytes} bytes)`);
  }

  /** Secret byte ranges of a command's first line (latin1 text): LOGIN arguments, a SASL-IR initial response. */
  private secretRanges(textNoMarker: string): Array<[number, number]> | undefined {
    const m = /^([^ ]+) (?:UID )?([A-Za-z]+)(?: |$)/.exec(textNoMarker);
    if (!m) return undefined;
    const cmd = m[2].toUpperCase();
    const start = m[0].length;
    if (cmd === 'LOGIN') {
      // Each argument (atom or quoted string) is a secret range; literals that follow are too.
      this.assemblingSecret = true;
      const ranges: Array<[number, number]> = [];
      let i = start;
      while (i < textNoMarker.length) {
        if (textNoMarker[i] === ' ') {
          i++;
          continue;
        }
        const from = i;
        if (textNoMarker[i] === '"') {
          i++;
          while (i < textNoMarker.length && textNoMarker[i] !== '"') i += textNoMarker[i] === '\\' ? 2 : 1;
          i = Math.min(i + 1, textNoMarker.length);
        } else {
          while (i < textNoMarker.length && textNoMarker[i] !== ' ') i++;
        }
        ranges.push([from, i]);
      }
      return ranges.length ? ranges : undefined;
    }
    if (cmd === 'AUTHENTICATE') {
      // White space after the initial response is tolerated by AUTHENTICATE: the secret is the word before it.
      const ir = / (\S+)\s*$/.exec(textNoMarker.slice(start));
      if (!ir || ir.index === undefined) return undefined;
      const irStart = start + ir.index + 1;
      return [[irStart, irStart + ir[1].length]];
    }
    return undefined;
  }

  private tagOf(text: string): string {
    const m = /^([^ ]+)/.exec(text);
    return m ? m[1] : '';
  }

  // ──────────────────────── dispatch ────────────────────────

  private execute(segs: Segment[]): void {
    const r = new CommandReader(segs);
    // RFC 3501 tag = 1*<any ASTRING-CHAR except "+">
    const tag = r.takeWhile((ch) => ch > ' ' && ch < '\x7f' && !'(){%*"\\+'.includes(ch));
    if (segs.length === 1 && segs[0].text === '') {
      // The Nokia 6233's stray CRLF after AUTHENTICATE CRAM-MD5 (seed): Cyrus answers
      // "* BAD Invalid tag", which the phone takes for an authentication failure.
      if (this.opts.emptyLine === 'strict') {
        this.emit('* BAD Invalid tag\r\n');
        this.countBad();
      }
      return;
    }
    if (tag === '' || (r.peek() !== ' ' && !r.atEnd())) {
      this.emit('* BAD Invalid tag\r\n');
      this.countBad();
      return;
    }
    if (!r.maybe(' ') || r.atEnd()) {
      this.emit(`${tag} BAD Null command\r\n`);
      this.countBad();
      return;
    }
    let name: string;
    let uid = false;
    try {
      name = r.atom().toUpperCase();
      if (name === 'UID') {
        uid = true;
        r.sp();
        name = r.atom().toUpperCase();
      }
    } catch {
      this.emit(`${tag} BAD Unrecognized command\r\n`);
      this.countBad();
      return;
    }
    const mod = COMMANDS.get(name);
    if (!mod || (uid && !mod.uidForm)) {
      this.emit(`${tag} BAD Unrecognized command\r\n`);
      this.countBad();
      return;
    }
    const refusal = this.stateRefusal(mod, name);
    if (refusal) {
      this.emit(`${tag} BAD ${refusal}\r\n`);
      this.countBad();
      return;
    }
    const ctx: CommandContext = { tag, name, uid, r, session: this };
    this.guard(tag, () => {
      // stateRefusal let a 'selected' command through only in the selected state, which
      // select() enters together with the view (and deselect() leaves together with it).
      const result = mod.requires === 'selected' ? mod.run({ ...ctx, view: this.selected! }) : mod.run(ctx);
      if (result === PENDING) return;
      this.finish(tag, 'OK', typeof result === 'string' ? result : 'Completed', mod);
    });
  }

  /** Cyrus's wording where the seed shows it (Already authenticated / logged in, Please select a mailbox first). */
  private stateRefusal(mod: CommandModule, name: string): string | null {
    switch (mod.requires) {
      case 'any':
        return null;
      case 'not-authenticated':
        if (this.state === 'not-authenticated') return null;
        return name === 'LOGIN' ? 'Already logged in' : 'Already authenticated';
      case 'authenticated':
        return this.state === 'not-authenticated' ? 'Please login first' : null;
      case 'selected':
        if (this.state === 'not-authenticated') return 'Please login first';
        return this.state === 'selected' ? null : 'Please select a mailbox first';
    }
  }

  /** Run a step of a command; map typed errors to BAD/NO and anything else to NO [SERVERBUG]. */
  guard(tag: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof ImapBad || err instanceof ParseError) {
        this.emit(`${tag} BAD ${responseText(err)}\r\n`);
        this.countBad();
      } else if (err instanceof ImapNo) {
        this.badCount = 0;
        this.emit(`${tag} NO ${responseText(err)}\r\n`);
      } else {
        this.labError('imap.command', err as Error);
        this.emit(`${tag} NO [SERVERBUG] Internal error; the lab recorded it\r\n`);
      }
    }
  }

  /** The tagged response, after any untagged updates the client is owed (RFC 3501 §7). */
  finish(tag: string, status: 'OK' | 'NO' | 'BAD', text: string, mod?: CommandModule): void {
    if (status === 'OK' && this.selected && this.state === 'selected') {
      for (const line of this.selected.sync(!mod?.noExpungeUpdates)) this.emit(`* ${line}\r\n`);
    }
    if (status === 'BAD') this.countBad();
    else this.badCount = 0;
    this.emit(`${tag} ${status} ${text}\r\n`);
  }

  private countBad(): void {
    this.badCount += 1;
    if (this.badCount >= this.opts.limits.maxBadCommands) {
      this.rejected('too-many-bad-commands', `${this.badCount} commands in a row were answered BAD`, null);
      this.closeWithBye('server', 'Too many invalid commands');
    }
  }

  // ─────────────────── services for commands ───────────────────

  capabilities(): string[] {
    const caps = ['IMAP4rev1', 'LITERAL+', 'SASL-IR', 'ID', 'IDLE', 'NAMESPACE', 'UNSELECT', 'UIDPLUS', 'CHILDREN'];
    if (!this.tls && this.opts.tlsAcceptor) caps.push('STARTTLS');
    const loginDisabled = this.loginDisabled();
    if (loginDisabled) caps.push('LOGINDISABLED');
    for (const m of this.opts.mechanisms) {
      if (loginDisabled && (m === 'PLAIN' || m === 'LOGIN')) continue;
      caps.push(`AUTH=${m}`);
    }
    return caps;
  }

  /** RFC 3501 §6.2.3 LOGINDISABLED: cleartext passwords refused before TLS, when configured. */
  loginDisabled(): boolean {
    return this.opts.loginDisabledWithoutTls && !this.tls;
  }

  emit(data: string | Buffer): void {
    this.unit.push(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  /** Send an untagged line now (outside input processing: IDLE updates, timers). */
  pushNow(data: string | Buffer): void {
    if (this.closeInfo || this.finalized) return;
    this.emit(data);
    this.flushOut();
  }

  /** Close the current response unit (one command's response); it is recorded at the write. */
  private endUnit(): void {
    if (this.unit.length === 0) return;
    this.outUnits.push(this.unit.length === 1 ? this.unit[0] : Buffer.concat(this.unit));
    this.unit = [];
  }

  /** Record the closed response units as s2c events, in order; returns them, for the write. */
  private recordOutUnits(): Buffer[] {
    const units = this.outUnits;
    this.outUnits = [];
    for (const data of units) this.opts.recorder.recordBytes({ kind: 's2c', conn: this.id, tls: this.tls }, data, { maxEventBytes: this.opts.limits.maxEventPayloadBytes });
    return units;
  }

  /** Record, flush the recorder, then write: the events reach the file before the client sees the bytes. */
  flushOut(): void {
    this.endUnit();
    const units = this.recordOutUnits();
    if (units.length === 0) return;
    const data = units.length === 1 ? units[0] : Buffer.concat(units);
    this.opts.recorder.flush();
    if (this.finalized || this.stream.destroyed || this.stream.writableEnded) return;
    this.bytesOut += data.length;
    if (!this.stream.write(data)) this.stream.pause(); // back-pressure: stop reading until the client reads
  }

  /** The next line from the client goes to `fn` (AUTHENTICATE steps, IDLE's DONE). */
  expectLine(tag: string, fn: (frame: LineFrame) => void, secret: boolean): void {
    this.lineHandler = { fn, secret, tag };
  }

  authenticated(user: string): void {
    this.state = 'authenticated';
    this.user = user;
    this.armTimer(this.opts.limits.idleTimeoutMs, 'idle for too long');
  }

  recordAuth(mechanism: string, user: string, ok: boolean, reason?: string): void {
    const ev: EventInput = { kind: 'auth', conn: this.id, mechanism, user, ok };
    if (reason) ev.reason = reason;
    this.record(ev);
  }

  select(name: string, readOnly: boolean): MailboxView {
    this.selected = new MailboxView(this.opts.store, name, readOnly);
    this.state = 'selected';
    // Through login and into a mailbox: the variant works for this phone (variants.ts).
    if (this.opts.variant) this.opts.variants?.worked(this.socket.remoteAddress ?? '?', this.opts.variant.id);
    return this.selected;
  }

  deselect(): void {
    this.selected = null;
    if (this.state === 'selected') this.state = 'authenticated';
  }

  /** STARTTLS (RFC 3501 §6.2.1): OK, then the handshake on the raw socket; state is kept. */
  startTls(tag: string): void {
    const acceptor = this.opts.tlsAcceptor;
    if (!acceptor) throw new ImapBad('STARTTLS not available');
    this.emit(`${tag} OK Begin TLS negotiation now\r\n`);
    this.endUnit();
    this.framer.stop();
    this.upgrading = true;
    // Hand the raw socket over: our listeners stop reading it, the TLS engine takes it.
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('end');
    this.socket.removeAllListeners('drain');
    // The OK must be on the wire before the handshake starts; flushOut happens at the end of
    // onData, so write it now.
    this.flushOut();
    acceptor.accept(this.socket, { conn: this.id, mode: 'starttls', recorder: this.opts.recorder }).then(
      (tls) => {
        this.upgrading = false;
        if (this.finalized) return;
        this.tls = true;
        this.framer = this.newFramer();
        this.attach(tls.stream);
      },
      (err: Error) => {
        this.upgrading = false;
        this.closeInfo ??= { by: 'error', reason: `TLS handshake failed: ${err.message}` };
        this.socket.destroy();
      },
    );
  }

  /** LOGOUT: BYE, the tagged OK, then close (RFC 3501 §6.1.3). */
  logout(tag: string): void {
    this.state = 'logout';
    this.emit('* BYE LOGOUT received\r\n');
    this.emit(`${tag} OK Completed\r\n`);
    this.closeInfo ??= { by: 'client', reason: 'LOGOUT' };
    this.framer.stop();
    this.endConnection();
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

  // ──────────────────────── ending ────────────────────────

  /** Record what the framer held half-framed when the conversation ended (a line without its end, a literal cut short). */
  private recordPartial(): void {
    const { data, inLiteral } = this.framer.takePending();
    if (data.length === 0) return;
    this.recordIn(data);
    if (inLiteral) this.rejected('literal-incomplete', `the connection ended ${data.length} bytes into a literal`, null);
  }

  private rejectForeign(chunk: Buffer | null, what: string, detail: string, bye: string, sample?: Buffer): void {
    if (chunk) this.recordIn(chunk);
    this.rejected(what, detail, sample ?? chunk);
    this.closeWithBye('server', bye);
  }

  /** Untagged BYE, flush, close. */
  closeWithBye(by: CloseBy, text: string): void {
    if (this.closeInfo && this.closeInfo.by !== 'client') return;
    this.closeInfo ??= { by, reason: text };
    this.emit(`* BYE ${text}\r\n`);
    this.framer.stop();
    this.endConnection();
  }

  private endConnection(): void {
    this.flushOut();
    this.idling?.stop();
    this.clearTimer();
    if (!this.stream.writableEnded) this.stream.end();
    // A client that never reads its BYE must not hold the socket forever.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  /** Lab stop: BYE to everyone still here. */
  shutdown(): void {
    if (this.finalized) return;
    this.closeInfo ??= { by: 'lab-stop', reason: 'the lab is stopping' };
    if (!this.upgrading) {
      this.emit('* BYE The lab is stopping\r\n');
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

  private armTimer(ms: number, why: string): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      try {
        this.closeInfo ??= { by: 'timeout', reason: why };
        this.emit(`* BYE Autologout; ${why}\r\n`);
        this.framer.stop();
        this.endConnection();
      } catch (err) {
        this.labError('imap.timer', err as Error);
        this.socket.destroy();
      }
    }, ms);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The socket is gone: record what was left half-framed, then conn.close. */
  private finalize(): void {
    if (this.finalized) return;
    this.endUnit();
    this.recordOutUnits();
    this.recordPartial();
    this.finalized = true;
    this.clearTimer();
    this.idling?.stop();
    const info = this.closeInfo ?? { by: 'client' as const, reason: 'connection closed' };
    const ev: EventInput = { kind: 'conn.close', conn: this.id, by: info.by, bytesIn: this.bytesIn, bytesOut: this.bytesOut };
    if (info.reason) ev.reason = info.reason;
    this.record(ev);
    this.host.release(this);
  }
}
