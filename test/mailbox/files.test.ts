import { describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createSeededStore,
  loadMailStore,
  writeMaildir,
  writeMbox,
  MailboxFileError,
  MailStore,
  MAX_LOAD_MESSAGES,
  MAX_MBOX_FILE_BYTES,
  MAX_LOAD_MESSAGE_BYTES,
  type MailboxFileErrorCode,
} from '../../electron/lab/mailbox/index.js';
import { tempDir } from '../support/temp.js';

const tmp = () => tempDir('mp-mbox-');
const fileError = (fn: () => unknown): { code: MailboxFileErrorCode; message: string } | undefined => {
  try {
    fn();
  } catch (e) {
    if (e instanceof MailboxFileError) return { code: e.code, message: e.message };
    throw e;
  }
  return undefined;
};
const snapshot = (s: MailStore) =>
  s.list().map((i) => ({
    name: i.name,
    attributes: i.attributes,
    messages: s.messages(i.name).map((m) => ({ raw: m.raw.toString('base64'), flags: [...m.flags].sort(), date: m.internalDate.getTime() })),
  }));

describe('Maildir', () => {
  it('round-trips the seeded store: same mailboxes, bytes, flags and internal dates', () => {
    const store = createSeededStore();
    const dir = join(tmp(), 'Maildir');
    writeMaildir(store, dir);
    const loaded = loadMailStore(dir);
    expect(snapshot(loaded)).toEqual(snapshot(store));
    expect(loaded.info('Sent')!.attributes).toContain('\\Sent');
  });

  it('writes the layout Dovecot reads: cur/new/tmp, :2, flags, Maildir++ folders, subscriptions', () => {
    const store = createSeededStore();
    store.create('Archive/2026');
    store.setSubscribed('Archive/2026', true);
    store.copy('INBOX', [1], 'Archive/2026');
    const dir = join(tmp(), 'Maildir');
    writeMaildir(store, dir);
    expect(readdirSync(dir).sort()).toEqual(['.Archive', '.Archive.2026', '.Drafts', '.Sent', '.Trash', 'cur', 'new', 'subscriptions', 'tmp']);
    const cur = readdirSync(join(dir, 'cur')).sort();
    expect(cur).toHaveLength(store.messages('INBOX').length);
    expect(cur.every((n) => /^\d+\.M\d+P\d+\.mailprobe,S=\d+,W=\d+:2,[DFRST]*$/.test(n))).toBe(true);
    expect(cur.filter((n) => n.endsWith(':2,F'))).toHaveLength(1);
    expect(readdirSync(join(dir, '.Drafts', 'cur'))[0]).toMatch(/:2,DS$/);
    expect(statSync(join(dir, '.Archive.2026', 'maildirfolder')).isFile()).toBe(true);
    const subscriptions = readFileSync(join(dir, 'subscriptions'), 'utf8').split('\n');
    expect(subscriptions).toEqual(expect.arrayContaining(['Sent', 'Archive.2026']));
    expect(subscriptions).not.toContain('Archive'); // created as a parent, never subscribed
    const first = store.messages('INBOX')[0]!;
    const file = join(dir, 'cur', cur.find((n) => n.includes(`.M${first.uid}P`))!);
    expect(statSync(file).mtime.getTime()).toBe(first.internalDate.getTime());
    expect(readFileSync(file).equals(first.raw)).toBe(true);
    expect(loadMailStore(dir).messages('Archive/2026')).toHaveLength(1);
  });

  it('reads a hand-made Maildir: new/ and cur/, LF endings, flags, nested folders, Dovecot files ignored', () => {
    const dir = tmp();
    for (const sub of ['cur', 'new', 'tmp', '.Archive.2024/cur', '.Archive.2024/new', '.Junk/cur', '.Junk/new']) mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, 'new', '1700000300.M1.host'), 'Subject: new one\n\nunread\n');
    writeFileSync(join(dir, 'cur', '1700000100.M2.host:2,FRST'), 'Subject: old one\n\nread\n');
    writeFileSync(join(dir, 'cur', '1700000200.M3.host:2,'), 'Subject: middle\r\n\r\nplain\r\n');
    writeFileSync(join(dir, 'tmp', '1700000400.M4.host'), 'Subject: half-delivered\n\n');
    writeFileSync(join(dir, 'dovecot-uidlist'), '3 V1 N4\n');
    writeFileSync(join(dir, 'dovecot.index.log'), 'binary');
    writeFileSync(join(dir, '.Archive.2024', 'cur', '1600000000.M9.host:2,S'), 'Subject: archived\n\nx\n');
    utimesSync(join(dir, 'cur', '1700000100.M2.host:2,FRST'), new Date('2023-11-14T22:15:00Z'), new Date('2023-11-14T22:15:00Z'));
    const s = loadMailStore(dir);
    expect(s.list().map((i) => i.name)).toEqual(['INBOX', 'Archive', 'Archive/2024', 'Junk']);
    expect(s.info('Junk')!.attributes).toContain('\\Junk');
    const inbox = s.messages('INBOX');
    expect(inbox.map((m) => m.envelope.subject)).toEqual(['old one', 'middle', 'new one']);
    expect([...inbox[0]!.flags].sort()).toEqual(['\\Answered', '\\Deleted', '\\Flagged', '\\Seen']);
    expect(inbox[0]!.raw.toString()).toBe('Subject: old one\r\n\r\nread\r\n');
    expect(inbox[0]!.internalDate.toISOString()).toBe('2023-11-14T22:15:00.000Z');
    expect([...inbox[2]!.flags]).toEqual([]);
    expect(s.messages('Archive/2024')[0]!.flags.has('\\Seen')).toBe(true);
    // The folders that were there are subscribed, for phones that list only subscriptions (LSUB).
    expect(s.subscriptions().sort()).toEqual(['Archive/2024', 'INBOX', 'Junk']);
  });

  it('writes only into a new or empty directory', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'keep.txt'), 'x');
    expect(fileError(() => writeMaildir(createSeededStore(), dir))).toMatchObject({ code: 'not-empty' });
  });
});

