/**
 * One POP3 connection (RFC 1939): line framing, the secrets of PASS / APOP / AUTH lines, the
 * AUTHORIZATION → TRANSACTION → UPDATE states, dispatch to one module per command, and the POP3
 * limits. The plumbing (recording in wire order, output after the recorder, timers, TLS, close
 * accounting) is the shared LabConnection (../connection/connection.ts). Commands pipelined in
 * one chunk are answered in order in one write (RFC 2449 §6.6 PIPELINING).
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { EventInput, ListenerName } from '../../api.js';
import { HTTP_REQUEST, LabConnection, type FarewellCause } from '../connection/connection.js';
import { LineFramer, type LineFrame } from '../connection/framer.js';
import { POP3_COMMANDS } from './commands/index.js';
import type { Pop3State } from './commands/types.js';
import { Pop3Error } from './errors.js';
import { Maildrop } from './maildrop.js';
import type { Pop3SessionOptions } from './options.js';
import { errLine, multiline, multilineChunks, okLine } from './reply.js';
import type { StoredMessage } from '../mailbox/types.js';

const POP3_WORDS = {
  name: 'POP3',
  where: 'pop3',
  tlsOnPlaintext: 'This is the POP3 port with STLS; the client started TLS directly. Use the POP3S port for SSL/TLS, or STLS here.',
  dataAfterStarttls: 'bytes pipelined after STLS (discarded, RFC 2595 §4)',
};

/** Lines whose arguments are a secret, from this offset on: PASS, APOP's digest, AUTH's initial response. */
const SECRET_ARGS = /^(?:PASS |APOP \S+ |AUTH +\S+ +(?=\S))/i;

export class Pop3Session extends LabConnection {
  state: Pop3State = 'authorization';
  /** USER given, PASS awaited. */
  pendingUser: string | null = null;
  maildrop: Maildrop | null = null;
  /** The greeting's timestamp (RFC 1939 §7 APOP), when APOP is offered. */
  readonly timestamp: string | null;

  private framer: LineFramer;
  private lineHandler: ((frame: LineFrame) => void) | null = null;
  private badCount = 0;
  private commandsSeen = 0;

  constructor(
    id: string,
    socket: Socket,
    listener: ListenerName,
    private readonly opts: Pop3SessionOptions,
    release: (session: LabConnection) => void,
  ) {
    super(id, socket, listener, { recorder: opts.recorder, tlsAcceptor: opts.tlsAcceptor, maxEventPayloadBytes: opts.limits.maxEventPayloadBytes, release }, POP3_WORDS);
    this.timestamp = opts.apop ? `<${process.pid}.${Date.now()}.${randomBytes(4).toString('hex')}@${opts.hostname}>` : null;
    this.framer = this.newFramer();
    this.armTimer(opts.limits.authTimeoutMs, 'authentication not completed in time', false);
  }

  get options(): Pop3SessionOptions {
    return this.opts;
  }

  // ─────────────────── the shared plumbing's hooks ───────────────────

  protected greet(): void {
    this.emit(okLine(`Mailprobe POP3 lab ready.${this.timestamp ? ` ${this.timestamp}` : ''}`));
    this.flushOut();
  }

  protected receive(chunk: Buffer): Buffer {
    return this.framer.push(chunk);
  }

  protected takePending(): { data: Buffer } {
    return { data: this.framer.takePending().data };
  }

  protected stopInput(): void {
    this.framer.stop();
  }

  protected farewell(text: string, cause: FarewellCause): string {
    return errLine(cause === 'timer' || cause === 'timeout' ? `Disconnected: ${text}` : cause === 'lab-stop' ? `[SYS/TEMP] ${text}` : text);
  }

  /** RFC 2595 §4: after STLS the client starts over; nothing learnt before is kept. */
  protected tlsStarted(): void {
    this.framer = this.newFramer();
    this.pendingUser = null;
    this.lineHandler = null;
  }

  protected closed(): void {
    // A connection that ends without QUIT never reaches UPDATE: no DELE is applied (RFC 1939 §6).
    this.maildrop = null;
    this.opts.changer.sessionEnded(this.state === 'transaction');
  }

  private newFramer(): LineFramer {
    return new LineFramer({ line: (f) => this.onLine(f), literal: () => undefined, overflow: (p, t) => this.onOverflow(p, t) }, this.opts.limits.maxLineBytes);
  }

  // ───────────────────────── commands ─────────────────────────

  private onLine(frame: LineFrame): boolean {
    if (this.lineHandler) {
      const fn = this.lineHandler;
      this.lineHandler = null;
      this.recordIn(frame.raw, frame.text.length > 0 ? [[0, frame.text.length]] : undefined);
      this.guard(() => fn(frame));
      this.endUnit();
      return false;
    }
    this.commandsSeen += 1;
    const secret = SECRET_ARGS.exec(frame.text);
    this.recordIn(frame.raw, secret && frame.text.length > secret[0].length ? [[secret[0].length, frame.text.length]] : undefined);
    if (this.commandsSeen === 1 && HTTP_REQUEST.test(frame.text)) {
      this.rejectForeign(null, 'http-on-pop3-port', 'an HTTP request arrived on the POP3 port', 'This is a POP3 mail server, not a web page.', frame.raw);
      return false;
    }
    this.execute(frame);
    this.endUnit();
    return false;
  }

