/**
 * One POP3 connection as the rules see it: two line framers (c2s, s2c, the same line reader as
 * SMTP: no literals) and a state machine that turns lines into items — commands, SASL
 * responses, and status lines (+OK / -ERR, RFC 1939 §3) matched to their command in order
 * (POP3 has no tags; RFC 2449 §6.6 PIPELINING keeps the order). A +OK to a command with a
 * multi-line answer (LIST and UIDL without an argument, RETR, TOP, CAPA, a bare AUTH) is
 * followed by body lines up to "."; they are counted, never read as replies.
 *
 * What the session learnt: whether it asked for the message list (STAT, LIST, UIDL) before it
 * used a message number, which numbers it was told about, and the greeting's APOP timestamp.
 */
import type { ListenerName } from '../../../api.js';
import { addSeqs } from '../evidence.js';
import type { FramerInput } from '../framer.js';
import { MAX_PENDING_COMMANDS } from '../conversation.js';
import { SmtpLineFramer, type SmtpLine } from '../smtp/framer.js';

export type Pop3Line = SmtpLine;

export interface Pop3Command {
  /** Upper-case keyword. */
  verb: string;
  args: string;
  line: Pop3Line;
  /** The session was in the TRANSACTION state when the command was sent. */
  afterLogin: boolean;
}

export interface Pop3Reply {
  ok: boolean;
  /** The status line without +OK / -ERR. */
  text: string;
  seqs: number[];
  t: string;
  tls: boolean;
  /** Bytes of the multi-line body (RETR/TOP: the message), when there is one. */
  bodyBytes: number;
  bodyLines: number;
}

export type Pop3ClientItem =
  | { kind: 'command'; cmd: Pop3Command }
  | { kind: 'sasl-response'; auth: Pop3Command; line: Pop3Line; cancel: boolean };

export type Pop3ServerItem =
  | { kind: 'greeting'; reply: Pop3Reply; apopTimestamp: boolean }
  /** A status line (with its body once complete) and the command it answers. */
  | { kind: 'reply'; reply: Pop3Reply; cmd?: Pop3Command }
  | { kind: 'continuation'; line: Pop3Line; cmd?: Pop3Command };

export interface Pop3Sink {
  client(item: Pop3ClientItem, conn: Pop3Conn): void;
  server(item: Pop3ServerItem, conn: Pop3Conn): void;
}

/** Commands whose +OK is followed by a multi-line body (RFC 1939 §7, RFC 2449 §5, RFC 5034 §4). */
function multiline(cmd: Pop3Command | undefined): boolean {
  return cmd !== undefined && hasMultilineAnswer(cmd.verb, cmd.args);
}

/** Whether a +OK to `verb args` is followed by a multi-line body (RFC 1939 §3). */
export function hasMultilineAnswer(verb: string, args: string): boolean {
  const noArg = args.trim() === '';
  switch (verb.toUpperCase()) {
    case 'RETR':
    case 'TOP':
    case 'CAPA':
      return true;
    case 'LIST':
    case 'UIDL':
    case 'AUTH':
      return noArg;
    default:
      return false;
  }
}

export class Pop3Conn {
  readonly id: string;
  proto?: ListenerName;
  greeted = false;
  apopOffered = false;
  authenticated = false;
  /** The session asked for the message list or count (STAT, LIST, UIDL) since login. */
  listed = false;
  usedUidl = false;
  /** The message count the server gave (STAT or LIST), once known. */
  messageCount?: number;
  /** Distinct message numbers retrieved with RETR since login. */
  readonly retrieved = new Set<number>();
  retrievedBytes = 0;
  deleSent = false;
  /** Message numbers the server accepted a DELE for. */
  readonly deleted = new Set<number>();
  quitSent = false;
  readonly pending: Pop3Command[] = [];
  private auth?: Pop3Command;
  private challengeOutstanding = false;
  private body?: { reply: Pop3Reply; cmd?: Pop3Command };
  readonly c2s = new SmtpLineFramer();
  readonly s2c = new SmtpLineFramer();

  constructor(id: string) {
    this.id = id;
  }

  clientBytes(data: Buffer, at: FramerInput, truncatedBy: number, sink: Pop3Sink): void {
    for (const line of this.c2s.push(data, at)) this.clientLine(line, sink);
    if (truncatedBy > 0) this.c2s.skip(truncatedBy, at);
  }

