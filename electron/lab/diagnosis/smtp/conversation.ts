/**
 * One SMTP connection as the rules see it: two line framers (c2s, s2c) and a state machine that
 * turns lines into items — commands, SASL responses, the message content of DATA, replies
 * (multi-line `250-…` / `250 …` joined, RFC 5321 §4.2.1) matched to their command in order
 * (SMTP has no tags: replies come in command order, RFC 2920 §3 with pipelining too).
 *
 * The places where a client line is not a command:
 *  - after `334` to AUTH (RFC 4954 §4) the next line is a SASL response, a secret; `*` cancels;
 *  - after DATA, and once the server said 354, lines are message content up to the line ".";
 *    they are counted (bytes, bare LF, 8-bit) and never parsed as commands. A server reply that
 *    comes while content is still arriving ends the content (the server gave up on it).
 * STARTTLS answered 220 resets what the client knows (RFC 3207 §4.2): extensions and login.
 * Items are dispatched before the state moves on, so a handler sees the state the item arrived in.
 */
import type { ListenerName } from '../../../api.js';
import { addSeqs } from '../evidence.js';
import type { FramerInput } from '../framer.js';
import { MAX_PENDING_COMMANDS } from '../conversation.js';
import { SmtpLineFramer, type SmtpLine } from './framer.js';
import { enhancedCode, parseCommand, parseExtensions, parseReplyLine, type Extensions } from './syntax.js';

/** At most this many seqs kept per kind of notable content line (bare LF, 8-bit) of one message. */
export const MAX_CONTENT_SAMPLES = 8;

export interface SmtpCommand {
  /** Upper case verb; "." for the end of message content (a reply answers it like a command). */
  verb: string;
  args: string;
  line: SmtpLine;
  /** Sent while an earlier command still waited for its reply (RFC 2920). */
  pipelined: boolean;
  /** The session was not authenticated when the command was sent. */
  beforeAuth: boolean;
}

/** What one message's content (DATA … ".") looked like. */
export interface ContentSummary {
  bytes: number;
  lines: number;
  bareLfLines: number;
  bareLfSeqs: number[];
  eightBitLines: number;
  eightBitSeqs: number[];
  /** Seqs of the events that carried it (bounded: the first ones and the latest). */
  seqs: number[];
  /** The MAIL command of this transaction, for its BODY= parameter. */
  mail?: SmtpCommand;
}

export interface SmtpReply {
  code: number;
  /** The text of each line, without the code. */
  lines: string[];
  enhanced?: string;
  seqs: number[];
  t: string;
  tls: boolean;
}

export type SmtpClientItem =
  | { kind: 'command'; cmd: SmtpCommand; line: SmtpLine }
  | { kind: 'sasl-response'; auth: SmtpCommand; line: SmtpLine; cancel: boolean }
  /** The line "." ended the content; `cmd` is the pseudo-command the final reply answers. */
  | { kind: 'content-end'; content: ContentSummary; cmd: SmtpCommand; line: SmtpLine; endedBy: 'client' | 'server' };

export type SmtpServerItem =
  | { kind: 'greeting'; reply: SmtpReply }
  /**
   * A reply with the command it answers (none for an unsolicited one, e.g. 421 on shutdown).
   * `cutContent`: the reply came before the client's "." was seen, and ended the content.
   */
  | { kind: 'reply'; reply: SmtpReply; cmd?: SmtpCommand; cutContent?: ContentSummary }
  | { kind: 'invalid'; line: SmtpLine };

export interface SmtpSink {
  client(item: SmtpClientItem, conn: SmtpConn): void;
  server(item: SmtpServerItem, conn: SmtpConn): void;
}

type ContentState = 'none' | 'awaiting-354' | 'open';

export class SmtpConn {
  readonly id: string;
  proto?: ListenerName;
  greeted = false;
  /** What the client last said hello with, since the connection or STARTTLS. */
  hello: 'none' | 'helo' | 'ehlo' = 'none';
  /** Said hello at least once on the connection (before STARTTLS too). */
  everHello = false;
  extensions: Extensions = parseExtensions([]);
  /** Extensions of the last EHLO reply, before a STARTTLS reset them. */
  lastExtensions?: Extensions;
  authenticated = false;
  /** The AUTH in progress and the 334 challenges it has not answered yet. */
  auth?: SmtpCommand;
  challengesOutstanding = 0;
  /** The MAIL command of the open transaction (after 250 to MAIL, until the message or RSET). */
  mail?: SmtpCommand;
  content: ContentState = 'none';
  current?: ContentSummary;
  /** The message sent so far in BDAT chunks (RFC 3030), until the reply to BDAT … LAST. */
  chunkContent?: ContentSummary;
  /** Commands sent and not answered yet, in order. */
  readonly pending: SmtpCommand[] = [];
  /** Seqs of the reply being assembled (multi-line). */
  private replyLines: string[] = [];
  private replyCode = 0;
  private replySeqs: number[] = [];
  private replyStart?: { t: string; tls: boolean };
  readonly c2s = new SmtpLineFramer();
  readonly s2c = new SmtpLineFramer();
  lastServerEvent?: { seq: number; t: string };

