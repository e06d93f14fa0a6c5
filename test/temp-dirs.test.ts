/**
 * The suite cleans up after itself: a test file's temporary directories are gone when the file
 * ends, and the run's TMPDIR root (test/support/temp-root.ts) is what os.tmpdir() gives in the
 * workers and in the processes they spawn, so nothing a test or a peer makes lands in /tmp itself.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pendingTempDirs, removeTempDirs, tempDir } from './support/temp.js';
import { TEMP_ROOT_ENV, TEMP_ROOT_PREFIX } from './support/temp-root.js';

describe('temporary directories', () => {
  it("removes a test file's directories when the file ends, after the file's own hooks", () => {
    const report = join(tempDir('mp-lifetime-report-'), 'report.json');
    const run = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--project', 'node', '--reporter', 'dot', 'test/support/temp-lifetime.test.ts'], {
      env: { ...process.env, MAILPROBE_TEMP_REPORT: report },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const { made, presentInFileAfterAll } = JSON.parse(readFileSync(report, 'utf8')) as { made: string[]; presentInFileAfterAll: string[] };
    expect(made).toHaveLength(2);
    expect(presentInFileAfterAll).toEqual(made);
    for (const d of made) {
      expect(dirname(d)).toBe(tmpdir());
      expect(existsSync(d), `${d} left behind`).toBe(false);
    }
  }, 150_000);

  it('removes what removeTempDirs is asked to, contents and all', () => {
    const dir = tempDir('mp-remove-');
    execFileSync('sh', ['-c', 'mkdir -p "$1/a/b" && echo x > "$1/a/b/f"', 'sh', dir]);
    expect(pendingTempDirs()).toContain(dir);
    removeTempDirs();
    expect(existsSync(dir)).toBe(false);
    expect(pendingTempDirs()).not.toContain(dir);
  });

  it("gives workers and spawned processes the run's own TMPDIR root, traversable by the peers' users", () => {
    const root = process.env[TEMP_ROOT_ENV];
    expect(root).toBeTruthy();
    expect(tmpdir()).toBe(root);
    expect(basename(root!).startsWith(TEMP_ROOT_PREFIX)).toBe(true);
    // /tmp's own mode: Postfix (postfix), Dovecot (dovecot, nobody) and getmail (nobody) reach in.
    expect(statSync(root!).mode & 0o7777).toBe(0o1777);
    const childTmp = execFileSync(process.execPath, ['-e', 'process.stdout.write(require("node:os").tmpdir())'], { encoding: 'utf8' });
    expect(childTmp).toBe(root);
    const made = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
    rmSync(made, { recursive: true });
    expect(dirname(made)).toBe(root);
  });
});
