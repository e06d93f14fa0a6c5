/**
 * Temporary directories for tests and bench scripts: the one way to make one, so that none
 * outlives what made it. Under vitest every directory made by `tempDir` is removed when its test
 * file ends (test/support/temp-cleanup.ts runs `removeTempDirs` as the file's last afterAll);
 * outside vitest (bench scripts) they are removed when the process exits. Whatever a spawned
 * process leaves behind is caught one level up: test/support/temp-root.ts points TMPDIR at a
 * per-run directory and removes it when the run ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const pending = new Set<string>();
let exitHookInstalled = false;

/** A new, empty directory `<os.tmpdir()>/<prefix>XXXXXX`, mode 0700, removed when the file (or process) ends. */
export function tempDir(prefix = 'mp-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  pending.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // rmSync is synchronous, so it still runs in 'exit'; a bench script that ends by throwing
    // still exits through here.
    process.once('exit', () => removeTempDirs({ quiet: true }));
  }
  return dir;
}

/** Leave `dir` in place (a bench run asked to keep its output for a person to read). */
export function keepTempDir(dir: string): void {
  pending.delete(dir);
}

/** The directories `tempDir` made that are not removed yet. */
export function pendingTempDirs(): string[] {
  return [...pending];
}

/**
 * Remove every directory `tempDir` made so far. A directory that cannot be removed is an error
 * (unless `quiet`): a test that leaves a server writing into its directory should be noticed.
 */
export function removeTempDirs(opts: { quiet?: boolean } = {}): void {
  const failed: string[] = [];
  for (const dir of pending) {
    try {
      // Retries cover a child process that is still finishing a write while it is stopped.
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    } catch (err) {
      failed.push(`${dir}: ${(err as Error).message}`);
    }
    pending.delete(dir);
  }
  if (failed.length > 0 && !opts.quiet) throw new Error(`temporary directories not removed:\n${failed.join('\n')}`);
}
