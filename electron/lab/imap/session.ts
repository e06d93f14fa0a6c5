/**
 * One IMAP connection: framing (codec/framer), the secrets of each command line, the RFC 3501 §3
 * state machine, dispatch to one module per command, and the IMAP limits. The plumbing (recording
 * in wire order, output after the recorder, timers, TLS, close accounting) is the shared
 * LabConnection (../connection/connection.ts). c2s is recorded per framed unit (a command line
 * fragment, a literal, a continuation line), s2c per command's response, so the file reads as a
 * conversation; a unit longer than one event is recorded whole as several (the recorder's `recordBytes`).
 *
 * A literal of at least `literalSpoolThresholdBytes` is not buffered: it is recorded and written
 * to a spool file as it arrives (literal-spool.ts), and its command runs once the file is
 * complete, with the socket paused meanwhile so that the next command waits its turn.
 */
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { EventInput, ListenerName } from '../../api.js';
import type { BytesStreamRecorder } from '../recorder/recorder.js';
import { HTTP_REQUEST, LabConnection, type CloseBy, type FarewellCause } from '../connection/connection.js';
import { Framer, type LineFrame, type LiteralReceiver } from './codec/framer.js';
import { CommandReader, type Segment } from './codec/reader.js';
import { COMMANDS } from './commands/index.js';
import { PENDING, type CommandContext, type CommandModule, type SessionState } from './commands/types.js';
import { ImapBad, ImapNo, ParseError, responseText } from './errors.js';
import { LITERAL_SPOOL_DIR } from './limits.js';
import { LiteralSpoolBudget, openLiteralFile, SpooledLiteral } from './literal-spool.js';
import { MailboxView } from './mailbox-view.js';
import type { ImapServerOptions } from './options.js';

const NOTHING = Buffer.alloc(0);

/** The answer to a command refused for a literal it announced. */
interface Refusal {
  status: 'NO' | 'BAD';
  text: string;
  /** Bad input (counted towards maxBadCommands, as a too-large literal is), not a busy lab. */
  bad: boolean;
}

/** How the shared plumbing speaks IMAP. */
const IMAP_WORDS = {
  name: 'IMAP',
  where: 'imap',
  tlsOnPlaintext: 'This is the plain IMAP port; the client started TLS directly. Use the IMAPS port for SSL/TLS, or STARTTLS here.',
  dataAfterStarttls: 'bytes pipelined after STARTTLS (discarded, RFC 3501 §6.2.1)',
};

export class ImapSession extends LabConnection {
  state: SessionState = 'not-authenticated';
  user: string | null = null;
  selected: MailboxView | null = null;
  /** Set by IDLE while it waits for DONE. */
  idling: { tag: string; stop(): void } | null = null;

  private framer: Framer;
  private segments: Segment[] = [];
  /** The command being assembled carries secrets in its later fragments (LOGIN with literals). */
  private assemblingSecret = false;
  private lineHandler: { fn: (frame: LineFrame) => void; secret: boolean; tag: string } | null = null;
  private badCount = 0;
  private commandsSeen = 0;
  /** Spool files of this connection not yet discarded: the literal arriving, or its command waiting for the disk. */
  private readonly spools = new Set<SpooledLiteral>();
  private spoolCounter = 0;
  /** The spooled literal arriving now, with its recording (cut short if the connection ends). */
  private receiving: { spool: SpooledLiteral | null; record: BytesStreamRecorder } | null = null;
  /** The command being assembled was refused at a LITERAL+ announcement: its answer, once its line ends. */
  private refusal: Refusal | null = null;
  /** Spooled bytes in flight across the lab (one budget for every connection). */
  private readonly budget: LiteralSpoolBudget;
  /** Input that arrived while a command waited for its spool files; framed once it has run. */
  private heldInput: Buffer[] | null = null;

  constructor(
    id: string,
    socket: Socket,
    listener: ListenerName,
    private readonly opts: ImapServerOptions,
    release: (session: LabConnection) => void,
  ) {
    super(id, socket, listener, { recorder: opts.recorder, tlsAcceptor: opts.tlsAcceptor, maxEventPayloadBytes: opts.limits.maxEventPayloadBytes, release, variant: opts.variant }, IMAP_WORDS);
    this.budget = opts.literalSpoolBudget ?? new LiteralSpoolBudget(opts.limits.maxSpooledLiteralBytes);
    this.framer = this.newFramer();
    this.armTimer(this.opts.limits.preAuthTimeoutMs, 'authentication not completed in time', false);
  }

  get options(): ImapServerOptions {
    return this.opts;
  }

  get store() {
    return this.opts.store;
  }

  // ─────────────────── the shared plumbing's hooks ───────────────────

