/** Transcript lines drawn in monospace columns: #seq, time, connection, who, text (wrapped). */
import type { Writer } from '../pdf.js';
import { COLOR } from '../pdf.js';
import { clock, type TranscriptLine } from '../transcript.js';

/** DejaVu Sans Mono advance width: 1233 units of 2048 per em. */
export const MONO_ADVANCE = 1233 / 2048;

export const WHO: Record<TranscriptLine['dir'], { label: string; color: string }> = {
  c2s: { label: 'phone', color: COLOR.phone },
  s2c: { label: 'lab', color: COLOR.lab },
  note: { label: '·', color: COLOR.muted },
};

export interface LinesOptions {
  size?: number;
  x?: number;
  width?: number;
  /** Seqs drawn bold (cited by a finding). */
  emphasise?: { has(seq: number): boolean };
  /** Called before a page would be added; returning false stops drawing (page budget). */
  mayAddPage?: () => boolean;
  /** Drawn after a page break (a column header or "continued"). */
  onNewPage?: () => void;
  /** Wrapped continuation lines per transcript line, then the rest is cut with a marker. */
  maxWrappedLines?: number;
}

/** Split `text` into chunks of `cols` characters (by code point, so nothing is cut in half). */
export function wrapChars(text: string, cols: number): string[] {
  const chars = [...text];
  if (chars.length <= cols) return [text];
  const out: string[] = [];
  let i = 0;
  while (i < chars.length) {
    let end = Math.min(chars.length, i + cols);
    if (end < chars.length) {
      // Prefer to break after a space in the last quarter of the line; base64 has none and is cut.
      for (let j = end; j > i + Math.floor(cols * 0.75); j--) {
        if (chars[j - 1] === ' ') {
          end = j;
          break;
        }
      }
    }
    out.push(chars.slice(i, end).join(''));
    i = end;
  }
  return out;
}

/** Where the columns of a transcript row fall and how tall a row is, for given options. */
export interface LinesGeometry {
  size: number;
  /** Height of one row. */
  lh: number;
  x: number;
  /** Characters of text per row. */
  cols: number;
  maxWrapped: number;
}

export function linesGeometry(w: Writer, o: LinesOptions = {}): LinesGeometry {
  const size = o.size ?? 7.2;
  const cw = size * MONO_ADVANCE;
  const x = o.x ?? w.x0;
  const width = o.width ?? w.x1 - x;
  const prefixCols = 7 + 13 + 6 + 7; // "#12345 " "10:07:20.013 " "c123  " "phone  "
  const textX = x + prefixCols * cw;
  return { size, lh: size * 1.32, x, cols: Math.max(20, Math.floor((x + width - textX) / cw)), maxWrapped: o.maxWrappedLines ?? 12 };
}

/** The rows one transcript line is drawn as: scrubbed, wrapped, and cut past `maxWrapped`. */
export function lineChunks(w: Writer, l: TranscriptLine, g: LinesGeometry): string[] {
  let chunks = wrapChars(w.scrub(l.text), g.cols - 2);
  if (chunks.length > g.maxWrapped) {
    const rest = chunks.length - g.maxWrapped;
    chunks = chunks.slice(0, g.maxWrapped);
    chunks.push(`[… ${rest} more lines of this line cut]`);
  }
  return chunks;
}

/** The page geometry `layoutLines` simulates. */
export interface LinesLayout {
  /** Where the first line starts on the first page. */
  y: number;
  /** Where lines start on a new page. */
  top: number;
  yMax: number;
  lh: number;
  /** The bottom limit on the last allowed page, when room is kept there for a note. */
  lastYMax?: number;
}

/**
 * Lay out lines of `rows(i)` rows each (i from 0 to count - 1) on at most `maxPages` pages,
 * breaking pages exactly as drawLines does, without drawing: how many lines fit completely and
 * how many pages they take (maxPages + 1 when not all fit). Lets the appendix find how much of
 * the beginning and of the end fits its budget. Stops at the first line that does not fit.
 */
export function layoutLines(count: number, rows: (i: number) => number, lay: LinesLayout, maxPages: number): { fitted: number; pages: number } {
  const { top, lh } = lay;
  let y = lay.y;
  let pages = 1;
  const yMax = () => (pages === maxPages && lay.lastYMax !== undefined ? lay.lastYMax : lay.yMax);
  for (let i = 0; i < count; i++) {
    const n = rows(i);
    if (y + Math.min(n * lh, lh * 2) > yMax()) {
      if (++pages > maxPages) return { fitted: i, pages };
      y = top;
    }
    for (let j = 0; j < n; j++) {
      if (j > 0 && y + lh > yMax()) {
        if (++pages > maxPages) return { fitted: i, pages };
        y = top;
      }
      y += lh;
    }
  }
  return { fitted: count, pages };
}

/**
 * Draw lines; returns how many transcript lines were drawn completely (fewer than given when the
 * page budget ran out).
 */
export function drawLines(w: Writer, lines: readonly TranscriptLine[], o: LinesOptions = {}): number {
  const g = linesGeometry(w, o);
  const { size, lh, x } = g;
  const doc = w.doc;
  let drawn = 0;
  for (const l of lines) {
    const chunks = lineChunks(w, l, g);
    const need = chunks.length * lh;
    if (w.y + Math.min(need, lh * 2) > w.yMax) {
      if (o.mayAddPage && !o.mayAddPage()) return drawn;
      w.newPage();
      o.onNewPage?.();
    }
    const bold = o.emphasise?.has(l.seq) ?? false;
    const who = WHO[l.dir];
    const prefix = l.first ? `#${String(l.seq).padEnd(6)}${clock(l.ms)} ${(l.conn ?? '').padEnd(5)} ` : '';
    let y = w.y;
    let top = y;
    for (let i = 0; i < chunks.length; i++) {
      if (i > 0 && y + lh > w.yMax) {
        if (bold) markBar(w, x, top, y - top);
        if (o.mayAddPage && !o.mayAddPage()) {
          w.y = y;
          return drawn;
        }
        w.newPage();
        o.onNewPage?.();
        y = top = w.y;
      }
      // One text run per row (prefix, who, text chained with `continued`), so that copying or
      // extracting the text gives the row as one line, not three columns.
      const head = i === 0 ? prefix.padEnd(7 + 13 + 6) : ' '.repeat(7 + 13 + 6);
      const whoText = (i === 0 ? who.label : '').padEnd(7);
      const body = i === 0 ? chunks[i] : '↪ ' + chunks[i];
      doc.font('mono').fontSize(size).fillColor(COLOR.muted).text(head, x, y, { lineBreak: false, continued: true });
      // Monospace throughout (bold would break the columns); cited rows get the margin bar.
      doc.font('mono').fillColor(who.color).text(whoText, { lineBreak: false, continued: true });
      doc.font('mono').fillColor(bold ? COLOR.ink : '#222222').text(body, { lineBreak: false });
      y += lh;
    }
    if (bold) markBar(w, x, top, y - top);
    w.y = y;
    drawn += 1;
  }
  return drawn;
}

/** A bar in the margin marks lines a finding cites (a shape as well as weight, not colour alone). */
function markBar(w: Writer, x: number, top: number, h: number): void {
  w.doc.save().rect(x - 6, top + 1, 2, Math.max(1, h - 2)).fill(COLOR.warn).restore();
}
