/**
 * What every protocol's attempt tracker shares: one attempt per connection, listed in arrival
 * order, rebuilt one by one as they change, so a live timeline asking after every event pays
 * for what changed, not for every connection of the session. Treat results as read-only.
 */
import type { Attempt, LabEvent, StepName, TlsEngineName } from '../../api.js';
import { addSeqs } from './evidence.js';
import { buildSteps, newSteps, setStep, type StepState } from './steps.js';

export interface TrackedAttempt {
  conn: string;
  end?: string;
  closed: boolean;
  /** Some of its bytes are known only by their size (encrypted in a capture, or not recorded). */
  opaque: boolean;
  /** Index in the tracker's snapshot. */
  index: number;
  dirty: boolean;
  steps: Record<string, StepState>;
}

export abstract class AttemptSnapshots<S extends TrackedAttempt> {
  protected readonly byConn = new Map<string, S>();
  protected readonly order: S[] = [];
  private readonly snapshot: Attempt[] = [];
  private readonly changed: S[] = [];

  protected abstract build(a: S): Attempt;

  /** The steps that say "not visible" when an attempt's bytes could not be read. */
  protected abstract readonly stepsHiddenWhenOpaque: readonly string[];

  /** Bytes of this connection were seen only as a size. */
  markOpaque(conn: string): void {
    const a = this.byConn.get(conn);
    if (!a || a.opaque) return;
    a.opaque = true;
    this.dirty(a);
    noteOpaqueSteps(a.steps, this.stepsHiddenWhenOpaque);
  }

  protected dirty(a: S): void {
    if (a.dirty) return;
    a.dirty = true;
    this.changed.push(a);
  }

  /** Start tracking a new attempt (its `index` must be `this.order.length`). */
  protected add(a: S): void {
    this.byConn.set(a.conn, a);
    this.order.push(a);
    this.snapshot.push(undefined as unknown as Attempt);
    this.dirty(a);
  }

  /** The attempt an event of its connection changes (marked changed, its end moved), if it is tracked. */
  protected changedBy(ev: LabEvent): S | undefined {
    if (ev.conn === undefined) return undefined;
    const a = this.byConn.get(ev.conn);
    if (!a) return undefined;
    this.dirty(a);
    if (!a.closed) a.end = ev.t;
    return a;
  }

  /** Some attempt's bytes could not be read. */
  get anyOpaque(): boolean {
    return this.order.some((a) => a.opaque);
  }

  touch(conn: string, t: string): void {
    const a = this.byConn.get(conn);
    if (a && !a.closed) {
      a.end = t;
      this.dirty(a);
    }
  }

  /** The attempts so far; an attempt that did not change since the last call is the same object as before. */
  result(): Attempt[] {
    for (const a of this.changed) {
      this.snapshot[a.index] = this.build(a);
      a.dirty = false;
    }
    this.changed.length = 0;
    return this.snapshot.slice();
  }
}

/** The note of a step that happened where the diagnosis could not see it. */
export const OPAQUE_NOTE = 'not visible: the bytes were encrypted or not recorded';

/** What every protocol's attempt knows of the connection under its protocol: port, variant, TLS. */
export interface TransportAttempt extends TrackedAttempt {
  /** What the attempt tried: implicit TLS, STARTTLS (accepted by the server or a ClientHello seen, handshake or not), or none. */
  security: 'none' | 'starttls' | 'tls';
  implicitTls: boolean;
  port?: number;
  variant?: string;
  variantLabel?: string;
  tls?: { version: string; cipher: string; engine: TlsEngineName };
  steps: { tls: StepState };
}

/** What every protocol's attempt keeps of its connection, besides its own steps and counters. */
export interface ConnectionAttempt<N extends StepName> extends TransportAttempt {
  mechanism?: string;
  user?: string;
  start?: string;
  end?: string;
  steps: Record<N, StepState> & { tls: StepState };
}

/**
 * The fields a new attempt starts with: its connection, whether its port is implicit TLS, its
 * steps all skipped but `connect`, which the connection itself proves.
 */
