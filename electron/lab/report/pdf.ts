/**
 * A thin layer over pdfkit for the report: the embedded fonts, the page geometry, a cursor that
 * breaks pages before a block would be cut, and one choke point (`scrub`) through which every
 * string the report draws passes, so a secret cannot reach the page by a side door.
 */
import PDFDocument from 'pdfkit';
import { fontPath, resolveFontsDir, type FontRole } from './fonts.js';

export type Paper = 'A4' | 'LETTER';

export const MARGIN = { top: 62, bottom: 58, left: 52, right: 52 } as const;

/** Colours carry meaning only together with a mark and a word (✓ pass, ✗ fail): never alone. */
export const COLOR = {
  ink: '#1a1a1a',
  muted: '#5b6068',
  rule: '#c9ced4',
  band: '#eef1f4',
  pass: '#1b7a3a',
  passBg: '#e3f3e8',
  fail: '#b3261e',
  failBg: '#fbe6e4',
  warn: '#8a5300',
  warnBg: '#fdf0d9',
  info: '#2f5d86',
  infoBg: '#e4eef7',
  accent: '#20415f',
  phone: '#2f5d86',
  lab: '#5a3f86',
} as const;

interface FontkitGlyph {
  id: number;
  advanceWidth: number;
  codePoints: number[];
}

interface EmbeddedFontInternals {
  font?: { glyphForCodePoint?(cp: number): FontkitGlyph };
  scale: number;
  layoutRun?(text: string, features?: unknown): unknown;
}

/**
 * The transcript is thousands of unique "words" (timestamps, base64) in a monospace font, and
 * pdfkit shapes every new word through fontkit's OpenType engine, which made a 10,000-event
 * report take ~10 s. A monospace font needs no shaping (no kerning, no ligatures in the
 * transcript's ASCII), so for it alone glyphs come straight from the cmap, cached per code
 * point. Reaches into pdfkit internals: if they are not as expected, pdfkit's path is kept.
 */
export function fastMonospaceLayout(doc: PDFKit.PDFDocument): boolean {
  const f = (doc as unknown as { _font?: EmbeddedFontInternals })._font;
  const fk = f?.font;
  if (!f || typeof f.layoutRun !== 'function' || !fk || typeof fk.glyphForCodePoint !== 'function' || typeof f.scale !== 'number') return false;
  const original = f.layoutRun.bind(f);
  const cache = new Map<number, { glyph: FontkitGlyph; width: number }>();
  f.layoutRun = (text: string, features?: unknown) => {
    if (features) return original(text, features);
    const glyphs: FontkitGlyph[] = [];
    const positions: Array<{ xAdvance: number; yAdvance: number; xOffset: number; yOffset: number; advanceWidth: number }> = [];
    let advanceWidth = 0;
    for (const ch of text) {
      const cp = ch.codePointAt(0) ?? 0;
      let g = cache.get(cp);
      if (!g) {
        const glyph = fk.glyphForCodePoint!(cp);
        g = { glyph, width: glyph.advanceWidth * f.scale };
        cache.set(cp, g);
      }
      glyphs.push(g.glyph);
      positions.push({ xAdvance: g.width, yAdvance: 0, xOffset: 0, yOffset: 0, advanceWidth: g.width });
      advanceWidth += g.width;
    }
    return { glyphs, positions, advanceWidth };
  };
  return true;
}

/** A section starts on the current page when less than this share of it is used. */
export const SECTION_SHARE_PAGE_BELOW = 0.45;

export interface TextOpts {
  font?: FontRole;
  size?: number;
  color?: string;
  width?: number;
  align?: 'left' | 'center' | 'right' | 'justify';
  lineGap?: number;
}

export class Writer {
  readonly doc: PDFKit.PDFDocument;
  readonly scrub: (s: string) => string;
  private readonly fonts: Record<FontRole, string>;
  /** Index of the first page that carries the running header (0 = the cover has none). */
  pagesAdded = 1;

