import { describe, expect, it, vi } from 'vitest';
import { mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BODY_CHUNK_BYTES,
  createSeededStore,
  FileBody,
  loadMailStore,
  MailboxFileError,
  MailStore,
  MAX_PARSED_DISK_MESSAGES,
  MeasuredOnDemandBody,
  parsedDiskMessages,
  openMailStore,
  ServedLines,
  STREAM_READ_BYTES,
  writeMaildir,
  writeMbox,
  type IndexingProgress,
} from '../../electron/lab/mailbox/index.js';
import { groupedDigits, indexingText } from '../../electron/api.js';
import type { BodyTransform } from '../../electron/lab/mailbox/body.js';
import { MAILDIR_READ_AHEAD_MAX_AGE_MS, readMaildirAhead, takeMaildirReadAhead } from '../../electron/lab/mailbox/maildir-readahead.js';
import { tempDir } from '../support/temp.js';

const tmp = () => tempDir('mp-disk-');

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

/** Every way the disk store gives out a message's bytes, checked against the in-memory loader's bytes. */
async function expectSameStores(memory: MailStore, disk: MailStore) {
  expect(disk.list().map((i) => i.name)).toEqual(memory.list().map((i) => i.name));
  for (const info of memory.list()) {
    const want = memory.messages(info.name);
    const got = disk.messages(info.name);
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) {
      const w = want[i]!;
      const g = got[i]!;
      expect(g.body.memory).toBeNull();
      expect(g.size).toBe(w.raw.length);
      expect(g.body.readSync(0, g.size).equals(w.raw)).toBe(true);
      expect((await collect(g.body.chunks(0, g.size))).equals(w.raw)).toBe(true);
      // A range in the middle, as BODY[]<partial> asks for it.
      const a = Math.floor(g.size / 3);
      const b = Math.floor((2 * g.size) / 3) + 1;
      expect((await collect(g.body.chunks(a, b))).equals(w.raw.subarray(a, b))).toBe(true);
      expect(g.header.equals(w.raw.subarray(0, w.mime.bodyStart))).toBe(true);
      expect(g.envelope).toEqual(w.envelope);
      expect([...g.flags].sort()).toEqual([...w.flags].sort());
      expect(g.internalDate.getTime()).toBe(w.internalDate.getTime());
      expect(disk.section(g, { path: [1] }).equals(memory.section(w, { path: [1] }))).toBe(true);
      expect(disk.section(g, { path: [], text: 'HEADER.FIELDS', fields: ['Subject', 'From'] }).equals(memory.section(w, { path: [], text: 'HEADER.FIELDS', fields: ['Subject', 'From'] }))).toBe(true);
    }
  }
}

const tricky = [
  'From a@example.org Tue Nov 24 10:00:00 2026\n',
  'Status: RO\nX-Status: AF\nSubject: first\nFrom: A <a@example.org>\n\nbody line\n>From the quoted line\n>>From twice quoted\n> From not quoted\n\n',
  'From b@example.org Wed Nov 25 11:00:00 2026\r\n',
  'Subject: crlf\r\nFrom: b@example.org\r\n\r\nline\r\n>From quoted with crlf\r\nlone \r cr\r\n\r\n',
  'From c@example.org Thu Nov 26 12:00:00 2026\n',
  'Subject: mixed\r\n\nbody\nFrom inside a paragraph is not a separator\n\n\n',
  'From d@example.org Fri Nov 27 13:00:00 2026\n',
  '\n',
  'From e@example.org Sat Nov 28 14:00:00 2026\n',
  'Subject: last, no final newline\n\nends here',
].join('');

