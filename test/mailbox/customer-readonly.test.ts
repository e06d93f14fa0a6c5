/**
 * The technician's mailbox is opened read-only and left byte-for-byte unchanged, whatever the
 * phone does: a session with real clients (Python's imaplib, poplib, smtplib) that EXPUNGEs,
 * STOREs flags, COPYs, APPENDs, DELEs over POP3 and QUITs, and delivers over SMTP, then the
 * sha256 of the mbox and of every Maildir file, and the Maildir's listing and mtimes, are compared
 * with what they were before. What the session changed lives in its own directory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createSeededStore, writeMaildir, writeMbox } from '../../electron/lab/mailbox/index.js';
import { eventsOf, startTestLab, tempDir, TEST_PASSWORD, TEST_USER } from '../support/lab.js';
import { runPeer } from '../support/run.js';
import type { StartedLab } from '../../electron/lab/lab.js';

/** Path → sha256 and mtime of every file and directory under `root` (or of the file itself). */
function fingerprint(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string) => {
    const st = statSync(p);
    const key = relative(root, p) || '.';
    if (st.isDirectory()) {
      out[key] = `dir mtime=${st.mtimeMs}`;
      for (const n of readdirSync(p).sort()) walk(join(p, n));
    } else {
      out[key] = `${createHash('sha256').update(readFileSync(p)).digest('hex')} mtime=${st.mtimeMs}`;
    }
  };
  walk(root);
  return out;
}

const SESSION = String.raw`
import imaplib, poplib, smtplib, sys, time
host = '127.0.0.1'
imap_port, pop_port, smtp_port, user, password = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
m = imaplib.IMAP4(host, imap_port)
m.login(user, password)
typ, data = m.select('INBOX')
n = int(data[0])
assert n >= 3, n
typ, _ = m.store('1', '+FLAGS', '(\\Deleted)')
typ, _ = m.store('2', '+FLAGS', '(\\Flagged \\Seen $Label1)')
m.create('Kept')
typ, _ = m.copy('2:3', 'Kept')
assert typ == 'OK', typ
typ, _ = m.append('INBOX', '(\\Seen)', None, b'Subject: appended\r\nFrom: phone@example.org\r\n\r\nAppended by the phone.\r\n')
assert typ == 'OK', typ
typ, data = m.expunge()
assert typ == 'OK', typ
typ, data = m.fetch('1:*', '(RFC822.SIZE BODY.PEEK[])')
assert typ == 'OK', typ
m.logout()
s = smtplib.SMTP(host, smtp_port)
s.login(user, password)
s.sendmail('phone@example.org', ['tech@example.org'], b'Subject: delivered\r\nFrom: phone@example.org\r\n\r\nDelivered over SMTP.\r\n')
s.quit()
p = poplib.POP3(host, pop_port)
p.user(user)
p.pass_(password)
count, size = p.stat()
assert count >= 2, count
p.retr(1)
p.dele(1)
p.dele(2)
p.quit()
p = poplib.POP3(host, pop_port)
p.user(user)
p.pass_(password)
after, _ = p.stat()
assert after == count - 2, (after, count)
p.quit()
print('session done', n, count, after)
`;

async function phoneSession(lab: StartedLab): Promise<string> {
  const r = await runPeer('python3', ['-c', SESSION, String(lab.listeners.imap!.port), String(lab.listeners.pop3!.port), String(lab.listeners.smtp!.port), TEST_USER, TEST_PASSWORD], { timeoutMs: 30_000 });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

const labOptions = { imapsPort: null, smtpPort: 0, pop3Port: 0 } as const;

describe('the customer mailbox stays unchanged', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('mp-readonly-');
  });
  afterAll(() => undefined);

  it('an mbox file: same sha256 and mtime after EXPUNGE, STORE, COPY, APPEND, SMTP delivery, POP3 DELE and QUIT', async () => {
    const file = join(dir, 'export.mbox');
    writeMbox(createSeededStore({ user: TEST_USER }), file);
    // LF line ends and a quoted From line: the served bytes differ from the file's, the file must not.
    writeFileSync(file, readFileSync(file, 'latin1') + 'From x@example.org Tue Nov 24 10:00:00 2026\nSubject: quoted\n\n>From the start of a line\n', 'latin1');
    const before = fingerprint(file);
    const lab = await startTestLab({ mailbox: file, ...labOptions });
    let out: string;
    try {
      out = await phoneSession(lab);
    } finally {
      await lab.stop();
    }
    expect(out).toMatch(/^session done/);
    expect(fingerprint(file)).toEqual(before);
    // The session's own copies: the APPEND and the delivery are in its store directory.
    const stored = readdirSync(join(lab.sessionDir, 'store'));
    expect(stored.length).toBe(2);
    expect(eventsOf(lab).some((e) => e.kind === 'mailbox.indexing' && e.done)).toBe(true);
  }, 60_000);

  it('a Maildir: every file keeps its sha256 and mtime, no file or directory is added, renamed or touched', async () => {
    const maildir = join(dir, 'Maildir');
    writeMaildir(createSeededStore({ user: TEST_USER }), maildir);
    // A new/ message (a Maildir writer would move it to cur/ on first read; the lab must not).
    writeFileSync(join(maildir, 'new', '1900000000.M9P9.host'), 'Subject: new\nFrom: a@example.org\n\nunread\n');
    const before = fingerprint(maildir);
    const lab = await startTestLab({ mailbox: maildir, ...labOptions });
    try {
      await phoneSession(lab);
    } finally {
      await lab.stop();
    }
    expect(fingerprint(maildir)).toEqual(before);
    expect(existsSync(join(maildir, 'dovecot-uidlist'))).toBe(false);
  }, 60_000);
});