  private onOverflow(prefix: Buffer, total: number): void {
    this.recordOverflow(prefix, total, this.opts.limits.maxLineBytes);
    this.closeWith('server', `Input line too long (limit ${this.opts.limits.maxLineBytes} bytes).`);
  }

  private execute(frame: LineFrame): void {
    const text = frame.text;
    const sp = text.indexOf(' ');
    const keyword = (sp < 0 ? text : text.slice(0, sp)).toUpperCase();
    const args = sp < 0 ? '' : text.slice(sp + 1);
    const cmd = POP3_COMMANDS.get(keyword);
    if (!cmd) {
      this.fail(new Pop3Error('unknown-command'));
      return;
    }
    if (!cmd.states.includes(this.state)) {
      this.fail(new Pop3Error('wrong-state'));
      return;
    }
    this.guard(() => cmd.run({ keyword, args, frame, session: this }));
  }

  /** Typed errors become their -ERR line; anything else is recorded and answered, and the lab goes on. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof Pop3Error) this.fail(err);
      else {
        this.labError('pop3.command', err as Error);
        this.emit(errLine('[SYS/TEMP] Internal error; the lab recorded it.'));
      }
    }
  }

  // ─────────────────── services for commands ───────────────────

  ok(text: string): void {
    this.badCount = 0;
    this.emit(okLine(text));
  }

  /** +OK and a multi-line body, byte-stuffed (RFC 1939 §3). */
  okBody(text: string, body: Buffer): void {
    this.badCount = 0;
    this.emit(okLine(text));
    this.emit(multiline(body));
  }

  /**
   * A message's first `end` bytes as a multi-line body (RETR, TOP): from memory as one buffer;
   * from disk read, dot-stuffed and written chunk by chunk as the socket takes them.
   */
  okMessage(text: string, m: StoredMessage, end: number): void {
    if (m.body.memory) {
      this.okBody(text, m.body.memory.subarray(0, end));
      return;
    }
    this.badCount = 0;
    this.emit(okLine(text));
    // Dot-stuffing at most doubles the bytes (a "." after every LF), plus the terminator.
    this.emit({ chunks: multilineChunks(m.body.chunks(0, end)), maxLength: 2 * end + 5 });
  }

  fail(err: Pop3Error): void {
    this.emit(errLine(err.message));
    this.badCount += 1;
    if (this.badCount >= this.opts.limits.maxBadCommands) {
      this.rejected('too-many-bad-commands', `${this.badCount} commands in a row were refused`, null);
      this.closeWith('server', 'Too many invalid commands.');
    }
  }

  /** USER/PASS and plaintext SASL: allowed inside TLS, and in clear only when the lab is set so. */
  plaintextAllowed(): boolean {
    return this.tls || this.opts.plaintextWithoutTls;
  }

  /** RFC 2449 CAPA, in the order Dovecot 2.3 lists them (CAPA itself first, as Dovecot does). */
  capabilities(): string[] {
    const caps = ['CAPA', 'TOP', 'UIDL', 'RESP-CODES', 'PIPELINING', 'AUTH-RESP-CODE'];
    if (this.state === 'authorization') {
      if (this.plaintextAllowed()) caps.push('USER');
      const mechs = this.opts.mechanisms.filter((m) => this.plaintextAllowed() || (m !== 'PLAIN' && m !== 'LOGIN'));
      if (mechs.length) caps.push(`SASL ${mechs.join(' ')}`);
      if (!this.tls && this.tlsAcceptor) caps.push('STLS');
    }
    caps.push('IMPLEMENTATION Mailprobe');
    return caps;
  }

  expectLine(fn: (frame: LineFrame) => void): void {
    this.lineHandler = fn;
  }

  recordAuth(mechanism: string, user: string, ok: boolean, reason?: string): void {
    const ev: EventInput = { kind: 'auth', conn: this.id, mechanism, user, ok };
    if (reason) ev.reason = reason;
    this.record(ev);
  }

  /** The login succeeded: the maildrop as it is now, numbered for the session (RFC 1939 §4). */
  loggedIn(_user: string): void {
    this.opts.changer.beforeLogin(this.id);
    this.maildrop = new Maildrop(this.opts.store);
    this.state = 'transaction';
    const n = this.maildrop.numbers().length;
    this.ok(`Logged in. ${n} message${n === 1 ? '' : 's'}.`);
    this.armTimer(this.opts.limits.idleTimeoutMs, 'idle for too long', true);
  }

  startTls(): void {
    this.emit(okLine('Begin TLS negotiation now.'));
    this.upgradeToTls();
  }

  /** QUIT: in TRANSACTION, the UPDATE state removes the messages marked with DELE (RFC 1939 §6). */
  quit(): void {
    if (this.state === 'transaction' && this.maildrop) {
      const marked = this.maildrop.deletedCount;
      const removed = this.maildrop.commit();
      this.ok(marked ? `Logging out, ${removed} message${removed === 1 ? '' : 's'} deleted.` : 'Logging out.');
    } else this.ok('Logging out.');
    this.maildrop = null;
    this.endConversation('client', 'QUIT');
  }
}
