/** A raw IMAP connection logged in to a test lab, and the lab's spooled-literal files: shared by the literal tests. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { StartedLab } from '../../electron/lab/lab.js';
import { LITERAL_SPOOL_DIR } from '../../electron/lab/imap/limits.js';
import { RawClient } from './raw-client.js';
import { TEST_PASSWORD, TEST_USER, connOf } from './lab.js';

/** The files in the session's spool folder (empty between commands). */
export function spoolFiles(lab: StartedLab): string[] {
  const dir = join(lab.sessionDir, LITERAL_SPOOL_DIR);
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Connected, greeted and logged in with LOGIN (tag a1); `conn` is the lab's id of the connection. */
export async function loggedIn(lab: StartedLab): Promise<{ c: RawClient; conn: string }> {
  const c = await RawClient.connect(lab.listeners.imap!.port);
  expect(await c.line()).toMatch(/^\* OK /);
  const conn = await connOf(lab, c);
  expect((await c.command('a1', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`)).at(-1)).toBe('a1 OK User logged in');
  return { c, conn };
}
