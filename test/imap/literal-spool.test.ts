/**
 * Large literals (LITERAL_SPOOL_THRESHOLD and up) go to a file of the session as they arrive:
 * APPEND hands the file to the store, the record still holds every byte, the next command
 * waits its turn, a disk slower than the client slows the client (not the lab's memory), and a
 * literal cut short or refused leaves no file behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import { MAX_MESSAGE_SIZE_OPTION_BYTES, startLab, type StartedLab } from '../../electron/lab/lab.js';
import { LITERAL_SPOOL_DIR, LITERAL_SPOOL_THRESHOLD, MAX_LITERAL_BYTES } from '../../electron/lab/imap/limits.js';
import { MailStore } from '../../electron/lab/mailbox/index.js';
import { MAX_EVENT_PAYLOAD_BYTES, decodeBytes } from '../../electron/lab/recorder/index.js';
import { RawClient } from '../support/raw-client.js';
import { loggedIn, spoolFiles } from '../support/imap-session.js';
import { closeOf, eventsOf, startTestLab, waitFor } from '../support/lab.js';
import { tempDir } from '../support/temp.js';

type Bytes = Extract<LabEvent, { kind: 'c2s' | 's2c' }>;

/** A message of about `size` bytes: headers, then base64 lines (CRLF), as a phone's photo would be. */
function message(size: number, subject = 'big'): Buffer {
  const head = `From: a@example.com\r\nTo: phone@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@example.com>\r\n\r\n`;
  const lines = randomBytes(Math.ceil((size * 57) / 78)).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(head + lines + '\r\n', 'latin1');
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function c2sOf(lab: StartedLab, conn: string): Bytes[] {
  return eventsOf(lab).filter((e): e is Bytes => e.kind === 'c2s' && e.conn === conn);
}



/** BODY.PEEK[] of one UID, read from the raw response bytes. */
async function fetchBody(c: RawClient, tag: string, uid: string, size: number): Promise<Buffer> {
  const before = c.received().length;
  await c.command(tag, `UID FETCH ${uid} BODY.PEEK[]`, 20_000);
  const got = c.received().subarray(before);
  const marker = Buffer.from(`BODY[] {${size}}\r\n`);
  const at = got.indexOf(marker);
  expect(at).toBeGreaterThan(0);
  return got.subarray(at + marker.length, at + marker.length + size);
}

describe('large literals go to disk as they arrive', () => {
  let lab: StartedLab;
  beforeAll(async () => {
    lab = await startTestLab({ imapsPort: null });
  });
  afterAll(() => lab.stop());

  it('APPEND of 3 MB: a spool file grows while it arrives, the store gets it, FETCH returns the same bytes, the record holds them all', async () => {
    const { c, conn } = await loggedIn(lab);
    const msg = message(3 * 1024 * 1024);
    expect(msg.length).toBeGreaterThan(LITERAL_SPOOL_THRESHOLD);
    c.send(`a2 APPEND INBOX (\\Seen) {${msg.length}}\r\n`);
    expect(await c.line()).toBe('+ Ready for literal data');
    const half = msg.length >> 1;
    c.send(msg.subarray(0, half));
    // Half-way: the bytes are on disk in the session folder, not waiting in memory.
    const file = await waitFor(() => spoolFiles(lab).map((f) => join(lab.sessionDir, LITERAL_SPOOL_DIR, f)).find((f) => statSync(f).size >= half - 128 * 1024));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    c.send(msg.subarray(half));
    c.send('\r\n');
    const done = await c.response('a2', 20_000);
    const uid = /^a2 OK \[APPENDUID \d+ (\d+)\] Completed$/.exec(done.at(-1)!)?.[1];
    expect(uid).toBeDefined();
    expect(spoolFiles(lab)).toEqual([]);
    await c.command('a3', 'SELECT INBOX');
    expect(sha(await fetchBody(c, 'a4', uid!, msg.length))).toBe(sha(msg));

    // The record: the literal whole, in events of at most one payload each, after its command line.
    const evs = c2sOf(lab, conn);
    const line = evs.findIndex((e) => e.text?.startsWith('a2 APPEND INBOX'));
    const literal = [];
    for (let i = line + 1; i < evs.length && !evs[i].text?.startsWith('a3 '); i++) literal.push(evs[i]);
    const recorded = Buffer.concat(literal.map((e) => decodeBytes(e)));
    expect(sha(recorded)).toBe(sha(Buffer.concat([msg, Buffer.from('\r\n')])));
    expect(literal.at(-1)!.text).toBe('\r\n');
    expect(literal.slice(1, -1).every((e) => e.continued === true)).toBe(true);
    for (const e of literal) expect(Buffer.byteLength(e.text ?? '')).toBeLessThanOrEqual(MAX_EVENT_PAYLOAD_BYTES);
    c.close();
  });

  it('commands pipelined behind a spooled APPEND (LITERAL+) are answered after it, in order', async () => {
    const { c } = await loggedIn(lab);
    const msg = message(2 * 1024 * 1024, 'pipelined');
    const before = (await c.command('b1', 'STATUS INBOX (MESSAGES)')).find((l) => l.startsWith('* STATUS'))!;
    const count = Number(/MESSAGES (\d+)/.exec(before)![1]);
    c.send(Buffer.concat([Buffer.from(`b2 APPEND INBOX {${msg.length}+}\r\n`), msg, Buffer.from('\r\nb3 NOOP\r\nb4 STATUS INBOX (MESSAGES)\r\n')]));
    const lines = await c.response('b4', 20_000);
    const tagged = lines.filter((l) => /^b\d /.test(l));
    expect(tagged.map((l) => l.slice(0, 5))).toEqual(['b2 OK', 'b3 OK', 'b4 OK']);
    expect(lines.find((l) => l.startsWith('* STATUS'))).toContain(`MESSAGES ${count + 1}`);
    c.close();
  });

  it('a connection dropped mid-literal: every byte that came is recorded, the file is removed, the event says how far it got', async () => {
    const { c, conn } = await loggedIn(lab);
    const sent = 2 * 1024 * 1024;
    c.send(`d2 APPEND INBOX {${5 * 1024 * 1024}}\r\n`);
    expect(await c.line()).toBe('+ Ready for literal data');
    const part = message(sent).subarray(0, sent);
    c.send(part);
    await waitFor(() => spoolFiles(lab).some((f) => statSync(join(lab.sessionDir, LITERAL_SPOOL_DIR, f)).size >= sent - 128 * 1024));
    await new Promise((r) => setTimeout(r, 100));
    c.close();
    await closeOf(lab, conn);
    await waitFor(() => spoolFiles(lab).length === 0, 5000, 'the spool file to go');
    const evs = c2sOf(lab, conn);
    const line = evs.findIndex((e) => e.text?.startsWith('d2 APPEND'));
    const recorded = Buffer.concat(evs.slice(line + 1).map((e) => decodeBytes(e)));
    expect(recorded.equals(part)).toBe(true);
    const rejected = eventsOf(lab).find((e) => e.kind === 'input.rejected' && e.conn === conn && e.what === 'literal-incomplete');
    expect(rejected).toMatchObject({ detail: `the connection ended ${sent} bytes into a literal` });
  });

  it('a literal over the literal limit is refused before the continuation, as before spooling; CAPABILITY says the limit (APPENDLIMIT)', async () => {
    const { c, conn } = await loggedIn(lab);
    // RFC 7889: the client can learn the limit before it uploads anything.
    expect((await c.command('e1', 'CAPABILITY'))[0]).toContain(` APPENDLIMIT=${MAX_LITERAL_BYTES}`);
    c.send(`e2 APPEND INBOX {${MAX_LITERAL_BYTES + 1}}\r\n`);
    expect(await c.line()).toBe(`e2 NO [TOOBIG] Literal too large (limit ${MAX_LITERAL_BYTES} bytes)`);
    expect(await c.command('e3', 'NOOP')).toEqual(['e3 OK Completed']);
    expect(eventsOf(lab).find((e) => e.kind === 'input.rejected' && e.conn === conn && e.what === 'literal-too-large')).toBeDefined();
    expect(spoolFiles(lab)).toEqual([]);
    c.close();
  });
});

describe('the maximum message size (maxMessageSize, --max-message-size)', () => {
  it('one the lab cannot take is refused before anything is made in the data directory', async () => {
    for (const maxMessageSize of [1023, MAX_MESSAGE_SIZE_OPTION_BYTES + 1, 4096.5]) {
      const dataDir = tempDir('mp-max-size-');
      await expect(startLab({ dataDir, maxMessageSize, imapPort: 0, imapsPort: null, smtpPort: null, smtpsPort: null, pop3Port: null, pop3sPort: null, httpPort: null })).rejects.toThrow(TypeError);
      // No account, no certificates, no session: the technician's next start is not changed by a typo.
      expect(readdirSync(dataDir)).toEqual([]);
    }
  });
});

describe('what the spool cannot keep', () => {
  it('a message over the store limit: read, then NO [TOOBIG], and the file is gone', async () => {
    const lab = await startTestLab({ imapsPort: null, store: new MailStore({ maxMessageBytes: 2 * 1024 * 1024 }) });
    try {
      const { c } = await loggedIn(lab);
      // APPENDLIMIT is the smaller of the literal limit and the store's (RFC 7889).
      expect((await c.command('t1', 'CAPABILITY'))[0]).toContain(` APPENDLIMIT=${2 * 1024 * 1024}`);
      const msg = message(3 * 1024 * 1024);
      c.send(`t2 APPEND INBOX {${msg.length}}\r\n`);
      expect(await c.line()).toBe('+ Ready for literal data');
      c.send(Buffer.concat([msg, Buffer.from('\r\n')]));
      expect((await c.response('t2', 20_000)).at(-1)).toBe('t2 NO [TOOBIG] Message too big');
      expect(spoolFiles(lab)).toEqual([]);
      expect(await c.command('t3', 'NOOP')).toEqual(['t3 OK Completed']);
      c.close();
    } finally {
      await lab.stop();
    }
  });

  it('a spool folder that cannot be made: NO, a lab.error saying why, and the session goes on', async () => {
    const lab = await startTestLab({ imapsPort: null });
    try {
      writeFileSync(join(lab.sessionDir, LITERAL_SPOOL_DIR), 'in the way');
      const { c, conn } = await loggedIn(lab);
      const msg = message(2 * 1024 * 1024);
      c.send(Buffer.concat([Buffer.from(`s2 APPEND INBOX {${msg.length}+}\r\n`), msg, Buffer.from('\r\n')]));
      expect((await c.response('s2', 20_000)).at(-1)).toMatch(/^s2 NO \[SERVERBUG\] The lab could not keep the literal on disk \((EEXIST|ENOTDIR)\)$/);
      expect(eventsOf(lab).find((e) => e.kind === 'lab.error' && e.conn === conn && e.where === 'imap.literal-spool')).toBeDefined();
      expect((await c.command('s3', 'SELECT INBOX')).at(-1)).toMatch(/^s3 OK /);
      c.close();
    } finally {
      await lab.stop();
    }
  });
});

/** A disk that takes nothing until `open()`: writes to a real file, their callbacks held until then. */
class StalledDisk {
  private gate!: () => void;
  private readonly opened = new Promise<void>((r) => (this.gate = r));
  open(): void {
    this.gate();
  }
  file(path: string, highWaterMark: number): Writable {
    const file = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    const opened = this.opened;
    return new Writable({
      highWaterMark,
      write(chunk: Buffer, _enc, cb) {
        void opened.then(() => file.write(chunk, cb));
      },
      final(cb) {
        file.end(cb);
      },
      destroy(err, cb) {
        file.destroy();
        cb(err);
      },
    });
  }
}

describe('back-pressure from the disk', () => {
  it('while the disk takes nothing, the lab reads little more than the high-water mark of a 16 MB literal; then it completes, byte for byte', async () => {
    const highWater = 256 * 1024;
    const disk = new StalledDisk();
    const lab = await startTestLab({ imapsPort: null, limits: { literalSpoolHighWaterBytes: highWater }, imapLiteralSpool: { open: (p, hwm) => disk.file(p, hwm) } });
    try {
      const { c, conn } = await loggedIn(lab);
      const msg = message(16 * 1024 * 1024);
      c.send(Buffer.concat([Buffer.from(`p2 APPEND INBOX {${msg.length}+}\r\n`), msg, Buffer.from('\r\n')]));
      const read = () => c2sOf(lab, conn).reduce((n, e) => n + decodeBytes(e).length, 0);
      await waitFor(() => read() > highWater, 5000, 'the first bytes');
      await new Promise((r) => setTimeout(r, 500));
      const whileStalled = read();
      // One socket read past the mark, and what the recording holds back, at most.
      expect(whileStalled).toBeLessThan(highWater + 4 * MAX_EVENT_PAYLOAD_BYTES + 1024);
      disk.open();
      const done = await c.response('p2', 30_000);
      const uid = /APPENDUID \d+ (\d+)/.exec(done.at(-1)!)![1];
      await c.command('p3', 'SELECT INBOX');
      expect(sha(await fetchBody(c, 'p4', uid, msg.length))).toBe(sha(msg));
      c.close();
    } finally {
      await lab.stop();
    }
  });
});


