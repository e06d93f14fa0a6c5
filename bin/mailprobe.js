#!/usr/bin/env node
// The `mailprobe` command: a thin launcher for the compiled CLI (npm run build first).
// It runs the bundle of the CLI (dist/cli/main.js, scripts/bundle-cli.ts: a much faster start
// than loading each compiled module) unless it is missing or older than tsc's output, which is
// then run as it is.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'electron', 'cli', 'main.js');
const bundle = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(cli)) {
  process.stderr.write('mailprobe: not built yet; run `npm run build` in ' + root + '\n');
  process.exit(2);
}
const mtime = (p) => statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? -1;
const entry = mtime(bundle) >= mtime(cli) ? bundle : cli;
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
