/**
 * The full transcript, bounded. Past MAX_APPENDIX_PAGES it shows the beginning and the end of
 * the session with a marked gap between them: the end holds the configuration the technician
 * tried last, which is what the customer ends up with, so cutting only the tail would hide it.
 */
import type { ReportContext } from '../context.js';
import { COLOR } from '../pdf.js';
import { drawLines, layoutLines, lineChunks, linesGeometry, type LinesOptions } from './lines.js';

/** Pages of transcript at most; a session of 100,000 events must not become a 3,000-page PDF. */
export const MAX_APPENDIX_PAGES = 40;

/**
 * Share of the page budget for the beginning of a cut transcript; the rest shows the end. The
 * end gets more: it is the last configuration tried and where the session stopped.
 */
export const APPENDIX_HEAD_SHARE = 1 / 3;

/** Height kept free at the bottom of the last page of the beginning for the gap marker. */
const GAP_NOTE_H = 72;

export interface AppendixResult {
  /** Transcript lines drawn completely. */
  linesShown: number;
  truncated: boolean;
  /** Lines and events left out in the gap (0 when nothing was cut). */
  linesOmitted: number;
  eventsOmitted: number;
}

export function drawAppendix(ctx: ReportContext, maxPages = MAX_APPENDIX_PAGES): AppendixResult {
  const { w } = ctx;
  w.newPage();
  w.heading('7. Appendix: full transcript');
  w.para(`Every recorded event of the session, in order. "phone" lines are what the phone sent, "lab" lines what the lab answered, "·" lines are what the lab noticed. ⏎ marks an empty line; ↪ continues a long line.${ctx.redacted ? ' Passwords and login data are shown as ‹redacted›.' : ' This copy is NOT redacted.'}`, { size: 8.5, color: COLOR.muted, gapAfter: 8 });
  const lines = ctx.lines;
  const n = lines.length;
  const opts: LinesOptions = { size: 7.2, emphasise: ctx.cited };
  const g = linesGeometry(w, opts);
  const top = w.doc.page.margins.top;
  const yMax = w.yMax;
  const rows = new Map<number, number>();
  const rowsOf = (i: number) => {
    let r = rows.get(i);
    if (r === undefined) rows.set(i, (r = lineChunks(w, lines[i], g).length));
    return r;
  };

  // Everything fits: draw it all. The layout stops at the first line past the budget, so a
  // 100,000-event session measures only about a budget's worth of lines here.
  const lh = g.lh;
  if (layoutLines(n, rowsOf, { y: w.y, top, yMax, lh }, maxPages).fitted === n) {
    const drawn = drawLines(w, lines, opts);
    return { linesShown: drawn, truncated: false, linesOmitted: 0, eventsOmitted: 0 };
  }

  const headPages = Math.max(1, Math.min(maxPages, Math.round(maxPages * APPENDIX_HEAD_SHARE)));
  const tailPages = maxPages - headPages;
  const isFirst = (i: number) => lines[i].first;
  const opens = new Set(ctx.events.filter((e) => e.kind === 'conn.open').map((e) => e.seq));
  // The end reads best from where a connection opens (a whole attempt), or a lab-level event.
  const isStart = (i: number) => lines[i].first && (lines[i].conn === undefined || opens.has(lines[i].seq));
  const tailStart = tailPages > 0 ? firstLineOfEnd(n, rowsOf, { top, yMax, lh }, tailPages, isFirst, isStart) : n;
  // The beginning: whole events only, on headPages pages with room on the last for the marker.
  let headEnd = layoutLines(tailStart, rowsOf, { y: w.y, top, yMax, lh, lastYMax: yMax - GAP_NOTE_H }, headPages).fitted;
  if (headEnd < tailStart) {
    let e = headEnd;
    while (e > 0 && !isFirst(e)) e -= 1;
    // An event longer than the whole beginning is shown in part rather than not at all.
    if (e > 0) headEnd = e;
  }

  let pages = 1;
  const reserve = () => {
    if (pages === headPages) w.doc.page.margins.bottom += GAP_NOTE_H;
  };
  reserve();
  const head = drawLines(w, lines.slice(0, headEnd), {
    ...opts,
    mayAddPage: () => {
      if (pages >= headPages) return false;
      pages += 1;
      return true;
    },
    onNewPage: reserve,
  });
  if (pages === headPages) w.doc.page.margins.bottom -= GAP_NOTE_H;

  const eventIndex = (seq: number) => ctx.events.findIndex((e) => e.seq === seq);
  const totalEvents = ctx.events.length;
  // Events drawn at the beginning: up to the one of the last complete line (1-based).
  const headEvents = head > 0 ? eventIndex(lines[head - 1].seq) + 1 : 0;
  const tailFirstEvent = tailStart < n ? eventIndex(lines[tailStart].seq) + 1 : totalEvents + 1;
  const linesOmitted = tailStart - head;
  const eventsOmitted = Math.max(0, tailFirstEvent - headEvents - 1);
  if (linesOmitted > 0) gapMarker(ctx, { maxPages, head, tailStart, headEvents, tailFirstEvent, linesOmitted, eventsOmitted });

  let tail = 0;
  if (tailStart < n) {
    // The end starts on a page of its own: its length was measured from a page top.
    w.newPage();
    let tailPagesUsed = 1;
    tail = drawLines(w, lines.slice(tailStart), {
      ...opts,
      mayAddPage: () => {
        if (tailPagesUsed >= tailPages) return false;
        tailPagesUsed += 1;
        return true;
      },
    });
  }
  return { linesShown: head + tail, truncated: linesOmitted > 0 || head + tail < n, linesOmitted, eventsOmitted };
}

