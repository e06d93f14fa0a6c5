import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BODY_CHUNK_BYTES,
  createSeededStore,
  FileBody,
  loadMailStore,
  MailboxFileError,
  MailStore,
  openMailStore,
  ServedLines,
  writeMaildir,
  writeMbox,
  type IndexingProgress,
} from '../../electron/lab/mailbox/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mp-disk-'));

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
    expect(largest).toBeLessThanOrEqual(BODY_CHUNK_BYTES * 2);
    expect(m.body instanceof FileBody && m.body.transform).toBe('mbox');
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
