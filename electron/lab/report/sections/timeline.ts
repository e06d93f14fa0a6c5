/**
 * One phone ⇄ lab sequence diagram per attempt. Rows are evenly spaced so every message is
 * readable; time is written beside each row, and a pause of TIMELINE_GAP_MS or more becomes a
 * shaded band that says how long and who was silent (the seed's 20 s wait after
 * `* BAD Invalid tag` must jump out at the reader).
 */
import type { Attempt, LabEvent } from '../../../api.js';
import type { ReportContext } from '../context.js';
import { COLOR } from '../pdf.js';
import { clock } from '../transcript.js';
import { failureWords, firstFailure, mechanismWords, securityWords, seconds, describeSuite } from '../words.js';
import { omittedWords, rangeWords, selectAttempts, type ShownAttempt } from '../select.js';
import { MONO_ADVANCE } from './lines.js';

/** A pause at least this long is drawn as a labelled band. */
export const TIMELINE_GAP_MS = 2000;
/**
 * Attempts drawn as diagrams, chosen by `selectAttempts`: the first try of each configuration
 * and the latest ones; the rest are counted in the matrix and named in words.
 */
export const MAX_TIMELINE_ATTEMPTS = 12;
/** Rows per diagram; a long connection shows its start and a pointer to the appendix. */
export const MAX_TIMELINE_ROWS = 70;
/** Lines of one packet drawn as arrows. */
export const MAX_ARROW_LINES_PER_EVENT = 3;

type Tone = 'neutral' | 'pass' | 'fail';

export type TimelineRow =
  | { kind: 'arrow'; dir: 'c2s' | 's2c'; text: string; ms: number; seq: number; first: boolean }
  | { kind: 'note'; text: string; ms: number; seq: number; tone: Tone }
  | { kind: 'gap'; durationMs: number; label: string }
  | { kind: 'more'; text: string };

function noteFor(ev: LabEvent): { text: string; tone: Tone } | undefined {
  switch (ev.kind) {
    case 'conn.open':
      return { text: `phone connects to port ${ev.port} (${ev.proto.toUpperCase()})`, tone: 'neutral' };
    case 'tls.established':
      return { text: `✓ encrypted: ${ev.version} ${describeSuite(ev.cipher)}`, tone: 'pass' };
    case 'tls.failed':
      return { text: `✗ encryption failed: ${ev.reason}${ev.alert ? ` (${ev.alert})` : ''}`, tone: 'fail' };
    case 'auth':
      return { text: `${ev.ok ? '✓ password accepted' : '✗ password refused'} (${ev.mechanism}, user '${ev.user}')`, tone: ev.ok ? 'pass' : 'fail' };
    case 'conn.close': {
      const who = ev.by === 'client' ? 'phone hung up' : ev.by === 'server' ? 'lab closed the connection' : ev.by === 'timeout' ? 'lab timed out the connection' : ev.by === 'lab-stop' ? 'lab stopped' : 'connection broke';
      return { text: who, tone: 'neutral' };
    }
    case 'input.rejected':
      return { text: `✗ refused input: ${ev.what}`, tone: 'fail' };
    case 'lab.error':
      return { text: `✗ lab error: ${ev.message}`, tone: 'fail' };
    case 'device':
      return { text: `phone says it is ${[ev.device.vendor, ev.device.model].filter(Boolean).join(' ')}`, tone: 'neutral' };
    case 'note':
      return { text: ev.text, tone: 'neutral' };
    case 'smtp.message':
      return { text: `✓ message captured: "${ev.subject ?? '(no subject)'}", ${ev.size.toLocaleString('en-US')} bytes, to ${ev.to.join(', ')}`, tone: 'pass' };
    default:
      return undefined;
  }
}

function gapLabel(durationMs: number, next: LabEvent | undefined): string {
  const s = seconds(durationMs);
  if (!next) return `${s} — no traffic`;
  if (next.kind === 'c2s' || next.kind === 'tls.hello') return `${s} — phone silent`;
  if (next.kind === 's2c') return `${s} — lab silent`;
  if (next.kind === 'conn.close') {
    if (next.by === 'client') return `${s} — phone silent, then it hung up`;
    if (next.by === 'timeout') return `${s} — phone silent until the lab timed out`;
    return `${s} — no traffic`;
  }
  return `${s} — no traffic`;
}