describe('disk store: mbox', () => {
  it('serves exactly the bytes, sizes, flags and dates the in-memory loader gives (LF, CRLF, quoted From, no final newline)', async () => {
    const file = join(tmp(), 'tricky.mbox');
    writeFileSync(file, tricky);
    const disk = await openMailStore(file, { uidValidity: 1 });
    await expectSameStores(loadMailStore(file, { uidValidity: 1 }), disk);
    expect(disk.messages('INBOX').length).toBe(5);
  });

  it('serves the seeded corpus written as an mbox the same way, chunk boundaries included', async () => {
    const file = join(tmp(), 'seed.mbox');
    const seeded = createSeededStore();
    writeMbox(seeded, file);
    const disk = await openMailStore(file, { uidValidity: 1 });
    await expectSameStores(loadMailStore(file, { uidValidity: 1 }), disk);
  });

  it('converts the same across any chunk boundary (a quoted From line cut anywhere)', () => {
    const data = Buffer.from('a\n>>From x\r\n>From y\n>Fro\n>\n>>>\n', 'latin1');
    const whole = new ServedLines(true);
    const want = Buffer.concat([whole.push(data), whole.end()]);
    expect(want.toString('latin1')).toBe('a\r\n>From x\r\nFrom y\r\n>Fro\r\n>\r\n>>>\r\n');
    for (let cut = 0; cut <= data.length; cut++) {
      for (let cut2 = cut; cut2 <= data.length; cut2 += 3) {
        const c = new ServedLines(true);
        const got = Buffer.concat([c.push(data.subarray(0, cut)), c.push(data.subarray(cut, cut2)), c.push(data.subarray(cut2)), c.end()]);
        expect(got.toString('latin1')).toBe(want.toString('latin1'));
      }
    }
  });

  it('streams a message bigger than one chunk in bounded chunks, with its LF converted', async () => {
    const file = join(tmp(), 'big.mbox');
    const line = 'x'.repeat(75) + '\n';
    const body = line.repeat(Math.ceil((BODY_CHUNK_BYTES * 5) / line.length));
    writeFileSync(file, `From a Tue Nov 24 10:00:00 2026\nSubject: big\n\n${body}`);
    const disk = await openMailStore(file);
    const m = disk.messages('INBOX')[0]!;
    expect(m.size).toBe(Buffer.byteLength(`Subject: big\r\n\r\n${body.replace(/\n/g, '\r\n')}`));
    let largest = 0;
    let total = 0;
    for await (const c of m.body.chunks(0, m.size)) {
      largest = Math.max(largest, c.length);
      total += c.length;
    }
    expect(total).toBe(m.size);
    // A chunk of LF lines grows by its CRs only.
    expect(largest).toBeLessThanOrEqual(STREAM_READ_BYTES * 2);
    expect(m.body instanceof FileBody && m.body.transform).toBe('mbox');
  });

  it(`keeps parsed envelopes of at most ${MAX_PARSED_DISK_MESSAGES} messages; an evicted one is parsed again, the same`, async () => {
    const file = join(tmp(), 'many.mbox');
    const n = MAX_PARSED_DISK_MESSAGES + 50;
    const parts: string[] = [];
    for (let i = 1; i <= n; i++) parts.push(`From a Tue Nov 24 10:00:00 2026\nSubject: message ${i}\nFrom: x${i}@example.org\n\nbody ${i}\n\n`);
    writeFileSync(file, parts.join(''));
    const disk = await openMailStore(file);
    const msgs = disk.messages('INBOX');
    expect(msgs).toHaveLength(n);
    for (const m of msgs) expect(m.envelope.subject).toMatch(/^message /);
    expect(parsedDiskMessages.size).toBeLessThanOrEqual(MAX_PARSED_DISK_MESSAGES);
    expect(msgs[0]!.envelope.subject).toBe('message 1');
    expect(msgs[n - 1]!.envelope.subject).toBe(`message ${n}`);
  });

  it('reports indexing progress, ending with done', async () => {
    const file = join(tmp(), 'p.mbox');
    writeFileSync(file, tricky);
    const seen: IndexingProgress[] = [];
    await openMailStore(file, { onProgress: (p) => seen.push({ ...p }) });
    const last = seen[seen.length - 1]!;
    expect(last).toMatchObject({ path: file, done: true, messages: 5, bytesDone: Buffer.byteLength(tricky), bytesTotal: Buffer.byteLength(tricky) });
  });

  it('refuses a file that is not an mbox, naming it', async () => {
    const file = join(tmp(), 'not.mbox');
    writeFileSync(file, 'hello\n');
    await expect(openMailStore(file)).rejects.toBeInstanceOf(MailboxFileError);
  });
});

