/**
 * RFC 3501 behaviour that Dovecot's conformance suite (imaptest) checks and clients rely on,
 * tested with the project's own clients (raw sockets, Python imaplib, imapflow, mutt):
 * \Recent (§2.3.2), keywords in FLAGS (§7.2.6), SENT* dates in the header's own zone (§6.4.4),
 * address search on parsed addresses, LSUB's \Noselect parents (§6.3.9), subscriptions kept
 * apart from mailboxes (§6.3.6), and an AUTHENTICATE line with a trailing space (mutt).
 */
import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedLab } from '../../electron/lab/lab.js';
import { MAX_KEYWORDS_PER_MAILBOX } from '../../electron/lab/mailbox/index.js';
import { TEST_PASSWORD, TEST_USER, eventsOf, startTestLab, tempDir } from '../support/lab.js';
import { RawClient } from '../support/raw-client.js';
import { runPeer } from '../support/run.js';

let lab: StartedLab;
let port: number;
const open: RawClient[] = [];

beforeAll(async () => {
  lab = await startTestLab({ imapsPort: null });
  port = lab.listeners.imap!.port;
});
afterAll(async () => {
  for (const c of open) c.close();
  await lab.stop();
});

async function session(select?: string): Promise<RawClient> {
  const c = await RawClient.connect(port);
  open.push(c);
  await c.line();
  await c.command('l', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`);
  if (select) await c.command('s', `SELECT "${select}"`);
  return c;
}

/** APPEND a message with a non-synchronizing literal (LITERAL+). */
async function append(c: RawClient, box: string, message: string, flags = ''): Promise<string[]> {
  const body = message.replace(/\r?\n/g, '\r\n');
  return c.command('ap', `APPEND "${box}" ${flags ? `(${flags}) ` : ''}{${Buffer.byteLength(body)}+}\r\n${body}`);
}

/** imapflow in plaintext (STARTTLS and certificate checks are tested elsewhere). */
const imapflow = () => new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user: TEST_USER, pass: TEST_PASSWORD }, logger: false });

/** Run a Python imaplib script with port, user and password as its first arguments; its output lines. */
async function python(script: string, ...args: string[]): Promise<string[]> {
  const r = await runPeer('python3', ['-c', script, String(port), TEST_USER, TEST_PASSWORD, ...args]);
  expect(r.stderr).toBe('');
  return r.stdout.trim().split('\n');
}

const untagged = (lines: string[]) => lines.filter((l) => l.startsWith('* '));

describe('\\Recent (RFC 3501 §2.3.2)', () => {
  it('belongs to the first session that selects the mailbox; EXAMINE and STATUS only look', async () => {
    const a = await session();
    await a.command('c', 'CREATE Recent');
    await append(a, 'Recent', 'Subject: one\n\nbody\n', '\\Seen');
    await append(a, 'Recent', 'Subject: two\n\nbody\n');
    expect(untagged(await a.command('st', 'STATUS Recent (RECENT)'))).toEqual(['* STATUS "Recent" (RECENT 2)']);

    const looker = await session();
    const examine = await looker.command('e', 'EXAMINE Recent');
    expect(examine).toContain('* 2 RECENT');
    expect(untagged(await looker.command('f', 'FETCH 1:2 FLAGS'))).toEqual(['* 1 FETCH (FLAGS (\\Seen \\Recent))', '* 2 FETCH (FLAGS (\\Recent))']);
    expect(untagged(await looker.command('r', 'SEARCH RECENT'))).toEqual(['* SEARCH 1 2']);
    expect(untagged(await looker.command('n', 'SEARCH NEW'))).toEqual(['* SEARCH 2']);
    expect(untagged(await looker.command('o', 'SEARCH OLD'))).toEqual(['* SEARCH']);
    await looker.command('x', 'CLOSE');
    expect(untagged(await a.command('st', 'STATUS Recent (RECENT)'))).toEqual(['* STATUS "Recent" (RECENT 2)']);

    const first = await session();
    expect(await first.command('s', 'SELECT Recent')).toContain('* 2 RECENT');
    const second = await session();
    expect(await second.command('s', 'SELECT Recent')).toContain('* 0 RECENT');
    expect(untagged(await second.command('f', 'FETCH 1:2 FLAGS'))).toEqual(['* 1 FETCH (FLAGS (\\Seen))', '* 2 FETCH (FLAGS ())']);
    expect(untagged(await second.command('o', 'SEARCH OLD'))).toEqual(['* SEARCH 1 2']);
    expect(untagged(await a.command('st', 'STATUS Recent (RECENT)'))).toEqual(['* STATUS "Recent" (RECENT 0)']);

    // A new message is recent to the first session told about it, and to no other.
    await append(a, 'Recent', 'Subject: three\n\nbody\n');
    expect(untagged(await first.command('n', 'NOOP'))).toEqual(['* 3 EXISTS', '* 3 RECENT']);
    expect(untagged(await second.command('n', 'NOOP'))).toEqual(['* 3 EXISTS', '* 0 RECENT']);
    expect(untagged(await first.command('f', 'FETCH 3 FLAGS'))).toEqual(['* 3 FETCH (FLAGS (\\Recent))']);
  });

  it('Python imaplib: COPY makes recent copies in a mailbox another session has selected', async () => {
    const py = String.raw`
import imaplib, sys
port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
src = imaplib.IMAP4('127.0.0.1', port); src.login(user, pw)
dst = imaplib.IMAP4('127.0.0.1', port); dst.login(user, pw)
src.create('CopyDest'); dst.select('CopyDest')
src.select('INBOX'); print('copy', src.copy('1:3', 'CopyDest')[0])
dst.noop()
print('exists', dst.response('EXISTS')[1][-1].decode())
print('recent', dst.response('RECENT')[1][-1].decode())
print('search', dst.search(None, 'RECENT')[1][0].decode())
print('flags', all(b'\\Recent' in line for line in dst.fetch('1:3', '(FLAGS)')[1]))
src.logout(); dst.logout()
`;
    expect(await python(py)).toEqual(['copy OK', 'exists 3', 'recent 3', 'search 1 2 3', 'flags True']);
  });
});

describe('keywords in FLAGS (RFC 3501 §7.2.6)', () => {
  const systemFlags = '\\Answered \\Flagged \\Deleted \\Seen \\Draft';

  it('SELECT lists the keywords messages carry; a new keyword is announced before any FETCH shows it', async () => {
    const a = await session();
    await a.command('c', 'CREATE Labels');
    await append(a, 'Labels', 'Subject: labelled\n\nbody\n', '$Forwarded');
    const sel = await a.command('s', 'SELECT Labels');
    expect(sel).toContain(`* FLAGS (${systemFlags} $Forwarded)`);
    expect(sel).toContain(`* OK [PERMANENTFLAGS (${systemFlags} $Forwarded \\*)] Flags permitted`);

    // Its own STORE: FLAGS and PERMANENTFLAGS come first, then the FETCH (as Dovecot answers).
    expect(untagged(await a.command('t', 'STORE 1 +FLAGS (Work)'))).toEqual([
      `* FLAGS (${systemFlags} $Forwarded Work)`,
      `* OK [PERMANENTFLAGS (${systemFlags} $Forwarded Work \\*)] Flags permitted`,
      '* 1 FETCH (FLAGS (\\Recent $Forwarded Work))',
    ]);

    // Another session's keyword reaches this one at NOOP: FLAGS, then the FETCH.
    const b = await session('Labels');
    expect(untagged(await b.command('t', 'STORE 1 +FLAGS.SILENT (Later)'))).toEqual([
      `* FLAGS (${systemFlags} $Forwarded Work Later)`,
      `* OK [PERMANENTFLAGS (${systemFlags} $Forwarded Work Later \\*)] Flags permitted`,
    ]);
    expect(untagged(await a.command('n', 'NOOP'))).toEqual([
      `* FLAGS (${systemFlags} $Forwarded Work Later)`,
      `* OK [PERMANENTFLAGS (${systemFlags} $Forwarded Work Later \\*)] Flags permitted`,
      '* 1 FETCH (FLAGS (\\Recent $Forwarded Work Later))',
    ]);

    // APPEND with a new keyword into the selected mailbox: FLAGS before EXISTS.
    const appended = untagged(await append(b, 'Labels', 'Subject: fresh\n\nbody\n', 'Fresh'));
    expect(appended.slice(0, 3)).toEqual([`* FLAGS (${systemFlags} $Forwarded Work Later Fresh)`, `* OK [PERMANENTFLAGS (${systemFlags} $Forwarded Work Later Fresh \\*)] Flags permitted`, '* 2 EXISTS']);

    // Keywords stay defined when no message carries them (as in Dovecot); EXAMINE lists them, permits none.
    await a.command('r', 'STORE 1:* -FLAGS.SILENT (Work Later Fresh $Forwarded)');
    const ex = await (await session()).command('e', 'EXAMINE Labels');
    expect(ex).toContain(`* FLAGS (${systemFlags} $Forwarded Work Later Fresh)`);
    expect(ex).toContain('* OK [PERMANENTFLAGS ()] Read-only mailbox');
  });

  it('imapflow sees the keywords in the mailbox flags', async () => {
    const client = imapflow();
    await client.connect();
    try {
      await client.mailboxCreate('Tagged');
      await client.append('Tagged', 'Subject: tagged\r\n\r\nbody\r\n', ['$Important']);
      const box = await client.mailboxOpen('Tagged');
      expect([...box.flags]).toContain('$Important');
      expect([...box.permanentFlags!]).toEqual(expect.arrayContaining(['$Important', '\\*']));
      expect(await client.messageFlagsAdd('1', ['$Later'])).toBe(true);
      const msg = await client.fetchOne('1', { flags: true });
      expect(msg && [...msg.flags!].sort()).toEqual(['$Important', '$Later', '\\Recent']);
    } finally {
      await client.logout();
    }
  });

  it(`a mailbox defines at most MAX_KEYWORDS_PER_MAILBOX (${MAX_KEYWORDS_PER_MAILBOX}) keywords; one more is NO [LIMIT]`, async () => {
    const a = await session();
    await a.command('c', 'CREATE Many');
    await append(a, 'Many', 'Subject: many\n\nbody\n');
    await a.command('s', 'SELECT Many');
    const all = Array.from({ length: MAX_KEYWORDS_PER_MAILBOX }, (_, i) => `k${i}`);
    expect((await a.command('t', `STORE 1 +FLAGS.SILENT (${all.join(' ')})`)).at(-1)).toBe('t OK Completed');
    expect((await a.command('u', 'STORE 1 +FLAGS (one-more)')).at(-1)).toBe('u NO [LIMIT] Too many keywords in this mailbox');
    expect((await append(a, 'Many', 'Subject: x\n\nbody\n', 'another')).at(-1)).toBe('ap NO [LIMIT] Too many keywords in this mailbox');
    // Keywords already defined can still be set.
    expect((await a.command('v', 'STORE 1 FLAGS (k0 \\Seen)')).at(-1)).toBe('v OK Completed');
  });
});

describe('SEARCH SENTBEFORE/SENTON/SENTSINCE (RFC 3501 §6.4.4: disregarding time and timezone)', () => {
  it('compares the calendar day the Date header names in its own zone (Python imaplib)', async () => {
    const a = await session();
    await a.command('c', 'CREATE Dates');
    const dates = [
      'Sat, 24 Mar 2007 23:00:00 +0200', // 1: 24 March (21:00 UTC)
      'Sun, 25 Mar 2007 00:00:00 +0200', // 2: 25 March, though 24 March 22:00 in UTC
      'Sun, 25 Mar 2007 23:00:00 +0300', // 3: 25 March
      'Mon, 26 Mar 2007 00:00:00 +0300', // 4: 26 March, though 25 March 21:00 in UTC
      '25 Mar 07 12:00 EST', // 5: obsolete two-digit year (RFC 5322 §4.3), no day name
      'sometime next week', // 6: names no day
    ];
    for (const d of dates) await append(a, 'Dates', `Date: ${d}\nSubject: dated\n\nbody\n`);
    await append(a, 'Dates', 'Subject: undated\n\nbody\n'); // 7: no Date header
    const py = String.raw`
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1])); m.login(sys.argv[2], sys.argv[3]); m.select('Dates', readonly=True)
for q in sys.argv[4:]:
    print(q, '=', m.search(None, *q.split(' '))[1][0].decode())
