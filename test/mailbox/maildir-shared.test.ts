/**
 * A customer's Maildir that another program serves at the same time as the lab: a Dovecot (or
 * the customer's own mail client) marks messages seen by renaming their files (the ":2," info)
 * and moves new mail from new/ to cur/; the unique part of each name stays (the Maildir
 * specification). The lab, which indexed the names at start, finds each file again by that
 * unique name and serves every message whole, over POP3 and IMAP, byte for byte what Dovecot
 * serves, instead of an empty message or a dropped connection.
 */
import { chmodSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededStore, writeMaildir } from '../../electron/lab/mailbox/index.js';
import { MAILDIR_RESCAN_INTERVAL_MS, MaildirFolderNames } from '../../electron/lab/mailbox/maildir-index.js';
import type { StartedLab } from '../../electron/lab/lab.js';
import { dovecotAvailable, startDovecot, type DovecotServer } from '../support/dovecot.js';
import { startTestLab, tempDir, TEST_PASSWORD, TEST_USER } from '../support/lab.js';
import { Pop3Script } from '../support/pop3-script.js';
import { runPeer } from '../support/run.js';

let work: string;
let maildir: string;
let dovecot: DovecotServer;
let lab: StartedLab;
/** A message that arrived in new/ before the lab started; another program moves it to cur/. */
const NEW_NAME = '1796000000.M99P99.customer,S=107,W=112';
const NEW_MESSAGE = 'From: friend@example.com\nTo: phone@lab.example\nSubject: still in new\n\nMoved to cur/ after the lab started.\n';

beforeAll(async () => {
  if (!dovecotAvailable()) throw new Error('dovecot-pop3d is needed (Debian dovecot-core, dovecot-pop3d)');
  work = tempDir('mp-maildir-shared-');
  chmodSync(work, 0o755); // Dovecot's processes (nobody) must reach the files
  maildir = join(work, 'mail');
  writeMaildir(createSeededStore({ user: TEST_USER }), maildir);
  mkdirSync(join(maildir, 'new'), { recursive: true });
  writeFileSync(join(maildir, 'new', NEW_NAME), NEW_MESSAGE);
  lab = await startTestLab({ mailbox: maildir, pop3Port: 0, pop3sPort: null });
  dovecot = await startDovecot({ dir: join(work, 'dovecot'), maildir, user: TEST_USER, password: TEST_PASSWORD, pop3: true, settings: 'disable_plaintext_auth = no' });
}, 30_000);

afterAll(async () => {
  dovecot?.stop();
  await lab?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Every message of a POP3 session, by number: its bytes as the body lines give them. */
async function retrieveAll(port: number): Promise<string[]> {
  const s = await Pop3Script.open(port);
  try {
    expect((await s.send(`USER ${TEST_USER}`)).ok).toBe(true);
    expect((await s.send(`PASS ${TEST_PASSWORD}`)).ok).toBe(true);
    const count = Number((await s.send('STAT')).text.split(' ')[0]);
    const out: string[] = [];
    for (let i = 1; i <= count; i++) {
      const a = await s.send(`RETR ${i}`, true);
      expect(a.ok, `RETR ${i}: ${a.text}`).toBe(true);
      out.push(a.body!.join('\r\n'));
    }
    await s.send('QUIT');
    return out;
  } finally {
    s.close();
  }
}

describe('a Maildir that another program changes while the lab serves it', () => {
  it('serves every message whole after Dovecot and a mail client renamed and moved the files', async () => {
    const namesBefore = readdirSync(join(maildir, 'cur')).sort();
    // Another client flags a message (its info changes from ":2,S" to ":2,FS"), and a new one
    // is moved to cur/ once seen, as any Maildir reader does.
    const flagged = namesBefore.find((n) => n.endsWith(':2,S'))!;
    renameSync(join(maildir, 'cur', flagged), join(maildir, 'cur', flagged.replace(/:2,S$/, ':2,FS')));
    renameSync(join(maildir, 'new', NEW_NAME), join(maildir, 'cur', `${NEW_NAME}:2,`));
    // Dovecot's pop3 then retrieves everything (it marks what it retrieves as seen, in the names).
    const fromDovecot = await retrieveAll(dovecot.pop3Port!);
    expect(readdirSync(join(maildir, 'cur')).sort()).not.toEqual(namesBefore);
    // The lab, whose index still has the old names, serves the same bytes for every message.
    const fromLab = await retrieveAll(lab.listeners.pop3!.port);
    expect(fromLab.length).toBe(fromDovecot.length);
    expect(fromLab.length).toBe(namesBefore.length + 1);
    for (let i = 0; i < fromLab.length; i++) expect(fromLab[i], `message ${i + 1}`).toBe(fromDovecot[i]);
    expect(fromLab.some((m) => m.includes('Moved to cur/ after the lab started.'))).toBe(true);
  });

  it('and over IMAP, as Python imaplib fetches it', async () => {
    const r = await runPeer('python3', ['-c', `
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', ${lab.listeners.imap!.port})
m.login('${TEST_USER}', '${TEST_PASSWORD}')
typ, data = m.select('INBOX', readonly=True)
n = int(data[0])
typ, data = m.fetch('1:%d' % n, '(RFC822.SIZE BODY.PEEK[])')
parts = [d for d in data if isinstance(d, tuple)]
empty = [p[0] for p in parts if len(p[1]) == 0]
print(n, len(parts), len(empty), sum(len(p[1]) for p in parts))
m.logout()
`]);
    expect(r.code, r.stderr).toBe(0);
    const [n, fetched, empty] = r.stdout.trim().split(' ').map(Number);
    expect(fetched).toBe(n);
    expect(empty).toBe(0);
  });
});

describe('MaildirFolderNames: finding a renamed file by its unique name', () => {
  it(`reads the folder again at most every MAILDIR_RESCAN_INTERVAL_MS (${MAILDIR_RESCAN_INTERVAL_MS} ms), so files deleted by another program do not cost a read of every name each`, async () => {
    const dir = tempDir('mp-maildir-names-');
    try {
      for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
      writeFileSync(join(dir, 'cur', '1.M1.host:2,S'), 'a');
      const names = new MaildirFolderNames(dir);
      expect(names.find('1.M1.host', join(dir, 'new', '1.M1.host'))).toBe(join(dir, 'cur', '1.M1.host:2,S'));
      expect(names.find('2.M2.host', join(dir, 'cur', '2.M2.host:2,'))).toBeNull(); // not there at the read just made
      writeFileSync(join(dir, 'new', '2.M2.host'), 'b');
      expect(names.find('2.M2.host', join(dir, 'cur', '2.M2.host:2,'))).toBeNull(); // within the interval: not read again
      await new Promise((r) => setTimeout(r, MAILDIR_RESCAN_INTERVAL_MS + 50));
      expect(names.find('2.M2.host', join(dir, 'cur', '2.M2.host:2,'))).toBe(join(dir, 'new', '2.M2.host'));
      // A rename of a known file is followed at the next read.
      renameSync(join(dir, 'cur', '1.M1.host:2,S'), join(dir, 'cur', '1.M1.host:2,RS'));
      await new Promise((r) => setTimeout(r, MAILDIR_RESCAN_INTERVAL_MS + 50));
      expect(names.find('1.M1.host', join(dir, 'cur', '1.M1.host:2,S'))).toBe(join(dir, 'cur', '1.M1.host:2,RS'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