describe('mbox', () => {
  it('reads mboxrd: From_ separators, >From unquoting, LF to CRLF, Status/X-Status flags, From_ dates', () => {
    const file = join(tmp(), 'inbox.mbox');
    writeFileSync(
      file,
      [
        'From alice@example.com Tue Nov 24 10:00:00 2026',
        'From: alice@example.com',
        'Subject: first',
        'Status: RO',
        'X-Status: AF',
        '',
        'Hello,',
        '>From the start of a line',
        '>>From twice quoted',
        'From inside a paragraph is not a separator',
        '',
        'From bob@example.com Wed Nov 25 11:30:15 2026',
        'From: bob@example.com',
        'Subject: second',
        '',
        'Bye.',
        '',
      ].join('\n'),
    );
    const s = loadMailStore(file);
    const [a, b] = s.messages('INBOX');
    expect(s.messages('INBOX')).toHaveLength(2);
    expect(a!.raw.toString()).toBe(
      'From: alice@example.com\r\nSubject: first\r\nStatus: RO\r\nX-Status: AF\r\n\r\nHello,\r\nFrom the start of a line\r\n>From twice quoted\r\nFrom inside a paragraph is not a separator\r\n',
    );
    expect([...a!.flags].sort()).toEqual(['\\Answered', '\\Flagged', '\\Seen']);
    expect(a!.internalDate.toISOString()).toBe('2026-11-24T10:00:00.000Z');
    expect(b!.raw.toString()).toBe('From: bob@example.com\r\nSubject: second\r\n\r\nBye.\r\n');
    expect(b!.flags.size).toBe(0);
  });

  it('round-trips the seeded INBOX through writeMbox (bytes and dates)', () => {
    const store = createSeededStore();
    const evil = Buffer.from('Subject: tricky\r\n\r\nline\r\n\r\nFrom here on\r\n>From quoted\r\n');
    store.append('INBOX', evil, [], new Date('2026-11-20T08:00:00Z'));
    const file = join(tmp(), 'seed.mbox');
    writeMbox(store, file);
    expect(readFileSync(file, 'latin1')).toContain('\n>From here on\n>>From quoted\n');
    const loaded = loadMailStore(file);
    const want = store.messages('INBOX').map((m) => [m.raw.toString('base64'), Math.floor(m.internalDate.getTime() / 1000)]);
    expect(loaded.messages('INBOX').map((m) => [m.raw.toString('base64'), Math.floor(m.internalDate.getTime() / 1000)])).toEqual(want);
  });

  it('accepts an empty file as an empty mailbox', () => {
    const file = join(tmp(), 'empty.mbox');
    writeFileSync(file, '');
    expect(loadMailStore(file).messages('INBOX')).toHaveLength(0);
  });
});

describe('loader errors name the path', () => {
  it('for a missing path, a file that is no mbox, a directory that is no Maildir', () => {
    const dir = tmp();
    const missing = join(dir, 'nope');
    expect(fileError(() => loadMailStore(missing))).toEqual({ code: 'not-found', message: expect.stringContaining(missing) });
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'Dear diary\n');
    expect(fileError(() => loadMailStore(text))).toEqual({ code: 'not-a-mailbox', message: expect.stringContaining(text) });
    expect(fileError(() => loadMailStore(dir))).toEqual({ code: 'not-a-mailbox', message: expect.stringContaining(dir) });
  });

  it('for more messages than maxMessages and messages over maxMessageBytes', () => {
    const dir = join(tmp(), 'Maildir');
    writeMaildir(createSeededStore(), dir);
    expect(fileError(() => loadMailStore(dir, { maxMessages: 5 }))).toMatchObject({ code: 'too-many' });
    expect(fileError(() => loadMailStore(dir, { maxMessageBytes: 10_000 }))).toMatchObject({ code: 'too-big', message: expect.stringContaining(dir) });
    const file = join(tmp(), 'big.mbox');
    writeMbox(createSeededStore(), file);
    expect(fileError(() => loadMailStore(file, { maxMessageBytes: 10_000 }))).toMatchObject({ code: 'too-big', message: expect.stringContaining(file) });
    expect(fileError(() => loadMailStore(file, { maxFileBytes: 1000 }))).toMatchObject({ code: 'too-big', message: expect.stringContaining(file) });
    expect([MAX_LOAD_MESSAGES, MAX_MBOX_FILE_BYTES, MAX_LOAD_MESSAGE_BYTES]).toEqual([20_000, 1024 ** 3, 50 * 1024 ** 2]);
  });
});
