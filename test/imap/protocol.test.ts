/**
 * IMAP4rev1 as clients use it, over a real socket: the command set, literals both ways,
 * pipelining, the recorder's view of it (secrets marked, order kept), and the server options.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BytesEvent, LabEvent } from '../../electron/api.js';
import type { StartedLab } from '../../electron/lab/lab.js';
import { redactEvent, REDACTED } from '../../electron/lab/recorder/index.js';
import { MAX_ID_FIELDS } from '../../electron/lab/imap/commands/id.js';
import { MAX_SEARCH_DEPTH } from '../../electron/lab/imap/commands/search.js';
import { RawClient } from '../support/raw-client.js';
import { TEST_PASSWORD, TEST_USER, closeOf, connOf, eventsOf, startTestLab, waitForEvent } from '../support/lab.js';

let lab: StartedLab;
let port: number;

beforeAll(async () => {
  lab = await startTestLab({ imapsPort: null });
  port = lab.listeners.imap!.port;
});
afterAll(() => lab.stop());

async function session(select?: string, p = port): Promise<RawClient> {
  const c = await RawClient.connect(p);
  await c.line();
  expect((await c.command('l', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`)).at(-1)).toBe('l OK User logged in');
  if (select) expect((await c.command('s', `SELECT ${select}`)).at(-1)).toBe('s OK [READ-WRITE] Completed');
  return c;
}

const bytesOf = (evs: LabEvent[], conn: string, kind: 'c2s' | 's2c') => evs.filter((e): e is BytesEvent => e.kind === kind && e.conn === conn);

describe('commands', () => {
  it('SELECT reports FLAGS, EXISTS, UIDVALIDITY, UIDNEXT; EXAMINE is read-only', async () => {
    const c = await session();
    const sel = await c.command('a', 'SELECT inbox');
    const n = lab.store.messages('INBOX').length;
    expect(sel).toContain(`* ${n} EXISTS`);
    expect(sel.some((l) => /^\* OK \[UIDVALIDITY \d+\]/.test(l))).toBe(true);
    expect(sel.some((l) => /^\* OK \[UIDNEXT \d+\]/.test(l))).toBe(true);
    expect(sel[0]).toBe('* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)');
    const ex = await c.command('b', 'EXAMINE INBOX');
    expect(ex.at(-1)).toBe('b OK [READ-ONLY] Completed');
    expect((await c.command('c', 'STORE 1 +FLAGS (\\Deleted)')).at(-1)).toBe('c NO [READ-ONLY] Mailbox is read-only');
    expect((await c.command('d', 'SELECT Nowhere')).at(-1)).toBe('d NO [NONEXISTENT] Mailbox does not exist');
    // A failed SELECT leaves nothing selected (RFC 3501 §6.3.1).
    expect(await c.command('e', 'FETCH 1 FLAGS')).toEqual(['e BAD Please select a mailbox first']);
    c.close();
  });

  it('FETCH: sections, partials, BODY[] sets \\Seen, BODY.PEEK does not, UID FETCH carries UID', async () => {
    const c = await session('INBOX');
    const msgs = lab.store.messages('INBOX');
    const unseen = msgs.findIndex((m) => !m.flags.has('\\Seen')) + 1;
    expect(unseen).toBeGreaterThan(0);
    const peek = await c.command('a', `FETCH ${unseen} (BODY.PEEK[HEADER.FIELDS (Subject From)] BODY.PEEK[]<0.10>)`);
    expect(peek[0]).toMatch(new RegExp(`^\\* ${unseen} FETCH \\(BODY\\[HEADER\\.FIELDS \\(Subject From\\)\\] \\{\\d+\\}$`));
    expect(peek.join('\n')).toContain('BODY[]<0> {10}');
    expect(lab.store.messages('INBOX')[unseen - 1].flags.has('\\Seen')).toBe(false);
    const body = await c.command('b', `FETCH ${unseen} (BODY[TEXT])`);
    expect(body.join('\n')).toMatch(/FLAGS \([^)]*\\Seen/);
    expect(lab.store.messages('INBOX')[unseen - 1].flags.has('\\Seen')).toBe(true);
    const uid = msgs[0].uid;
    const u = await c.command('c', `UID FETCH ${uid} (FLAGS RFC822.SIZE INTERNALDATE)`);
    expect(u[0]).toMatch(new RegExp(`^\\* 1 FETCH \\(UID ${uid} FLAGS \\(.*\\) RFC822\\.SIZE ${msgs[0].raw.length} INTERNALDATE "\\d{2}-\\w{3}-\\d{4} \\d{2}:\\d{2}:\\d{2} \\+0000"\\)$`));
    const all = await c.command('d', 'FETCH 1:* FAST');
    expect(all.filter((l) => l.startsWith('* '))).toHaveLength(msgs.length);
    const bs = await c.command('e', 'FETCH 1 (BODYSTRUCTURE BODY ENVELOPE RFC822.HEADER)');
    expect(bs[0]).toMatch(/BODYSTRUCTURE \(/);
    expect(await c.command('f', 'FETCH 1 (NONSENSE)')).toEqual(['f BAD Unknown FETCH attribute NONSENSE']);
    c.close();
  });

  it('SEARCH: flags, text, sizes, dates, UID, NOT/OR, CHARSET', async () => {
    const c = await session('INBOX');
    const msgs = lab.store.messages('INBOX');
    const all = (await c.command('a', 'SEARCH ALL'))[0];
    expect(all).toBe('* SEARCH ' + msgs.map((_, i) => i + 1).join(' '));
    const seen = msgs.map((m, i) => (m.flags.has('\\Seen') ? i + 1 : 0)).filter(Boolean);
    expect((await c.command('b', 'SEARCH SEEN'))[0]).toBe('* SEARCH' + seen.map((n) => ' ' + n).join(''));
    const notSeen = (await c.command('c', 'SEARCH NOT SEEN'))[0].split(' ').slice(2).map(Number);
    expect(notSeen.length + seen.length).toBe(msgs.length);
    const subj = msgs[0].envelope.subject!.split(' ')[0];
    expect((await c.command('d', `SEARCH CHARSET UTF-8 SUBJECT "${subj}"`))[0]).toMatch(/^\* SEARCH 1\b/);
    expect((await c.command('e', `UID SEARCH UID ${msgs[1].uid}`))[0]).toBe(`* SEARCH ${msgs[1].uid}`);
    expect((await c.command('f', 'SEARCH OR LARGER 1 SMALLER 1 SINCE 1-Jan-2000'))[0]).toBe(all);
    expect((await c.command('g', 'SEARCH BEFORE 1-Jan-2000'))[0]).toBe('* SEARCH');
    expect((await c.command('h', 'SEARCH CHARSET KOI8-R ALL'))[0]).toBe('h NO [BADCHARSET (US-ASCII UTF-8)] Supported charsets: US-ASCII UTF-8');
    expect((await c.command('i', 'SEARCH FLOOP'))[0]).toBe('i BAD Unknown search key FLOOP');
    c.close();
  });

  it('mailboxes: CREATE, LIST, LSUB, STATUS, RENAME, SUBSCRIBE, DELETE, NAMESPACE', async () => {
    const c = await session();
    expect(await c.command('a', 'CREATE "Work/Reports"')).toEqual(['a OK Completed']);
    expect(await c.command('a2', 'CREATE Work/Reports')).toEqual(['a2 NO [ALREADYEXISTS] Mailbox already exists']);
    const list = await c.command('b', 'LIST "" *');
    expect(list).toContain('* LIST (\\HasNoChildren) "/" "INBOX"');
    expect(list).toContain('* LIST (\\HasNoChildren) "/" "Work/Reports"');
    expect(list.some((l) => /^\* LIST \(.*\\HasChildren.*\) "\/" "Work"$/.test(l))).toBe(true);
    expect(await c.command('c', 'LIST "" %')).not.toContain('* LIST (\\HasNoChildren) "/" "Work/Reports"');
    expect(await c.command('d', 'LIST "" ""')).toEqual(['* LIST (\\Noselect) "/" ""', 'd OK Completed']);
    expect(await c.command('e', 'RENAME Work/Reports Work/Old')).toEqual(['e OK Completed']);
    expect(await c.command('f', 'UNSUBSCRIBE Work/Old')).toEqual(['f OK Completed']);
    expect((await c.command('g', 'LSUB "" *')).some((l) => l.endsWith('"Work/Old"'))).toBe(false);
    const n = lab.store.messages('INBOX').length;
    expect((await c.command('h', 'STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)'))[0]).toMatch(new RegExp(`^\\* STATUS "INBOX" \\(MESSAGES ${n} RECENT 0 UIDNEXT \\d+ UIDVALIDITY \\d+ UNSEEN \\d+\\)$`));
    expect(await c.command('i', 'DELETE Work/Old')).toEqual(['i OK Completed']);
    expect(await c.command('j', 'DELETE INBOX')).toEqual(['j NO [CANNOT] INBOX cannot be deleted']);
    expect(await c.command('k', 'NAMESPACE')).toEqual(['* NAMESPACE (("" "/")) NIL NIL', 'k OK Completed']);
    c.close();
  });

  it('APPEND with a synchronizing literal, COPY, STORE, EXPUNGE, UID EXPUNGE, CLOSE, UNSELECT', async () => {
    const c = await session();
    await c.command('a0', 'CREATE Scratch');
    const msg = 'From: a@b.test\r\nSubject: appended\r\n\r\nhello\r\n';
    c.send(`a1 APPEND Scratch (\\Seen) "29-Nov-2026 10:00:00 +0100" {${msg.length}}\r\n`);
    expect(await c.line()).toBe('+ Ready for literal data');
    c.send(msg + '\r\n');
    expect((await c.response('a1')).at(-1)).toMatch(/^a1 OK \[APPENDUID \d+ 1\] Completed$/);
    expect((await c.command('a2', 'APPEND Nowhere {1+}\r\nx')).at(-1)).toBe('a2 NO [TRYCREATE] Mailbox does not exist');
    expect((await c.command('b', 'SELECT Scratch')).at(-1)).toBe('b OK [READ-WRITE] Completed');
    // The first session to select the mailbox has the appended message as \Recent (RFC 3501 §2.3.2).
    expect(await c.command('c', 'FETCH 1 (INTERNALDATE FLAGS)')).toEqual(['* 1 FETCH (INTERNALDATE "29-Nov-2026 09:00:00 +0000" FLAGS (\\Seen \\Recent))', 'c OK Completed']);
    expect((await c.command('d', 'COPY 1 Scratch')).at(-1)).toMatch(/^d OK \[COPYUID \d+ 1 2\] Completed$/);
    // Our own COPY into the selected mailbox is announced with EXISTS (before the tagged OK).
    expect(await c.command('e', 'NOOP')).toEqual(['e OK Completed']);
    expect(await c.command('f', 'STORE 1:2 +FLAGS (\\Deleted)')).toEqual(['* 1 FETCH (FLAGS (\\Deleted \\Seen \\Recent))', '* 2 FETCH (FLAGS (\\Deleted \\Seen \\Recent))', 'f OK Completed']);
    expect(await c.command('g', 'UID EXPUNGE 2')).toEqual(['* 2 EXPUNGE', 'g OK Completed']);
    expect(await c.command('h', 'STORE 1 -FLAGS.SILENT (\\Deleted)')).toEqual(['h OK Completed']);
    expect(await c.command('i', 'EXPUNGE')).toEqual(['i OK Completed']);
    expect(await c.command('j', 'UNSELECT')).toEqual(['j OK Completed']);
    expect(await c.command('k', 'CLOSE')).toEqual(['k BAD Please select a mailbox first']);
    await c.command('l2', 'SELECT Scratch');
    await c.command('m', 'STORE 1 +FLAGS (\\Deleted)');
    expect(await c.command('n', 'CLOSE')).toEqual(['n OK Completed']);
    expect(lab.store.messages('Scratch')).toHaveLength(0);
    c.close();
  });

  it('another session\'s APPEND and EXPUNGE reach a selected session at NOOP', async () => {
    await (await session()).command('x', 'CREATE Shared');
    const a = await session('Shared');
    const b = await session();
    await b.command('b1', 'APPEND Shared {10+}\r\nSubject: x');
    expect(await a.command('a1', 'NOOP')).toEqual(['* 1 EXISTS', '* 1 RECENT', 'a1 OK Completed']);
    await b.command('b2', 'SELECT Shared');
    await b.command('b3', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    await b.command('b4', 'EXPUNGE');
    // No EXPUNGE during FETCH (RFC 3501 §7.4.1), but at the next NOOP.
    const during = await a.command('a2', 'FETCH 1 (UID)');
    expect(during.some((l) => l.endsWith('EXPUNGE'))).toBe(false);
    expect(await a.command('a3', 'NOOP')).toEqual(['* 1 EXPUNGE', 'a3 OK Completed']);
    a.close();
    b.close();
  });

  it('another session\'s flag change is told once, and a held-back EXPUNGE waits through several FETCHes', async () => {
    await (await session()).command('x', 'CREATE Told');
    const b = await session();
    for (const s of ['one', 'two', 'three']) await b.command('b0', `APPEND Told {10+}\r\nSubject: ${s.slice(0, 1)}`);
    const a = await session('Told');
    await b.command('b1', 'SELECT Told');
    await b.command('b2', 'STORE 2 +FLAGS.SILENT (\\Flagged)');
    // Session a selected the mailbox first: its messages are \Recent to it (RFC 3501 §2.3.2).
    expect(await a.command('a1', 'NOOP')).toEqual(['* 2 FETCH (FLAGS (\\Flagged \\Recent))', 'a1 OK Completed']);
    expect(await a.command('a2', 'NOOP')).toEqual(['a2 OK Completed']);
    await b.command('b3', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    await b.command('b4', 'EXPUNGE');
    // The view keeps message 1 (RFC 3501 §7.4.1) through FETCH after FETCH: sequence numbers stay as the client knows them.
    expect(await a.command('a3', 'FETCH 3 (UID)')).toEqual(['* 3 FETCH (UID 3)', 'a3 OK Completed']);
    expect(await a.command('a4', 'FETCH 2:3 (UID)')).toEqual(['* 2 FETCH (UID 2)', '* 3 FETCH (UID 3)', 'a4 OK Completed']);
    expect(await a.command('a5', 'NOOP')).toEqual(['* 1 EXPUNGE', 'a5 OK Completed']);
    expect(await a.command('a6', 'FETCH 1:* (UID)')).toEqual(['* 1 FETCH (UID 2)', '* 2 FETCH (UID 3)', 'a6 OK Completed']);
    a.close();
    b.close();
  });

  it('ID becomes a device event; CAPABILITY, NOOP and LOGOUT work before login', async () => {
    const c = await RawClient.connect(port);
    await c.line();
    const conn = await connOf(lab, c);
    const id = await c.command('a', 'ID ("name" "Nokia6233" "vendor" "Nokia" "version" "05.10" "os" "S40")');
    expect(id[0]).toMatch(/^\* ID \("name" "Mailprobe" "version" "[^"]+"/);
    const dev = await waitForEvent(lab, (e) => e.kind === 'device' && e.conn === conn);
    expect(dev).toMatchObject({ device: { vendor: 'Nokia', model: 'Nokia6233', firmware: '05.10', platform: 'S40', source: 'imap.id' } });
    expect(await c.command('b', 'SELECT INBOX')).toEqual(['b BAD Please login first']);
    expect(await c.command('c', 'FROB')).toEqual(['c BAD Unrecognized command']);
    expect(await c.command('d', 'ID NIL')).toHaveLength(2);
    expect(await c.command('e', 'LOGOUT')).toEqual(['* BYE LOGOUT received', 'e OK Completed']);
    expect(await closeOf(lab, conn)).toMatchObject({ by: 'client', reason: 'LOGOUT' });
  });
});

describe('literals, pipelining and the record', () => {
  it('LOGIN with literals: the user name and password fragments are marked secret', async () => {
    const c = await RawClient.connect(port);
    await c.line();
    const conn = await connOf(lab, c);
    c.send(`a1 LOGIN {${TEST_USER.length}}\r\n`);
    expect(await c.line()).toBe('+ Ready for literal data');
    c.send(`${TEST_USER} {${TEST_PASSWORD.length}+}\r\n${TEST_PASSWORD}\r\n`);
    expect(await c.line()).toBe('a1 OK User logged in');
    const c2s = bytesOf(eventsOf(lab), conn, 'c2s');
    expect(c2s.map((e) => e.text)).toEqual([`a1 LOGIN {${TEST_USER.length}}\r\n`, TEST_USER, ` {${TEST_PASSWORD.length}+}\r\n`, TEST_PASSWORD, '\r\n']);
    expect(c2s[1].secrets).toEqual([[0, TEST_USER.length]]);
    expect(c2s[3].secrets).toEqual([[0, TEST_PASSWORD.length]]);
    expect(redactEvent(c2s[3])).toMatchObject({ text: REDACTED });
    c.close();
  });

  it('LOGIN on one line: each argument is a secret range, redacted on export', async () => {
    const c = await RawClient.connect(port);
    await c.line();
    const conn = await connOf(lab, c);
    await c.command('a1', `LOGIN "${TEST_USER}" ${TEST_PASSWORD}`);
    const line = bytesOf(eventsOf(lab), conn, 'c2s')[0];
    expect(line.secrets).toEqual([[9, 9 + TEST_USER.length + 2], [10 + TEST_USER.length + 2, 10 + TEST_USER.length + 2 + TEST_PASSWORD.length]]);
    expect(redactEvent(line)).toMatchObject({ text: `a1 LOGIN ${REDACTED} ${REDACTED}\r\n` });
    c.close();
  });

  it('AUTHENTICATE PLAIN with SASL-IR: the initial response is a secret; so are continuation lines', async () => {
    const c = await RawClient.connect(port);
    await c.line();
    const conn = await connOf(lab, c);
    const ir = Buffer.from(`\0${TEST_USER}\0${TEST_PASSWORD}`).toString('base64');
    expect(await c.command('a1', `AUTHENTICATE PLAIN ${ir}`)).toEqual(['a1 OK Success (no protection)']);
    const b = await RawClient.connect(port);
    await b.line();
    const conn2 = await connOf(lab, b);
    b.send('b1 AUTHENTICATE LOGIN\r\n');
    expect(await b.line()).toBe('+ ' + Buffer.from('Username:').toString('base64'));
    b.send(Buffer.from(TEST_USER).toString('base64') + '\r\n');
    await b.line();
    b.send(Buffer.from(TEST_PASSWORD).toString('base64') + '\r\n');
    expect(await b.line()).toBe('b1 OK Success (no protection)');
    const evs = eventsOf(lab);
    const first = bytesOf(evs, conn, 'c2s')[0];
    expect(first.secrets).toEqual([['a1 AUTHENTICATE PLAIN '.length, 'a1 AUTHENTICATE PLAIN '.length + ir.length]]);
    const cont = bytesOf(evs, conn2, 'c2s').slice(1);
    expect(cont.every((e) => e.secrets && e.secrets[0][0] === 0)).toBe(true);
    expect(evs.filter((e) => e.kind === 'auth' && (e.conn === conn || e.conn === conn2)).map((e) => e.kind === 'auth' && e.mechanism)).toEqual(['PLAIN', 'LOGIN']);
    // "*" cancels (RFC 3501 §6.2.2).
    const d = await RawClient.connect(port);
    await d.line();
    d.send('d1 AUTHENTICATE CRAM-MD5\r\n');
    await d.line();
    d.send('*\r\n');
    expect(await d.line()).toBe('d1 BAD AUTHENTICATE cancelled');
    c.close();
    b.close();
    d.close();
  });

  it('pipelined commands are answered in order, in one write, after their events', async () => {
    const c = await RawClient.connect(port);
    await c.line();
    const conn = await connOf(lab, c);
    // The Symbian pattern: SELECT sent before the LOGIN result (QUIRKS command-before-auth-result).
    c.send(`1 LOGIN ${TEST_USER} ${TEST_PASSWORD}\r\n2 SELECT INBOX\r\n3 FETCH 1 (UID)\r\n4 NOOP\r\n`);
    const lines = await c.response('4');
    const tagged = lines.filter((l) => /^\d /.test(l)).map((l) => l.split(' ').slice(0, 2).join(' '));
    expect(tagged).toEqual(['1 OK', '2 OK', '3 OK', '4 OK']);
    const evs = bytesOf(eventsOf(lab), conn, 'c2s').concat(bytesOf(eventsOf(lab), conn, 's2c')).sort((a, b) => a.seq - b.seq);
    // Wire order: all four commands arrived before the lab wrote any answer, so the record shows
    // them first (that is how the diagnosis sees SELECT sent before the LOGIN result), then one
    // response unit per command, in order.
    expect(evs.map((e) => e.kind)).toEqual(['s2c', 'c2s', 'c2s', 'c2s', 'c2s', 's2c', 's2c', 's2c', 's2c']);
    expect(evs.slice(5).map((e) => (e.text ?? '').split('\r\n').filter(Boolean).pop()!.split(' ').slice(0, 2).join(' '))).toEqual(['1 OK', '2 OK', '3 OK', '4 OK']);
    c.close();
  });

  it('an empty line in strict mode is answered, lenient mode ignores it; garbage tags are BAD', async () => {
    const c = await RawClient.connect(port);
    await c.line();
    c.send('\r\n');
    expect(await c.line()).toBe('* BAD Invalid tag');
    c.send('+ NOOP\r\n');
    expect(await c.line()).toBe('* BAD Invalid tag');
    expect(await c.command('x', '')).toEqual(['x BAD Null command']);
    c.close();
  });
});

describe('server options', () => {
  it('--mechanisms, LOGINDISABLED before TLS, the greeting text', async () => {
    const l = await startTestLab({ imapsPort: null, mechanisms: ['CRAM-MD5'], loginDisabledWithoutTls: true, greeting: 'yxa-iv Cyrus IMAP4 server ready' });
    try {
      const c = await RawClient.connect(l.listeners.imap!.port);
      const greeting = await c.line();
      expect(greeting).toMatch(/^\* OK \[CAPABILITY .*\] yxa-iv Cyrus IMAP4 server ready$/);
      const caps = (await c.command('a', 'CAPABILITY'))[0].split(' ');
      expect(caps).toContain('LOGINDISABLED');
      expect(caps.filter((x) => x.startsWith('AUTH='))).toEqual(['AUTH=CRAM-MD5']);
      expect(await c.command('b', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`)).toEqual(['b NO [PRIVACYREQUIRED] Login only after STARTTLS (LOGINDISABLED)']);
      expect(await c.command('c', 'AUTHENTICATE PLAIN')).toEqual(['c NO Unsupported authentication mechanism PLAIN']);
      c.close();
    } finally {
      await l.stop();
    }
  });

  it('stop() says BYE to connected clients and records lab.stop last', async () => {
    const l = await startTestLab({ imapsPort: null });
    const c = await RawClient.connect(l.listeners.imap!.port);
    await c.line();
    await l.stop('test over');
    expect(await c.closedByServer()).toBe('* BYE The lab is stopping\r\n');
    const evs = eventsOf(l);
    expect(evs.at(-1)).toMatchObject({ kind: 'lab.stop', reason: 'test over' });
    expect(evs.find((e) => e.kind === 'conn.close')).toMatchObject({ by: 'lab-stop' });
  });
});

describe('argument limits', () => {
  it('SEARCH nesting and ID field counts are bounded', async () => {
    const c = await session('INBOX');
    const deep = 'NOT '.repeat(MAX_SEARCH_DEPTH + 5) + 'ALL';
    expect(await c.command('a', `SEARCH ${deep}`)).toEqual(['a BAD Search too deeply nested']);
    expect((await c.command('b', `SEARCH ${'NOT '.repeat(4)}ALL`)).at(-1)).toBe('b OK Completed');
    const pairs = Array.from({ length: MAX_ID_FIELDS + 1 }, (_, i) => `"k${i}" "v"`).join(' ');
    expect(await c.command('c', `ID (${pairs})`)).toEqual(['c BAD ID takes field/value pairs']);
    c.close();
  });
});

describe('after the end', () => {
  it('bytes pipelined after LOGOUT are recorded, not executed', async () => {
    const c = await RawClient.connect(port);
    await c.line();
    const conn = await connOf(lab, c);
    c.send('a LOGOUT\r\nb CAPABILITY\r\n');
    expect(await c.closedByServer()).toBe('* BYE LOGOUT received\r\na OK Completed\r\n');
    await closeOf(lab, conn);
    const c2s = bytesOf(eventsOf(lab), conn, 'c2s').map((e) => e.text);
    expect(c2s).toEqual(['a LOGOUT\r\n', 'b CAPABILITY\r\n']);
    expect(eventsOf(lab).some((e) => e.kind === 'input.rejected' && e.conn === conn && e.what === 'data-after-close')).toBe(true);
  });
});
