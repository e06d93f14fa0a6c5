import { describe, expect, it } from 'vitest';
import { MailStore, MemoryBody, StoreError, MAX_KEYWORDS_PER_MAILBOX, MAX_MAILBOXES, MAX_SUBSCRIPTIONS, MAX_MAILBOX_NAME_BYTES, MAX_MESSAGE_BYTES, MAX_SHARED_FLAG_SETS, type MailboxChange, type StoreErrorCode } from '../../electron/lab/mailbox/index.js';

const msg = (subject: string) => Buffer.from(`From: a@example.com\r\nSubject: ${subject}\r\n\r\nbody ${subject}\r\n`);
const code = (fn: () => unknown): StoreErrorCode | undefined => {
  try {
    fn();
  } catch (e) {
    if (e instanceof StoreError) return e.code;
    throw e;
  }
  return undefined;
};

describe('MailStore', () => {
  it('starts with INBOX, Drafts, Sent, Trash; INBOX is case-insensitive', () => {
    const s = new MailStore({ uidValidity: 1000 });
    expect(s.list().map((i) => i.name)).toEqual(['INBOX', 'Drafts', 'Sent', 'Trash']);
    expect(s.delimiter).toBe('/');
    expect(s.info('inbox')!.name).toBe('INBOX');
    expect(s.info('InBoX')!.uidValidity).toBe(1000);
    s.append('iNbOx', msg('one'));
    expect(s.messages('INBOX')).toHaveLength(1);
    expect(s.info('Sent')!.attributes).toContain('\\Sent');
    expect(s.info('sent')).toBeUndefined(); // only INBOX is case-insensitive
  });

  it('gives UIDs that only grow, keeps UIDVALIDITY, and tells listeners about appends, flags and expunges', () => {
    const s = new MailStore({ uidValidity: 42 });
    const changes: MailboxChange[] = [];
    const off = s.onChange((c) => changes.push(c));
    expect([s.append('INBOX', msg('a'), ['\\Seen', '\\Recent']), s.append('INBOX', msg('b')), s.append('INBOX', msg('c'))]).toEqual([1, 2, 3]);
    expect([...s.messages('INBOX')[0]!.flags]).toEqual(['\\Seen']);
    expect(s.setFlags('INBOX', [2, 3, 99], 'add', ['\\Deleted']).map((m) => m.uid)).toEqual([2, 3]);
    expect(s.setFlags('INBOX', [2], 'add', ['\\Deleted'])).toEqual([]); // no change, no event
    expect(s.expunge('INBOX', [3])).toEqual([3]);
    expect(s.expunge('INBOX')).toEqual([2]);
    expect(s.append('INBOX', msg('d'))).toBe(4);
    expect(s.info('INBOX')).toMatchObject({ uidValidity: 42, uidNext: 5 });
    expect(changes).toEqual([
      { type: 'exists', mailbox: 'INBOX', count: 1 },
      { type: 'exists', mailbox: 'INBOX', count: 2 },
      { type: 'exists', mailbox: 'INBOX', count: 3 },
      { type: 'flags', mailbox: 'INBOX', uid: 2, flags: ['\\Deleted'] },
      { type: 'flags', mailbox: 'INBOX', uid: 3, flags: ['\\Deleted'] },
      { type: 'expunge', mailbox: 'INBOX', uid: 3 },
      { type: 'expunge', mailbox: 'INBOX', uid: 2 },
      { type: 'exists', mailbox: 'INBOX', count: 2 },
    ]);
    off();
    s.append('INBOX', msg('e'));
    expect(changes).toHaveLength(8);
  });

  it('replaces, adds and removes flags, keywords included', () => {
    const s = new MailStore();
    s.append('INBOX', msg('a'), ['\\Seen']);
    s.setFlags('INBOX', [1], 'add', ['\\Flagged', '$Forwarded']);
    expect([...s.messages('INBOX')[0]!.flags].sort()).toEqual(['$Forwarded', '\\Flagged', '\\Seen']);
    s.setFlags('INBOX', [1], 'remove', ['\\Seen']);
    s.setFlags('INBOX', [1], 'replace', ['\\Answered', '\\Recent']);
    expect([...s.messages('INBOX')[0]!.flags]).toEqual(['\\Answered']);
  });

  it('a listener that throws does not break the store', () => {
    const s = new MailStore();
    s.onChange(() => {
      throw new Error('session gone');
    });
    expect(s.append('INBOX', msg('a'))).toBe(1);
  });

  it('copies with flags and internal date, returning the UID pairs (UIDPLUS COPYUID)', () => {
    const s = new MailStore();
    const d = new Date('2026-01-02T03:04:05Z');
    s.append('INBOX', msg('a'), ['\\Seen'], d);
    s.append('INBOX', msg('b'));
    s.append('Trash', msg('old'));
    expect(s.copy('INBOX', [1, 2, 7], 'Trash')).toEqual([
      [1, 2],
      [2, 3],
    ]);
    const copied = s.messages('Trash')[1]!;
    expect([...copied.flags]).toEqual(['\\Seen']);
    expect(copied.internalDate).toEqual(d);
    expect(copied.raw.equals(msg('a'))).toBe(true);
    // the copy is its own message: flagging it leaves the original alone
    s.setFlags('Trash', [2], 'add', ['\\Deleted']);
    expect(s.messages('INBOX')[0]!.flags.has('\\Deleted')).toBe(false);
    expect(code(() => s.copy('INBOX', [1], 'Nowhere'))).toBe('nonexistent');
  });

  it('creates (with parents), renames (with children), deletes, with typed errors', () => {
    const s = new MailStore();
    s.create('Projects/2026/Phones');
    expect(s.list().map((i) => i.name)).toEqual(expect.arrayContaining(['Projects', 'Projects/2026', 'Projects/2026/Phones']));
    expect(s.info('Projects')!.attributes).toContain('\\HasChildren');
    expect(s.info('Projects/2026/Phones')!.attributes).toContain('\\HasNoChildren');
    s.create('Archive/');
    expect(s.info('Archive')).toBeDefined();
    expect(code(() => s.create('Archive'))).toBe('already-exists');
    expect(code(() => s.create('inbox'))).toBe('already-exists');
    for (const bad of ['', '/x', 'a//b', 'a%', 'b*', 'x\u0001', 'n'.repeat(MAX_MAILBOX_NAME_BYTES + 1)]) expect(code(() => s.create(bad))).toBe('invalid-name');
    s.append('Projects/2026/Phones', msg('p'));
    const uv = s.info('Projects/2026/Phones')!.uidValidity;
    s.rename('Projects', 'Work/Old');
    expect(s.info('Projects')).toBeUndefined();
    expect(s.info('Work/Old/2026/Phones')).toMatchObject({ uidValidity: uv, uidNext: 2 });
    expect(s.messages('Work/Old/2026/Phones')).toHaveLength(1);
    expect(code(() => s.rename('Work', 'Work/Inside'))).toBe('invalid-name');
    expect(code(() => s.rename('Nope', 'X'))).toBe('nonexistent');
    expect(code(() => s.rename('Archive', 'Sent'))).toBe('already-exists');
    expect(code(() => s.delete('Work'))).toBe('has-children');
    expect(code(() => s.delete('INBOX'))).toBe('cannot-delete-inbox');
    expect(code(() => s.delete('inbox'))).toBe('cannot-delete-inbox');
    expect(code(() => s.delete('Nope'))).toBe('nonexistent');
    expect(code(() => s.messages('Nope'))).toBe('nonexistent');
    expect(code(() => s.append('Nope', msg('x')))).toBe('nonexistent');
    s.delete('Archive');
    expect(s.info('Archive')).toBeUndefined();
    // a name used again gets a new UIDVALIDITY (RFC 3501 §2.3.1.1)
    const before = s.list().map((i) => i.uidValidity);
    s.create('Archive');
    expect(before).not.toContain(s.info('Archive')!.uidValidity);
  });

  it('renaming INBOX moves its messages and leaves INBOX empty (RFC 3501 §6.3.5)', () => {
    const s = new MailStore();
    s.append('INBOX', msg('a'), ['\\Seen']);
    s.append('INBOX', msg('b'));
    const changes: MailboxChange[] = [];
    s.onChange((c) => changes.push(c));
    s.rename('INBOX', 'Old Inbox');
    expect(s.messages('INBOX')).toHaveLength(0);
    expect(s.messages('Old Inbox').map((m) => m.uid)).toEqual([1, 2]);
    expect(s.info('INBOX')!.uidNext).toBe(3);
    expect(changes.filter((c) => c.type === 'expunge')).toHaveLength(2);
  });

  it(`holds at most MAX_MAILBOXES (${MAX_MAILBOXES}) mailboxes`, () => {
    const s = new MailStore();
    for (let i = s.list().length; i < MAX_MAILBOXES; i++) s.create(`Box ${i}`);
    expect(code(() => s.create('One too many'))).toBe('invalid-name');
    expect(s.list()).toHaveLength(MAX_MAILBOXES);
  });

  it('subscribes and unsubscribes; CREATE subscribes nothing; a subscription outlives its mailbox', () => {
    const s = new MailStore();
    expect(s.subscriptions()).toEqual(['INBOX', 'Drafts', 'Sent', 'Trash']);
    s.setSubscribed('Trash', false);
    expect(s.info('Trash')!.subscribed).toBe(false);
    expect(code(() => s.setSubscribed('Nope', true))).toBe('nonexistent');
    s.create('a/b');
    expect(s.info('a')!.subscribed).toBe(false);
    expect(s.info('a/b')!.subscribed).toBe(false);
    s.setSubscribed('a/b', true);
    s.delete('a/b');
    expect(s.subscriptions()).toContain('a/b');
    s.setSubscribed('a/b', false); // unsubscribing works without the mailbox
    s.setSubscribed('never-existed', false);
    expect(s.subscriptions()).toEqual(['INBOX', 'Drafts', 'Sent']);
  });

  it(`keeps at most MAX_SUBSCRIPTIONS (${MAX_SUBSCRIPTIONS}) subscriptions, deleted mailboxes' included`, () => {
    const s = new MailStore();
    for (let i = s.list().length; i < MAX_SUBSCRIPTIONS; i++) {
      s.create(`Box ${i}`);
      s.setSubscribed(`Box ${i}`, true);
    }
    s.delete('Box 10');
    s.create('Latecomer');
    expect(code(() => s.setSubscribed('Latecomer', true))).toBe('invalid-name');
    s.setSubscribed('Box 10', false);
    s.setSubscribed('Latecomer', true);
    expect(s.subscriptions()).toHaveLength(MAX_SUBSCRIPTIONS);
  });

  it('hands out \\Recent once: a claim takes every unclaimed UID, a look does not', () => {
    const s = new MailStore();
    s.append('INBOX', msg('a'));
    s.append('INBOX', msg('b'));
    expect(s.recent('INBOX', false)).toEqual([1, 2]);
    expect(s.recent('INBOX', true)).toEqual([1, 2]);
    expect(s.recent('INBOX', true)).toEqual([]);
    s.append('INBOX', msg('c'));
    s.copy('INBOX', [1], 'INBOX');
    expect(s.recent('INBOX', false)).toEqual([3, 4]);
    s.setFlags('INBOX', [3], 'add', ['\\Deleted']);
    s.expunge('INBOX');
    expect(s.recent('INBOX', true)).toEqual([4]);
  });

  it(`defines keywords per mailbox, keeps them when unused, and refuses more than MAX_KEYWORDS_PER_MAILBOX (${MAX_KEYWORDS_PER_MAILBOX})`, () => {
    const s = new MailStore();
    s.append('INBOX', msg('a'), ['\\Seen', '$Forwarded']);
    s.setFlags('INBOX', [1], 'add', ['Work']);
    s.setFlags('INBOX', [1], 'remove', ['Work', '$Forwarded']);
    expect(s.keywords('INBOX')).toEqual(['$Forwarded', 'Work']);
    s.copy('INBOX', [1], 'Sent');
    expect(s.keywords('Sent')).toEqual([]);
    s.setFlags('INBOX', [1], 'add', ['Copied']);
    s.copy('INBOX', [1], 'Sent');
    expect(s.keywords('Sent')).toEqual(['Copied']);
    const many = Array.from({ length: MAX_KEYWORDS_PER_MAILBOX - 3 }, (_, i) => `k${i}`);
    s.setFlags('INBOX', [1], 'add', many);
    expect(s.keywords('INBOX')).toHaveLength(MAX_KEYWORDS_PER_MAILBOX);
    expect(code(() => s.setFlags('INBOX', [1], 'add', ['one-more']))).toBe('too-many-keywords');
    expect(code(() => s.append('INBOX', msg('b'), ['one-more']))).toBe('too-many-keywords');
    expect(s.messages('INBOX')).toHaveLength(1);
    expect(s.messages('INBOX')[0]!.flags.has('one-more')).toBe(false);
  });

  it(`refuses messages over the size limit (default ${MAX_MESSAGE_BYTES} bytes) as too-big`, () => {
    const s = new MailStore({ maxMessageBytes: 100 });
    expect(code(() => s.append('INBOX', Buffer.alloc(101, 0x41)))).toBe('too-big');
    expect(s.append('INBOX', Buffer.alloc(100, 0x41))).toBe(1);
    expect(MAX_MESSAGE_BYTES).toBe(50 * 1024 * 1024);
  });

  it('parses MIME and envelope lazily, once', () => {
    const s = new MailStore();
    s.append('INBOX', msg('lazy'));
    const m = s.messages('INBOX')[0]!;
    expect(m.mime).toBe(m.mime);
    expect(m.envelope).toBe(m.envelope);
    expect(m.envelope.subject).toBe('lazy');
  });
});

