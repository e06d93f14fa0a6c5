/** Reading a rendered PDF back the way a person (or a search box) would: poppler's tools. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/temp.js';

export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'report');

export function tmp(prefix = 'mp-report-'): string {
  return tempDir(prefix);
}

function pdfFile(pdf: Buffer): string {
  const f = join(tmp(), 'r.pdf');
  writeFileSync(f, pdf);
  return f;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** The text pdftotext extracts, with runs of whitespace made single spaces (lines wrap). */
export interface PdfText {
  raw: string;
  /** Whitespace runs made single spaces; a word wrapped at its hyphen joined again. */
  flat: string;
  /** `flat` without the cover page (whose contents list repeats the section titles). */
  body: string;
  /** `flat` with wrapped transcript lines (↪) joined: a long payload reads as one string. */
  joined: string;
}

const flatten = (t: string) => t.replace(/\s+/g, ' ').replace(/(\w)- (?=\w)/g, '$1-');

/** The text between two headings of the report body. */
export function section(t: PdfText, from: string, to?: string): string {
  const a = t.body.indexOf(from);
  if (a < 0) throw new Error(`no section '${from}' in the report`);
  const b = to ? t.body.indexOf(to, a) : -1;
  return t.body.slice(a, b < 0 ? undefined : b);
}

export function pdfText(pdf: Buffer | string): PdfText {
  const file = typeof pdf === 'string' ? pdf : pdfFile(pdf);
  // -layout keeps a drawn line on one text line (a transcript row, a timeline row).
  const raw = run('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-']);
  const flat = flatten(raw);
  return { raw, flat, body: flatten(raw.split('\f').slice(1).join('\f')), joined: flat.replace(/ ↪ /g, '') };
}

/** Assertions that name the missing text without printing a whole PDF's text on failure. */
export function expectHas(text: string, needle: string | RegExp, what = String(needle)): void {
  const ok = typeof needle === 'string' ? text.includes(needle) : needle.test(text);
  if (!ok) throw new Error(`expected the report text to contain ${what}`);
}

export function expectLacks(text: string, needle: string, what = needle): void {
  const at = text.indexOf(needle);
  if (at >= 0) throw new Error(`the report text must not contain ${what}; found near: …${text.slice(Math.max(0, at - 80), at + 80)}…`);
}

export function pdfInfo(pdf: Buffer | string): { pages: number; pageSize: string } {
  const file = typeof pdf === 'string' ? pdf : pdfFile(pdf);
  const out = run('pdfinfo', [file]);
  return { pages: Number(/^Pages:\s+(\d+)/m.exec(out)?.[1]), pageSize: /^Page size:\s+(.*)$/m.exec(out)?.[1] ?? '' };
}

/** Render every page to PNG under test-artifacts/report/<name>-NN.png; returns the files. */
export function renderPages(pdf: Buffer, name: string, dpi = 60): string[] {
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const f of readdirSync(ARTIFACTS)) if (f.startsWith(name + '-') && f.endsWith('.png')) rmSync(join(ARTIFACTS, f));
  const file = pdfFile(pdf);
  writeFileSync(join(ARTIFACTS, `${name}.pdf`), pdf);
  run('pdftoppm', ['-r', String(dpi), '-png', file, join(ARTIFACTS, name)]);
  return readdirSync(ARTIFACTS)
    .filter((f) => f.startsWith(name + '-') && f.endsWith('.png'))
    .sort()
    .map((f) => join(ARTIFACTS, f));
}
