/**
 * One attempt per SMTP connection (`direction: "sending"`), with the steps of a submission:
 * connect, tls, ehlo, auth, client-accepted-auth, mail, rcpt, data, quit — each pass, fail or
 * skipped, with the seqs that show it.
 *
 * Attempt verdict: pass when the server accepted a message (the final reply to DATA's content
 * was 2xx, RFC 5321 §4.1.1.4): that is what "the phone can send" means, whether the lab asked
 * for a login or not. `client-accepted-auth` passes when, after 235 (RFC 4954 §6), the client
 * went on to MAIL; it fails when it logged in again, quit or closed instead.
 */
import type { Attempt, LabEvent } from '../../../api.js';
import { isSmtpProto } from '../directions.js';
import { addSeqs } from '../evidence.js';
import { setStep } from '../steps.js';
import { AttemptSnapshots, applyAuthEvent, applyTransportEvent, attemptOf, newConnectionAttempt, type ConnectionAttempt } from '../tracker.js';
import type { SmtpClientItem, SmtpConn, SmtpServerItem } from './conversation.js';
import { parseExtensions, type Extensions } from './syntax.js';

export const SMTP_STEP_ORDER = ['connect', 'tls', 'ehlo', 'auth', 'client-accepted-auth', 'mail', 'rcpt', 'data', 'quit'] as const;
export type SmtpStep = (typeof SMTP_STEP_ORDER)[number];


interface SmtpAttemptState extends ConnectionAttempt<SmtpStep> {
  accept: 'none' | 'pending' | 'done';
  rcptOk: number;
  rcptRefused: number;
  messages: number;
  quitSent: boolean;
}


function replyText(lines: readonly string[]): string {
  return lines[0]?.slice(0, 80) ?? '';
}

export class SmtpAttemptTracker extends AttemptSnapshots<SmtpAttemptState> {
  has(conn: string): boolean {
    return this.byConn.has(conn);
  }

  /** Start tracking an SMTP connection (by its listener). */
  ensure(conn: string, proto: string | undefined, seq: number, t: string): void {
    if (this.byConn.has(conn) || !isSmtpProto(proto)) return;
    this.add({ ...newConnectionAttempt(conn, proto === 'smtps', SMTP_STEP_ORDER, seq, t, this.order.length), accept: 'none', rcptOk: 0, rcptRefused: 0, messages: 0, quitSent: false });
  }

  protected readonly stepsHiddenWhenOpaque: readonly string[] = SMTP_STEP_ORDER.filter((n) => n !== 'connect' && n !== 'tls');

  onEvent(ev: LabEvent, smtp: SmtpConn | undefined): void {
    const a = this.changedBy(ev);
    if (!a || applyTransportEvent(a, ev)) return;
    const st = a.steps;
    switch (ev.kind) {
      case 'auth':
        applyAuthEvent(a, ev);
        break;
      case 'smtp.message':
        addSeqs(st.data.evidence, [ev.seq]);
        if (st.data.result !== 'fail') setStep(st.data, 'pass', [ev.seq], `message accepted: ${ev.size} bytes to ${ev.to.length} recipient(s)${ev.subject ? `, "${ev.subject.slice(0, 60)}"` : ''}`);
        break;
      case 'conn.close':
        if (a.implicitTls && st.tls.result === 'skipped') setStep(st.tls, 'fail', [ev.seq], 'closed before TLS was established');
        if (a.accept === 'pending') {
          setStep(st['client-accepted-auth'], 'fail', [ev.seq], 'the connection closed without sending a message');
          a.accept = 'done';
        }
        if (smtp?.inContent) setStep(st.data, 'fail', [ev.seq], 'the connection ended before the end of the message (".")');
        if (a.quitSent && st.quit.result !== 'pass') setStep(st.quit, 'fail', [ev.seq], 'closed without a reply to QUIT');
        a.closed = true;
        break;
      default:
        break;
    }
  }

  onClient(item: SmtpClientItem, conn: SmtpConn): void {
    const a = this.byConn.get(conn.id);
    if (!a) return;
    this.dirty(a);
    const st = a.steps;
    if (item.kind === 'sasl-response') {
      addSeqs(st.auth.evidence, item.line.seqs);
      return;
    }
    if (item.kind === 'content-end') {
      addSeqs(st.data.evidence, item.line.seqs);
      return;
    }
    const { cmd } = item;
    switch (cmd.verb) {
      case 'EHLO':
      case 'HELO':
        addSeqs(st.ehlo.evidence, item.line.seqs);
        break;
      case 'STARTTLS':
        addSeqs(st.tls.evidence, item.line.seqs);
        break;
      case 'AUTH':
        if (st.auth.result !== 'pass') {
          a.mechanism = (cmd.args.split(' ')[0] ?? '').toUpperCase();
          addSeqs(st.auth.evidence, item.line.seqs);
        }
        break;
      case 'MAIL':
        addSeqs(st.mail.evidence, item.line.seqs);
        break;
      case 'RCPT':
        addSeqs(st.rcpt.evidence, item.line.seqs);
        break;
      case 'DATA':
      case 'BDAT':
        addSeqs(st.data.evidence, item.line.seqs);
        break;
      case 'QUIT':
        a.quitSent = true;
        addSeqs(st.quit.evidence, item.line.seqs);
        break;
      default:
        break;
    }
    if (a.accept === 'pending') {
      if (cmd.verb === 'MAIL') {
        setStep(st['client-accepted-auth'], 'pass', item.line.seqs, 'went on with MAIL');
        a.accept = 'done';
      } else if (cmd.verb === 'AUTH' || cmd.verb === 'QUIT') {
        setStep(st['client-accepted-auth'], 'fail', item.line.seqs, cmd.verb === 'AUTH' ? 'logged in again instead of sending' : 'quit without sending a message');
        a.accept = 'done';
      } else {
        addSeqs(st['client-accepted-auth'].evidence, item.line.seqs);
      }
    }
  }