  constructor(opts: { paper: Paper; scrub: (s: string) => string; title: string; author?: string; subject?: string }) {
    const dir = resolveFontsDir();
    this.fonts = { sans: fontPath('sans', dir), bold: fontPath('bold', dir), mono: fontPath('mono', dir) };
    this.scrub = opts.scrub;
    this.doc = new PDFDocument({
      size: opts.paper,
      margins: { ...MARGIN },
      bufferPages: true,
      // Without this pdfkit would load Helvetica (WinAnsi) as the default font.
      font: this.fonts.sans,
      info: {
        Title: opts.scrub(opts.title),
        Author: opts.author ? opts.scrub(opts.author) : 'Mailprobe',
        Subject: opts.subject ? opts.scrub(opts.subject) : 'Mail check report',
        Creator: 'Mailprobe',
        Producer: 'Mailprobe (pdfkit)',
      },
    });
    for (const role of ['sans', 'bold', 'mono'] as const) this.doc.registerFont(role, this.fonts[role]);
    this.doc.font('mono');
    fastMonospaceLayout(this.doc);
    this.setFont('sans');
    this.doc.on('pageAdded', () => {
      this.pagesAdded += 1;
    });
  }

  get x0(): number {
    return this.doc.page.margins.left;
  }
  get x1(): number {
    return this.doc.page.width - this.doc.page.margins.right;
  }
  get width(): number {
    return this.x1 - this.x0;
  }
  get yMax(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }
  get y(): number {
    return this.doc.y;
  }
  set y(v: number) {
    this.doc.y = v;
  }

  newPage(): void {
    this.doc.addPage();
    this.doc.x = this.x0;
    this.doc.y = this.doc.page.margins.top;
  }

  /**
   * Where a section starts: on a new page, unless this page is still mostly empty (a short
   * section, like "no TLS was tried", should not cost a page of its own).
   */
  sectionBreak(): void {
    const used = (this.doc.y - this.doc.page.margins.top) / (this.yMax - this.doc.page.margins.top);
    if (used > SECTION_SHARE_PAGE_BELOW) this.newPage();
  }

  /** Start a new page unless `h` points still fit on this one. Returns true when a page was added. */
  ensure(h: number): boolean {
    if (this.doc.y + h <= this.yMax) return false;
    this.newPage();
    return true;
  }

  /**
   * Select a font by role. The regular face is selected by its path, not its registered name:
   * it is also the document's default font, and pdfkit 0.20 then never caches it under the
   * registered name (it finds an equal font by PostScript name and returns before caching), so
   * every `font('sans')` re-parsed the 750 KB TTF: 1.3 ms each, seconds per report.
   */
  setFont(font: FontRole): this {
    this.doc.font(font === 'sans' ? this.fonts.sans : font);
    return this;
  }

  use(font: FontRole, size: number, color: string = COLOR.ink): this {
    this.setFont(font).doc.fontSize(size).fillColor(color);
    return this;
  }

  widthOf(text: string, font: FontRole, size: number): number {
    this.setFont(font).doc.fontSize(size);
    return this.doc.widthOfString(text);
  }

  heightOf(text: string, width: number, o: TextOpts = {}): number {
    this.setFont(o.font ?? 'sans').doc.fontSize(o.size ?? 10);
    return this.doc.heightOfString(this.scrub(text), { width, lineGap: o.lineGap ?? 1.5 });
  }

