/** "What works, what does not, what to do", in sentences a customer understands. */
import type { Attempt } from '../../../api.js';
import type { ReportContext } from '../context.js';
import { COLOR } from '../pdf.js';
import { DIRECTION_WORDS, describeSuite, failureWords, firstFailure, mechanismWords, rankFindings, securityWords } from '../words.js';

/** Recommendations that say nothing to do are not worth a line in "What to do". */
const NOTHING_TO_DO = /^(nothing to do|none|no action)\.?$/i;

/** Pieces of advice in the summary; each finding carries its own in section 3. */
export const MAX_TODO = 5;

function attemptName(a: Attempt): string {
  return `${securityWords(a)}${a.mechanism ? `, ${mechanismWords(a.mechanism)}` : ''}`;
}

function unique(items: string[]): string[] {
  const counts = new Map<string, number>();
  for (const s of items) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts.entries()].map(([s, n]) => (n > 1 ? `${s} (${n} times)` : s));
}

export function summaryLines(ctx: ReportContext): { works: string[]; fails: string[]; todo: string[] } {
  const { diagnosis, events } = ctx;
  const works: string[] = [];
  const fails: string[] = [];

  const passing = diagnosis.attempts.filter((a) => a.verdict === 'pass');
  for (const a of passing) works.push(`${a.direction === 'sending' ? 'Sending' : 'Reading'} mail works with ${attemptName(a)}.`);

  const accepted = [...new Set(diagnosis.attempts.filter((a) => a.steps.some((s) => s.step === 'auth' && s.result === 'pass')).map((a) => mechanismWords(a.mechanism)))];
  if (accepted.length > 0 && passing.length === 0) {
    works.push(`The account and password on the phone are right: the server accepted them (${accepted.join(', ')}).`);
  }
  const tlsOk = events.filter((e) => e.kind === 'tls.established');
  if (tlsOk.length > 0) {
    const kinds = [...new Set(tlsOk.map((e) => (e.kind === 'tls.established' ? `${e.version} ${describeSuite(e.cipher)}` : '')))];
    works.push(`The phone can set up an encrypted connection (${kinds.join(', ')}).`);
  }
  const certFetched = events.find((e) => e.kind === 'http.request' && e.status === 200 && /^ca\./.test(e.served ?? ''));
  if (certFetched && certFetched.kind === 'http.request') works.push(`The phone downloaded the lab's security certificate (${certFetched.path}).`);
  if (works.length === 0) works.push('Nothing worked in this session.');

  const sends = diagnosis.attempts.some((a) => a.direction === 'sending');
  for (const a of diagnosis.attempts.filter((x) => x.verdict === 'fail')) {
    const f = firstFailure(a);
    const what = sends ? `${a.direction === 'sending' ? 'Sending' : 'Reading'}, ${attemptName(a)}` : attemptName(a);
    fails.push(`${what}: ${f ? failureWords(f) : 'the attempt did not finish'}${f?.note && !f.stopped ? ` (${f.note})` : ''}.`);
  }
  if (fails.length === 0) fails.push(diagnosis.attempts.length === 0 ? 'The phone made no attempt to read or send mail in this session.' : 'Nothing: every attempt worked.');
  // What the lab captured: the message the phone sent (the round trip to its inbox).
  for (const ev of events) {
    if (ev.kind === 'smtp.message') works.push(`The lab received the message "${ev.subject ?? '(no subject)'}" from ${ev.from || '<>'} (${ev.size.toLocaleString('en-US')} bytes)${ev.delivered ? ' and put it in the phone\'s inbox' : ''}.`);
  }

  const ranked = rankFindings(diagnosis.findings);
  // Advice from problems and warnings; notes only when there is nothing more pressing.
  const pressing = ranked.filter((f) => f.severity !== 'info');
  const todo = (pressing.length > 0 ? pressing : ranked).map((f) => f.recommendation.trim()).filter((r) => r && !NOTHING_TO_DO.test(r));
  const todoUnique = [...new Set(todo)].slice(0, MAX_TODO);
  if (todoUnique.length === 0) {
    todoUnique.push(diagnosis.verdict === 'pass' ? 'Nothing: the phone is ready to use with these settings.' : 'Repeat the test with the phone set to check mail, then read the findings.');
  }
  return { works: unique(works), fails: unique(fails), todo: todoUnique };
}

export function drawSummary(ctx: ReportContext): void {
  const { w } = ctx;
  w.newPage();
  w.heading('1. Summary in plain words');
  const { works, fails, todo } = summaryLines(ctx);
  // Both halves first, so "works" below is never read as "everything works".
  const y = w.y;
  (['receiving', 'sending'] as const).forEach((dir, i) => {
    const words = DIRECTION_WORDS[dir];
    const r = ctx.diagnosis.directions?.[dir] ?? 'untested';
    const color = r === 'pass' ? COLOR.pass : r === 'fail' ? COLOR.fail : COLOR.muted;
    const x = w.x0 + i * (w.width / 2 + 8);
    w.at(`${words.name} (${words.proto}):`, x, y, { size: 10.5, color: COLOR.muted });
    w.at(`${words.result[r].mark} ${words.result[r].word}`, x + 140, y, { size: 11, font: 'bold', color, width: w.width / 2 - 142 });
  });
  w.y = y + 24;
  const block = (title: string, mark: string, color: string, items: string[], numbered = false) => {
    w.heading(`${mark}  ${title}`, 2, 40);
    items.forEach((item, i) => {
      const bullet = numbered ? `${i + 1}.` : mark;
      const h = w.heightOf(item, w.width - 24, { size: 10.5 });
      w.ensure(h + 4);
      const y = w.y;
      w.at(bullet, w.x0 + 4, y, { size: 10.5, font: 'bold', color });
      w.y = y;
      w.para(item, { x: w.x0 + 24, size: 10.5, gapAfter: 5 });
    });
    w.y += 8;
  };
  block('What works', '✓', COLOR.pass, works);
  block('What does not work', '✗', COLOR.fail, fails);
  block('What to do', '→', COLOR.accent, todo, true);
  w.para('Each finding in section 3 has its own advice and the proof from the conversation.', { size: 9, color: COLOR.muted });
}
