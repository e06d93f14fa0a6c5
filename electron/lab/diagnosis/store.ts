/**
 * Where rules put what they found. One finding per id for the whole session: a phone that
 * retries on five connections is one problem seen five times, not five problems; the
 * connections and counts go into `data`. Severity only ever rises.
 */
import type { FindingId, Severity } from '../../api.js';
import { addSeqs } from './evidence.js';

/** Lists inside finding data (connections, samples, gaps) keep at most this many entries. */
export const MAX_DATA_LIST = 20;

export interface StoredFinding {
  id: FindingId;
  severity: Severity;
  conn?: string;
  evidence: number[];
  data: Record<string, unknown>;
  /** Order of first report: findings are listed in the order they were found. */
  order: number;
  /** Bumped on every change, so a reader can reuse what it built from an unchanged finding. */
  version: number;
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export interface Report {
  id: FindingId;
  severity: Severity;
  evidence: readonly number[];
  conn?: string;
  /** Update the finding's data in place (called with {} the first time). */
  update?: (data: Record<string, unknown>) => void;
}

export class FindingStore {
  private readonly byId = new Map<FindingId, StoredFinding>();
  private counter = 0;

  report(r: Report): void {
    if (r.evidence.length === 0) throw new Error(`finding ${r.id} reported without evidence`);
    let f = this.byId.get(r.id);
    if (!f) {
      f = { id: r.id, severity: r.severity, conn: r.conn, evidence: [], data: {}, order: this.counter++, version: 0 };
      this.byId.set(r.id, f);
    } else if (RANK[r.severity] > RANK[f.severity]) {
      f.severity = r.severity;
    }
    addSeqs(f.evidence, r.evidence);
    if (r.conn !== undefined) addUnique(f.data, 'connections', r.conn, MAX_DATA_LIST);
    r.update?.(f.data);
    f.version++;
    this.changes++;
  }

  /** Bumped on every change of any finding (including retractions). */
  changes = 0;

  /** Add evidence to a finding already reported (a server's reaction arriving later). */
  addEvidence(id: FindingId, seqs: readonly number[]): void {
    const f = this.byId.get(id);
    if (f) {
      addSeqs(f.evidence, seqs);
      f.version++;
      this.changes++;
    }
  }

  /** Change the data of a finding already reported (no new evidence). */
  updateData(id: FindingId, fn: (data: Record<string, unknown>) => void): void {
    const f = this.byId.get(id);
    if (!f) return;
    fn(f.data);
    f.version++;
    this.changes++;
  }

  /** Read-only view: change findings through report/addEvidence/updateData so readers see it. */
  get(id: FindingId): Readonly<StoredFinding> | undefined {
    return this.byId.get(id);
  }

  has(id: FindingId): boolean {
    return this.byId.has(id);
  }

  /** Withdraw a provisional finding (e.g. "page fetched, certificate never" once the certificate comes). */
  retract(id: FindingId): void {
    if (this.byId.delete(id)) this.changes++;
  }

  all(): StoredFinding[] {
    return [...this.byId.values()].sort((a, b) => a.order - b.order);
  }
}

/** Push to a bounded list inside finding data. */
export function pushBounded<T>(data: Record<string, unknown>, key: string, value: T): void {
  const list = (data[key] as T[] | undefined) ?? [];
  if (list.length < MAX_DATA_LIST) list.push(value);
  data[key] = list;
}

/** Add a value to a list of distinct values inside finding data, up to `max` of them (no limit when omitted). */
export function addUnique<T>(data: Record<string, unknown>, key: string, value: T, max = MAX_DATA_LIST): void {
  const list = (data[key] as T[] | undefined) ?? [];
  if (!list.includes(value) && list.length < max) list.push(value);
  data[key] = list;
}

/** Count inside finding data. */
export function increment(data: Record<string, unknown>, key: string, by = 1): void {
  data[key] = ((data[key] as number | undefined) ?? 0) + by;
}
