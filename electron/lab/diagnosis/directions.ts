/**
 * The two halves of a phone's mail (DESIGN.md): reading (IMAP, POP3: `receiving`) and sending
 * (SMTP submission: `sending`), and how attempts make the verdict of each and of the session.
 */
import type { Attempt, Direction, DirectionVerdict, Verdict } from '../../api.js';

const SMTP_PROTOS: ReadonlySet<string> = new Set(['smtp', 'smtps']);

/** A connection on the SMTP submission listeners (STARTTLS or implicit TLS). */
export function isSmtpProto(proto: string | undefined): boolean {
  return proto !== undefined && SMTP_PROTOS.has(proto);
}

export function directionOf(proto: Attempt['proto']): Direction {
  return proto === 'smtp' ? 'sending' : 'receiving';
}

/**
 * Per direction: `pass` when an attempt that way passed; `fail` when there were attempts and
 * none passed — unless some of their bytes could not be read (`opaque`), when a fail would be a
 * guess and the direction stays `untested`; `untested` with no attempt.
 * The session: `fail` when a direction failed, else `pass` when one passed, else `inconclusive`.
 */
export function verdicts(attempts: readonly Attempt[], opaque: Readonly<Record<Direction, boolean>>): { verdict: Verdict; directions: Record<Direction, DirectionVerdict> } {
  const directions: Record<Direction, DirectionVerdict> = { receiving: 'untested', sending: 'untested' };
  for (const dir of ['receiving', 'sending'] as const) {
    const mine = attempts.filter((a) => a.direction === dir);
    if (mine.length === 0) continue;
    if (mine.some((a) => a.verdict === 'pass')) directions[dir] = 'pass';
    else if (!opaque[dir]) directions[dir] = 'fail';
  }
  const all = Object.values(directions);
  const verdict: Verdict = all.includes('fail') ? 'fail' : all.includes('pass') ? 'pass' : 'inconclusive';
  return { verdict, directions };
}
