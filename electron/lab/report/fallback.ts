/**
 * A minimal diagnosis for when the real one cannot be had (it threw on a strange session):
 * one attempt per mail connection with what the events say plainly (connected, TLS, login
 * accepted or refused), verdict "inconclusive". The report says on its cover that it fell back.
 */
import type { Attempt, AttemptStep, Diagnosis, LabEvent } from '../../api.js';
import { directionOf } from '../diagnosis/directions.js';

export function minimalDiagnosis(events: readonly LabEvent[]): Diagnosis {
  const attempts = new Map<string, Attempt>();
  for (const ev of events) {
    if (ev.kind === 'conn.open') {
      if (ev.proto === 'http' || ev.proto === 'ui') continue;
      const proto = ev.proto.startsWith('imap') ? 'imap' : ev.proto.startsWith('smtp') ? 'smtp' : 'pop3';
      const security = ev.proto.endsWith('s') ? 'tls' : 'none';
      attempts.set(ev.conn, { conn: ev.conn, proto, direction: directionOf(proto), security, steps: [{ step: 'connect', result: 'pass', evidence: [ev.seq] }], verdict: 'fail', start: ev.t, end: ev.t });
      continue;
    }
    const a = ev.conn ? attempts.get(ev.conn) : undefined;
    if (!a) continue;
    a.end = ev.t;
    const step = (s: AttemptStep) => a.steps.push(s);
    if (ev.kind === 'tls.established') {
      if (ev.mode === 'starttls') a.security = 'starttls';
      step({ step: 'tls', result: 'pass', evidence: [ev.seq] });
    } else if (ev.kind === 'tls.failed') {
      step({ step: 'tls', result: 'fail', evidence: [ev.seq], note: ev.reason });
    } else if (ev.kind === 'auth') {
      a.mechanism ??= ev.mechanism;
      step({ step: 'auth', result: ev.ok ? 'pass' : 'fail', evidence: [ev.seq] });
    } else if (ev.kind === 's2c' && ev.text && /^\S+ OK \[READ-(WRITE|ONLY)\]/im.test(ev.text)) {
      // A tagged OK [READ-WRITE] answers SELECT (RFC 3501 §6.3.1): the phone opened a mailbox.
      step({ step: 'select', result: 'pass', evidence: [ev.seq] });
      a.verdict = 'pass';
    } else if (ev.kind === 'smtp.message') {
      // The lab accepted a message the phone sent: sending worked on this connection.
      step({ step: 'data', result: 'pass', evidence: [ev.seq] });
      a.verdict = 'pass';
    }
  }
  const list = [...attempts.values()];
  // A fallback can tell what worked, never that something failed: the rest stays untested.
  const worked = (dir: Attempt['direction']) => (list.some((a) => a.direction === dir && a.verdict === 'pass') ? 'pass' : 'untested');
  return { verdict: 'inconclusive', directions: { receiving: worked('receiving'), sending: worked('sending') }, attempts: list, findings: [] };
}
