/** Page 1: who, what, when, the verdict, and whether secrets are hidden. */
import type { ReportContext } from '../context.js';
import { COLOR } from '../pdf.js';
import { VERDICT_WORDS, deviceName, longDate, rankFindings } from '../words.js';
import { drawAnswer } from './answer.js';

const VERDICT_COLORS = {
  pass: { fg: COLOR.pass, bg: COLOR.passBg },
  fail: { fg: COLOR.fail, bg: COLOR.failBg },
  inconclusive: { fg: COLOR.warn, bg: COLOR.warnBg },
} as const;

export const CONTENTS = [
  'Summary in plain words, and what the customer\'s server needs',
  'Results: what was tried',
  'Findings, with proof',
  'Timeline of each attempt',
  'Encryption (TLS): what the phone offered',
  'Certificate and hand-off',
  'Appendix: full transcript',
];

export function drawCover(ctx: ReportContext): void {
  const { w, diagnosis, input } = ctx;
  const d = ctx.device;
  let y = w.doc.page.margins.top - 8;
  w.at('MAILPROBE  ·  MAIL CHECK', w.x0, y, { size: 9, color: COLOR.muted, font: 'bold' });
  y += 22;
  w.at('Mail check report', w.x0, y, { size: 28, font: 'bold', color: COLOR.accent });
  y += 38;
  w.at(`${deviceName(d)}: can this phone read e-mail?`, w.x0, y, { size: 12.5, color: COLOR.muted, width: w.width });
  y += 30;

  // Who and what: the fields a technician fills in stay visible as blanks when not given.
  const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
  const sameDay = longDate(ctx.startMs) === longDate(ctx.endMs);
  const when = sameDay
    ? `${longDate(ctx.startMs)}, ${hhmm(ctx.startMs)}–${hhmm(ctx.endMs)} UTC`
    : `${longDate(ctx.startMs)} ${hhmm(ctx.startMs)} – ${longDate(ctx.endMs)} ${hhmm(ctx.endMs)} UTC`;
  const rows: Array<[string, string | undefined]> = [
    ['Device', d ? `${deviceName(d)}${d.source === 'profile' ? ' (chosen by the technician)' : d.platform ? ` (${d.platform})` : ''}` : 'Unknown device (the phone did not identify itself)'],
    ['Firmware', d?.firmware ?? 'unknown'],
    ['Tested', when],
    ['Technician', input.technician?.trim() || undefined],
    ['Ticket', input.ticket?.trim() || undefined],
  ];
  const rowH = 22;
  const cardH = rows.length * rowH + 16;
  w.box(w.x0, y, w.width, cardH, COLOR.band);
  let ry = y + 11;
  for (const [k, v] of rows) {
    w.at(k, w.x0 + 14, ry, { size: 10, color: COLOR.muted });
    if (v !== undefined) w.at(v, w.x0 + 110, ry, { size: 11, font: 'bold', width: w.width - 124 });
    else {
      const ly = ry + 12;
      w.doc.moveTo(w.x0 + 110, ly).lineTo(w.x0 + 330, ly).lineWidth(0.6).strokeColor(COLOR.rule).stroke();
    }
    ry += rowH;
  }
  y += cardH + 22;

  // The verdict: mark, word and sentence, with the colour only as a third cue.
  const v = VERDICT_WORDS[diagnosis.verdict];
  const c = VERDICT_COLORS[diagnosis.verdict];
  const innerW = w.width - 32;
  const top = rankFindings(diagnosis.findings)[0];
  const mainText = top && top.severity !== 'info' ? `Main finding: ${top.title}` : undefined;
  const sh = w.heightOf(v.sentence, innerW, { size: 10 });
  const mh = mainText ? w.heightOf(mainText, innerW, { size: 10.5, font: 'bold' }) + 8 : 0;
  const vh = 84 + sh + mh + 10;
  w.box(w.x0, y, w.width, vh, c.bg, c.fg, 4);
  w.at('Overall result', w.x0 + 16, y + 12, { size: 9.5, color: COLOR.muted });
  w.at(`${v.mark}  ${v.word}`, w.x0 + 16, y + 28, { size: 24, font: 'bold', color: c.fg });
  w.at(v.headline, w.x0 + 16, y + 60, { size: 12.5, font: 'bold', width: innerW });
  w.y = y + 82;
  w.para(v.sentence, { x: w.x0 + 16, width: innerW, size: 10, gapAfter: 6 });
  if (mainText) w.para(mainText, { x: w.x0 + 16, width: innerW, size: 10.5, font: 'bold', color: c.fg, gapAfter: 0 });
  y += vh + 12;
  y = drawAnswer(ctx, y);

  const errors = diagnosis.findings.filter((f) => f.severity === 'error').length;
  const warnings = diagnosis.findings.filter((f) => f.severity === 'warning').length;
  const plural = (n: number, one: string, many = one + 's') => `${n} ${n === 1 ? one : many}`;
  w.at(
    `${plural(diagnosis.attempts.length, 'attempt')} to read mail · ${plural(errors, 'problem')} · ${plural(warnings, 'warning')} · ${plural(ctx.events.length, 'recorded event')}`,
    w.x0,
    y,
    { size: 9.5, color: COLOR.muted, width: w.width },
  );
  y += 24;

  // Whether this copy is safe to send.
  const safeH = 44;
  if (ctx.redacted) {
    w.box(w.x0, y, w.width, safeH, COLOR.infoBg, COLOR.info);
    w.at('REDACTED: passwords and login data are hidden', w.x0 + 14, y + 9, { size: 10.5, font: 'bold', color: COLOR.info, width: w.width - 28 });
    w.at('They appear as ‹redacted› throughout. This copy is safe to give to the customer.', w.x0 + 14, y + 26, { size: 9, width: w.width - 28 });
  } else {
    w.box(w.x0, y, w.width, safeH, COLOR.failBg, COLOR.fail);
    w.at('⚠ NOT REDACTED: this copy shows passwords and login data', w.x0 + 14, y + 9, { size: 10.5, font: 'bold', color: COLOR.fail, width: w.width - 28 });
    w.at('For the technician only. Do not send it outside the shop; export a redacted copy for the customer.', w.x0 + 14, y + 26, { size: 9, width: w.width - 28 });
  }
  y += safeH + 12;
  if (ctx.diagnosisError) {
    w.at(`⚠ The automatic diagnosis failed (${ctx.diagnosisError}); results below show only what the events say.`, w.x0, y, { size: 9, color: COLOR.warn, width: w.width });
    y += 16;
  }

  y += 10;
  // The answer comes first; the contents list only where the page still has room for it.
  if (y + 18 + CONTENTS.length * 15 > w.yMax) return;
  w.at('Contents', w.x0, y, { size: 11, font: 'bold' });
  y += 18;
  CONTENTS.forEach((title, i) => {
    w.at(`${i + 1}.  ${title}`, w.x0 + 8, y, { size: 10, color: COLOR.ink });
    y += 15;
  });
}
