/**
 * The readable timeline `mailprobe diagnose` prints: the verdict, the device, each attempt
 * with ✓/✗ steps, then the findings with their explanation and advice. Plain text, no colour,
 * so it survives a copy into a ticket.
 */
import type { Attempt, Diagnosis, Finding } from '../../api.js';
import { formatResolution } from './resolution/format.js';

export interface FormatOptions {
  /** Wrap width for explanations (default 100). */
  width?: number;
}

const MARK = { pass: '✓', fail: '✗', skipped: '–' } as const;
const SEVERITY = { error: 'ERROR  ', warning: 'WARNING', info: 'INFO   ' } as const;
const SECURITY = { none: 'no encryption', starttls: 'STARTTLS', tls: 'SSL/TLS from the start (as on port 993)' } as const;
const SECURITY_SMTP = { ...SECURITY, tls: 'SSL/TLS from the start (as on port 465)' } as const;

const DIRECTION_LINE = {
  receiving: { pass: 'PASS: the phone logged in and read the mailbox at least once.', fail: 'FAIL: no connection got through login and into the mailbox.', untested: 'untested.' },
  sending: { pass: 'PASS: the phone sent a message and the lab accepted it.', fail: 'FAIL: no message the phone tried to send was accepted.', untested: 'untested.' },
} as const;

const VERDICT_LINE = {
  pass: 'PASS: the phone logged in and read the mailbox at least once.',
  fail: 'FAIL: no connection got through login and into the mailbox.',
  inconclusive: 'INCONCLUSIVE: the phone has not connected to the mail server yet.',
} as const;

function seqList(seqs: readonly number[]): string {
  if (seqs.length === 0) return '';
  return `[#${seqs.join(', #')}]`;
}

function time(t: string | undefined): string {
  return t ? t.slice(11, 19) : '?';
}

function wrap(text: string, width: number, indent: string): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width - indent.length) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l).join('\n');
}

function formatAttempt(a: Attempt): string {
  const mech = a.mechanism ? `, ${a.mechanism === 'LOGIN-COMMAND' ? 'LOGIN command' : a.mechanism}` : '';
  const head = `${MARK[a.verdict]} Connection ${a.conn}: ${a.proto.toUpperCase()}, ${(a.proto === 'smtp' ? SECURITY_SMTP : SECURITY)[a.security]}${mech}, ${time(a.start)} → ${time(a.end)}: ${a.verdict.toUpperCase()}`;
  const steps = a.steps.map((s) => {
    const note = s.note ? `  ${s.note}` : '';
    const ev = s.evidence.length ? `  ${seqList(s.evidence)}` : '';
    return `    ${MARK[s.result]} ${s.step.padEnd(21)}${s.result === 'skipped' ? ' (skipped)' : ''}${note}${ev}`;
  });
  return [head, ...steps].join('\n');
}

function formatFinding(f: Finding, width: number): string {
  return [
    `  ${SEVERITY[f.severity]} ${f.title}  (${f.id})`,
    wrap(f.explanation, width, '            '),
    wrap(`→ ${f.recommendation}`, width, '            '),
    `            evidence: ${seqList(f.evidence)}`,
  ].join('\n');
}

export function formatDiagnosis(d: Diagnosis, opts: FormatOptions = {}): string {
  const width = opts.width ?? 100;
  const verdictLine =
    d.verdict === 'inconclusive' && d.attempts.length > 0
      ? 'INCONCLUSIVE: the phone connected, but what it did could not be read (encrypted or not recorded).'
      : VERDICT_LINE[d.verdict];
  const sending = d.directions.sending !== 'untested';
  const out: string[] = [];
  if (!sending) out.push(`Verdict: ${verdictLine}`);
  else {
    // Both halves of the phone's mail: the session verdict, then each direction on its own line.
    out.push(`Verdict: ${d.verdict.toUpperCase()}`);
    out.push(`  Receiving (IMAP): ${DIRECTION_LINE.receiving[d.directions.receiving]}`);
    out.push(`  Sending (SMTP):   ${DIRECTION_LINE.sending[d.directions.sending]}`);
  }
  if (d.device) {
    const dev = d.device;
    const name = [dev.vendor, dev.model].filter(Boolean).join(' ') || 'unknown device';
    // A fingerprint names the phone's TLS stack, not the phone: said as a match, not a fact.
    const from = dev.source === 'tls.hello' ? 'its ClientHello matches the lab\'s profile of it (JA3/JA4)' : dev.source;
    out.push(`Device: ${name}${dev.firmware ? `, firmware ${dev.firmware}` : ''}${dev.platform ? ` (${dev.platform})` : ''}, from ${from}`);
  }
  if (d.resolution && d.attempts.length) out.push('', formatResolution(d.resolution).trimEnd());
  out.push('');
  out.push(d.attempts.length ? `Attempts (${d.attempts.length}):` : 'Attempts: none');
  for (const a of d.attempts) out.push(formatAttempt(a));
  out.push('');
  out.push(d.findings.length ? `Findings (${d.findings.length}):` : 'Findings: none');
  const order = { error: 0, warning: 1, info: 2 } as const;
  const sorted = [...d.findings].sort((a, b) => order[a.severity] - order[b.severity]);
  for (const f of sorted) out.push(formatFinding(f, width), '');
  return out.join('\n').trimEnd() + '\n';
}