  protected greet(): void {
    this.emit(`* OK [CAPABILITY ${this.capabilities().join(' ')}] ${this.opts.greeting}\r\n`);
    this.flushOut();
  }

  protected receive(chunk: Buffer): Buffer {
    if (this.heldInput) {
      this.heldInput.push(chunk);
      return NOTHING;
    }
    const rest = this.framer.push(chunk);
    // A command began waiting for its spool files in this chunk: what follows waits too.
    if (this.heldInput && rest.length > 0) {
      (this.heldInput as Buffer[]).push(rest);
      return NOTHING;
    }
    return rest;
  }

  protected takePending(): { data: Buffer; rejected?: { what: string; detail: string } } {
    const { data: framed, inLiteral, streamed } = this.framer.takePending();
    if (this.receiving) {
      // What the recording still held of the literal goes to the record before what follows.
      this.receiving.record.end();
      this.receiving.spool?.abort();
      this.receiving = null;
    }
    const held = this.heldInput ?? [];
    this.heldInput = null;
    const data = held.length ? Buffer.concat([framed, ...held]) : framed;
    // A streamed literal's bytes were recorded as they came; only the count is news here.
    const into = framed.length + streamed;
    if (inLiteral && into > 0) return { data, rejected: { what: 'literal-incomplete', detail: `the connection ended ${into} bytes into a literal` } };
    return { data };
  }

  protected stopInput(): void {
    this.framer.stop();
  }

  protected farewell(text: string, cause: FarewellCause): string {
    return cause === 'timer' ? `* BYE Autologout; ${text}\r\n` : `* BYE ${text}\r\n`;
  }

  /** RFC 3501 §6.2.1: the state is kept across STARTTLS; only the framing starts afresh. */
  protected tlsStarted(): void {
    this.framer = this.newFramer();
  }

  protected closed(): void {
    this.idling?.stop();
    for (const spool of this.spools) spool.abort();
    this.spools.clear();
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

  // ───────────────────────── input ─────────────────────────

  private onLine(frame: LineFrame): boolean | LiteralReceiver {
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
      this.refusal = null;
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
      const already = this.segments.reduce((n, sg) => n + (sg.literal?.length ?? sg.spooled?.size ?? 0), 0);
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
      // What this command may carry: only APPEND a message, and only while the lab-wide spool has room.
      const refusal = this.refusal ?? this.literalRefusal(size, already, sync, frame.raw);
      if (refusal) {
        if (sync) {
          // The client waits for "+" and sends nothing more of the command after a tagged answer (RFC 3501 §7.5).
          const tag = this.tagOf(this.segments[0].text) || '*';
          this.segments = [];
          this.refusal = null;
          this.answerRefused(tag, refusal);
          return false;
        }
        // LITERAL+ (RFC 7888 §4): the bytes are on their way; they are read, recorded and dropped,
        // and the command is answered when its line ends.
        this.refusal = refusal;
        return this.dropLiteral(size);
      }
      if (sync) this.emit('+ Ready for literal data\r\n');
      if (size >= this.opts.limits.literalSpoolThresholdBytes) return this.spoolLiteral(size);
      return true;
    }
    this.segments.push({ text: frame.text, literal: null });
    const segs = this.segments;
    this.segments = [];
    if (this.refusal) {
      const refusal = this.refusal;
      this.refusal = null;
      this.answerRefused(this.tagOf(segs[0].text) || '*', refusal);
      this.endUnit();
      return false;
    }
    const spooled = segs.flatMap((sg) => (sg.spooled ? [sg.spooled] : []));
    if (spooled.length > 0) {
      this.executeWhenSpooled(segs, spooled);
      return false;
    }
    const later = this.execute(segs);
    if (later) this.holdInputUntil(later, () => undefined);
    this.endUnit();
    return false;
  }

  /**
   * A command is still working (its literals are being written, a SEARCH reads the mailbox):
   * stop reading (what already arrived is held) until `work` settles, then `after`, then the
   * response goes out and the held input is framed, in order.
   */
  private holdInputUntil(work: Promise<void>, after: () => void): void {
    this.heldInput ??= [];
    this.framer.stop();
    this.pauseInput('command');
    void work.then(() => {
      try {
        after();
        this.endUnit();
        this.flushOut();
        this.releaseHeldInput();
      } catch (err) {
        // Never an unhandled rejection: that would end the lab for every phone.
        this.labError('imap.input', err as Error);
        this.closeWith('error', 'Internal error; the lab recorded it');
      }
    });
  }