describe('disk store: Maildir', () => {
  it('serves the same as the in-memory loader, flags from the :2, suffix, LF files converted', async () => {
    const dir = join(tmp(), 'Maildir');
    writeMaildir(createSeededStore(), dir);
    // A message with LF line ends in new/ (flags there are ignored, as the loader ignores them).
    writeFileSync(join(dir, 'new', '1900000000.M1P1.host:2,S'), 'Subject: lf\nFrom: x@example.org\n\nline one\nline two\n');
    mkdirSync(join(dir, '.Archive', 'cur'), { recursive: true });
    mkdirSync(join(dir, '.Archive', 'new'), { recursive: true });
    writeFileSync(join(dir, '.Archive', 'cur', '1700000000.M2P2.host:2,FS'), 'Subject: archived\r\n\r\nbody\r\n');
    const memory = loadMailStore(dir, { uidValidity: 1 });
    const disk = await openMailStore(dir, { uidValidity: 1 });
    await expectSameStores(memory, disk);
    expect(disk.info('Archive')?.subscribed).toBe(true);
  });

  it('is served after a readdir: a file is read for its size only when the size is asked for', async () => {
    const dir = join(tmp(), 'Maildir');
    mkdirSync(join(dir, 'cur'), { recursive: true });
    mkdirSync(join(dir, 'new'), { recursive: true });
    const lf = 'Subject: lf\nFrom: x@example.org\n\n' + 'line\n'.repeat(1000);
    writeFileSync(join(dir, 'cur', '1700000000.M1P1.host:2,S'), lf);
    writeFileSync(join(dir, 'cur', '1700000001.M2P1.host:2,'), 'Subject: crlf\r\n\r\nbody\r\n');
    const disk = await openMailStore(dir);
    const [a, b] = disk.messages('INBOX');
    expect(disk.messages('INBOX')).toHaveLength(2);
    expect(a!.body instanceof MeasuredOnDemandBody && a!.body.isMeasured).toBe(false);
    expect(b!.body instanceof MeasuredOnDemandBody && b!.body.isMeasured).toBe(false);
    // RFC822.SIZE is the served (CRLF) size, exactly the bytes a FETCH sends.
    expect(a!.size).toBe(Buffer.byteLength(lf.replace(/\n/g, '\r\n')));
    expect(a!.body.readSync(0, a!.size).toString('latin1')).toBe(lf.replace(/\n/g, '\r\n'));
    expect(b!.size).toBe(Buffer.byteLength('Subject: crlf\r\n\r\nbody\r\n'));
    expect(a!.flags.has('\\Seen')).toBe(true);
  });
});

