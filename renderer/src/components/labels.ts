/** Words for steps, verdicts and security: always a symbol AND a word (colour is never the only cue). */
import type { Attempt, AttemptStep, Finding, StepName, StepResult } from '../../../electron/api';

export const STEP_LABEL: Record<StepName, string> = {
  connect: 'Connected',
  tls: 'Encryption (TLS)',
  auth: 'Lab accepted the password',
  'client-accepted-auth': 'Phone accepted the login',
  select: 'Opened the inbox',
  fetch: 'Downloaded mail',
  logout: 'Logged out',
  ehlo: 'Greeted the server (EHLO)',
  mail: 'Lab accepted the sender',
  rcpt: 'Lab accepted the recipient',
  data: 'Lab accepted the message',
  list: 'Listed the messages',
  retr: 'Downloaded messages',
  quit: 'Said goodbye (QUIT)',
};

/** Short forms for the attempt cards, where space is tight. */
export const STEP_SHORT: Record<StepName, string> = {
  connect: 'Connected',
  tls: 'TLS',
  auth: 'Lab accepted login',
  'client-accepted-auth': 'Phone accepted login',
  select: 'Opened inbox',
  fetch: 'Downloaded',
  logout: 'Logged out',
  ehlo: 'EHLO',
  mail: 'Sender',
  rcpt: 'Recipient',
  data: 'Message sent',
  list: 'Listed',
  retr: 'Downloaded',
  quit: 'Quit',
};

export function plural(n: number, one: string, many = one + 's'): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

const SEVERITY_RANK: Record<Finding['severity'], number> = { error: 0, warning: 1, info: 2 };
/** Problems first, then warnings, then notes; stable within a severity. */
export function bySeverity(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
}

export const STEP_ORDER: StepName[] = ['connect', 'tls', 'auth', 'client-accepted-auth', 'select', 'fetch', 'logout'];
/** The steps of a sending (SMTP) attempt, in protocol order (DESIGN.md). */
export const SMTP_STEP_ORDER: StepName[] = ['connect', 'tls', 'ehlo', 'auth', 'client-accepted-auth', 'mail', 'rcpt', 'data', 'quit'];

/** POP3's steps after the login (RFC 1939: LIST/UIDL, RETR, QUIT). */
const POP3_STEPS: StepName[] = ['list', 'retr', 'quit'];

/** The matrix columns for these attempts: IMAP's steps, plus POP3's when a POP3 attempt is shown, minus IMAP's when only POP3. */
export function stepColumns(attempts: readonly Pick<Attempt, 'proto'>[]): StepName[] {
  const protos = new Set(attempts.map((a) => a.proto));
  if (!protos.has('pop3')) return STEP_ORDER;
  const shared = STEP_ORDER.slice(0, 4);
  return protos.has('imap') ? [...STEP_ORDER, ...POP3_STEPS] : [...shared, ...POP3_STEPS];
}

export const RESULT_MARK: Record<StepResult, string> = { pass: '✓', fail: '✗', skipped: '–' };
export const RESULT_WORD: Record<StepResult, string> = { pass: 'passed', fail: 'failed', skipped: 'skipped' };

export const SECURITY_LABEL: Record<Attempt['security'], string> = { none: 'no security', starttls: 'STARTTLS', tls: 'SSL/TLS' };

export function mechanismLabel(m: string | undefined): string {
  if (!m) return 'no login';
  if (m === 'LOGIN-COMMAND') return 'LOGIN command';
  if (m === 'USER-PASS') return 'USER/PASS';
  return m;
}

export function time(t: string | undefined): string {
  if (!t) return '';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : d.toTimeString().slice(0, 8) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

/** The findings about one attempt: by connection, or by evidence from the attempt's steps. */
export function findingsFor(attempt: Attempt, findings: readonly Finding[]): Finding[] {
  const seqs = new Set(attempt.steps.flatMap((s) => s.evidence));
  return findings.filter((f) => f.conn === attempt.conn || (f.conn === undefined && f.evidence.some((e) => seqs.has(e))));
}

/** The finding that explains a failed step: one sharing evidence, else the attempt's first error. */
export function explain(step: AttemptStep, mine: readonly Finding[]): Finding | undefined {
  if (step.result !== 'fail') return undefined;
  const ev = new Set(step.evidence);
  return mine.find((f) => f.evidence.some((e) => ev.has(e))) ?? mine.find((f) => f.severity === 'error') ?? mine[0];
}

export const SEVERITY_WORD: Record<Finding['severity'], string> = { error: 'Problem', warning: 'Warning', info: 'Note' };