  constructor(id: string) {
    this.id = id;
  }

  /** Inside message content (or waiting for 354 with content possibly on its way). */
  get inContent(): boolean {
    return this.content !== 'none';
  }

  clientBytes(data: Buffer, at: FramerInput, truncatedBy: number, sink: SmtpSink): void {
    this.c2s.feed(
      data,
      at,
      (line) => this.clientLine(line, sink),
      (bytes, where) => this.chunkBytes(bytes, where),
    );
    if (truncatedBy > 0) {
      if (this.current && this.content !== 'none') this.current.bytes += truncatedBy;
      this.c2s.skip(truncatedBy, at);
    }
  }

  serverBytes(data: Buffer, at: FramerInput, truncatedBy: number, sink: SmtpSink): void {
    this.lastServerEvent = { seq: at.seq, t: at.t };
    for (const line of this.s2c.push(data, at)) this.serverLine(line, sink);
    if (truncatedBy > 0) this.s2c.skip(truncatedBy, at);
  }

  private clientLine(line: SmtpLine, sink: SmtpSink): void {
    if (this.auth && this.challengesOutstanding > 0) {
      this.challengesOutstanding--;
      const cancel = line.text.trim() === '*';
      sink.client({ kind: 'sasl-response', auth: this.auth, line, cancel }, this);
      return;
    }
    if (this.content !== 'none') {
      this.contentLine(line, sink);
      return;
    }
    const p = parseCommand(line.text);
    const cmd: SmtpCommand = { verb: p.verb, args: p.args, line, pipelined: this.pending.length > 0, beforeAuth: !this.authenticated };
    sink.client({ kind: 'command', cmd, line }, this);
    this.enqueue(cmd);
    if (cmd.verb === 'AUTH') {
      this.auth = cmd;
      this.challengesOutstanding = 0;
    } else if (cmd.verb === 'DATA' && cmd.args.trim() === '') {
      // A correct client waits for 354; one that does not sends content anyway: it is content.
      this.content = 'awaiting-354';
      this.current = newContent(this.mail);
    } else if (cmd.verb === 'BDAT') {
      // RFC 3030 §2: exactly that many octets follow at once, message text, never commands.
      const size = bdatSize(cmd.args);
      if (size !== null && size > 0) {
        this.chunkContent = this.chunkContent ?? newContent(this.mail);
        this.c2s.expectRaw(size);
      }
    }
  }

  /** Octets of a BDAT chunk: counted as the message's, never read as commands. */
  private chunkBytes(bytes: number, at: FramerInput): void {
    const c = this.chunkContent ?? (this.chunkContent = newContent(this.mail));
    c.bytes += bytes;
    addSeqs(c.seqs, [at.seq]);
  }

  private contentLine(line: SmtpLine, sink: SmtpSink): void {
    const c = this.current ?? (this.current = newContent(this.mail));
    addSeqs(c.seqs, line.seqs);
    if (line.text === '.' && !line.incomplete) {
      // RFC 5321 §4.1.1.4: the end of the content. A bare-LF "." ends it for the reader too,
      // since that is what the device meant; smtp-bare-lf says what a strict server does with it.
      if (line.bareLf) countSample(c, 'bareLf', line);
      const end: SmtpCommand = { verb: '.', args: '', line, pipelined: false, beforeAuth: !this.authenticated };
      this.content = 'none';
      this.current = undefined;
      sink.client({ kind: 'content-end', content: c, cmd: end, line, endedBy: 'client' }, this);
      this.enqueue(end);
      return;
    }
    c.bytes += line.bytes;
    c.lines++;
    if (line.bareLf) countSample(c, 'bareLf', line);
    if (line.eightBit) countSample(c, 'eightBit', line);
  }

  private enqueue(cmd: SmtpCommand): void {
    if (this.pending.length < MAX_PENDING_COMMANDS) this.pending.push(cmd);
  }