describe('disk store: a Maildir indexed by its file names', () => {
  const maildir = () => {
    const dir = join(tmp(), 'Maildir');
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
    return dir;
  };

  it('stats no file when indexing: a file removed after the index is an empty message dated by its name', async () => {
    const dir = maildir();
    const gone = join(dir, 'cur', '1700000000.M1P1.host:2,S');
    writeFileSync(gone, 'Subject: gone\r\n\r\nbody\r\n');
    writeFileSync(join(dir, 'cur', '1700000001.M2P1.host:2,'), 'Subject: kept\r\n\r\nbody\r\n');
    const when = new Date('2024-03-04T05:06:07Z');
    utimesSync(join(dir, 'cur', '1700000001.M2P1.host:2,'), when, when);
    const disk = await openMailStore(dir);
    rmSync(gone);
    const [a, b] = disk.messages('INBOX');
    expect(disk.messages('INBOX')).toHaveLength(2);
    expect(a!.flags.has('\\Seen')).toBe(true); // from the name
    expect(a!.size).toBe(0);
    expect(a!.internalDate.getTime()).toBe(1_700_000_000_000);
    // The internal date of a file still there is its mtime, as Dovecot's received date.
    expect(b!.internalDate.getTime()).toBe(when.getTime());
    expect(b!.size).toBe(Buffer.byteLength('Subject: kept\r\n\r\nbody\r\n'));
  });

  it('refuses a name whose ,S= size is over the message limit, naming the file, before anything is served', async () => {
    const dir = maildir();
    const big = join(dir, 'cur', '1700000000.M1P1.host,S=2000,W=2040:2,S');
    writeFileSync(big, 'Subject: small really\r\n\r\nbody\r\n');
    const err = await openMailStore(dir, { maxMessageBytes: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailboxFileError);
    expect(err).toMatchObject({ code: 'too-big', message: expect.stringContaining(big) });
  });

  it('serves a file found over the limit only when stat\'ed as an empty message, and says so once', async () => {
    const dir = maildir();
    const file = join(dir, 'cur', '1700000000.M1P1.host:2,');
    writeFileSync(file, 'Subject: big\r\n\r\n' + 'x'.repeat(2000) + '\r\n');
    writeFileSync(join(dir, 'cur', '1700000001.M2P1.host:2,'), 'Subject: fits\r\n\r\nbody\r\n');
    const told: Array<[string, number, number]> = [];
    const disk = await openMailStore(dir, { maxMessageBytes: 1000, onOverLimit: (f, size, limit) => told.push([f, size, limit]) });
    const [big, fits] = disk.messages('INBOX');
    expect(big!.size).toBe(0);
    expect(big!.body.readSync(0, big!.size).length).toBe(0);
    expect(big!.size).toBe(0);
    expect(told).toEqual([[file, statSync(file).size, 1000]]);
    expect(fits!.size).toBe(Buffer.byteLength('Subject: fits\r\n\r\nbody\r\n'));
  });

  it('counts an entry that is not a regular file as an empty message, skips dot files, keeps delivery order', async () => {
    const dir = maildir();
    mkdirSync(join(dir, 'cur', '1700000002.M3P1.host:2,S'));
    writeFileSync(join(dir, 'cur', '.1700000000.hidden'), 'Subject: hidden\r\n\r\n');
    writeFileSync(join(dir, 'new', '1700000001.M2P1.host'), 'Subject: second\r\n\r\nbody\r\n');
    writeFileSync(join(dir, 'cur', '1600000000.M1P1.host:2,FS'), 'Subject: first\r\n\r\nbody\r\n');
    const disk = await openMailStore(dir);
    const msgs = disk.messages('INBOX');
    expect(msgs.map((m) => m.size > 0 ? m.envelope.subject : null)).toEqual(['first', 'second', null]);
    expect([...msgs[0]!.flags].sort()).toEqual(['\\Flagged', '\\Seen']);
    expect([...msgs[1]!.flags]).toEqual([]); // new/: no flags yet
  });

  it('serves the names read ahead (the folder and its subfolders), taken once; an old read-ahead is read again', async () => {
    const dir = maildir();
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, '.Sent', sub), { recursive: true });
    writeFileSync(join(dir, 'cur', '1700000000.M1P1.host:2,S'), 'Subject: inbox\r\n\r\nbody\r\n');
    writeFileSync(join(dir, '.Sent', 'cur', '1700000001.M2P1.host:2,S'), 'Subject: sent\r\n\r\nbody\r\n');
    readMaildirAhead(dir);
    // A file delivered after the names were read is not in this index (as after any readdir).
    const ahead = await takeMaildirReadAhead(dir)!;
    expect(ahead.get(join(dir, 'cur'))).toEqual(['1700000000.M1P1.host:2,S']);
    expect(takeMaildirReadAhead(dir)).toBeUndefined();
    await readMaildirAhead(dir);
    writeFileSync(join(dir, 'new', '1700000002.M3P1.host'), 'Subject: later\r\n\r\nbody\r\n');
    const disk = await openMailStore(dir);
    expect(disk.messages('INBOX').map((m) => m.envelope.subject)).toEqual(['inbox']);
    expect(disk.messages('Sent').map((m) => m.envelope.subject)).toEqual(['sent']);
    // Read longer ago than the limit (a lab that failed to start): not used, the directories are read now.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      await readMaildirAhead(dir);
      vi.setSystemTime(Date.now() + MAILDIR_READ_AHEAD_MAX_AGE_MS + 1);
      const again = await openMailStore(dir);
      expect(again.messages('INBOX').map((m) => m.envelope.subject)).toEqual(['inbox', 'later']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reports the bytes its names give (,S=), and only the count when they give none', async () => {
    const named = maildir();
    writeFileSync(join(named, 'cur', '1700000000.M1P1.host,S=24:2,S'), 'Subject: a\r\n\r\nbody x\r\n');
    writeFileSync(join(named, 'cur', '1700000001.M2P1.host,S=20,W=20:2,'), 'Subject: b\r\n\r\nbody\r\n');
    const seen: IndexingProgress[] = [];
    await openMailStore(named, { onProgress: (p) => seen.push({ ...p }) });
    expect(seen.at(-1)).toMatchObject({ done: true, messages: 2, bytesDone: 44, bytesTotal: 44 });
    const plain = maildir();
    writeFileSync(join(plain, 'cur', '1700000000.M1P1.host:2,S'), 'Subject: a\r\n\r\n');
    const last: IndexingProgress[] = [];
    await openMailStore(plain, { onProgress: (p) => last.push({ ...p }) });
    expect(last.at(-1)).toMatchObject({ done: true, messages: 1, bytesTotal: 0 });
    expect(indexingText({ ...last.at(-1)!, done: false })).toBe('indexing Maildir: 1 messages');
    expect(indexingText({ ...seen.at(-1)!, done: false })).toBe('indexing Maildir: 44 bytes of 44 bytes, 2 messages');
  });
});

describe('indexing text', () => {
  it('groups digits as toLocaleString does, without loading ICU', () => {
    for (const n of [0, 7, 999, 1000, 20000, 123456, 1234567, 500000, 10 ** 12]) expect(groupedDigits(n)).toBe(n.toLocaleString('en-US'));
    expect(indexingText({ path: '/x/export.mbox', bytesDone: 2e9, bytesTotal: 2e9, messages: 20000, done: true }, 1234)).toBe('ready: 20,000 messages in 1.2 s');
  });
});