/** The rows of one attempt's diagram. */
export function timelineRows(ctx: ReportContext, a: Attempt): TimelineRow[] {
  const events = ctx.eventsByConn.get(a.conn) ?? [];
  const rows: TimelineRow[] = [];
  let prevMs: number | undefined;
  let count = 0;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i];
    const ms = Date.parse(ev.t);
    if (prevMs !== undefined && ms - prevMs >= TIMELINE_GAP_MS) rows.push({ kind: 'gap', durationMs: ms - prevMs, label: gapLabel(ms - prevMs, ev) });
    prevMs = ms;
    if (count >= MAX_TIMELINE_ROWS) {
      rows.push({ kind: 'more', text: `… ${events.length - i} more events on this connection: see the appendix, or the session's events.jsonl.` });
      break;
    }
    if (ev.kind === 'c2s' || ev.kind === 's2c') {
      const lines = ctx.linesBySeq.get(ev.seq) ?? [];
      const shown = lines.slice(0, MAX_ARROW_LINES_PER_EVENT);
      shown.forEach((l, j) => {
        const more = j === shown.length - 1 && lines.length > shown.length ? `   (+${lines.length - shown.length} more lines)` : '';
        rows.push({ kind: 'arrow', dir: ev.kind as 'c2s' | 's2c', text: l.text + more, ms, seq: ev.seq, first: j === 0 });
      });
      count += 1;
    } else if (ev.kind === 'tls.hello') {
      rows.push({ kind: 'arrow', dir: 'c2s', text: `TLS hello: up to ${ev.maxVersion}, ${ev.cipherSuites.length} cipher suites`, ms, seq: ev.seq, first: true });
      count += 1;
    } else {
      const n = noteFor(ev);
      if (n) {
        rows.push({ kind: 'note', text: n.text, tone: n.tone, ms, seq: ev.seq });
        count += 1;
      }
    }
  }
  return rows;
}

const ROW_H = { arrow: 17, note: 17, gap: 30, more: 16 } as const;

export function drawTimelines(ctx: ReportContext): void {
  const { w, diagnosis } = ctx;
  w.sectionBreak();
  w.heading('4. Timeline of each attempt');
  if (diagnosis.attempts.length === 0) {
    w.para('The phone did not connect to the mail server during this session.');
    return;
  }
  w.para(`Read each diagram from top to bottom. Arrows pointing right are what the phone sent to the lab; arrows pointing left are the lab's answers. The left column is the time since the phone connected. A shaded band marks a pause of ${seconds(TIMELINE_GAP_MS)} or more, with who was silent.`, { size: 9.5, color: COLOR.muted, gapAfter: 8 });

  const sel = selectAttempts(diagnosis.attempts, MAX_TIMELINE_ATTEMPTS);
  const total = sel.total.toLocaleString('en-US');
  if (sel.omitted.count > 0) {
    const o = sel.omitted;
    w.para(
      `Drawn here: ${sel.shown.length} of ${total} attempts, the first try of each way of connecting (encryption and login method, with each result it had) and the latest attempts. ${o.count.toLocaleString('en-US')} more attempts are not drawn here: ${omittedWords(o.ranges)}. All of them are counted in the grid of section 2; their full conversations are in the session folder (events.jsonl).`,
      { size: 9.5, color: COLOR.ink, gapAfter: 8 },
    );
  }
  let prev = 0;
  for (const s of sel.shown) {
    if (s.number > prev + 1) skipped(ctx, { from: prev + 1, to: s.number - 1 });
    drawAttempt(ctx, s, sel.total, sel.omitted.count > 0);
    prev = s.number;
  }
  if (prev < sel.total) skipped(ctx, { from: prev + 1, to: sel.total });
}

