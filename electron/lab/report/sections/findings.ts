/** Each finding: what happened, what to do, and the transcript lines that prove it. */
import type { Finding, Severity } from '../../../api.js';
import type { ReportContext } from '../context.js';
import { COLOR } from '../pdf.js';
import type { TranscriptLine } from '../transcript.js';
import { drawLines } from './lines.js';
import { rankFindings } from '../words.js';

/** Findings drawn in full; past this, the rest are listed by title (a huge session stays readable). */
/** Event numbers named in a finding's proof heading; past this many, the rest are counted. */
export const MAX_EVIDENCE_NUMBERS_IN_HEADING = 8;

/** "events #8, #9, #10" — or "events #8, #9, … and 12 more" so the heading stays on its line. */
export function evidenceLabel(evidence: readonly number[]): string {
  const seqs = [...new Set(evidence)].sort((a, b) => a - b);
  const shown = seqs.slice(0, MAX_EVIDENCE_NUMBERS_IN_HEADING).map((n) => '#' + n).join(', ');
  const rest = seqs.length - MAX_EVIDENCE_NUMBERS_IN_HEADING;
  return `event${seqs.length === 1 ? '' : 's'} ${shown}${rest > 0 ? ` and ${rest} more` : ''}`;
}

export const MAX_DETAILED_FINDINGS = 30;
/** Transcript lines quoted as proof under one finding; the appendix has them all. */
export const MAX_EVIDENCE_LINES = 14;

export const SEVERITY_WORDS: Record<Severity, { mark: string; word: string; color: string; bg: string }> = {
  error: { mark: '✗', word: 'PROBLEM', color: COLOR.fail, bg: COLOR.failBg },
  warning: { mark: '⚠', word: 'WARNING', color: COLOR.warn, bg: COLOR.warnBg },
  info: { mark: 'ℹ', word: 'NOTE', color: COLOR.info, bg: COLOR.infoBg },
};


export function evidenceLines(ctx: ReportContext, f: Finding): { lines: TranscriptLine[]; missing: number[]; more: number } {
  const lines: TranscriptLine[] = [];
  const missing: number[] = [];
  const seqs = [...new Set(f.evidence)].sort((a, b) => a - b);
  let more = 0;
  for (const seq of seqs) {
    const ls = ctx.linesBySeq.get(seq);
    if (!ls) {
      missing.push(seq);
      continue;
    }
    for (const l of ls) {
      if (lines.length < MAX_EVIDENCE_LINES) lines.push(l);
      else more += 1;
    }
  }
  return { lines, missing, more };
}

export function drawFindings(ctx: ReportContext): void {
  const { w } = ctx;
  w.sectionBreak();
  w.heading('3. Findings, with proof');
  const findings = rankFindings(ctx.diagnosis.findings);
  if (findings.length === 0) {
    w.para(ctx.diagnosisError ? 'No findings: the automatic diagnosis was not available for this session.' : 'Nothing unusual was found in this session.');
    return;
  }
  w.para('Each finding says what happened, what to do about it, and quotes the lines of the conversation between the phone and the lab that show it (the conversation is in the appendix; every byte of it is in events.jsonl in the session folder). "phone" lines are what the phone sent, "lab" lines what the lab server answered.', { size: 9.5, color: COLOR.muted, gapAfter: 10 });

  findings.slice(0, MAX_DETAILED_FINDINGS).forEach((f, i) => {
    const sev = SEVERITY_WORDS[f.severity];
    const titleH = w.heightOf(f.title, w.width - 110, { font: 'bold', size: 11.5 });
    w.ensure(titleH + 90);
    const y = w.y;
    w.box(w.x0, y, 92, 17, sev.bg, sev.color, 2);
    w.at(`${sev.mark} ${sev.word}`, w.x0 + 6, y + 3.5, { size: 8.5, font: 'bold', color: sev.color, width: 84 });
    w.y = y + 1;
    w.para(`${i + 1}. ${f.title}`, { x: w.x0 + 102, font: 'bold', size: 11.5, gapAfter: 2 });
    w.at(`id: ${f.id}${f.conn ? ` · connection ${f.conn}` : ''}`, w.x0 + 102, w.y, { size: 7.5, color: COLOR.muted });
    w.y += 14;
    const label = (t: string) => {
      w.ensure(40);
      w.at(t, w.x0, w.y, { size: 8.5, font: 'bold', color: COLOR.muted });
      w.y += 12;
    };
    label('What happened');
    w.para(f.explanation, { size: 10, gapAfter: 6 });
    label('What to do');
    w.para(f.recommendation, { size: 10, gapAfter: 6 });
    const ev = evidenceLines(ctx, f);
    label(`Proof from the transcript (${evidenceLabel(f.evidence)})`);
    if (ev.lines.length > 0) {
      w.y += 2;
      drawLines(w, ev.lines, { size: 7.4, x: w.x0 + 8, emphasise: new Set(f.evidence), maxWrappedLines: 4 });
    }
    if (ev.more > 0) w.para(`… and ${ev.more} more line${ev.more === 1 ? '' : 's'}: see the appendix, or the session's events.jsonl.`, { size: 8, color: COLOR.muted, x: w.x0 + 8 });
    if (ev.missing.length > 0) w.para(`Events not in this session's transcript: ${ev.missing.map((s) => '#' + s).join(', ')}.`, { size: 8, color: COLOR.warn, x: w.x0 + 8 });
    w.y += 10;
    w.rule(w.y - 5);
    w.y += 4;
  });

  const rest = findings.slice(MAX_DETAILED_FINDINGS);
  if (rest.length > 0) {
    w.heading(`${rest.length} more finding${rest.length === 1 ? '' : 's'}, listed by title`, 2, 40);
    for (const f of rest) {
      const sev = SEVERITY_WORDS[f.severity];
      w.para(`${sev.mark} ${sev.word} · ${f.title} (events ${f.evidence.slice(0, 6).map((s) => '#' + s).join(', ')}${f.evidence.length > 6 ? ', …' : ''})`, { size: 8.5, gapAfter: 2 });
    }
  }
}