export function newConnectionAttempt<N extends StepName>(conn: string, implicitTls: boolean, order: readonly N[], seq: number, t: string, index: number): ConnectionAttempt<N> {
  const steps = newSteps(order) as Record<N, StepState> & { tls: StepState; connect: StepState };
  setStep(steps.connect, 'pass', [seq]);
  return { conn, security: implicitTls ? 'tls' : 'none', implicitTls, start: t, end: t, steps, closed: false, opaque: false, index, dirty: false };
}

/** The public attempt: its protocol's name, direction and verdict, and what the connection showed. */
export function attemptOf<N extends StepName>(a: ConnectionAttempt<N>, proto: Attempt['proto'], direction: Attempt['direction'], order: readonly N[], verdict: Attempt['verdict']): Attempt {
  const out: Attempt = { conn: a.conn, proto, direction, security: a.security, steps: buildSteps(order, a.steps), verdict };
  if (a.mechanism !== undefined) out.mechanism = a.mechanism;
  if (a.port !== undefined) out.port = a.port;
  if (a.tls !== undefined) out.tls = { ...a.tls };
  if (a.variant !== undefined) out.variant = a.variant;
  if (a.variantLabel !== undefined) out.variantLabel = a.variantLabel;
  if (a.start !== undefined) out.start = a.start;
  if (a.end !== undefined) out.end = a.end;
  return out;
}

/**
 * conn.open and the TLS events, read the same way on IMAP, SMTP and POP3. Returns false for an
 * event that is not one of them. On a plaintext port a ClientHello means STARTTLS: the attempt
 * used it whether or not the handshake completes (RFC 3501 §6.2.1, RFC 3207, RFC 2595 §4). A
 * fatal error on an established session does not undo the handshake step.
 */
export function applyTransportEvent(a: TransportAttempt, ev: LabEvent): boolean {
  switch (ev.kind) {
    case 'conn.open':
      a.port = ev.port;
      if (ev.variant !== undefined) a.variant = ev.variant;
      if (ev.variantLabel !== undefined) a.variantLabel = ev.variantLabel;
      return true;
    case 'tls.hello':
      if (!a.implicitTls) a.security = 'starttls';
      addSeqs(a.steps.tls.evidence, [ev.seq]);
      return true;
    case 'tls.established':
      a.tls = { version: ev.version, cipher: ev.cipher, engine: ev.engine };
      a.security = ev.mode === 'starttls' || (!a.implicitTls && ev.mode !== 'implicit') ? 'starttls' : 'tls';
      setStep(a.steps.tls, 'pass', [ev.seq], `${ev.version} ${ev.cipher}`);
      return true;
    case 'tls.failed':
      if (ev.afterHandshake) return true;
      if (!a.implicitTls) a.security = 'starttls';
      setStep(a.steps.tls, 'fail', [ev.seq], ev.alert ? `${ev.reason} (${ev.alert})` : ev.reason);
      return true;
    default:
      return false;
  }
}

/** The steps after the handshake that were not seen say why: the bytes were opaque. */
function noteOpaqueSteps<N extends string>(steps: Record<N, StepState>, names: readonly N[]): void {
  for (const n of names) if (steps[n].result === 'skipped' && steps[n].note === undefined) steps[n].note = OPAQUE_NOTE;
}

/** The lab's verdict on a login (`auth`), as SMTP and POP3 attempts note it: the first mechanism tried is the attempt's. */
export function applyAuthEvent(a: { user?: string; mechanism?: string; steps: { auth: StepState } }, ev: Extract<LabEvent, { kind: 'auth' }>): void {
  a.user = ev.user;
  a.mechanism ??= ev.mechanism;
  if (ev.ok) setStep(a.steps.auth, 'pass', [ev.seq], `${ev.mechanism} accepted for user '${ev.user}'`);
  else if (a.steps.auth.result !== 'pass') setStep(a.steps.auth, 'fail', [ev.seq], `${ev.mechanism} refused for user '${ev.user}'`);
}