/** A one-line marker where attempts were left out between two diagrams. */
function skipped(ctx: ReportContext, r: { from: number; to: number }): void {
  const { w } = ctx;
  const attempts = ctx.diagnosis.attempts.slice(r.from - 1, r.to);
  const failed = attempts.filter((a) => a.verdict === 'fail').length;
  const n = attempts.length;
  const text = `⋯ ${rangeWords(r)} not drawn (${n === 1 ? (failed ? 'failed' : 'passed') : `${n.toLocaleString('en-US')}: ${(n - failed).toLocaleString('en-US')} passed, ${failed.toLocaleString('en-US')} failed`}) ⋯`;
  w.ensure(22);
  w.y += 4;
  const y = w.y;
  w.doc.save().lineWidth(0.6).dash(3, { space: 3 }).strokeColor(COLOR.rule).moveTo(w.x0, y + 7).lineTo(w.x1, y + 7).stroke().undash().restore();
  const tw = w.widthOf(text, 'sans', 8.5) + 16;
  w.box((w.x0 + w.x1) / 2 - tw / 2, y, tw, 14, '#ffffff', COLOR.rule, 2);
  w.at(text, (w.x0 + w.x1) / 2 - tw / 2, y + 3, { size: 8.5, color: COLOR.muted, width: tw, align: 'center' });
  w.y = y + 20;
}

