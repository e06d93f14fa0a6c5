/**
 * One attempt per IMAP connection, with the steps a technician follows: connect, tls, auth,
 * client-accepted-auth, select, fetch, logout — each pass, fail or skipped, with the seqs that
 * show it.
 *
 * Attempt verdict (DESIGN.md; documented here because the report and UI rely on it): an attempt
 * passes when auth passed, the client accepted it (went on to a mailbox command), and a SELECT/
 * EXAMINE or a FETCH succeeded. Otherwise it fails. The session verdict is pass when some
 * attempt passed, fail when attempts exist and none passed, inconclusive when there is none —
 * or when none passed and some attempt's traffic could not be read (encrypted application data
 * in a packet capture, or payloads past the recorder's cap): then a fail would be a guess.
 */
import type { Attempt, LabEvent, StepName, StepResult, TlsEngineName } from '../../api.js';
import { AUTH_COMMANDS, MAILBOX_COMMANDS, mechanismOf, type ClientItem, type ConnState, type ServerItem } from './conversation.js';
import { addSeqs } from './evidence.js';
import { splitArgs } from './imap-syntax.js';
import { buildSteps, newSteps as stepsFor, setStep, type StepState } from './steps.js';

export const STEP_ORDER: readonly StepName[] = ['connect', 'tls', 'auth', 'client-accepted-auth', 'select', 'fetch', 'logout'];

interface AttemptState {
  conn: string;
  proto: 'imap';
  security: 'none' | 'starttls' | 'tls';
  implicitTls: boolean;
  mechanism?: string;
  user?: string;
  port?: number;
  tls?: { version: string; cipher: string; engine: TlsEngineName };
  variant?: string;
  variantLabel?: string;
  planned?: Attempt['planned'];
  start?: string;
  end?: string;
  steps: Record<StepName, StepState>;
  accept: 'none' | 'pending' | 'early' | 'done';
  /** Index in the tracker's snapshot. */
  index: number;
  dirty: boolean;
  logoutSent: boolean;
  closed: boolean;
  /** Some of its bytes are known only by their size (encrypted in a capture, or not recorded). */
  opaque: boolean;
}

/** How a mechanism reads in a note. */
function shown(m: string): string {
  return m === 'LOGIN-COMMAND' ? 'LOGIN command' : m === 'LOGIN' ? 'AUTH=LOGIN' : m;
}

const IMAP_PROTOS = new Set(['imap', 'imaps']);

function newSteps(): Record<StepName, StepState> {
  return stepsFor(STEP_ORDER) as Record<StepName, StepState>;
}

export class AttemptTracker {
  private readonly byConn = new Map<string, AttemptState>();
  private readonly order: AttemptState[] = [];
  /** Built attempts, rebuilt one by one as they change (see result()). */
  private readonly snapshot: Attempt[] = [];
  private readonly changed: AttemptState[] = [];
  /** The test the technician said is running (the latest `plan.select` note). */
  private currentTest: Attempt['planned'];

  private dirty(a: AttemptState): void {
    if (a.dirty) return;
    a.dirty = true;
    this.changed.push(a);
  }

  /** Start tracking a connection that is IMAP (by listener, or by its traffic when conn.open is missing). */
  ensure(conn: string, proto: string | undefined, seq: number, t: string): void {
    if (this.byConn.has(conn)) return;
    if (proto !== undefined && !IMAP_PROTOS.has(proto)) return;
    const a: AttemptState = {
      conn,
      proto: 'imap',
      security: proto === 'imaps' ? 'tls' : 'none',
      implicitTls: proto === 'imaps',
      start: t,
      end: t,
      steps: newSteps(),
      accept: 'none',
      logoutSent: false,
      closed: false,
      opaque: false,
      index: this.order.length,
      dirty: false,
    };
    if (this.currentTest) a.planned = { ...this.currentTest };
    this.set(a, 'connect', 'pass', [seq]);
    this.byConn.set(conn, a);
    this.order.push(a);
    this.snapshot.push(undefined as unknown as Attempt);
    this.dirty(a);
  }

  /** Bytes of this connection were seen only as a size. */
  markOpaque(conn: string): void {
    const a = this.byConn.get(conn);
    if (!a || a.opaque) return;
    a.opaque = true;
    this.dirty(a);
    for (const n of ['auth', 'client-accepted-auth', 'select', 'fetch', 'logout'] as const) {
      if (a.steps[n].result === 'skipped' && a.steps[n].note === undefined) a.steps[n].note = 'not visible: the bytes were encrypted or not recorded';
    }
  }

