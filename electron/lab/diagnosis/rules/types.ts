/**
 * A rule recognises one quirk of QUIRKS.md. Rules read items (parsed commands and responses
 * from ../conversation.ts) and the non-byte events (tls.*, auth, http.request, conn.*), never
 * packet boundaries. They are incremental: each handler does bounded work for one item and
 * keeps per-connection state it drops when the connection closes.
 */
import type { FindingId, LabEvent, NetworkTrust, Severity } from '../../../api.js';
import type { ClientItem, ConnState, ServerItem } from '../conversation.js';
import type { FindingStore } from '../store.js';
import type { SmtpClientItem, SmtpConn, SmtpServerItem } from '../smtp/conversation.js';
import type { Pop3ClientItem, Pop3Conn, Pop3ServerItem } from '../pop3/conversation.js';

export interface RuleHost {
  readonly store: FindingStore;
  conn(id: string): ConnState | undefined;
  /** The SMTP reading of a connection on the smtp/smtps listeners. */
  smtp(id: string): SmtpConn | undefined;
  /** The POP3 reading of a connection on the pop3/pop3s listeners. */
  pop3(id: string): Pop3Conn | undefined;
  /** lab.stop was seen: the session is over. */
  readonly stopped: boolean;
  /** The network the phone used (DiagnosisOptions.network, else lab.start's setting). */
  readonly network: NetworkTrust;
}

export interface Rule {
  readonly id: FindingId;
  /** Every event that is not c2s/s2c, after the connection state took it into account. */
  onEvent?(ev: LabEvent, conn: ConnState | undefined, host: RuleHost): void;
  onClient?(item: ClientItem, conn: ConnState, host: RuleHost): void;
  onServer?(item: ServerItem, conn: ConnState, host: RuleHost): void;
  /** SMTP connections: commands, SASL responses and message content, in wire order. */
  onSmtpClient?(item: SmtpClientItem, conn: SmtpConn, host: RuleHost): void;
  /** SMTP connections: the greeting and each whole reply, with the command it answers. */
  onSmtpServer?(item: SmtpServerItem, conn: SmtpConn, host: RuleHost): void;
  /** POP3 connections: commands and SASL responses, in wire order. */
  onPop3Client?(item: Pop3ClientItem, conn: Pop3Conn, host: RuleHost): void;
  /** POP3 connections: the greeting, continuations, and each status line (with its body) and the command it answers. */
  onPop3Server?(item: Pop3ServerItem, conn: Pop3Conn, host: RuleHost): void;
}

/**
 * What a rule module says of its finding, for the catalogue (docs/findings.md, written by
 * `npm run docs:findings`; a test fails when it is stale). Title and advice are not repeated
 * here: the catalogue renders catalog.ts's words with `example`, as a technician reads them.
 */
export interface RuleMeta {
  readonly id: FindingId;
  /** The catalogue section: "Authentication", "State and traffic", "TLS and certificates", … */
  readonly area: string;
  /** Each severity the rule reports, and when. */
  readonly severity: Readonly<Partial<Record<Severity, string>>>;
  /** What shows it on the wire, in words. */
  readonly signature: string;
  /** A transcript of it (`S:` / `C:` lines), where one is known. */
  readonly wire?: readonly string[];
  /** Where the signature comes from: the reference case, an RFC section, a server's answers. */
  readonly source: string;
  /** The facts (`Finding.data`) of a typical finding, to render its title and advice. */
  readonly example: Readonly<Record<string, unknown>>;
}

/** Per-connection state of one rule, dropped on conn.close. */
export class PerConn<S> {
  private readonly map = new Map<string, S>();
  constructor(private readonly make: () => S) {}
  get(conn: string): S {
    let s = this.map.get(conn);
    if (!s) {
      s = this.make();
      this.map.set(conn, s);
    }
    return s;
  }
  peek(conn: string): S | undefined {
    return this.map.get(conn);
  }
  drop(conn: string): void {
    this.map.delete(conn);
  }
}
