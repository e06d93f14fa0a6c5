/**
 * One attempt per POP3 connection (`direction: "receiving"`), with the steps of a mail check:
 * connect, tls, auth, client-accepted-auth, list, retr, quit.
 *
 * Attempt verdict: pass when the login succeeded, the client went on with the maildrop, and the
 * list (STAT, LIST or UIDL) or a message (RETR, TOP) came back: the phone can read its mail.
 * A check of an empty maildrop passes on the list alone.
 */
import type { Attempt, LabEvent } from '../../../api.js';
import { addSeqs } from '../evidence.js';
import { setStep } from '../steps.js';
import { AttemptSnapshots, applyAuthEvent, applyTransportEvent, attemptOf, newConnectionAttempt, type ConnectionAttempt } from '../tracker.js';
import type { Pop3ClientItem, Pop3Conn, Pop3ServerItem } from './conversation.js';

export const POP3_STEP_ORDER = ['connect', 'tls', 'auth', 'client-accepted-auth', 'list', 'retr', 'quit'] as const;
export type Pop3Step = (typeof POP3_STEP_ORDER)[number];

const POP3_PROTOS: ReadonlySet<string> = new Set(['pop3', 'pop3s']);

export function isPop3Proto(proto: string | undefined): boolean {
  return proto !== undefined && POP3_PROTOS.has(proto);
}

/** The commands of the TRANSACTION state that use the maildrop (RFC 1939 §5). */
const MAILDROP_COMMANDS: ReadonlySet<string> = new Set(['STAT', 'LIST', 'UIDL', 'RETR', 'TOP', 'DELE', 'NOOP', 'RSET']);


interface State extends ConnectionAttempt<Pop3Step> {
  accept: 'none' | 'pending' | 'done';
  retrieved: number;
  retrievedBytes: number;
}

/** How the login reads in a note: "USER/PASS", "APOP", a SASL name. */
function loginWord(cmd: { verb: string; args: string }): string {
  if (cmd.verb === 'PASS') return 'USER-PASS';
  if (cmd.verb === 'APOP') return 'APOP';
  return (cmd.args.split(' ')[0] ?? '').toUpperCase();
}

export class Pop3AttemptTracker extends AttemptSnapshots<State> {
  ensure(conn: string, proto: string | undefined, seq: number, t: string): void {
    if (this.byConn.has(conn) || !isPop3Proto(proto)) return;
    this.add({ ...newConnectionAttempt(conn, proto === 'pop3s', POP3_STEP_ORDER, seq, t, this.order.length), accept: 'none', retrieved: 0, retrievedBytes: 0 });
  }

  protected readonly stepsHiddenWhenOpaque: readonly string[] = POP3_STEP_ORDER.filter((n) => n !== 'connect' && n !== 'tls');

  onEvent(ev: LabEvent, pop3: Pop3Conn | undefined): void {
    const a = this.changedBy(ev);
    if (!a || applyTransportEvent(a, ev)) return;
    const st = a.steps;
    switch (ev.kind) {
      case 'auth':
        applyAuthEvent(a, ev);
        break;
      case 'conn.close':
        if (a.implicitTls && st.tls.result === 'skipped') setStep(st.tls, 'fail', [ev.seq], 'closed before TLS was established');
        if (a.accept === 'pending') {
          setStep(st['client-accepted-auth'], 'fail', [ev.seq], 'the connection closed without reading the maildrop');
          a.accept = 'done';
        }
        if (st.quit.result !== 'pass' && st.auth.result === 'pass') {
          setStep(st.quit, 'fail', [ev.seq], pop3?.deleSent ? 'closed without QUIT: the deletions were not applied (RFC 1939 §6)' : 'closed without QUIT');
        }
        a.closed = true;
        break;
      default:
        break;
    }
  }