describe('memory held by appended messages', () => {
  it('keeps its own copy of a message that arrived as a slice of a larger buffer', () => {
    const store = new MailStore();
    const chunk = Buffer.alloc(1024 * 1024, 0x41); // a socket chunk with other commands around the literal
    const msg = Buffer.from('Subject: hi\r\n\r\nbody\r\n');
    msg.copy(chunk, 1000);
    const uid = store.append('INBOX', chunk.subarray(1000, 1000 + msg.length));
    const stored = store.messages('INBOX').find((m) => m.uid === uid)!;
    expect(stored.raw.equals(msg)).toBe(true);
    expect(stored.raw.buffer.byteLength).toBeLessThan(64 * 1024); // the 1 MiB chunk is not kept alive
  });
});

describe('flags of many messages', () => {
  it('messages with the same flags share one set; STORE gives a message its own without touching the others', () => {
    const s = new MailStore({ uidValidity: 7 });
    for (let i = 0; i < 5; i++) s.append('INBOX', msg(`m${i}`), ['\\Seen']);
    const [a, b, c] = s.messages('INBOX');
    expect(a!.flags).toBe(b!.flags);
    s.setFlags('INBOX', [b!.uid], 'add', ['\\Flagged']);
    s.setFlags('INBOX', [c!.uid], 'remove', ['\\Seen']);
    const after = s.messages('INBOX');
    expect(after.map((m) => [...m.flags])).toEqual([['\\Seen'], ['\\Seen', '\\Flagged'], [], ['\\Seen'], ['\\Seen']]);
    // COPY keeps the flags, and the copy's are as unchangeable by the original's STORE.
    s.copy('INBOX', [a!.uid], 'Drafts');
    s.setFlags('INBOX', [a!.uid], 'replace', ['\\Answered']);
    expect([...s.messages('Drafts')[0]!.flags]).toEqual(['\\Seen']);
    expect([...s.messages('INBOX')[0]!.flags]).toEqual(['\\Answered']);
  });

  it('gives messages loaded with one flag array one set, and the new flags once that array is changed', () => {
    const s = new MailStore({ uidValidity: 9, defaultMailboxes: false });
    const flags = ['\\Seen'];
    s.load('INBOX', new MemoryBody(msg('a')), flags, new Date(0));
    s.load('INBOX', new MemoryBody(msg('b')), flags, new Date(0));
    flags.push('\\Flagged');
    s.load('INBOX', new MemoryBody(msg('c')), flags, new Date(0));
    const [a, b, c] = s.messages('INBOX');
    expect(a!.flags).toBe(b!.flags);
    expect([...a!.flags]).toEqual(['\\Seen']);
    expect([...c!.flags].sort()).toEqual(['\\Flagged', '\\Seen']);
  });

  it(`shares at most ${MAX_SHARED_FLAG_SETS} distinct flag sets; past that each message has its own, with the right flags`, () => {
    const s = new MailStore({ uidValidity: 8, defaultMailboxes: false });
    // Pairs of 100 keywords: 4950 distinct combinations, more than the limit.
    const words = Array.from({ length: 100 }, (_, i) => `k${i}`);
    const pairs: string[][] = [];
    for (let i = 0; i < words.length; i++) for (let j = i + 1; j < words.length; j++) pairs.push([words[i]!, words[j]!]);
    expect(pairs.length).toBeGreaterThan(MAX_SHARED_FLAG_SETS);
    for (const p of pairs) s.append('INBOX', msg(p.join('+')), p);
    const last = pairs.at(-1)!;
    s.append('INBOX', msg('again'), last);
    const msgs = s.messages('INBOX');
    expect(msgs.map((m) => [...m.flags])).toEqual([...pairs, last]);
    expect(msgs.at(-1)!.flags).not.toBe(msgs.at(-2)!.flags);
  });
});