  /** Cut `text` with "…" so that it fits `width` on one line. */
  fit(text: string, width: number, font: FontRole, size: number): string {
    const s = this.scrub(text);
    if (this.widthOf(s, font, size) <= width) return s;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.doc.widthOfString(s.slice(0, mid) + '…') <= width) lo = mid;
      else hi = mid - 1;
    }
    return s.slice(0, lo) + '…';
  }

  /** One line at (x, y), never wrapping, never moving to a new page; cut to `width` when given. */
  at(text: string, x: number, y: number, o: TextOpts = {}): void {
    const font = o.font ?? 'sans';
    const size = o.size ?? 10;
    const s = o.width !== undefined ? this.fit(text, o.width, font, size) : this.scrub(text);
    this.use(font, size, o.color ?? COLOR.ink);
    const saveBottom = this.doc.page.margins.bottom;
    this.doc.page.margins.bottom = 0; // the footer lives in the bottom margin
    this.doc.text(s, x, y, { lineBreak: false, width: o.width, align: o.align ?? 'left' });
    this.doc.page.margins.bottom = saveBottom;
  }

  /** Flowing text at the cursor, wrapped to the width; breaks pages as needed. */
  para(text: string, o: TextOpts & { x?: number; gapAfter?: number } = {}): void {
    const x = o.x ?? this.x0;
    const width = o.width ?? this.x1 - x;
    this.use(o.font ?? 'sans', o.size ?? 10, o.color ?? COLOR.ink);
    this.doc.text(this.scrub(text), x, this.doc.y, { width, align: o.align ?? 'left', lineGap: o.lineGap ?? 1.5 });
    this.doc.x = this.x0;
    this.doc.y += o.gapAfter ?? 4;
  }

  /** A section title; keeps at least `keep` points of room below it on the same page. */
  heading(text: string, level: 1 | 2 | 3 = 1, keep = 80): void {
    const size = level === 1 ? 17 : level === 2 ? 12.5 : 10.5;
    if (level === 1 && this.doc.y > this.doc.page.margins.top + 1) this.doc.y += 18;
    this.ensure(size + keep);
    this.use('bold', size, level === 1 ? COLOR.accent : COLOR.ink);
    this.doc.text(this.scrub(text), this.x0, this.doc.y, { width: this.width });
    if (level === 1) {
      const y = this.doc.y + 2;
      this.doc.moveTo(this.x0, y).lineTo(this.x1, y).lineWidth(0.8).strokeColor(COLOR.accent).stroke();
      this.doc.y = y + 8;
    } else {
      this.doc.y += 3;
    }
  }

  rule(y = this.doc.y, color: string = COLOR.rule): void {
    this.doc.moveTo(this.x0, y).lineTo(this.x1, y).lineWidth(0.5).strokeColor(color).stroke();
  }

  box(x: number, y: number, w: number, h: number, fill: string, stroke?: string, radius = 3): void {
    this.doc.save();
    this.doc.roundedRect(x, y, w, h, radius).fillColor(fill);
    if (stroke) this.doc.fillAndStroke(fill, stroke);
    else this.doc.fill();
    this.doc.restore();
  }

  /** Draw the running header and footer on every page but the cover. */
  decorate(header: string, footer: string): void {
    const range = this.doc.bufferedPageRange();
    const total = range.count;
    for (let i = range.start; i < range.start + total; i++) {
      this.doc.switchToPage(i);
      const top = 30;
      const bottom = this.doc.page.height - 38;
      if (i > range.start) {
        this.at(header, this.x0, top, { size: 7.5, color: COLOR.muted, width: this.width });
        this.doc.moveTo(this.x0, top + 12).lineTo(this.x1, top + 12).lineWidth(0.4).strokeColor(COLOR.rule).stroke();
      }
      this.at(footer, this.x0, bottom, { size: 7.5, color: COLOR.muted, width: this.width - 70 });
      this.at(`page ${i - range.start + 1} of ${total}`, this.x1 - 70, bottom, { size: 7.5, color: COLOR.muted, width: 70, align: 'right' });
    }
  }

  pageCount(): number {
    return this.doc.bufferedPageRange().count;
  }

  /** End the document and collect its bytes. */
  finish(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      this.doc.on('data', (c: Buffer) => chunks.push(c));
      this.doc.on('end', () => resolve(Buffer.concat(chunks)));
      this.doc.on('error', reject);
      this.doc.end();
    });
  }
}