function drawAttempt(ctx: ReportContext, shown: ShownAttempt<Attempt>, total: number, selected: boolean): void {
  const { w } = ctx;
  const a = shown.attempt;
  const rows = timelineRows(ctx, a);
  const firstMs = rows.find((r) => r.kind === 'arrow' || r.kind === 'note') as { ms: number } | undefined;
  const startMs = firstMs?.ms ?? (a.start ? Date.parse(a.start) : ctx.startMs);
  const lastRow = [...rows].reverse().find((r) => r.kind === 'arrow' || r.kind === 'note') as { ms: number } | undefined;
  const endMs = lastRow?.ms ?? startMs;

  // Keep a diagram that fits on one page in one piece rather than spilling two rows over.
  const height = 80 + rows.reduce((h, r) => h + ROW_H[r.kind], 0);
  if (w.y + height > w.yMax && height <= w.yMax - w.doc.page.margins.top) w.newPage();

  const title = `Attempt ${shown.number.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}: ${securityWords(a)}${a.mechanism ? `, ${mechanismWords(a.mechanism)}` : ''}`;
  w.y += 6;
  w.heading(title, 2, 120);
  const fail = firstFailure(a);
  const ok = a.verdict === 'pass';
  // When some attempts are left out, say why this one was kept.
  const why = selected ? (shown.why === 'first-of-kind' ? ` · the first attempt this way that ${a.verdict === 'pass' ? 'worked' : 'failed'}` : ' · one of the latest attempts') : '';
  w.at(`connection ${a.conn} · started ${clock(startMs).slice(0, 8)} UTC · lasted ${seconds(endMs - startMs)}${why}`, w.x0, w.y, { size: 8.5, color: COLOR.muted, width: w.width });
  w.y += 12;
  w.at(`${ok ? '✓ pass' : '✗ fail'}${fail ? ` — ${failureWords(fail)}` : ''}`, w.x0, w.y, { size: 9.5, font: 'bold', color: ok ? COLOR.pass : COLOR.fail, width: w.width });
  w.y += 16;

  const phoneX = w.x0 + 84;
  const labX = w.x1 - 72;
  const labelW = labX - phoneX - 16;
  const size = 7.4;
  const maxChars = Math.floor(labelW / (size * MONO_ADVANCE));
  const cited = ctx.cited;

  const heads = (cont: boolean) => {
    const y = w.y;
    if (cont) {
      w.at(`${title} (continued)`, w.x0, y, { size: 8.5, color: COLOR.muted, width: w.width });
      w.y = y + 14;
    }
    const hy = w.y;
    for (const [label, x, color] of [['PHONE', phoneX, COLOR.phone], ['LAB', labX, COLOR.lab]] as const) {
      w.box(x - 30, hy, 60, 17, color);
      w.at(label, x - 30, hy + 4, { size: 8.5, font: 'bold', color: '#ffffff', width: 60, align: 'center' });
    }
    w.at('time', w.x0, hy + 4, { size: 7.5, color: COLOR.muted });
    w.at('event', w.x1 - 34, hy + 4, { size: 7.5, color: COLOR.muted, width: 34, align: 'right' });
    w.y = hy + 21;
  };
  heads(false);

  const doc = w.doc;
  const lifelines = (y: number, h: number, dashed: boolean) => {
    doc.save().lineWidth(0.8);
    if (dashed) doc.dash(2, { space: 2 });
    doc.strokeColor(COLOR.phone).moveTo(phoneX, y).lineTo(phoneX, y + h).stroke();
    doc.strokeColor(COLOR.lab).moveTo(labX, y).lineTo(labX, y + h).stroke();
    doc.undash().restore();
  };
  const timeAt = (ms: number, y: number) => w.at(`+${((ms - startMs) / 1000).toFixed(3)} s`, w.x0, y, { size: 7, color: COLOR.muted, width: phoneX - w.x0 - 6 });
  const seqAt = (seq: number, y: number) => {
    const isCited = cited.has(seq);
    w.at(`${isCited ? '◆ ' : ''}#${seq}`, w.x1 - 36, y, { size: 7, color: isCited ? COLOR.warn : COLOR.muted, font: isCited ? 'bold' : 'sans', width: 36, align: 'right' });
  };

  for (const r of rows) {
    const h = ROW_H[r.kind];
    if (w.y + h > w.yMax) {
      w.newPage();
      heads(true);
    }
    const y = w.y;
    if (r.kind === 'gap') {
      doc.save().rect(w.x0, y + 3, w.width, h - 6).fill(COLOR.warnBg).restore();
      lifelines(y, h, true);
      const label = r.label;
      const lw = w.widthOf(label, 'bold', 9) + 16;
      w.box((phoneX + labX) / 2 - lw / 2, y + 8, lw, 15, '#ffffff', COLOR.warn, 2);
      w.at(label, (phoneX + labX) / 2 - lw / 2, y + 10.5, { size: 9, font: 'bold', color: COLOR.warn, width: lw, align: 'center' });
      w.at(`pause ${seconds(r.durationMs)}`, w.x0, y + 10.5, { size: 7.5, font: 'bold', color: COLOR.warn, width: phoneX - w.x0 - 6 });
    } else if (r.kind === 'more') {
      lifelines(y, h, true);
      w.at(r.text, phoneX + 8, y + 4, { size: 8, color: COLOR.muted, width: labX - phoneX - 16 });
    } else if (r.kind === 'note') {
      lifelines(y, h, false);
      const text = w.fit(r.text, labX - phoneX - 24, 'sans', 7.8);
      const tw = w.widthOf(text, 'sans', 7.8) + 12;
      const fg = r.tone === 'pass' ? COLOR.pass : r.tone === 'fail' ? COLOR.fail : COLOR.muted;
      const bg = r.tone === 'pass' ? COLOR.passBg : r.tone === 'fail' ? COLOR.failBg : COLOR.band;
      const bx = (phoneX + labX) / 2 - tw / 2;
      w.box(bx, y + 2, tw, 13, bg, fg, 2);
      w.at(text, bx, y + 4.5, { size: 7.8, color: r.tone === 'neutral' ? COLOR.ink : fg, width: tw, align: 'center' });
      timeAt(r.ms, y + 5);
      seqAt(r.seq, y + 5);
    } else {
      lifelines(y, h, false);
      const ay = y + h - 4;
      const from = r.dir === 'c2s' ? phoneX : labX;
      const to = r.dir === 'c2s' ? labX : phoneX;
      const color = r.dir === 'c2s' ? COLOR.phone : COLOR.lab;
      const head = r.dir === 'c2s' ? -5 : 5;
      doc.save().lineWidth(0.9).strokeColor(color).moveTo(from, ay).lineTo(to + head, ay).stroke();
      doc.polygon([to, ay], [to + head, ay - 2.8], [to + head, ay + 2.8]).fill(color).restore();
      const chars = [...r.text];
      const text = chars.length > maxChars ? chars.slice(0, maxChars - 1).join('') + '…' : r.text;
      w.at(text, phoneX + 8, y + 2.5, { size, font: 'mono', color: r.dir === 'c2s' ? '#13324f' : '#3b2760' });
      if (r.first) {
        timeAt(r.ms, y + 4);
        seqAt(r.seq, y + 4);
      }
    }
    w.y = y + h;
  }
  w.y += 8;
}
