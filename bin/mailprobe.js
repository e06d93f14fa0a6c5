#!/usr/bin/env node
// The `mailprobe` command: a thin launcher for the compiled CLI (npm run build first).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'electron', 'cli', 'main.js');
if (!existsSync(cli)) {
  process.stderr.write('mailprobe: not built yet; run `npm run build` in ' + root + '\n');
  process.exit(2);
}
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
