/**
 * The TrueType fonts embedded in the report. pdfkit's standard fonts are WinAnsi only: ✓, ✗,
 * arrows and non-Latin text silently become other glyphs (seen with pdfkit 0.x), so the report
 * ships DejaVu Sans (licence in resources/fonts/LICENSE-DejaVu.txt) and embeds it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

export const FONT_FILES = {
  sans: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  mono: 'DejaVuSansMono.ttf',
} as const;

export type FontRole = keyof typeof FONT_FILES;

let cached: string | undefined;

/**
 * resources/fonts of the package (`packageRoot`), from the source tree and from the build
 * (dist/…) alike, whatever the current directory. `from` stands for a module file elsewhere.
 */
export function resolveFontsDir(from?: string): string {
  if (from === undefined && cached) return cached;
  let root: string;
  try {
    root = packageRoot(from);
  } catch (err) {
    throw new Error(`report fonts not found: ${(err as Error).message}`);
  }
  const dir = join(root, 'resources', 'fonts');
  if (!existsSync(join(dir, FONT_FILES.sans))) throw new Error(`report fonts not found: no resources/fonts/${FONT_FILES.sans} in ${root}`);
  if (from === undefined) cached = dir;
  return dir;
}

export function fontPath(role: FontRole, dir: string = resolveFontsDir()): string {
  return join(dir, FONT_FILES[role]);
}
