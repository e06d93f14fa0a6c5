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
import type { Attempt, LabEvent, StepName, StepResult } from '../../api.js';
import { AUTH_CANCELLED, AUTH_COMMANDS, MAILBOX_COMMANDS, mechanismOf, type ClientItem, type ConnState, type ServerItem } from './conversation.js';
import { addSeqs } from './evidence.js';
import { refusedAfterHandshake } from './certificate-refusal.js';
import { splitArgs } from './imap-syntax.js';
import { setStep } from './steps.js';
import { AttemptSnapshots, applyTransportEvent, attemptOf, newConnectionAttempt, type ConnectionAttempt } from './tracker.js';

export const STEP_ORDER: readonly StepName[] = ['connect', 'tls', 'auth', 'client-accepted-auth', 'select', 'fetch', 'logout'];

interface AttemptState extends ConnectionAttempt<StepName> {
  planned?: Attempt['planned'];
  accept: 'none' | 'pending' | 'early' | 'done';
  logoutSent: boolean;
}

/** How a mechanism reads in a note. */
function shown(m: string): string {
  return m === 'LOGIN-COMMAND' ? 'LOGIN command' : m === 'LOGIN' ? 'AUTH=LOGIN' : m;
}

const IMAP_PROTOS = new Set(['imap', 'imaps']);

export class AttemptTracker extends AttemptSnapshots<AttemptState> {
  /** The test the technician said is running (the latest `plan.select` note). */
  private currentTest: Attempt['planned'];

  /** Start tracking a connection that is IMAP (by listener, or by its traffic when conn.open is missing). */
  ensure(conn: string, proto: string | undefined, seq: number, t: string): void {
    if (this.byConn.has(conn)) return;
    if (proto !== undefined && !IMAP_PROTOS.has(proto)) return;
    const a: AttemptState = { ...newConnectionAttempt(conn, proto === 'imaps', STEP_ORDER, seq, t, this.order.length), accept: 'none', logoutSent: false };
    if (this.currentTest) a.planned = { ...this.currentTest };
    this.add(a);
  }

  protected readonly stepsHiddenWhenOpaque: readonly string[] = ['auth', 'client-accepted-auth', 'select', 'fetch', 'logout'];

  onEvent(ev: LabEvent, conn: ConnState | undefined): void {
    if (ev.kind === 'note') {
      const test = (ev.data as { test?: { id?: unknown; security?: unknown; mechanism?: unknown; direction?: unknown } } | undefined)?.test;
      // A sending test (SMTP) says nothing about how the phone reads mail meanwhile.
      if (test?.direction === 'sending') this.currentTest = undefined;
      else if (test && typeof test.id === 'string' && typeof test.mechanism === 'string' && (test.security === 'none' || test.security === 'starttls' || test.security === 'tls')) {
        this.currentTest = { id: test.id, security: test.security, mechanism: test.mechanism };
      }
      return;
    }
    const a = this.changedBy(ev);
    if (!a || applyTransportEvent(a, ev)) return;
    switch (ev.kind) {
      case 'auth':
        a.user = ev.user;
        if (ev.ok) this.set(a, 'auth', 'pass', [ev.seq], `${shown(ev.mechanism)} accepted for user '${ev.user}'`);
        else if (a.steps.auth.result !== 'pass') this.set(a, 'auth', 'fail', [ev.seq], `${shown(ev.mechanism)} refused for user '${ev.user}'`);
        break;
      case 'conn.close':
        if (a.implicitTls && a.steps.tls.result === 'skipped') this.set(a, 'tls', 'fail', [ev.seq], 'closed before TLS was established');
        else if (conn && refusedAfterHandshake(conn)) this.set(a, 'tls', 'fail', [ev.seq], 'client-rejected-certificate (closed right after the handshake)');
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
        const note = cmd.marks.has(AUTH_CANCELLED) ? `${shown(m)}: cancelled by the phone (it sent "*") before any password was checked` : `${shown(m)}: ${item.status} ${item.text.slice(0, 80)}`;
        this.set(a, 'auth', 'fail', item.line.seqs, note);
      }
    } else if (cmd.name === 'STARTTLS') {
      // The server agreed to STARTTLS (RFC 3501 §6.2.1): the attempt's security is STARTTLS even if the handshake then fails.
      if (ok && !a.implicitTls) a.security = 'starttls';
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

  protected build(a: AttemptState): Attempt {
    const st = a.steps;
    const pass = st.auth.result === 'pass' && st['client-accepted-auth'].result === 'pass' && (st.select.result === 'pass' || st.fetch.result === 'pass');
    const out = attemptOf(a, 'imap', 'receiving', STEP_ORDER, pass ? 'pass' : 'fail');
    if (a.planned !== undefined) out.planned = { ...a.planned };
    return out;
  }
}
