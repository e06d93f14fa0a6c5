// Build the wizard once per test file into a private directory (no shared dist/ races).
import { join } from 'node:path';
import { build } from 'vite';
import { tempDir } from '../../support/temp.js';

export async function buildRenderer(): Promise<string> {
  const outDir = tempDir('mp-renderer-');
  await build({ configFile: join(process.cwd(), 'renderer', 'vite.config.ts'), logLevel: 'silent', build: { outDir, emptyOutDir: true } });
  return outDir;
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