describe('appendFrom', () => {
  const spool = (dir: string, text: string) => {
    const path = join(dir, `spool-${Math.random()}.tmp`);
    writeFileSync(path, text);
    return { path, size: Buffer.byteLength(text) };
  };

  it('moves the spooled file into the store directory and serves it from there', () => {
    const dir = tmp();
    const store = new MailStore({ storeDir: join(dir, 'store') });
    const src = spool(dir, 'Subject: big\r\n\r\nbody\r\n');
    const uid = store.appendFrom('INBOX', src, ['\\Seen'], new Date(0));
    const m = store.messages('INBOX').find((x) => x.uid === uid)!;
    expect(m.raw.toString()).toBe('Subject: big\r\n\r\nbody\r\n');
    expect(m.body.memory).toBeNull();
    expect(() => readFileSync(src.path)).toThrow();
    expect([...m.flags]).toEqual(['\\Seen']);
  });

  it('normalises line ends when asked (SMTP deliveries), and counts the served size', () => {
    const dir = tmp();
    const store = new MailStore({ storeDir: join(dir, 'store') });
    const src = spool(dir, 'Subject: lf\n\nbody\n');
    const uid = store.appendFrom('INBOX', { ...src, normalizeLineEnds: true });
    const m = store.messages('INBOX').find((x) => x.uid === uid)!;
    expect(m.size).toBe(Buffer.byteLength('Subject: lf\r\n\r\nbody\r\n'));
    expect(m.raw.toString()).toBe('Subject: lf\r\n\r\nbody\r\n');
  });

  it('a store without a directory reads the file into memory and removes it', () => {
    const dir = tmp();
    const store = new MailStore();
    const src = spool(dir, 'Subject: small\r\n\r\nbody\r\n');
    const uid = store.appendFrom('INBOX', src);
    const m = store.messages('INBOX').find((x) => x.uid === uid)!;
    expect(m.body.memory?.toString()).toBe('Subject: small\r\n\r\nbody\r\n');
    expect(() => readFileSync(src.path)).toThrow();
  });

  it('refuses a file past the size limit and leaves it where it is', () => {
    const dir = tmp();
    const store = new MailStore({ storeDir: join(dir, 'store'), maxMessageBytes: 10 });
    const src = spool(dir, 'Subject: too big\r\n\r\n');
    expect(() => store.appendFrom('INBOX', src)).toThrow(/exceeds the limit/);
    expect(readFileSync(src.path).length).toBe(src.size);
  });
});

describe('FileBody.readInto', () => {
  it('writes exactly the served bytes of any range where it is told, and nothing around them (LF, CRLF and mbox files)', () => {
    const dir = tempDir('mp-readinto-');
    const line = (i: number) => `line ${i} of a message, long enough to cross a read or two\n`;
    const lf = `Subject: x\n\n${Array.from({ length: 9000 }, (_, i) => line(i)).join('')}>From me\n>>From you\nend`;
    const files: Array<{ data: string; transform: BodyTransform }> = [
      { data: lf, transform: 'crlf' },
      { data: lf.replace(/\n/g, '\r\n'), transform: 'none' },
      { data: lf, transform: 'mbox' },
    ];
    for (const [k, { data, transform }] of files.entries()) {
      const path = join(dir, `m${k}`);
      writeFileSync(path, data, 'latin1');
      const raw = Buffer.from(data, 'latin1');
      const conv = new ServedLines(transform === 'mbox');
      const served = transform === 'none' ? raw : Buffer.concat([conv.push(raw), conv.end()]);
      const body = new FileBody(path, 0, raw.length, served.length, transform);
      const ranges = [[0, served.length], [0, 10], [served.length - 5, served.length + 100], [12_345, 300_000], [70_000, 70_001], [served.length, served.length + 1]];
      for (const [start, end] of ranges) {
        const want = served.subarray(start, Math.min(end, served.length));
        const dest = Buffer.alloc(want.length + 40, 0xee);
        const n = body.readInto(start!, end!, dest, 17);
        expect(n, `${transform} [${start}, ${end})`).toBe(want.length);
        expect(dest.subarray(17, 17 + n).equals(want), `${transform} [${start}, ${end})`).toBe(true);
        expect(dest.subarray(0, 17).every((b) => b === 0xee) && dest.subarray(17 + n).every((b) => b === 0xee)).toBe(true);
        expect(body.readSync(start!, end!).equals(want)).toBe(true);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