  serverBytes(data: Buffer, at: FramerInput, truncatedBy: number, sink: Pop3Sink): void {
    for (const line of this.s2c.push(data, at)) this.serverLine(line, sink);
    if (truncatedBy > 0) {
      // A body cut by the recorder: count the bytes, the rest of the line is unknown.
      if (this.body) this.body.reply.bodyBytes += truncatedBy;
      this.s2c.skip(truncatedBy, at);
    }
  }

  private clientLine(line: Pop3Line, sink: Pop3Sink): void {
    if (this.auth && this.challengeOutstanding) {
      this.challengeOutstanding = false;
      sink.client({ kind: 'sasl-response', auth: this.auth, line, cancel: line.text.trim() === '*' }, this);
      return;
    }
    const sp = line.text.indexOf(' ');
    const verb = (sp < 0 ? line.text : line.text.slice(0, sp)).trim().toUpperCase();
    const cmd: Pop3Command = { verb, args: sp < 0 ? '' : line.text.slice(sp + 1), line, afterLogin: this.authenticated };
    sink.client({ kind: 'command', cmd }, this);
    if (this.pending.length < MAX_PENDING_COMMANDS) this.pending.push(cmd);
    if (verb === 'AUTH' && cmd.args.trim() !== '') this.auth = cmd;
    if (verb === 'DELE') this.deleSent = true;
    if (verb === 'QUIT') this.quitSent = true;
    if (verb === 'UIDL') this.usedUidl = true;
  }

  private serverLine(line: Pop3Line, sink: Pop3Sink): void {
    if (this.body) {
      if (line.text === '.' && !line.incomplete) {
        const done = this.body;
        this.body = undefined;
        this.deliver(done.reply, done.cmd, sink);
        return;
      }
      countBodyLine(this.body.reply, line);
      return;
    }
    const m = /^(\+OK|-ERR)(?: (.*))?$/i.exec(line.text);
    if (!m) {
      if (line.text.startsWith('+')) {
        // A SASL continuation (RFC 5034 §4: "+ base64").
        this.challengeOutstanding = true;
        sink.server({ kind: 'continuation', line, cmd: this.auth }, this);
      }
      return;
    }
    const reply: Pop3Reply = { ok: m[1].toUpperCase() === '+OK', text: m[2] ?? '', seqs: [...line.seqs], t: line.t, tls: line.tls, bodyBytes: 0, bodyLines: 0 };
    if (!this.greeted) {
      this.greeted = true;
      this.apopOffered = /<[^<>@\s]+@[^<>\s]+>/.test(reply.text);
      sink.server({ kind: 'greeting', reply, apopTimestamp: this.apopOffered }, this);
      return;
    }
    const cmd = this.pending.shift();
    if (reply.ok && multiline(cmd)) {
      this.body = { reply, cmd };
      return;
    }
    this.deliver(reply, cmd, sink);
  }

  private deliver(reply: Pop3Reply, cmd: Pop3Command | undefined, sink: Pop3Sink): void {
    sink.server({ kind: 'reply', reply, cmd }, this);
    if (!cmd) return;
    switch (cmd.verb) {
      case 'PASS':
      case 'APOP':
        if (reply.ok) this.authenticated = true;
        break;
      case 'AUTH':
        if (cmd === this.auth) {
          if (reply.ok) this.authenticated = true;
          this.auth = undefined;
          this.challengeOutstanding = false;
        }
        break;
      case 'STAT':
        if (reply.ok) {
          this.listed = true;
          const n = Number(/^(\d+)/.exec(reply.text)?.[1]);
          if (Number.isFinite(n)) this.messageCount = n;
        }
        break;
      case 'LIST':
        if (reply.ok) {
          this.listed = true;
          if (cmd.args.trim() === '') this.messageCount = reply.bodyLines;
        }
        break;
      case 'UIDL':
        if (reply.ok) this.listed = true;
        break;
      case 'DELE':
        if (reply.ok) {
          const n = Number(cmd.args.trim());
          if (Number.isInteger(n)) this.deleted.add(n);
        }
        break;
      case 'RETR':
        if (reply.ok) {
          const n = Number(cmd.args.trim());
          if (Number.isInteger(n)) this.retrieved.add(n);
          this.retrievedBytes += reply.bodyBytes;
        }
        break;
      default:
        break;
    }
  }
}

function countBodyLine(reply: Pop3Reply, line: Pop3Line): void {
  reply.bodyBytes += line.bytes;
  reply.bodyLines += 1;
  addSeqs(reply.seqs, line.seqs.slice(-1));
}
