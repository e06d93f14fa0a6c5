/**
 * Which attempts a capped section draws. A technician tries one configuration after another
 * (no encryption + CRAM-MD5, then DIGEST-MD5, then SSL + LOGIN …) while the phone polls every
 * few minutes, so a session easily has 50+ attempts and the first N would hide the
 * configurations tried last, which are what the customer ends up with. So: the earliest attempt
 * of every configuration with each outcome it had, then the most recent attempts; always in
 * the order they happened, and with what was left out, so the section can say so in words.
 * Pure: the matrix table and the timelines share it and the unit tests call it directly.
 */
import type { Attempt } from '../../api.js';

export type SelectableAttempt = Pick<Attempt, 'conn' | 'proto' | 'security' | 'mechanism' | 'verdict'>;

export interface ShownAttempt<A> {
  attempt: A;
  /** 1-based position in the session ("attempt 57 of 60"). */
  number: number;
  /** The earliest attempt of its configuration and outcome, or else drawn as one of the latest. */
  why: 'first-of-kind' | 'latest';
}

/** A run of consecutive attempts left out: numbers (1-based, inclusive) and connection ids. */
export interface OmittedRange {
  from: number;
  to: number;
  fromConn: string;
  toConn: string;
}

export interface AttemptSelection<A> {
  /** In the order they happened. */
  shown: Array<ShownAttempt<A>>;
  total: number;
  omitted: {
    count: number;
    passed: number;
    failed: number;
    /** Connection ids of the attempts left out, in order. */
    conns: string[];
    ranges: OmittedRange[];
  };
}

/**
 * What makes two attempts "the same configuration with the same outcome". The protocol is part
 * of it (POP3 with LOGIN is another setting on the phone than IMAP with LOGIN).
 */
export function configurationKey(a: SelectableAttempt): string {
  return `${a.proto}|${a.security}|${a.mechanism ?? ''}|${a.verdict}`;
}

/**
 * At most `max` attempts: first the earliest of each (protocol, security, mechanism, verdict),
 * then the most recent ones to fill the budget. When there are more combinations than the
 * budget, the combinations used most recently win and one slot is kept for the very last
 * attempt (the state the phone was left in).
 */
export function selectAttempts<A extends SelectableAttempt>(attempts: readonly A[], max: number): AttemptSelection<A> {
  const n = attempts.length;
  const budget = Math.max(0, Math.floor(max));
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  attempts.forEach((a, i) => {
    const k = configurationKey(a);
    if (!first.has(k)) first.set(k, i);
    last.set(k, i);
  });
  const chosen = new Set<number>();
  if (n <= budget) {
    for (let i = 0; i < n; i++) chosen.add(i);
  } else {
    // Most recently used combination first, so a cut drops the ones abandoned longest ago.
    const kinds = [...first.keys()].sort((x, y) => last.get(y)! - last.get(x)!);
    const forKinds = kinds.length <= budget ? kinds.length : Math.max(0, budget - 1);
    for (const k of kinds.slice(0, forKinds)) chosen.add(first.get(k)!);
    for (let i = n - 1; i >= 0 && chosen.size < budget; i--) chosen.add(i);
  }
  const firstOfKind = new Set(first.values());
  const shown = [...chosen]
    .sort((x, y) => x - y)
    .map((i): ShownAttempt<A> => ({ attempt: attempts[i], number: i + 1, why: firstOfKind.has(i) ? 'first-of-kind' : 'latest' }));

  const omitted: AttemptSelection<A>['omitted'] = { count: 0, passed: 0, failed: 0, conns: [], ranges: [] };
  for (let i = 0; i < n; i++) {
    if (chosen.has(i)) continue;
    const a = attempts[i];
    omitted.count += 1;
    if (a.verdict === 'pass') omitted.passed += 1;
    else omitted.failed += 1;
    omitted.conns.push(a.conn);
    const r = omitted.ranges[omitted.ranges.length - 1];
    if (r && r.to === i) {
      r.to = i + 1;
      r.toConn = a.conn;
    } else {
      omitted.ranges.push({ from: i + 1, to: i + 1, fromConn: a.conn, toConn: a.conn });
    }
  }
  return { shown, total: n, omitted };
}

/** Ranges named in words before "and N other attempts". */
export const MAX_RANGES_IN_WORDS = 6;

/** "attempt 7", "attempts 5 to 52". */
export function rangeWords(r: Pick<OmittedRange, 'from' | 'to'>): string {
  return r.from === r.to ? `attempt ${r.from.toLocaleString('en-US')}` : `attempts ${r.from.toLocaleString('en-US')} to ${r.to.toLocaleString('en-US')}`;
}

/**
 * The attempts left out, in words a customer reads: "attempts 5 to 52 (connections c5 to c52)",
 * "attempts 2, 4 to 9 and 12", "…, and 40 other attempts" past MAX_RANGES_IN_WORDS ranges.
 */
export function omittedWords(ranges: readonly OmittedRange[]): string {
  if (ranges.length === 0) return 'none';
  if (ranges.length === 1) {
    const r = ranges[0];
    return r.from === r.to ? `attempt ${r.from} (connection ${r.fromConn})` : `${rangeWords(r)} (connections ${r.fromConn} to ${r.toConn})`;
  }
  const num = (r: OmittedRange) => (r.from === r.to ? r.from.toLocaleString('en-US') : `${r.from.toLocaleString('en-US')} to ${r.to.toLocaleString('en-US')}`);
  const named = ranges.slice(0, MAX_RANGES_IN_WORDS);
  const rest = ranges.slice(MAX_RANGES_IN_WORDS).reduce((s, r) => s + r.to - r.from + 1, 0);
  const parts = named.map(num);
  if (rest > 0) return `attempts ${parts.join(', ')}, and ${rest.toLocaleString('en-US')} other attempt${rest === 1 ? '' : 's'}`;
  return `attempts ${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}