  /**
   * Whether an accepted-size literal may come for this command: a command other than APPEND takes
   * arguments, not a message (maxArgumentLiteralBytes); a literal to spool must fit in the lab-wide
   * spool (maxSpooledLiteralBytes; its bytes are taken from the budget here). Records why not.
   */
  private literalRefusal(size: number, already: number, sync: boolean, raw: Buffer): Refusal | null {
    const limits = this.opts.limits;
    const command = /^[^ ]+ (?:UID )?([A-Za-z]+)/.exec(this.segments[0].text)?.[1]?.toUpperCase() ?? 'the command';
    // A LOGIN line names the user: no sample of it in the event (the c2s events have it, redactable).
    const sample = this.assemblingSecret ? null : raw;
    const dropped = sync ? '' : ' (LITERAL+: its bytes are read and dropped)';
    if (command !== 'APPEND' && size + already > limits.maxArgumentLiteralBytes) {
      this.rejected('literal-too-large', `a literal of ${size} bytes was announced for ${command}; only APPEND takes more than ${limits.maxArgumentLiteralBytes} bytes of literals${dropped}`, sample);
      // {N}: refused before the bytes come (as a too-large APPEND); {N+}: the bytes came but the command is unusable.
      return { status: sync ? 'NO' : 'BAD', text: `[TOOBIG] ${command} takes at most ${limits.maxArgumentLiteralBytes} bytes of literals; only APPEND takes a message`, bad: true };
    }
    if (size < limits.literalSpoolThresholdBytes) return null;
    if (this.budget.take(size)) return null;
    this.rejected(
      'literal-spool-full',
      `a literal of ${size} bytes was announced for ${command} while ${this.budget.inFlight} bytes of other literals were on their way to disk; the lab-wide limit is ${this.budget.limit}${dropped}`,
      sample,
    );
    // Not TOOBIG nor OVERQUOTA: the message is fine and the mailbox is not full; the lab is busy.
    // [ALERT] (RFC 3501 §7.1): the phone shows the text to its user.
    return { status: 'NO', text: `[ALERT] The lab is receiving too many large messages at once (limit ${this.budget.limit} bytes in flight); try again once they are stored`, bad: false };
  }

  private answerRefused(tag: string, refusal: Refusal): void {
    this.emit(`${tag} ${refusal.status} ${refusal.text}\r\n`);
    if (refusal.bad) this.countBad();
    else this.badCount = 0;
  }

  /** A literal of a refused command that comes anyway (LITERAL+): recorded as it arrives, never kept. */
  private dropLiteral(size: number): LiteralReceiver {
    const record = this.recordInStream(size, this.assemblingSecret);
    this.receiving = { spool: null, record };
    return {
      chunk: (data) => record.write(data),
      end: () => {
        this.receiving = null;
        record.end();
      },
    };
  }

  /** A large literal: recorded and written to a spool file chunk by chunk, never held whole. */
  private spoolLiteral(size: number): LiteralReceiver {
    const spoolOpts = this.opts.literalSpool;
    const dir = spoolOpts?.dir ?? join(this.recorder.dir, LITERAL_SPOOL_DIR);
    const spool = new SpooledLiteral(join(dir, `${this.id}-${++this.spoolCounter}.literal`), size, dir, spoolOpts?.open ?? openLiteralFile, this.opts.limits.literalSpoolHighWaterBytes, {
      pause: () => this.pauseInput('literal-spool'),
      resume: () => this.resumeInput('literal-spool'),
      // Its bytes were taken from the lab-wide budget when it was accepted (literalRefusal).
      released: () => this.budget.give(size),
    });
    this.spools.add(spool);
    this.segments[this.segments.length - 1].spooled = spool;
    const record = this.recordInStream(size, this.assemblingSecret);
    this.receiving = { spool, record };
    return {
      chunk: (data) => {
        record.write(data);
        spool.write(data);
      },
      end: () => {
        this.receiving = null;
        record.end();
        spool.end();
      },
    };
  }

  /**
   * The command's literals are still being written: stop reading (what already arrived is held)
   * until the files are complete, then run it, then go on with the held input, in order.
   */
  private executeWhenSpooled(segs: Segment[], spooled: SpooledLiteral[]): void {
    const ran = Promise.all(spooled.map((sp) => sp.done)).then(() => {
      if (this.ending) return;
      const failed = spooled.find((sp) => sp.error);
      if (failed) return this.spoolFailed(segs, failed);
      return this.execute(segs);
    });
    this.holdInputUntil(
      ran.catch((err: Error) => {
        this.labError('imap.input', err);
        this.closeWith('error', 'Internal error; the lab recorded it');
      }),
      () => {
        for (const sp of spooled) {
          sp.discard();
          this.spools.delete(sp);
        }
      },
    );
  }