  /** No attempt passed, and some could not be read: the session verdict is inconclusive. */
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

  onEvent(ev: LabEvent, _conn: ConnState | undefined): void {
    if (ev.kind === 'note') {
      const test = (ev.data as { test?: { id?: unknown; security?: unknown; mechanism?: unknown } } | undefined)?.test;
      if (test && typeof test.id === 'string' && typeof test.mechanism === 'string' && (test.security === 'none' || test.security === 'starttls' || test.security === 'tls')) {
        this.currentTest = { id: test.id, security: test.security, mechanism: test.mechanism };
      }
      return;
    }
    if (ev.conn === undefined) return;
    const a = this.byConn.get(ev.conn);
    if (!a) return;
    this.dirty(a);
    if (!a.closed) a.end = ev.t;
    switch (ev.kind) {
      case 'conn.open':
        a.port = ev.port;
        if (ev.variant !== undefined) a.variant = ev.variant;
        if (ev.variantLabel !== undefined) a.variantLabel = ev.variantLabel;
        break;
      case 'tls.hello':
        addSeqs(a.steps.tls.evidence, [ev.seq]);
        break;
      case 'tls.established':
        a.tls = { version: ev.version, cipher: ev.cipher, engine: ev.engine };
        a.security = ev.mode === 'starttls' || (!a.implicitTls && ev.mode !== 'implicit') ? 'starttls' : 'tls';
        this.set(a, 'tls', 'pass', [ev.seq], `${ev.version} ${ev.cipher}`);
        break;
      case 'tls.failed':
        this.set(a, 'tls', 'fail', [ev.seq], ev.alert ? `${ev.reason} (${ev.alert})` : ev.reason);
        break;
      case 'auth':
        a.user = ev.user;
        if (ev.ok) this.set(a, 'auth', 'pass', [ev.seq], `${shown(ev.mechanism)} accepted for user '${ev.user}'`);
        else if (a.steps.auth.result !== 'pass') this.set(a, 'auth', 'fail', [ev.seq], `${shown(ev.mechanism)} refused for user '${ev.user}'`);
        break;
      case 'conn.close':
        if (a.implicitTls && a.steps.tls.result === 'skipped') this.set(a, 'tls', 'fail', [ev.seq], 'closed before TLS was established');
        if (a.accept === 'pending') {
          this.set(a, 'client-accepted-auth', 'fail', [ev.seq], 'the connection closed without using the mailbox');
          a.accept = 'done';
        }
        if (a.logoutSent && a.steps.logout.result !== 'pass') this.set(a, 'logout', 'fail', [ev.seq], 'closed without a reply to LOGOUT');
        a.closed = true;
        break;
      default:
        break;
    }
  }

  onClient(item: ClientItem, conn: ConnState): void {
    const a = this.byConn.get(conn.id);
    if (!a || item.kind !== 'command') return;
    this.dirty(a);
    const { cmd } = item;
    if (MAILBOX_COMMANDS.has(cmd.name)) {
      if (a.accept === 'pending') {
        this.set(a, 'client-accepted-auth', 'pass', item.line.seqs, `went on with ${cmd.name}`);
        a.accept = 'done';
      } else if (a.accept === 'none' && conn.pendingAuth()) {
        a.accept = 'early';
      }
    } else if (a.accept === 'pending' && (AUTH_COMMANDS.has(cmd.name) || cmd.name === 'LOGOUT')) {
      this.set(a, 'client-accepted-auth', 'fail', item.line.seqs, AUTH_COMMANDS.has(cmd.name) ? 'logged in again instead of opening the mailbox' : 'logged out without opening the mailbox');
      a.accept = 'done';
    } else if (a.accept === 'pending') {
      addSeqs(a.steps['client-accepted-auth'].evidence, item.line.seqs);
    }
    if (AUTH_COMMANDS.has(cmd.name) && a.steps.auth.result !== 'pass') {
      a.mechanism = mechanismOf(cmd);
      if (cmd.name === 'LOGIN') a.user = splitArgs(cmd.args, cmd.line.literals.map((l) => l.data))[0];
      addSeqs(a.steps.auth.evidence, item.line.seqs);
    }
    if (cmd.name === 'STARTTLS') addSeqs(a.steps.tls.evidence, item.line.seqs);
    if (cmd.name === 'LOGOUT') {
      a.logoutSent = true;
      addSeqs(a.steps.logout.evidence, item.line.seqs);
    }
  }

