/**
 * The lifetime of tempDir() directories inside one test file. test/temp-dirs.test.ts runs this
 * file in a vitest of its own (MAILPROBE_TEMP_REPORT set) and checks, once that vitest is done,
 * that the directories are gone; in the suite it runs like any other file.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { tempDir } from './temp.js';

const made: string[] = [];

// Registered after test/support/temp-cleanup.ts's hook, so it runs before it: what a file's own
// after-hooks (stopping labs, Dovecot, Postfix) still find.
afterAll(() => {
  const report = process.env.MAILPROBE_TEMP_REPORT;
  if (report) writeFileSync(report, JSON.stringify({ made, presentInFileAfterAll: made.filter((d) => existsSync(d)) }));
});

made.push(tempDir('mp-lifetime-collect-'));

it('makes a directory while the file is collected and another in a test', () => {
  made.push(tempDir('mp-lifetime-test-'));
  expect(made.every((d) => existsSync(d))).toBe(true);
});

it("keeps an earlier test's directory until the file ends", () => {
  expect(made).toHaveLength(2);
  expect(made.every((d) => existsSync(d))).toBe(true);
});