  onClient(item: Pop3ClientItem, conn: Pop3Conn): void {
    const a = this.byConn.get(conn.id);
    if (!a) return;
    this.dirty(a);
    const st = a.steps;
    if (item.kind === 'sasl-response') {
      addSeqs(st.auth.evidence, item.line.seqs);
      return;
    }
    const { cmd } = item;
    const seqs = cmd.line.seqs;
    switch (cmd.verb) {
      case 'STLS':
        addSeqs(st.tls.evidence, seqs);
        break;
      case 'USER':
      case 'PASS':
      case 'APOP':
      case 'AUTH':
        if (st.auth.result !== 'pass') addSeqs(st.auth.evidence, seqs);
        break;
      case 'STAT':
      case 'LIST':
      case 'UIDL':
        addSeqs(st.list.evidence, seqs);
        break;
      case 'RETR':
      case 'TOP':
        addSeqs(st.retr.evidence, seqs);
        break;
      case 'QUIT':
        addSeqs(st.quit.evidence, seqs);
        break;
      default:
        break;
    }
    if (a.accept === 'pending') {
      if (MAILDROP_COMMANDS.has(cmd.verb)) {
        setStep(st['client-accepted-auth'], 'pass', seqs, `went on with ${cmd.verb}`);
        a.accept = 'done';
      } else if (cmd.verb === 'QUIT') {
        setStep(st['client-accepted-auth'], 'fail', seqs, 'quit without reading the maildrop');
        a.accept = 'done';
      }
    }
  }

  onServer(item: Pop3ServerItem, conn: Pop3Conn): void {
    const a = this.byConn.get(conn.id);
    if (!a) return;
    this.dirty(a);
    const st = a.steps;
    if (item.kind === 'greeting') {
      if (item.reply.ok) {
        addSeqs(st.connect.evidence, item.reply.seqs);
        st.connect.note = item.apopTimestamp ? 'greeting +OK (APOP offered)' : 'greeting +OK';
      } else setStep(st.connect, 'fail', item.reply.seqs, `the server refused the connection: -ERR ${item.reply.text.slice(0, 80)}`);
      return;
    }
    if (item.kind !== 'reply' || !item.cmd) return;
    const { reply, cmd } = item;
    const said = `${reply.ok ? '+OK' : '-ERR'} ${reply.text.slice(0, 80)}`;
    switch (cmd.verb) {
      case 'STLS':
        if (reply.ok) addSeqs(st.tls.evidence, reply.seqs);
        else setStep(st.tls, 'fail', reply.seqs, `STLS refused: ${said}`);
        break;
      case 'PASS':
      case 'APOP':
      case 'AUTH':
        if (reply.ok && cmd.verb === 'AUTH' && cmd.args.trim() === '') break; // the mechanism list
        if (reply.ok) {
          a.mechanism = loginWord(cmd);
          setStep(st.auth, 'pass', reply.seqs, `${a.mechanism === 'USER-PASS' ? 'USER/PASS' : a.mechanism} accepted${a.user ? ` for user '${a.user}'` : ''}`);
          a.accept = 'pending';
          addSeqs(st['client-accepted-auth'].evidence, reply.seqs);
        } else if (st.auth.result !== 'pass') {
          a.mechanism = loginWord(cmd);
          setStep(st.auth, 'fail', reply.seqs, `${a.mechanism}: ${said}`);
        }
        break;
      case 'USER':
        if (!reply.ok && st.auth.result !== 'pass') setStep(st.auth, 'fail', reply.seqs, `USER: ${said}`);
        break;
      case 'STAT':
      case 'LIST':
      case 'UIDL':
        if (reply.ok) setStep(st.list, 'pass', reply.seqs, conn.messageCount !== undefined ? `${conn.messageCount} message(s)` : undefined);
        else if (st.list.result !== 'pass') setStep(st.list, 'fail', reply.seqs, said);
        break;
      case 'RETR':
      case 'TOP':
        if (reply.ok) {
          if (cmd.verb === 'RETR') {
            a.retrieved++;
            a.retrievedBytes += reply.bodyBytes;
          }
          setStep(st.retr, 'pass', reply.seqs, `${a.retrieved} message(s) retrieved, ${a.retrievedBytes} bytes`);
        } else if (st.retr.result !== 'pass') setStep(st.retr, 'fail', reply.seqs, said);
        break;
      case 'QUIT':
        if (reply.ok) setStep(st.quit, 'pass', reply.seqs, reply.text.slice(0, 80));
        break;
      default:
        break;
    }
  }

  protected build(a: State): Attempt {
    const st = a.steps;
    const pass = st.auth.result === 'pass' && st['client-accepted-auth'].result === 'pass' && (st.list.result === 'pass' || st.retr.result === 'pass');
    return attemptOf(a, 'pop3', 'receiving', POP3_STEP_ORDER, pass ? 'pass' : 'fail');
  }
}
