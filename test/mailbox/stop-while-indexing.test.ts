/**
 * Stopping a lab while it still indexes a customer's mailbox (the wizard's Stop, Ctrl+C during a
 * 2 GB mbox): the indexing gives up where it is rather than reading the rest of the file for
 * nobody, the mailbox file is closed, and the start resolves with a lab that is simply stopped
 * (no error to show: the technician asked for it).
 */
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import type { RunningLab } from '../../electron/lab/lab-types.js';
import { writeBigMbox } from '../support/big-mbox.js';
import { eventsOf, startTestLab, tempDir } from '../support/lab.js';

const MB = 1024 * 1024;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Bytes this process has read with read(2) so far, from /proc/self/io (page cache included). */
function bytesRead(): number {
  return Number(/^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
}

/** Whether this process still has `path` open. */
function hasOpen(path: string): boolean {
  return readdirSync('/proc/self/fd').some((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  });
}

describe('a lab stopped while it indexes a mailbox', () => {
  it('stops reading the mailbox at once, closes it, and starts as a stopped lab without an error', async () => {
    const dir = tempDir('mp-stop-index-');
    dirs.push(dir);
    const mbox = join(dir, 'export.mbox');
    const spec = await writeBigMbox(mbox, { smallMessages: 2000, smallBytes: 20_000, attachments: Array.from({ length: 12 }, () => 20 * MB) });
    let bound: RunningLab | undefined;
    let stopped: Promise<void> | undefined;
    const readBefore = bytesRead();
    const lab = await startTestLab({
      mailbox: mbox,
      onBound: (l) => {
        bound = l;
      },
      // At the first progress line, as the technician presses Stop.
      onIndexing: (p) => {
        if (!p.done && !stopped) stopped = bound!.stop('stopped by the technician');
      },
    });
    // The start is over without the rest of the file being read (most of it is never read).
    const read = bytesRead() - readBefore;
    expect(stopped, 'the lab reported indexing progress before it finished').toBeDefined();
    expect(read).toBeLessThan(spec.fileBytes / 2);
    await stopped;
    expect(hasOpen(mbox)).toBe(false);
    const events = eventsOf(lab);
    const progress = events.filter((e): e is Extract<LabEvent, { kind: 'mailbox.indexing' }> => e.kind === 'mailbox.indexing');
    // It never got to the end of the file: no "done" line, and the last line is well short of it.
    expect(progress.some((e) => e.done)).toBe(false);
    expect(progress.at(-1)!.bytesDone).toBeLessThan(spec.fileBytes / 2);
    expect(events.at(-1)).toMatchObject({ kind: 'lab.stop', reason: 'stopped by the technician' });
    expect(events.some((e) => e.kind === 'lab.error')).toBe(false);
  }, 60_000);
});
