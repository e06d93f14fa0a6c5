/**
 * The answer on the first page: per direction, what works on this phone and the values to set,
 * with the risk; or, when nothing works yet, what is left to try. The server side follows in
 * its own section (`drawServerSide`), with the configuration to paste.
 */
import type { DirectionResolution, TriedConfiguration } from '../../../api.js';
import { describeConfiguration } from '../../diagnosis/resolution/index.js';
import type { ReportContext } from '../context.js';
import { COLOR } from '../pdf.js';

const DIRECTION = { receiving: 'Receiving mail', sending: 'Sending mail' } as const;

function settingsLine(r: DirectionResolution): string {
  const w = r.working[0];
  return `On the phone: ${w.phone.map((p) => `${p.setting} = ${p.value}`).join(';  ')}`;
}

function tlsWords(c: TriedConfiguration): string {
  return c.tls ? ` (${c.tls.version}, ${c.tls.cipher})` : '';
}

interface Line {
  text: string;
  size: number;
  font: 'sans' | 'bold';
  color: string;
  indent: number;
  /**
   * Lines the cover can do without when the page is short (the next tries beyond the first,
   * the count of other settings; then the risk and the first next try): they are all in
   * section 1 too. Lines of rank 1 go before those of rank 2. The verdict and the settings to
   * type are never dropped.
   */
  optional?: 1 | 2;
}

function linesFor(name: keyof typeof DIRECTION, r: DirectionResolution): Line[] {
  const out: Line[] = [];
  const l = (text: string, o: Partial<Line> = {}) => out.push({ text, size: 10, font: 'sans', color: COLOR.ink, indent: 12, ...o });
  if (r.status === 'untested') {
    l(`–  ${DIRECTION[name]}: not tested in this session`, { indent: 0, color: COLOR.muted });
    return out;
  }
  if (r.status === 'works') {
    const w = r.working[0];
    l(`✓  ${DIRECTION[name]} works with ${describeConfiguration(w)}${tlsWords(w)}`, { indent: 0, font: 'bold', size: 11, color: COLOR.pass });
    l(settingsLine(r));
    l(`Risk: ${w.risk}`, { optional: 2 });
    if (r.working.length > 1) l(`${r.working.length - 1} other working setting${r.working.length > 2 ? 's' : ''}: see "What works".`, { color: COLOR.muted, size: 9, optional: 1 });
    return out;
  }
  l(`✗  ${DIRECTION[name]} does not work yet`, { indent: 0, font: 'bold', size: 11, color: COLOR.fail });
  if (r.nearestMiss) l(`Nearest: ${describeConfiguration(r.nearestMiss.configuration)}. ${r.nearestMiss.wouldTake}`);
  r.next.slice(0, 2).forEach((n, i) => l(`Try next: ${n}`, { optional: i > 0 ? 1 : 2 }));
  return out;
}

/** Draws the answer box at `y` on the cover; returns the y below it. */
export function drawAnswer(ctx: ReportContext, y: number): number {
  const { w, diagnosis } = ctx;
  const r = diagnosis.resolution;
  if (!r || diagnosis.attempts.length === 0) return y;
  const inner = w.width - 28;
  const all = [...linesFor('receiving', r.receiving), ...linesFor('sending', r.sending)];
  const heightOf = (ln: Line) => w.heightOf(ln.text, inner - ln.indent, { size: ln.size, font: ln.font }) + 3;
  const boxHeight = (ls: Line[]) => 30 + ls.reduce((a, ln) => a + heightOf(ln), 0) + 8;
  // The box stays on the cover: drop optional lines, last first, until it fits, and say where
  // the rest is.
  let lines = all;
  const room = w.yMax - y - 12;
  for (const rank of [1, 2] as const) {
    for (let i = all.length - 1; i >= 0 && boxHeight(lines) > room; i--) {
      if (all[i].optional === rank) lines = lines.filter((ln) => ln !== all[i]);
    }
  }
  if (lines.length < all.length) lines = [...lines, { text: 'More to try: see section 1, "What works".', size: 9, font: 'sans', color: COLOR.muted, indent: 0 }];
  const heights = lines.map(heightOf);
  const h = boxHeight(lines);
  w.box(w.x0, y, w.width, h, '#ffffff', COLOR.accent, 4);
  w.at('What works for this phone', w.x0 + 14, y + 10, { size: 11, font: 'bold', color: COLOR.accent });
  let ly = y + 30;
  lines.forEach((ln, i) => {
    w.y = ly;
    w.para(ln.text, { x: w.x0 + 14 + ln.indent, width: inner - ln.indent, size: ln.size, font: ln.font, color: ln.color, gapAfter: 0 });
    ly += heights[i];
  });
  return y + h + 12;
}

/** "What works, and what the customer's server needs": every working setting with its server side. */
export function drawServerSide(ctx: ReportContext): void {
  const { w, diagnosis } = ctx;
  const r = diagnosis.resolution;
  if (!r || (r.receiving.working.length === 0 && r.sending.working.length === 0)) return;
  // Part of the summary (section 1): the answer, before the evidence.
  w.heading('What works, and what the customer\'s server needs', 2, 120);
  for (const name of ['receiving', 'sending'] as const) {
    for (const [i, c] of r[name].working.entries()) {
      w.heading(`${DIRECTION[name]} ${i + 1}: ${describeConfiguration(c)}${tlsWords(c)}`, 3, 120);
      w.para(`On the phone: ${c.phone.map((p) => `${p.setting} = ${p.value}`).join(';  ')}`);
      w.para(`Risk: ${c.risk}`);
      w.para(`The customer's server must: ${c.server.needs.join('; ')}.`);
      w.para(`Cost: ${c.server.cost}`, { color: COLOR.muted, size: 9.5 });
      for (const [label, conf] of [['Dovecot 2.3', c.server.dovecot], ['Cyrus IMAP', c.server.cyrus], ['Postfix', c.server.postfix]] as const) {
        if (!conf) continue;
        w.ensure(30 + conf.split('\n').length * 11);
        w.para(label, { font: 'bold', size: 9.5, gapAfter: 2 });
        w.para(conf.trimEnd(), { font: 'mono', size: 8.5, gapAfter: 6 });
      }
      if (!c.server.dovecot && !c.server.cyrus && !c.server.postfix) w.para('No stock server configuration can do this (see what it must do above).', { color: COLOR.warn });
    }
  }
}