m.logout()
`;
    const queries = ['SENTON 24-Mar-2007', 'SENTON 25-Mar-2007', 'SENTON 26-Mar-2007', 'SENTBEFORE 25-Mar-2007', 'SENTSINCE 26-Mar-2007', 'NOT SENTSINCE 25-Mar-2007'];
    expect(await python(py, ...queries)).toEqual([
      'SENTON 24-Mar-2007 = 1',
      'SENTON 25-Mar-2007 = 2 3 5',
      'SENTON 26-Mar-2007 = 4',
      'SENTBEFORE 25-Mar-2007 = 1',
      'SENTSINCE 26-Mar-2007 = 4',
      // Messages without a usable date are never "sent" on a day, so NOT finds them.
      'NOT SENTSINCE 25-Mar-2007 = 1 6 7',
    ]);
  });
});

describe('SEARCH FROM/TO/CC/BCC on parsed addresses, as Dovecot matches them', () => {
  it('finds an address written with comments, a name given as a comment, and group names (imapflow)', async () => {
    const a = await session();
    await a.command('c', 'CREATE People');
    const messages = [
      'From: <user-from (comment)@ (comment) domain.org>\nTo: plain@domain.org\n', // 1
      'From: user-from@domain.org (RealFrom)\nCc: RealCc <user-cc@domain.org>\n', // 2
      'From: other@domain.org\nTo: groupname: groupuser1@domain.org, groupuser2@domain.org;,\n  groupname2: groupuser3@domain.org;\n', // 3
      'From: "Müller, Jörg" <joerg@example.de>\nBcc: hidden@domain.org\n', // 4
    ];
    for (const m of messages) await append(a, 'People', `${m}Subject: people\n\nbody\n`);
    const client = imapflow();
    await client.connect();
    try {
      await client.mailboxOpen('People', { readOnly: true });
      const seqs = (query: Record<string, string>) => client.search(query);
      expect(await seqs({ from: 'user-from@domain.org' })).toEqual([1, 2]);
      expect(await seqs({ from: 'realfrom' })).toEqual([2]);
      expect(await seqs({ from: 'ser-fro' })).toEqual([1, 2]);
      expect(await seqs({ cc: 'realcc <user-cc@' })).toEqual([2]);
      expect(await seqs({ to: 'groupname' })).toEqual([3]);
      expect(await seqs({ to: 'groupname2' })).toEqual([3]);
      expect(await seqs({ to: 'groupuser3' })).toEqual([3]);
      expect(await seqs({ from: 'müller' })).toEqual([4]);
      expect(await seqs({ bcc: 'hidden' })).toEqual([4]);
      expect(await seqs({ to: 'nobody' })).toEqual([]);
    } finally {
      await client.logout();
    }
  });
});

describe('subscriptions (RFC 3501 §6.3.6, §6.3.9)', () => {
  it('CREATE subscribes nothing; LSUB "%" shows an unsubscribed parent of a subscription as \\Noselect', async () => {
    const a = await session();
    for (const n of ['Proj', 'Proj/a', 'Proj/b/c', 'Solo']) await a.command('c', `CREATE ${n}`);
    expect(untagged(await a.command('ls', 'LSUB "" *')).filter((l) => /Proj|Solo/.test(l))).toEqual([]);
    expect(untagged(await a.command('li', 'LIST "" Proj/%'))).toEqual(['* LIST (\\HasNoChildren) "/" "Proj/a"', '* LIST (\\HasChildren) "/" "Proj/b"']);

    await a.command('s1', 'SUBSCRIBE Proj/b/c');
    await a.command('s2', 'SUBSCRIBE Solo');
    expect(untagged(await a.command('ls', 'LSUB "" %')).filter((l) => /Proj|Solo/.test(l))).toEqual(['* LSUB (\\Noselect) "/" "Proj"', '* LSUB (\\HasNoChildren) "/" "Solo"']);
    expect(untagged(await a.command('ls', 'LSUB "" Proj/%'))).toEqual(['* LSUB (\\Noselect) "/" "Proj/b"']);
    expect(untagged(await a.command('ls', 'LSUB "" Proj/*'))).toEqual(['* LSUB (\\HasNoChildren) "/" "Proj/b/c"']);
    // A parent that is subscribed itself is listed as it is.
    await a.command('s3', 'SUBSCRIBE Proj');
    expect(untagged(await a.command('ls', 'LSUB "" %')).filter((l) => /Proj/.test(l))).toEqual(['* LSUB (\\HasChildren) "/" "Proj"']);
  });

  it('a deleted mailbox stays subscribed until the client unsubscribes it (Python imaplib)', async () => {
    const py = String.raw`
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1])); m.login(sys.argv[2], sys.argv[3])
m.create('Gone'); print('subscribe', m.subscribe('Gone')[0]); print('delete', m.delete('Gone')[0])
print('lsub', [l.decode() for l in m.lsub('""', 'Gone')[1] if l])
print('unsubscribe', m.unsubscribe('Gone')[0])
print('lsub', [l.decode() for l in m.lsub('""', 'Gone')[1] if l])
print('unsubscribe-unknown', m.unsubscribe('Never')[0])
print('subscribe-unknown', m.subscribe('Never')[0])
m.logout()
`;
    expect(await python(py)).toEqual([
      'subscribe OK',
      'delete OK',
      "lsub ['() \"/\" \"Gone\"']",
      'unsubscribe OK',
      'lsub []',
      'unsubscribe-unknown OK',
      'subscribe-unknown NO',
    ]);
  });
});

describe('AUTHENTICATE with a trailing space (GNU SASL in mutt)', () => {
  async function challengeOf(c: RawClient, line: Buffer): Promise<string> {
    c.send(line);
    const cont = await c.line();
    expect(cont).toMatch(/^\+ /);
    return Buffer.from(cont.slice(2), 'base64').toString();
  }
  const cramResponse = (challenge: string) => Buffer.from(`${TEST_USER} ${createHmac('md5', TEST_PASSWORD).update(challenge).digest('hex')}`).toString('base64');

  it('"AUTHENTICATE CRAM-MD5 " and "AUTHENTICATE CRAM-MD5 =" get the challenge; the password is checked', async () => {
    for (const line of ['a AUTHENTICATE CRAM-MD5 \r\n', 'a AUTHENTICATE CRAM-MD5 =\r\n', 'a AUTHENTICATE CRAM-MD5 \t \r\n']) {
      const c = await RawClient.connect(port);
      open.push(c);
      await c.line();
      const challenge = await challengeOf(c, Buffer.from(line));
      expect(challenge).toMatch(/^<.+@.+>$/);
      c.send(cramResponse(challenge) + '\r\n');
      expect(await c.line()).toBe('a OK Success (no protection)');
      c.close();
    }
    const c = await RawClient.connect(port);
    open.push(c);
    await c.line();
    await challengeOf(c, Buffer.from('b AUTHENTICATE CRAM-MD5 \r\n'));
    c.send(Buffer.from(`${TEST_USER} 00000000000000000000000000000000`).toString('base64') + '\r\n');
    expect(await c.line()).toBe('b NO [AUTHENTICATIONFAILED] Authentication failed');
  });

  it('"AUTHENTICATE PLAIN " waits for the credentials, as Dovecot does; "PLAIN =" is an empty response', async () => {
    const c = await RawClient.connect(port);
    open.push(c);
    await c.line();
    c.send('p AUTHENTICATE PLAIN \r\n');
    expect(await c.line()).toBe('+ ');
    c.send(Buffer.from(`\0${TEST_USER}\0${TEST_PASSWORD}`).toString('base64') + '\r\n');
    expect(await c.line()).toBe('p OK Success (no protection)');
    const d = await RawClient.connect(port);
    open.push(d);
    await d.line();
    expect((await d.command('q', 'AUTHENTICATE PLAIN =')).at(-1)).toMatch(/^q (BAD|NO) /);
  });

  it('an initial response followed by white space is still recorded as a secret', async () => {
    const c = await RawClient.connect(port);
    open.push(c);
    await c.line();
    const ir = Buffer.from(`\0${TEST_USER}\0${TEST_PASSWORD}`).toString('base64');
    expect(await c.command('w', `AUTHENTICATE PLAIN ${ir} `)).toEqual(['w OK Success (no protection)']);
    const sent = eventsOf(lab).findLast((e) => e.kind === 'c2s' && e.text === `w AUTHENTICATE PLAIN ${ir} \r\n`);
    const start = 'w AUTHENTICATE PLAIN '.length;
    expect(sent && sent.kind === 'c2s' && sent.secrets).toEqual([[start, start + ir.length]]);
  });

  it('real mutt logs in with CRAM-MD5 and opens INBOX', async () => {
    const dir = tempDir('mp-mutt-');
    mkdirSync(join(dir, 'home'));
    const rc = join(dir, 'muttrc');
    writeFileSync(
      rc,
      `set folder="imap://${TEST_USER}@127.0.0.1:${port}/"