/**
 * The first line of the longest end of the transcript that fits on `pages` fresh pages. It
 * starts at an event's first line, so no event is shown cut in half at the top, and at the
 * start of a connection (`isStart`) when one is less than a page further on.
 */
export function firstLineOfEnd(
  n: number,
  rowsOf: (i: number) => number,
  lay: { top: number; yMax: number; lh: number },
  pages: number,
  isFirst: (i: number) => boolean,
  isStart: (i: number) => boolean = isFirst,
): number {
  const fits = (s: number) => layoutLines(n - s, (i) => rowsOf(s + i), { ...lay, y: lay.top }, pages).fitted === n - s;
  // Every line takes at least one row, so no more lines than rows of `pages` pages can fit.
  const perPage = Math.max(1, Math.floor((lay.yMax - lay.top) / lay.lh));
  let lo = Math.max(0, n - pages * perPage - 1);
  let hi = n;
  if (fits(lo)) hi = lo;
  // Invariant: fits(hi), and lo does not fit (or is 0). Fewer lines never need more pages.
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fits(mid)) hi = mid;
    else lo = mid;
  }
  let rows = 0;
  for (let s = hi; s < n && rows < perPage; s++) {
    if (isStart(s)) return s;
    rows += rowsOf(s);
  }
  let s = hi;
  while (s < n && !isFirst(s)) s += 1;
  return s;
}

function gapMarker(
  ctx: ReportContext,
  g: { maxPages: number; head: number; tailStart: number; headEvents: number; tailFirstEvent: number; linesOmitted: number; eventsOmitted: number },
): void {
  const { w } = ctx;
  const fmt = (x: number) => x.toLocaleString('en-US');
  const totalEvents = ctx.events.length;
  const hasEnd = g.tailFirstEvent <= totalEvents;
  const firstOut = ctx.events[g.headEvents]?.seq;
  const lastOut = ctx.events[g.tailFirstEvent - 2]?.seq;
  const seqs = g.eventsOmitted > 0 && firstOut !== undefined && lastOut !== undefined ? `, #${firstOut} to #${lastOut}` : '';
  const lines = [
    `${hasEnd ? 'It shows the beginning and the end of the session. ' : ''}Left out here: ${fmt(g.eventsOmitted)} event${g.eventsOmitted === 1 ? '' : 's'} (${fmt(g.linesOmitted)} line${g.linesOmitted === 1 ? '' : 's'}${seqs}).`,
    `Shown: events 1 to ${fmt(g.headEvents)} of ${fmt(totalEvents)}${hasEnd ? `, then events ${fmt(g.tailFirstEvent)} to ${fmt(totalEvents)}` : ''}. The full transcript is in the session folder: the file events.jsonl.`,
  ].join('\n');
  const y = w.y + 4;
  const textW = w.width - 20;
  const h = Math.min(GAP_NOTE_H - 8, 22 + w.heightOf(lines, textW, { size: 8.5, lineGap: 1 }) + 6);
  w.box(w.x0, y, w.width, h, COLOR.warnBg, COLOR.warn);
  w.at(`⚠ Transcript cut here: the appendix is limited to ${g.maxPages} pages.`, w.x0 + 10, y + 6, { size: 9, font: 'bold', color: COLOR.warn, width: textW });
  w.y = y + 20;
  w.para(lines, { x: w.x0 + 10, width: textW, size: 8.5, lineGap: 1, gapAfter: 0 });
  w.y = y + h + 4;
}