  /** A spool file could not be written (disk full, no folder): the command gets a NO, the lab records why. */
  private spoolFailed(segs: Segment[], spool: SpooledLiteral): void {
    const err = spool.error as NodeJS.ErrnoException;
    this.labError('imap.literal-spool', err);
    const tag = this.tagOf(segs[0].text) || '*';
    // Dovecot answers a full disk with [OVERQUOTA] "Not enough disk space" (RFC 5530 §3).
    const code = err.code === 'ENOSPC' || err.code === 'EDQUOT' ? 'OVERQUOTA' : 'SERVERBUG';
    this.emit(`${tag} NO [${code}] The lab could not keep the literal on disk (${err.code ?? err.message})\r\n`);
  }

  private releaseHeldInput(): void {
    const held = this.heldInput;
    this.heldInput = null;
    if (!this.ending && !this.upgrading) this.framer.resume();
    this.resumeInput('command');
    if (held && held.length > 0) this.processInput(Buffer.concat(held));
  }

  private onLiteral(data: Buffer): void {
    this.recordIn(data, this.assemblingSecret && data.length ? [[0, data.length]] : undefined);
    this.segments[this.segments.length - 1].literal = data;
  }

  private onOverflow(prefix: Buffer, total: number): void {
    this.segments = [];
    this.recordOverflow(prefix, total, this.opts.limits.maxLineBytes);
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

  /** Run one command; a promise when it finishes later (the session holds its input until then). */
  private execute(segs: Segment[]): Promise<void> | void {
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
    let later: Promise<void> | undefined;
    this.guard(tag, () => {
      // stateRefusal let a 'selected' command through only in the selected state, which
      // select() enters together with the view (and deselect() leaves together with it).
      const result = mod.requires === 'selected' ? mod.run({ ...ctx, view: this.selected! }) : mod.run(ctx);
      if (result === PENDING) return;
      if (result instanceof Promise) {
        later = result.then(
          (text) => {
            if (!this.ending) this.finish(tag, 'OK', typeof text === 'string' ? text : 'Completed', mod);
          },
          (err: unknown) => {
            // The same mapping as a throw (BAD, NO, or SERVERBUG recorded); nobody to tell once the client left.
            if (!this.ending) this.guard(tag, () => {
              throw err;
            });
          },
        );
        return;
      }
      this.finish(tag, 'OK', typeof result === 'string' ? result : 'Completed', mod);
    });
    return later;
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
    const caps = ['IMAP4rev1', 'LITERAL+', 'SASL-IR', 'ID', 'IDLE', 'NAMESPACE', 'UNSELECT', 'UIDPLUS', 'CHILDREN', `APPENDLIMIT=${this.appendLimit()}`];
    if (!this.tls && this.opts.tlsAcceptor) caps.push('STARTTLS');
    const loginDisabled = this.loginDisabled();
    if (loginDisabled) caps.push('LOGINDISABLED');
    for (const m of this.opts.mechanisms) {
      if (loginDisabled && (m === 'PLAIN' || m === 'LOGIN')) continue;
      caps.push(`AUTH=${m}`);
    }
    return caps;
  }

  /**
   * RFC 7889 APPENDLIMIT: the largest message APPEND takes into any mailbox, so that a client
   * learns it before uploading (a bigger `{N}` gets NO [TOOBIG] before its bytes are sent).
   */
  appendLimit(): number {
    return Math.min(this.opts.limits.maxLiteralBytes, this.opts.store.maxMessageBytes);
  }

  /** RFC 3501 §6.2.3 LOGINDISABLED: cleartext passwords refused before TLS, when configured. */
  loginDisabled(): boolean {
    return this.opts.loginDisabledWithoutTls && !this.tls;
  }

  /** The next line from the client goes to `fn` (AUTHENTICATE steps, IDLE's DONE). */
  expectLine(tag: string, fn: (frame: LineFrame) => void, secret: boolean): void {
    this.lineHandler = { fn, secret, tag };
  }

  authenticated(user: string): void {
    this.state = 'authenticated';
    this.user = user;
    this.armTimer(this.opts.limits.idleTimeoutMs, 'idle for too long', true);
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
    if (!this.tlsAcceptor) throw new ImapBad('STARTTLS not available');
    this.emit(`${tag} OK Begin TLS negotiation now\r\n`);
    this.upgradeToTls();
  }

  /** LOGOUT: BYE, the tagged OK, then close (RFC 3501 §6.1.3). */
  logout(tag: string): void {
    this.state = 'logout';
    this.emit('* BYE LOGOUT received\r\n');
    this.emit(`${tag} OK Completed\r\n`);
    this.endConversation('client', 'LOGOUT');
  }

  /** Untagged BYE, flush, close. */
  closeWithBye(by: CloseBy, text: string): void {
    this.closeWith(by, text);
  }
}