set spoolfile="+INBOX"
set imap_pass="${TEST_PASSWORD}"
set imap_authenticators="cram-md5"
set ssl_starttls=no
set ssl_force_tls=no
set header_cache=""
set message_cachedir=""
set quit=yes
set move=no
set timeout=5
`,
      { mode: 0o600 },
    );
    const before = eventsOf(lab).length;
    // mutt is a screen program: script(1) gives it a pty; it opens INBOX, then the pushed <quit> ends it.
    const r = await runPeer('script', ['-qec', `mutt -n -F ${rc} -e 'push "<quit>"'`, '/dev/null'], {
      env: { ...process.env, HOME: join(dir, 'home'), TERM: 'vt100', LANG: 'C.UTF-8' },
      timeoutMs: 30_000,
    });
    expect(r.stdout).not.toMatch(/SASL authentication failed/);
    expect(r.stdout).toMatch(/Mutt: =INBOX \[Msgs:\d+/);
    const evs = eventsOf(lab).slice(before);
    expect(evs.some((e) => e.kind === 'c2s' && /^a\d+ AUTHENTICATE CRAM-MD5 \r\n$/.test(e.text ?? ''))).toBe(true);
    expect(evs.filter((e) => e.kind === 'auth')).toEqual([expect.objectContaining({ mechanism: 'CRAM-MD5', user: TEST_USER, ok: true })]);
    expect(evs.some((e) => e.kind === 'c2s' && /^a\d+ (SELECT|EXAMINE) "INBOX"\r\n$/.test(e.text ?? ''))).toBe(true);
  });
});
