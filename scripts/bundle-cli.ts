/**
 * `npm run build:node`, after tsc: the command line's compiled modules (dist/electron/cli and
 * what it imports) bundled into a few files in dist/cli/, which bin/mailprobe.js runs.
 *
 * Why: Node 20 resolves, reads and links each ES module on its own, and `mailprobe lab` imports
 * about 160 of them; that costs more of a lab's start than anything the lab itself does (about
 * half of the CPU time of loading the lab command, measured with process.cpuUsage() around the
 * import). Each command stays its own chunk (the commands are loaded with import() on demand,
 * and so are the certificate builder and the control server), packages stay in node_modules,
 * and nothing is minified: stack traces stay readable.
 *
 * It bundles tsc's output, not the sources: what runs is what tsc checked. bin/mailprobe.js runs
 * the unbundled dist/electron/cli/main.js when the bundle is missing or older than it.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI_BUNDLE_DIR = join(ROOT, 'dist', 'cli');

rmSync(CLI_BUNDLE_DIR, { recursive: true, force: true });
const result = await build({
  entryPoints: { main: join(ROOT, 'dist', 'electron', 'cli', 'main.js') },
  outdir: CLI_BUNDLE_DIR,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // Chunk names say which module they start with, for anyone reading a stack trace.
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  metafile: true,
});
const files = Object.keys(result.metafile.outputs).length;
process.stdout.write(`bundled the command line into ${files} files in dist/cli/\n`);
