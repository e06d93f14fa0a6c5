/** startLab as the CLI and Electron use it: default-port fallback, --mailbox, hand-off, IMAPS. */
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORTS } from '../../electron/lab/lab.js';
import { diagnose } from '../../electron/lab/diagnosis/index.js';
import { createSeededStore, writeMaildir } from '../../electron/lab/mailbox/index.js';
import { RawClient } from '../support/raw-client.js';
import { runCli } from '../support/cli.js';
import { TEST_PASSWORD, TEST_USER, eventsOf, startTestLab, tempDir } from '../support/lab.js';

function occupy(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(null)); // already taken (or not ours to take): just as good
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

describe('startLab', () => {
  it('names the phone from the technician\'s profile until the phone names itself', async () => {
    const lab = await startTestLab({ profile: 'nokia-6233', httpPort: 0 });
    try {
      expect(diagnose(eventsOf(lab)).device).toEqual({ vendor: 'Nokia', model: '6233', platform: 'Series 40 3rd Edition', source: 'profile' });
      const res = await fetch(lab.handoffUrl!.replace(/\/c$/, '/ca.crt'), { headers: { 'User-Agent': 'Nokia6233/2.0 (05.10) Profile/MIDP-2.0 Configuration/CLDC-1.1' } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      expect(diagnose(eventsOf(lab)).device).toMatchObject({ vendor: 'Nokia', model: '6233', firmware: '05.10' });
    } finally {
      await lab.stop();
    }
  });

  it('falls back to a free port when 143 and 1143 are taken, and says so', async () => {
    const held = await Promise.all(DEFAULT_PORTS.imap.map(occupy));
    try {
      const lab = await startTestLab({ imapPort: undefined, imapsPort: null });
      try {
        expect(DEFAULT_PORTS.imap).not.toContain(lab.listeners.imap!.port);
        expect(lab.warnings.join('\n')).toMatch(/^imap: port 143 is not available .*; listening on \d+$/m);
        expect(eventsOf(lab).some((e) => e.kind === 'note' && e.text.startsWith('imap: port 143'))).toBe(true);
      } finally {
        await lab.stop();
      }
    } finally {
      for (const s of held) s?.close();
    }
  });

  it('serves a Maildir given as --mailbox, and refuses a path that is not a mailbox (exit 2)', async () => {
    const dir = join(tempDir(), 'Maildir');
    const seeded = createSeededStore({ user: TEST_USER });
    writeMaildir(seeded, dir);
    const lab = await startTestLab({ mailbox: dir, imapsPort: null });
    try {
      const c = await RawClient.connect(lab.listeners.imap!.port);
      await c.line();
      await c.command('a', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`);
      expect(await c.command('b', 'SELECT INBOX')).toContain(`* ${seeded.messages('INBOX').length} EXISTS`);
      c.close();
    } finally {
      await lab.stop();
    }
    const r = await runCli(['lab', '--bind', '127.0.0.1', '--imap-port', '0', '--http-port', '0', '--imaps-port', '0', '--smtp-port', '0', '--smtps-port', '0', '--data-dir', tempDir(), '--mailbox', '/nonexistent/box']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mailprobe lab: .*\/nonexistent\/box/);
  });

  it('IMAPS greets inside TLS and records tls.established before the first s2c', async () => {
    const lab = await startTestLab({ imapPort: null, httpPort: 0 });
    try {
      expect(lab.handoffUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/c$/);
      const { connect } = await import('node:tls');
      const s = connect({ port: lab.listeners.imaps!.port, host: '127.0.0.1', rejectUnauthorized: false });
      const greeting = await new Promise<string>((resolve) => s.once('data', (d: Buffer) => resolve(d.toString())));
      expect(greeting).toMatch(/^\* OK \[CAPABILITY IMAP4rev1 .*\] Mailprobe lab/);
      expect(greeting).not.toContain('STARTTLS');
      s.destroy();
      const evs = eventsOf(lab);
      const est = evs.find((e) => e.kind === 'tls.established');
      const first = evs.find((e) => e.kind === 's2c');
      expect(est).toMatchObject({ mode: 'implicit' });
      expect(first).toMatchObject({ tls: true });
      expect(first!.seq).toBeGreaterThan(est!.seq);
    } finally {
      await lab.stop();
    }
  });
});
