/**
 * The TrueType fonts embedded in the report. pdfkit's standard fonts are WinAnsi only: ✓, ✗,
 * arrows and non-Latin text silently become other glyphs (shared/PEERS.md), so the report
 * ships DejaVu Sans (licence in resources/fonts/LICENSE-DejaVu.txt) and embeds it.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FONT_FILES = {
  sans: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  mono: 'DejaVuSansMono.ttf',
} as const;

export type FontRole = keyof typeof FONT_FILES;

/** How far up from this module we look for the package root (source tree or dist/…). */
export const MAX_FONT_DIR_LEVELS = 8;

let cached: string | undefined;

/**
 * resources/fonts of the package this module belongs to. Walking up from the module file
 * works from the source tree (electron/lab/report/) and from the build (dist/electron/lab/report/)
 * alike, and does not depend on the current directory.
 */
export function resolveFontsDir(from: string = fileURLToPath(import.meta.url)): string {
  if (cached && from === fileURLToPath(import.meta.url)) return cached;
  let dir = dirname(from);
  for (let i = 0; i < MAX_FONT_DIR_LEVELS; i++) {
    const candidate = join(dir, 'resources', 'fonts');
    if (existsSync(join(candidate, FONT_FILES.sans))) {
      if (from === fileURLToPath(import.meta.url)) cached = candidate;
      return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`report fonts not found: no resources/fonts/${FONT_FILES.sans} above ${dirname(from)}`);
}

export function fontPath(role: FontRole, dir: string = resolveFontsDir()): string {
  return join(dir, FONT_FILES[role]);
}