  onServer(item: SmtpServerItem, conn: SmtpConn): void {
    const a = this.byConn.get(conn.id);
    if (!a) return;
    this.dirty(a);
    const st = a.steps;
    if (item.kind === 'greeting') {
      const r = item.reply;
      if (r.code === 220) addSeqs(st.connect.evidence, r.seqs);
      else setStep(st.connect, 'fail', r.seqs, `the server refused the connection: ${r.code} ${replyText(r.lines)}`);
      if (r.code === 220) st.connect.note = `greeting ${r.code}`;
      return;
    }
    if (item.kind !== 'reply') return;
    const { reply, cmd } = item;
    const ok = reply.code >= 200 && reply.code < 300;
    const said = `${reply.code} ${replyText(reply.lines)}`;
    if (!cmd) return;
    switch (cmd.verb) {
      case 'EHLO':
      case 'HELO':
        if (ok) setStep(st.ehlo, 'pass', reply.seqs, cmd.verb === 'HELO' ? 'HELO only: the client sees no extensions' : extensionsNote(parseExtensions(reply.lines)));
        else if (st.ehlo.result !== 'pass') setStep(st.ehlo, 'fail', reply.seqs, said);
        break;
      case 'STARTTLS':
        if (reply.code === 220) addSeqs(st.tls.evidence, reply.seqs);
        else setStep(st.tls, 'fail', reply.seqs, `STARTTLS refused: ${said}`);
        break;
      case 'AUTH':
        if (reply.code === 334) {
          addSeqs(st.auth.evidence, reply.seqs);
        } else if (reply.code === 235) {
          a.mechanism = (cmd.args.split(' ')[0] ?? '').toUpperCase();
          setStep(st.auth, 'pass', reply.seqs, `${a.mechanism} accepted${a.user ? ` for user '${a.user}'` : ''}`);
          a.accept = 'pending';
          addSeqs(st['client-accepted-auth'].evidence, reply.seqs);
        } else if (st.auth.result !== 'pass') {
          setStep(st.auth, 'fail', reply.seqs, `${(cmd.args.split(' ')[0] ?? '').toUpperCase()}: ${said}`);
        }
        break;
      case 'MAIL':
        if (ok) setStep(st.mail, 'pass', reply.seqs, `MAIL ${cmd.args.slice(0, 60)}`);
        else if (st.mail.result !== 'pass') setStep(st.mail, 'fail', reply.seqs, said);
        break;
      case 'RCPT':
        if (ok) a.rcptOk++;
        else a.rcptRefused++;
        if (ok) setStep(st.rcpt, 'pass', reply.seqs, `${a.rcptOk} recipient(s) accepted${a.rcptRefused ? `, ${a.rcptRefused} refused` : ''}`);
        else if (st.rcpt.result !== 'pass') setStep(st.rcpt, 'fail', reply.seqs, said);
        break;
      case 'DATA':
        if (reply.code === 354) addSeqs(st.data.evidence, reply.seqs);
        else if (st.data.result !== 'pass') setStep(st.data, 'fail', reply.seqs, `DATA refused: ${said}`);
        break;
      case 'BDAT':
        // RFC 3030: each chunk is answered; the answer to the LAST one is the message's.
        if (!ok) {
          if (st.data.result !== 'pass') setStep(st.data, 'fail', reply.seqs, `BDAT refused: ${said}`);
        } else if (/\bLAST\s*$/i.test(cmd.args)) {
          a.messages++;
          setStep(st.data, 'pass', reply.seqs, st.data.note?.startsWith('message accepted') ? st.data.note : `message accepted in BDAT chunks (${said})`);
        } else addSeqs(st.data.evidence, reply.seqs);
        break;
      case '.':
        if (ok) {
          a.messages++;
          setStep(st.data, 'pass', reply.seqs, st.data.note?.startsWith('message accepted') ? st.data.note : `message accepted (${said})`);
        } else if (st.data.result !== 'pass') setStep(st.data, 'fail', reply.seqs, item.cutContent ? `the server ended the message early: ${said}` : `message refused: ${said}`);
        break;
      case 'QUIT':
        if (reply.code === 221) setStep(st.quit, 'pass', reply.seqs);
        break;
      default:
        break;
    }
  }

  protected build(a: SmtpAttemptState): Attempt {
    return attemptOf(a, 'smtp', 'sending', SMTP_STEP_ORDER, a.steps.data.result === 'pass' ? 'pass' : 'fail');
  }
}

function extensionsNote(ext: Extensions): string {
  const parts: string[] = [];
  if (ext.auth.length) parts.push(`AUTH ${ext.auth.join(' ')}${ext.legacyAuthLine ? ' (also as AUTH=)' : ''}`);
  for (const k of ['STARTTLS', 'PIPELINING', '8BITMIME', 'SIZE']) if (ext.keywords.has(k)) parts.push(k === 'SIZE' && ext.sizeLimit ? `SIZE ${ext.sizeLimit}` : k);
  return parts.length ? `EHLO: ${parts.join(', ')}` : 'EHLO: no extensions offered';
}
