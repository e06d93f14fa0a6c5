/**
 * Customer-sized mailboxes in bounded memory: `mailprobe lab --mailbox` (the built CLI, in its
 * own process so its peak RSS is its own: VmHWM in /proc/PID/status) serves a generated 300 MB
 * mbox with 5–20 MB attachments; Python's imaplib downloads every message whole; the bytes are
 * exactly the served form of the file and the lab's peak RSS stays under MAX_LAB_PEAK_RSS_BYTES.
 * And a mbox past the old one-string limit (0x1fffffe8 characters, about 512 MiB) starts at all.
 *
 * Needs `npm run build:node` (the tests that spawn the CLI all do).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnLab } from '../support/cli.js';
import { tempDir } from '../support/lab.js';
import { runPeer } from '../support/run.js';
import { writeBigMbox } from '../support/big-mbox.js';

const MB = 1024 * 1024;
/** The lab's peak RSS serving the 300 MB mailbox to a full download: well under the mailbox itself. */
export const MAX_LAB_PEAK_RSS_BYTES = 200 * MB;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

const DOWNLOAD = String.raw`
import hashlib, imaplib, json, re, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login(sys.argv[2], sys.argv[3])
typ, data = m.select('INBOX', readonly=True)
n = int(data[0])
h = hashlib.sha256()
total = 0
# In batches, as a phone downloading everything pipelines: one FETCH per 50 messages.
for first in range(1, n + 1, 50):
    last = min(n, first + 49)
    typ, data = m.fetch('%d:%d' % (first, last), '(RFC822.SIZE BODY.PEEK[])')
    assert typ == 'OK', typ
    items = [d for d in data if isinstance(d, tuple)]
    assert len(items) == last - first + 1, (first, len(items))
    for head, body in items:
        size = int(re.search(rb'RFC822\.SIZE (\d+)', head).group(1))
        assert size == len(body), (first, size, len(body))
        h.update(body)
        total += len(body)
typ, data = m.search(None, 'SUBJECT', '"attachment 3 of"')
found = data[0].split()
typ, data = m.search(None, 'BODY', '"quoted line of an mbox"')
quoted = data[0].split()
m.logout()
print(json.dumps({'messages': n, 'bytes': total, 'sha256': h.hexdigest(), 'subjectHits': len(found), 'bodyHits': len(quoted)}))
`;

const labArgs = (mbox: string, dataDir: string) => ['--mailbox', mbox, '--bind', '127.0.0.1', '--imap-port', '0', '--imaps-port', '0', '--smtp-port', '0', '--smtps-port', '0', '--pop3-port', '0', '--pop3s-port', '0', '--http-port', '0', '--data-dir', dataDir, '--user', 'phone', '--password', '424242'];

describe('a customer-sized mbox', () => {
  it(`serves a 300 MB mbox with 5–20 MB attachments to a full download under ${MAX_LAB_PEAK_RSS_BYTES / MB} MB peak RSS`, async () => {
    const dir = tempDir('mp-bigmbox-');
    dirs.push(dir);
    const mbox = join(dir, 'export.mbox');
    const spec = await writeBigMbox(mbox, { smallMessages: 3000, smallBytes: 50_000, attachments: [5, 20, 8, 15, 12, 6, 18, 10, 7, 14, 9, 11, 16].map((n) => n * MB) });
    expect(spec.fileBytes).toBeGreaterThan(300 * 1000 * 1000);
    const lab = await spawnLab(labArgs(mbox, join(dir, 'data')), 60_000);
    try {
      // Progress on stderr while indexing, at most a few lines a second, then the ready line.
      expect(lab.stderr()).toMatch(/mailprobe lab: indexing export\.mbox: [\d.]+ (kB|MB) of 3\d\d MB, [\d,]+ messages\n/);
      expect(lab.stderr()).toMatch(/mailprobe lab: ready: 3,000 messages in [\d.]+ s/);
      const r = await runPeer('python3', ['-c', DOWNLOAD, String(lab.ready.listeners.imap!.port), 'phone', '424242'], { timeoutMs: 120_000 });
      expect(r.stderr).toBe('');
      const got = JSON.parse(r.stdout) as { messages: number; bytes: number; sha256: string; subjectHits: number; bodyHits: number };
      expect(got.messages).toBe(spec.messages);
      expect(got.bytes).toBe(spec.servedBytes);
      expect(got.sha256).toBe(spec.servedSha256);
      expect(got.subjectHits).toBe(1);
      // SEARCH BODY scans the served bytes (chunk by chunk): the quoted From lines, unquoted.
      expect(got.bodyHits).toBe(spec.quotedMessages);
      const peak = peakRss(lab.child.pid!);
      console.log(`lab peak RSS ${(peak / MB).toFixed(0)} MB serving ${(spec.fileBytes / MB).toFixed(0)} MB (${spec.messages} messages)`);
      expect(peak).toBeLessThan(MAX_LAB_PEAK_RSS_BYTES);
    } finally {
      lab.child.kill('SIGTERM');
      await lab.exited;
    }
  }, 180_000);

  it('starts on a 700 MB mbox (past the old one-string limit) and serves its last message', async () => {
    const dir = tempDir('mp-hugembox-');
    dirs.push(dir);
    const mbox = join(dir, 'export.mbox');
    // Mostly big attachments: fast to write, and 700 MB is past 0x1fffffe8 characters.
    const spec = await writeBigMbox(mbox, { smallMessages: 20, smallBytes: 2000, attachments: Array.from({ length: 35 }, () => 20 * MB) });
    expect(spec.fileBytes).toBeGreaterThan(0x1fffffe8);
    const lab = await spawnLab(labArgs(mbox, join(dir, 'data')), 120_000);
    try {
      const py = String.raw`
import imaplib, re, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login('phone', '424242')
typ, data = m.select('INBOX', readonly=True)
n = int(data[0])
typ, data = m.fetch(str(n), '(RFC822.SIZE BODY.PEEK[])')
head, body = data[0]
assert int(re.search(rb'RFC822\.SIZE (\d+)', head).group(1)) == len(body)
print(n, len(body))
`;
      const r = await runPeer('python3', ['-c', py, String(lab.ready.listeners.imap!.port)], { timeoutMs: 60_000 });
      expect(r.stderr).toBe('');
      const [n, last] = r.stdout.trim().split(' ').map(Number);
      expect(n).toBe(spec.messages);
      expect(last).toBeGreaterThan(20 * 1000 * 1000);
      const peak = peakRss(lab.child.pid!);
      console.log(`lab peak RSS ${(peak / MB).toFixed(0)} MB after indexing ${(spec.fileBytes / MB).toFixed(0)} MB`);
      expect(peak).toBeLessThan(MAX_LAB_PEAK_RSS_BYTES);
    } finally {
      lab.child.kill('SIGTERM');
      await lab.exited;
    }
  }, 180_000);
});
