/**
 * One IMAP connection as the rules see it: the two framers (c2s and s2c) turn bytes into lines,
 * and this state machine turns lines into items: commands, SASL responses, empty lines, IDLE's
 * DONE, continuation requests, untagged and tagged responses matched to their command.
 *
 * The one place that knows who a client line belongs to:
 *  - during AUTHENTICATE (RFC 3501 §6.2.2), a client line answers a `+` challenge only while a
 *    challenge is outstanding; so the empty response that ends a DIGEST-MD5 exchange
 *    (RFC 2831 §2.1.3) is a SASL response, a `*` is a cancel, and a line sent before any
 *    challenge (or after the tagged result) is in command position;
 *  - a `+` from the server answers the client's synchronizing literal when one is pending,
 *    IDLE when idling (RFC 2177), and otherwise the AUTHENTICATE exchange.
 * Items are dispatched before the connection state moves on, so a handler sees the state in
 * which the item arrived (e.g. `authenticated` is still false when the tagged OK to LOGIN comes).
 */
import type { ListenerName } from '../../api.js';
import { LineFramer, type FramedLine, type FramerInput } from './framer.js';
import { capabilitiesIn, decodeSasl, parseClientLine, parseServerLine } from './imap-syntax.js';

export interface Command {
  tag: string;
  /** Upper case; "UID FETCH" for UID commands. */
  name: string;
  args: string;
  line: FramedLine;
  /** Per-rule marks ("no-mailbox", …) so a rule can find its command again when the response comes. */
  marks: Set<string>;
}

export type ClientItem =
  | { kind: 'command'; cmd: Command; line: FramedLine }
  | { kind: 'empty'; line: FramedLine }
  | { kind: 'sasl-response'; auth: Command; line: FramedLine; cancel: boolean }
  | { kind: 'idle-done'; line: FramedLine }
  | { kind: 'invalid'; line: FramedLine; reason: string };

export type ServerItem =
  | { kind: 'greeting'; status: string; line: FramedLine }
  | { kind: 'continuation'; line: FramedLine; text: string; /** the AUTHENTICATE it challenges */ auth?: Command; decoded?: string | null }
  | { kind: 'untagged'; name: string; num?: number; text: string; line: FramedLine }
  | { kind: 'tagged'; tag: string; status: string; text: string; line: FramedLine; cmd?: Command }
  | { kind: 'invalid'; line: FramedLine };

export interface ItemSink {
  client(item: ClientItem, conn: ConnState): void;
  server(item: ServerItem, conn: ConnState): void;
}

export const AUTH_COMMANDS: ReadonlySet<string> = new Set(['LOGIN', 'AUTHENTICATE']);

/** Mark on an AUTHENTICATE: the client cancelled it with `*` (RFC 3501 §6.2.2). */
export const AUTH_CANCELLED = 'auth-cancelled';
/** Mark on an AUTHENTICATE: the client answered at least one challenge. */
export const AUTH_ANSWERED = 'auth-answered';

/** Most commands kept waiting for a response per connection (a client that never reads must not grow memory). */
export const MAX_PENDING_COMMANDS = 256;

export class ConnState {
  readonly id: string;
  proto?: ListenerName;
  openSeq?: number;
  port?: number;
  start?: string;
  end?: string;
  closed = false;
  closedBy?: string;
  /** 'tls' for implicit TLS (993), 'starttls' once STARTTLS succeeded. */
  security: 'none' | 'starttls' | 'tls' = 'none';
  tlsEstablishedSeq?: number;
  /** Client payload bytes received inside TLS. */
  tlsClientBytes = 0;
  /** The lab's address the client connected to (conn.open `local`), without the port. */
  localAddress?: string;
  /** From tls.hello: the client's highest offered version, and the name it asked for. */
  tlsHello?: { seq: number; maxVersion: string; sni?: string };
  /** From tls.established: which server certificate it got and the names that one covers. */
  tlsCertificate?: { certificate?: string; names?: string[] };
  /** A tls.failed with afterHandshake: the session broke on a fatal TLS error. */
  tlsErrorAfterHandshake = false;
  /**
   * The first bytes after the handshake were not a TLS record (the lab answered protocol_version)
   * and nothing had come inside TLS: the client left TLS and spoke in clear (mutt says QUIT in
   * clear after a person rejected the certificate on POP3 STLS).
   */
  clearTextAfterHandshake = false;
  greeted = false;
  capabilities = new Set<string>();
  authenticated = false;
  selected = false;
  /** Commands sent and not yet answered by a tagged response, by tag. */
  readonly pending = new Map<string, Command[]>();
  pendingCount = 0;
  /** The AUTHENTICATE in progress and the challenges it has not answered yet. */
  auth?: Command;
  challengesOutstanding = 0;
  idle?: Command;
  /** The last tagged response, and how many client items came after it. */
  lastTagged?: { item: ServerItem & { kind: 'tagged' }; clientItemsSince: number };
  lastServerEvent?: { seq: number; t: string };
  /** Seq of the event that ended the last complete client line. */
  lastClientLineEndSeq?: number;
  commandCount = 0;
  readonly c2s = new LineFramer();
  readonly s2c = new LineFramer();

  constructor(id: string) {
    this.id = id;
  }

  /** A LOGIN or AUTHENTICATE sent and not answered yet. */
  pendingAuth(): Command | undefined {
    if (this.auth) return this.auth;
    for (const list of this.pending.values()) for (const c of list) if (c.name === 'LOGIN') return c;
    return undefined;
  }

  hasPending(name: string): boolean {
    for (const list of this.pending.values()) for (const c of list) if (c.name === name) return true;
    return false;
  }