  onServer(item: ServerItem, conn: ConnState): void {
    const a = this.byConn.get(conn.id);
    if (!a) return;
    this.dirty(a);
    if (item.kind === 'greeting') {
      addSeqs(a.steps.connect.evidence, item.line.seqs);
      a.steps.connect.note = `greeting ${item.status}`;
      if (item.status === 'BYE') this.set(a, 'connect', 'fail', item.line.seqs, 'the server refused the connection');
      return;
    }
    if (item.kind === 'untagged' && item.name === 'BYE' && a.logoutSent) {
      this.set(a, 'logout', 'pass', item.line.seqs);
      return;
    }
    if (item.kind !== 'tagged' || !item.cmd) return;
    const { cmd } = item;
    const ok = item.status === 'OK';
    if (AUTH_COMMANDS.has(cmd.name) && !conn.authenticated) {
      const m = mechanismOf(cmd);
      if (ok) {
        a.mechanism = m;
        this.set(a, 'auth', 'pass', item.line.seqs, `${shown(m)} accepted${a.user ? ` for user '${a.user}'` : ''}`);
        if (a.accept === 'early') {
          this.set(a, 'client-accepted-auth', 'pass', item.line.seqs, 'sent a mailbox command before the result');
          a.accept = 'done';
        } else {
          a.accept = 'pending';
          addSeqs(a.steps['client-accepted-auth'].evidence, item.line.seqs);
        }
      } else if (a.steps.auth.result !== 'pass') {
        a.mechanism = m;
        this.set(a, 'auth', 'fail', item.line.seqs, `${shown(m)}: ${item.status} ${item.text.slice(0, 80)}`);
      }
    } else if (cmd.name === 'STARTTLS') {
      if (ok) addSeqs(a.steps.tls.evidence, item.line.seqs);
      else this.set(a, 'tls', 'fail', item.line.seqs, `STARTTLS refused: ${item.status}`);
    } else if (cmd.name === 'SELECT' || cmd.name === 'EXAMINE') {
      if (ok) this.set(a, 'select', 'pass', item.line.seqs, `${cmd.name} ${cmd.args.slice(0, 40)}`);
      else if (a.steps.select.result !== 'pass') this.set(a, 'select', 'fail', item.line.seqs, `${item.status} ${item.text.slice(0, 80)}`);
    } else if (cmd.name === 'FETCH' || cmd.name === 'UID FETCH') {
      if (ok) this.set(a, 'fetch', 'pass', item.line.seqs);
      else if (a.steps.fetch.result !== 'pass') this.set(a, 'fetch', 'fail', item.line.seqs, `${item.status} ${item.text.slice(0, 80)}`);
    } else if (cmd.name === 'LOGOUT' && ok) {
      this.set(a, 'logout', 'pass', item.line.seqs);
    }
  }

  private set(a: AttemptState, step: StepName, result: StepResult, seqs: readonly number[], note?: string): void {
    setStep(a.steps[step], result, seqs, note);
  }

  /**
   * The attempts so far. An attempt that did not change since the last call is the same object
   * as before (treat results as read-only), so a live timeline asking after every event pays
   * for what changed, not for every connection of the session.
   */
  result(): Attempt[] {
    for (const a of this.changed) {
      this.snapshot[a.index] = this.build(a);
      a.dirty = false;
    }
    this.changed.length = 0;
    return this.snapshot.slice();
  }

  private build(a: AttemptState): Attempt {
    {
      const steps = buildSteps(STEP_ORDER, a.steps);
      const st = a.steps;
      const pass = st.auth.result === 'pass' && st['client-accepted-auth'].result === 'pass' && (st.select.result === 'pass' || st.fetch.result === 'pass');
      const out: Attempt = { conn: a.conn, proto: a.proto, direction: 'receiving', security: a.security, steps, verdict: pass ? 'pass' : 'fail' };
      if (a.mechanism !== undefined) out.mechanism = a.mechanism;
      if (a.port !== undefined) out.port = a.port;
      if (a.tls !== undefined) out.tls = { ...a.tls };
      if (a.variant !== undefined) out.variant = a.variant;
      if (a.variantLabel !== undefined) out.variantLabel = a.variantLabel;
      if (a.planned !== undefined) out.planned = { ...a.planned };
      if (a.start !== undefined) out.start = a.start;
      if (a.end !== undefined) out.end = a.end;
      return out;
    }
  }
}
