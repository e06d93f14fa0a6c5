/**
 * The resolution as `mailprobe diagnose` prints it, before the evidence: per direction, what
 * works (with the phone's settings, the risk and the server side), what failed and why, and
 * what is left to try. Plain text, so it survives a copy into a ticket.
 */
import type { DirectionResolution, Resolution, WorkingConfiguration } from '../../../api.js';
import { describeConfiguration } from './index.js';

const DIRECTION_TITLE = { receiving: 'Receiving mail', sending: 'Sending mail' } as const;
const STATUS = { works: '✓ works', fails: '✗ does not work yet', untested: '– not tested' } as const;

function indent(text: string, pad: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

function tlsNote(c: { tls: { version: string; cipher: string } | null }): string {
  return c.tls ? ` (${c.tls.version} ${c.tls.cipher})` : '';
}

function variantNote(c: { variant: string | null; variantLabel?: string }): string {
  return c.variant ? ` [server variant ${c.variant}${c.variantLabel ? `: ${c.variantLabel}` : ''}]` : '';
}

function formatWorking(w: WorkingConfiguration, i: number): string[] {
  const out = [`  ${i + 1}. ${describeConfiguration(w)}${tlsNote(w)}${variantNote(w)}  (${w.attempts.join(', ')})`];
  out.push(`     On the phone: ${w.phone.map((p) => `${p.setting} = ${p.value}${p.verified ? '' : ' (label unverified)'}`).join('; ')}`);
  out.push(`     Risk: ${w.risk}`);
  out.push(`     The customer's server must: ${w.server.needs.join('; ')}.`);
  out.push(`     Cost: ${w.server.cost}`);
  for (const [name, conf] of [['Dovecot', w.server.dovecot], ['Cyrus', w.server.cyrus], ['Postfix', w.server.postfix]] as const) {
    if (conf) out.push(`     ${name}:`, indent(conf, '       '));
  }
  if (!w.server.dovecot && !w.server.cyrus && !w.server.postfix) out.push('     (no stock server configuration can do this: see what it must do above)');
  return out;
}

function formatDirection(name: keyof Resolution, r: DirectionResolution): string[] {
  const out = [`${DIRECTION_TITLE[name]}: ${STATUS[r.status]}`];
  if (r.status === 'untested') return out;
  if (r.working.length) {
    out.push('  Works, most protected first:');
    r.working.forEach((w, i) => out.push(...formatWorking(w, i)));
  }
  if (r.failing.length) {
    out.push('  Tried and failed:');
    for (const f of r.failing) out.push(`  ✗ ${describeConfiguration(f)}${tlsNote(f)}${variantNote(f)}  (${f.attempts.join(', ')}): ${f.because.join(', ')}`);
  }
  if (r.nearestMiss) out.push(`  Nearest miss: ${describeConfiguration(r.nearestMiss.configuration)}, as far as "${r.nearestMiss.configuration.furthestStep}". ${r.nearestMiss.wouldTake}`);
  if (r.next.length) {
    out.push('  Worth trying next:');
    for (const n of r.next) out.push(`  → ${n}`);
  }
  return out;
}

export function formatResolution(r: Resolution): string {
  return [...formatDirection('receiving', r.receiving), '', ...formatDirection('sending', r.sending)].join('\n') + '\n';
}