  /** Feed a c2s payload. */
  clientBytes(data: Buffer, at: FramerInput, truncatedBy: number, sink: ItemSink): void {
    if (at.tls) this.tlsClientBytes += data.length + truncatedBy;
    for (const line of this.c2s.push(data, at)) this.clientLine(line, sink);
    if (truncatedBy > 0) this.c2s.skip(truncatedBy, at);
  }

  /** Feed an s2c payload. */
  serverBytes(data: Buffer, at: FramerInput, truncatedBy: number, sink: ItemSink): void {
    this.lastServerEvent = { seq: at.seq, t: at.t };
    for (const line of this.s2c.push(data, at)) this.serverLine(line, sink);
    if (truncatedBy > 0) this.s2c.skip(truncatedBy, at);
  }

  private clientLine(line: FramedLine, sink: ItemSink): void {
    let item: ClientItem;
    if (this.auth && this.challengesOutstanding > 0) {
      this.challengesOutstanding--;
      item = { kind: 'sasl-response', auth: this.auth, line, cancel: line.text.trim() === '*' };
    } else if (this.idle && line.text.trim().toUpperCase() === 'DONE') {
      item = { kind: 'idle-done', line };
    } else {
      const p = parseClientLine(line.text);
      if (p.kind === 'empty') item = { kind: 'empty', line };
      else if (p.kind === 'invalid') item = { kind: 'invalid', line, reason: p.reason };
      else item = { kind: 'command', line, cmd: { tag: p.tag, name: p.name, args: p.args, line, marks: new Set() } };
    }
    sink.client(item, this);
    if (this.lastTagged) this.lastTagged.clientItemsSince++;
    this.lastClientLineEndSeq = line.seqs[line.seqs.length - 1];
    if (item.kind === 'command') {
      const cmd = item.cmd;
      this.commandCount++;
      if (this.pendingCount < MAX_PENDING_COMMANDS) {
        const list = this.pending.get(cmd.tag);
        if (list) list.push(cmd);
        else this.pending.set(cmd.tag, [cmd]);
        this.pendingCount++;
      }
      if (cmd.name === 'AUTHENTICATE') {
        this.auth = cmd;
        this.challengesOutstanding = 0;
      } else if (cmd.name === 'IDLE') {
        this.idle = cmd;
      }
    } else if (item.kind === 'sasl-response') {
      // Marks read by the rules and attempts when the tagged result comes (auth-refusal.ts).
      item.auth.marks.add(item.cancel ? AUTH_CANCELLED : AUTH_ANSWERED);
      if (item.cancel) this.challengesOutstanding = 0;
    }
  }

  private serverLine(line: FramedLine, sink: ItemSink): void {
    const p = parseServerLine(line.text);
    let item: ServerItem;
    if (!this.greeted && p.kind === 'untagged' && (p.name === 'OK' || p.name === 'PREAUTH' || p.name === 'BYE')) {
      item = { kind: 'greeting', status: p.name, line };
      this.greeted = true;
      if (p.name === 'PREAUTH') this.authenticated = true;
    } else if (p.kind === 'continuation') {
      // A go-ahead for the client's synchronizing literal, for IDLE, or a SASL challenge.
      const forAuth = this.auth && !this.c2s.inLiteralData && !this.c2s.midLine ? this.auth : undefined;
      item = { kind: 'continuation', line, text: p.text, auth: forAuth, decoded: forAuth ? decodeSasl(p.text) : undefined };
      if (forAuth) this.challengesOutstanding++;
    } else if (p.kind === 'untagged') {
      item = { kind: 'untagged', name: p.name, num: p.num, text: p.text, line };
    } else if (p.kind === 'tagged') {
      const list = this.pending.get(p.tag);
      const cmd = list?.shift();
      if (list && list.length === 0) this.pending.delete(p.tag);
      if (cmd) this.pendingCount--;
      item = { kind: 'tagged', tag: p.tag, status: p.status, text: p.text, line, cmd };
    } else {
      item = { kind: 'invalid', line };
    }
    const caps = capabilitiesIn(p);
    if (caps) this.capabilities = new Set(caps);
    sink.server(item, this);
    if (item.kind === 'tagged') {
      this.lastTagged = { item, clientItemsSince: 0 };
      const cmd = item.cmd;
      const ok = item.status === 'OK';
      if (cmd) {
        if (AUTH_COMMANDS.has(cmd.name) && ok) this.authenticated = true;
        if ((cmd.name === 'SELECT' || cmd.name === 'EXAMINE')) this.selected = ok;
        if ((cmd.name === 'CLOSE' || cmd.name === 'UNSELECT') && ok) this.selected = false;
        if (cmd.name === 'STARTTLS' && ok) this.capabilities = new Set();
        if (cmd === this.auth) {
          this.auth = undefined;
          this.challengesOutstanding = 0;
        }
        if (cmd === this.idle) this.idle = undefined;
      }
    }
  }
}

/**
 * Commands that show the client believes it is logged in and goes on to use the mailbox store
 * (QUIRKS.md `auth-success-ignored`: "never SELECTs/EXAMINEs/LISTs").
 */
export const MAILBOX_COMMANDS: ReadonlySet<string> = new Set([
  'SELECT', 'EXAMINE', 'LIST', 'LSUB', 'XLIST', 'STATUS', 'NAMESPACE', 'APPEND', 'CREATE', 'DELETE',
  'RENAME', 'SUBSCRIBE', 'UNSUBSCRIBE', 'GETQUOTAROOT',
]);

/** The mechanism an auth command uses: the SASL name, or "LOGIN-COMMAND" (as `auth` events name it). */
export function mechanismOf(cmd: Command): string {
  if (cmd.name === 'LOGIN') return 'LOGIN-COMMAND';
  return (cmd.args.split(' ')[0] ?? '').toUpperCase();
}