  private serverLine(line: SmtpLine, sink: SmtpSink): void {
    const p = parseReplyLine(line.text);
    if (!p) {
      sink.server({ kind: 'invalid', line }, this);
      return;
    }
    if (this.replyLines.length === 0) {
      this.replyCode = p.code;
      this.replyStart = { t: line.t, tls: line.tls };
    }
    this.replyLines.push(p.text);
    addSeqs(this.replySeqs, line.seqs);
    if (p.more) return;
    const reply: SmtpReply = {
      code: this.replyCode,
      lines: this.replyLines,
      seqs: this.replySeqs,
      t: this.replyStart?.t ?? line.t,
      tls: this.replyStart?.tls ?? line.tls,
    };
    const enh = enhancedCode(this.replyLines[0]);
    if (enh) reply.enhanced = enh;
    this.replyLines = [];
    this.replySeqs = [];
    this.reply(reply, sink);
  }

  private reply(reply: SmtpReply, sink: SmtpSink): void {
    if (!this.greeted) {
      // The server speaks first (RFC 5321 §3.1), whatever a client that talks early sent.
      this.greeted = true;
      sink.server({ kind: 'greeting', reply }, this);
      return;
    }
    if (reply.code === 334 && this.auth) {
      this.challengesOutstanding++;
      sink.server({ kind: 'reply', reply, cmd: this.auth }, this);
      return;
    }
    let cutContent: ContentSummary | undefined;
    if (this.content === 'open' && this.pending.length === 0) {
      // A reply while content was still arriving: the server ended the message itself (a size
      // limit), or the "." was in bytes the recorder did not keep. Either way the content is over.
      cutContent = this.current ?? newContent(this.mail);
      const line: SmtpLine = { text: '', bytes: 0, bareLf: false, eightBit: false, seqs: cutContent.seqs.slice(-1), t: reply.t, tls: reply.tls, incomplete: true };
      if (line.seqs.length === 0) line.seqs = reply.seqs.slice(0, 1);
      const end: SmtpCommand = { verb: '.', args: '', line, pipelined: false, beforeAuth: !this.authenticated };
      this.content = 'none';
      this.current = undefined;
      sink.client({ kind: 'content-end', content: cutContent, cmd: end, line, endedBy: 'server' }, this);
      this.pending.push(end);
    }
    const cmd = this.pending.shift();
    sink.server(cutContent ? { kind: 'reply', reply, cmd, cutContent } : { kind: 'reply', reply, cmd }, this);
    if (!cmd) return;
    const ok = reply.code >= 200 && reply.code < 300;
    switch (cmd.verb) {
      case 'EHLO':
      case 'HELO':
        if (ok) {
          this.hello = cmd.verb === 'EHLO' ? 'ehlo' : 'helo';
          this.everHello = true;
          this.extensions = parseExtensions(cmd.verb === 'EHLO' ? reply.lines : []);
          if (cmd.verb === 'EHLO') this.lastExtensions = this.extensions;
          this.mail = undefined;
        }
        break;
      case 'AUTH':
        if (reply.code === 235) this.authenticated = true;
        this.auth = undefined;
        this.challengesOutstanding = 0;
        break;
      case 'STARTTLS':
        if (reply.code === 220) {
          this.hello = 'none';
          this.extensions = parseExtensions([]);
          this.authenticated = false;
          this.mail = undefined;
        }
        break;
      case 'MAIL':
        if (ok) this.mail = cmd;
        break;
      case 'RSET':
        this.mail = undefined;
        this.chunkContent = undefined;
        break;
      case 'BDAT':
        // The reply to the LAST chunk (or any refusal) ends the message, as the reply to "." does.
        if (/\bLAST\s*$/i.test(cmd.args) || !ok) {
          this.mail = undefined;
          this.chunkContent = undefined;
        }
        break;
      case 'DATA':
        if (reply.code === 354) this.content = 'open';
        else if (this.content === 'awaiting-354') {
          this.content = 'none';
          this.current = undefined;
        }
        break;
      case '.':
        this.mail = undefined;
        break;
      default:
        break;
    }
  }
}

/** The chunk size of `BDAT size [LAST]`, or null when the arguments are not that. */
export function bdatSize(args: string): number | null {
  const m = /^(\d{1,20})(?: +LAST)? *$/i.exec(args);
  return m ? Number(m[1]) : null;
}

function newContent(mail: SmtpCommand | undefined): ContentSummary {
  const c: ContentSummary = { bytes: 0, lines: 0, bareLfLines: 0, bareLfSeqs: [], eightBitLines: 0, eightBitSeqs: [], seqs: [] };
  if (mail) c.mail = mail;
  return c;
}

function countSample(c: ContentSummary, kind: 'bareLf' | 'eightBit', line: SmtpLine): void {
  const seqs = kind === 'bareLf' ? c.bareLfSeqs : c.eightBitSeqs;
  if (kind === 'bareLf') c.bareLfLines++;
  else c.eightBitLines++;
  if (seqs.length < MAX_CONTENT_SAMPLES) addSeqs(seqs, line.seqs.slice(0, 1));
}
