/**
 * `mailprobe lab --mailbox export.mbox --ui`: the wizard's control server starts as soon as the
 * lab is bound, before the mailbox is indexed, and its address is printed then (stderr), so the
 * technician can watch the indexing in the wizard; the ready line still carries it as uiUrl.
 * Built CLI (`npm run build:node` first).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnLab } from '../support/cli.js';
import { tempDir } from '../support/lab.js';

const base = (dir: string) => ['--bind', '127.0.0.1', '--imap-port', '0', '--imaps-port', '0', '--smtp-port', '0', '--smtps-port', '0', '--pop3-port', '0', '--pop3s-port', '0', '--http-port', '0', '--data-dir', dir];

describe('mailprobe lab --mailbox --ui', () => {
  it('prints the wizard address before the mailbox is indexed, the same as uiUrl in the ready line', async () => {
    const dir = tempDir('mp-cli-uimbox-');
    const mbox = join(dir, 'export.mbox');
    const msgs = Array.from({ length: 3 }, (_, i) => `From a@example.org Tue Nov 24 10:00:0${i} 2026\nSubject: m${i}\nFrom: a@example.org\n\nbody ${i}\n\n`);
    writeFileSync(mbox, msgs.join(''));
    const lab = await spawnLab([...base(join(dir, 'data')), '--mailbox', mbox, '--ui', '--ui-port', '0']);
    try {
      const err = lab.stderr();
      const early = /mailprobe lab: the wizard is at (\S+) \(the mailbox is being indexed\)\n/.exec(err);
      expect(early, err).not.toBeNull();
      expect(early!.index).toBeLessThan(err.indexOf('mailprobe lab: ready: 3 messages'));
      expect((lab.ready as { uiUrl?: string }).uiUrl).toBe(early![1]);
      expect((await fetch(early![1])).status).toBe(200);
    } finally {
      lab.child.kill('SIGTERM');
      expect(await lab.exited).toBe(0);
    }
  });
});
