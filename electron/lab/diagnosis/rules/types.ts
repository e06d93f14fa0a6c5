/**
 * A rule recognises one quirk of QUIRKS.md. Rules read items (parsed commands and responses
 * from ../conversation.ts) and the non-byte events (tls.*, auth, http.request, conn.*), never
 * packet boundaries. They are incremental: each handler does bounded work for one item and
 * keeps per-connection state it drops when the connection closes.
 */
import type { FindingId, LabEvent, NetworkTrust } from '../../../api.js';
import type { ClientItem, ConnState, ServerItem } from '../conversation.js';
import type { FindingStore } from '../store.js';

export interface RuleHost {
  readonly store: FindingStore;
  conn(id: string): ConnState | undefined;
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
