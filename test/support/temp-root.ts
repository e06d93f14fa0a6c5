/**
 * Vitest globalSetup: one temporary root per run, `<os.tmpdir()>/mpt-XXXXXX`, made before any
 * worker starts and removed when the run ends. TMPDIR points at it, so os.tmpdir() in every worker
 * (the forks inherit the environment from here) and in every process they spawn (labs, the CLI,
 * Dovecot, Postfix, Chromium, the mail clients) lands inside it: whatever one of them leaves
 * behind goes with the root instead of staying in /tmp.
 *
 * Kept short: Dovecot puts Unix sockets under a test's directory, and a socket path must fit in
 * sun_path (108 bytes on Linux, unix(7)). Mode 1777, /tmp's own: Postfix's daemons run as
 * `postfix`, Dovecot's as `dovecot`/`nobody` and getmail as nobody (setpriv, TMPDIR inherited);
 * they must traverse down to their directories, and a tool run as nobody that makes a temp file
 * must be able to make it here rather than fall back to /tmp.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Set while a run's root exists: vitest runs a globalSetup once per project, the root is one per run. */
export const TEMP_ROOT_ENV = 'MAILPROBE_TEST_TEMP_ROOT';
/** `<os.tmpdir()>/mpt-XXXXXX`: 11 bytes more than the temp dir, keeping Dovecot's sockets short. */
export const TEMP_ROOT_PREFIX = 'mpt-';

/**
 * What processes are expected to leave in the temp dir, not leaks: tsx's compile cache
 * (`tsx-<uid>`, made by the CLI children the tests run with `node --import tsx`).
 */
const EXPECTED_LEFTOVERS = /^tsx-\d+$/;

export default function setup(): (() => void) | undefined {
  if (process.env[TEMP_ROOT_ENV]) return undefined;
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), TEMP_ROOT_PREFIX));
  chmodSync(root, 0o1777);
  process.env.TMPDIR = root;
  process.env[TEMP_ROOT_ENV] = root;
  return () => {
    let left: string[] = [];
    try {
      left = readdirSync(root).filter((name) => !EXPECTED_LEFTOVERS.test(name));
    } catch {
      // already gone
    }
    // Per-file cleanup (test/support/temp.ts) should have left nothing; name what it missed so
    // that the leak gets a tempDir() at its source instead of relying on this net.
    if (left.length > 0) console.warn(`temp root ${root}: removing ${left.length} leftover entr${left.length === 1 ? 'y' : 'ies'}: ${left.slice(0, 20).join(' ')}${left.length > 20 ? ' …' : ''}`);
    rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    delete process.env[TEMP_ROOT_ENV];
  };
}
