/**
 * A FETCH of more than MAX_EAGER_FETCH_MESSAGES messages is answered while it is sent (each
 * response made when the socket has taken the ones before): the client must see exactly what
 * the same FETCH in small pieces gives, with the flags as they were when the command ran (not
 * when its response was made), and the record must hold every byte sent, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BytesEvent } from '../../electron/api.js';
import type { StartedLab } from '../../electron/lab/lab.js';
import { FETCH_BATCHES, INLINE_SECTION_BYTES, MAX_EAGER_FETCH_MESSAGES } from '../../electron/lab/imap/commands/fetch.js';
import { SYNC_READ_BYTES } from '../../electron/lab/mailbox/body.js';
import { RawClient } from '../support/raw-client.js';
import { TEST_PASSWORD, TEST_USER, connOf, eventsOf, startTestLab, tempDir } from '../support/lab.js';

const COUNT = MAX_EAGER_FETCH_MESSAGES * 2 + 37;
/** Message 7 is bigger than one synchronous read: its body is a streamed literal inside the produced response. */
const BIG = 7;

function mbox(): string {
  const out: string[] = [];
  for (let i = 1; i <= COUNT; i++) {
    out.push(`From sender${i}@example.org Tue Nov 24 10:${String(i % 60).padStart(2, '0')}:00 2026`);
    if (i % 3 === 0) out.push('Status: RO');
    out.push(`From: Sender ${i} <sender${i}@example.org>`, `To: customer@example.com`, `Subject: message number ${i}`, `Message-ID: <m${i}@example.org>`, '');
    out.push(i === BIG ? 'line of the big message\n'.repeat(Math.ceil((SYNC_READ_BYTES * 2) / 24)) : `body of message ${i}`, '');
  }
  return out.join('\n');
}

let lab: StartedLab;
let port: number;

beforeAll(async () => {
  const file = join(tempDir('mp-fetch-produced-'), 'export.mbox');
  writeFileSync(file, mbox());
  lab = await startTestLab({ mailbox: file });
  port = lab.listeners.imap!.port;
});
afterAll(() => lab.stop());

async function session(select = 'SELECT INBOX'): Promise<RawClient> {
  const c = await RawClient.connect(port);
  await c.line();
  expect((await c.command('l', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`)).at(-1)).toBe('l OK User logged in');
  expect((await c.command('s', select, 10_000)).at(-1)).toMatch(/^s OK/);
  return c;
}

const untagged = (lines: string[]) => lines.filter((l) => !/^[a-z]\d* /.test(l));

describe(`FETCH of more than ${MAX_EAGER_FETCH_MESSAGES} messages`, () => {
  it('gives the same responses as the same FETCH in pieces small enough to be made at once', async () => {
    const c = await session('EXAMINE INBOX');
    const items = '(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[TEXT]<0.40> BODY.PEEK[])';
    const whole = await c.command('a', `FETCH 1:* ${items}`, 20_000);
    expect(whole.at(-1)).toBe('a OK Completed');
    const pieces: string[] = [];
    for (let from = 1; from <= COUNT; from += MAX_EAGER_FETCH_MESSAGES) {
      const to = Math.min(COUNT, from + MAX_EAGER_FETCH_MESSAGES - 1);
      const r = await c.command(`p${from}`, `FETCH ${from}:${to} ${items}`, 20_000);
      expect(r.at(-1)).toBe(`p${from} OK Completed`);
      pieces.push(...untagged(r));
    }
    expect(untagged(whole)).toEqual(pieces);
    expect(whole.filter((l) => / FETCH \(UID /.test(l))).toHaveLength(COUNT);
    expect(whole.join('\n')).toContain('"message number 237"');
    c.close();
  });

  it('is recorded whole, in order: the s2c events hold exactly the bytes the client received', async () => {
    const c = await session('EXAMINE INBOX');
    const conn = await connOf(lab, c);
    expect((await c.command('a', 'FETCH 1:* (FLAGS ENVELOPE RFC822.SIZE BODY.PEEK[])', 20_000)).at(-1)).toBe('a OK Completed');
    await c.command('z', 'LOGOUT');
    const sent = eventsOf(lab).filter((e): e is BytesEvent => e.kind === 's2c' && e.conn === conn);
    const recorded = Buffer.concat(sent.map((e) => (e.text !== undefined ? Buffer.from(e.text, 'utf8') : Buffer.from(e.b64 ?? '', 'base64'))));
    expect(sent.some((e) => e.truncated !== undefined)).toBe(false);
    expect(recorded.equals(c.received())).toBe(true);
    c.close();
  });

  it(`sends bodies of at most ${INLINE_SECTION_BYTES} bytes in batches: far fewer socket writes (recorded events) than messages`, async () => {
    const c = await session('EXAMINE INBOX');
    const conn = await connOf(lab, c);
    expect((await c.command('a', `FETCH 1:* BODY.PEEK[]`, 20_000)).at(-1)).toBe('a OK Completed');
    await c.command('z', 'LOGOUT');
    const sent = eventsOf(lab).filter((e): e is BytesEvent => e.kind === 's2c' && e.conn === conn);
    // Small bodies join their batch; only the big message (BIG) is streamed in chunks of its own.
    expect(sent.length).toBeLessThan(COUNT / 4);
    expect(c.received().toString('latin1')).toContain('line of the big message\r\n'.repeat(3));
    c.close();
  });

  it('shows the flags as they were when it ran, not when its responses were made (a STORE pipelined behind it)', async () => {
    const c = await session();
    // One write: the STORE is framed before the FETCH's responses are made.
    c.send('a FETCH 1:* (FLAGS)\r\nb STORE 1:* +FLAGS.SILENT (\\Flagged)\r\nc FETCH 1:* (FLAGS)\r\n');
    const a = await c.response('a', 20_000);
    const b = await c.response('b', 20_000);
    const after = await c.response('c', 20_000);
    expect(a.at(-1)).toBe('a OK Completed');
    expect(b.at(-1)).toBe('b OK Completed');
    const fetched = untagged(a).filter((l) => / FETCH \(FLAGS /.test(l));
    expect(fetched).toHaveLength(COUNT);
    expect(fetched.some((l) => l.includes('\\Flagged'))).toBe(false);
    expect(fetched.filter((l) => l.includes('\\Seen'))).toHaveLength(Math.floor(COUNT / 3));
    expect(untagged(after).filter((l) => l.includes('\\Flagged'))).toHaveLength(COUNT);
    expect((await c.command('d', 'STORE 1:* -FLAGS.SILENT (\\Flagged)')).at(-1)).toBe('d OK Completed');
    c.close();
  });

  it('a non-peek fetch sets \\Seen on every message and reports it with the response of each it changed', async () => {
    const c = await session();
    const r = await c.command('a', `FETCH 1:${COUNT} (BODY[HEADER.FIELDS (SUBJECT)])`, 20_000);
    expect(r.at(-1)).toBe('a OK Completed');
    const heads = r.filter((l) => / FETCH \(BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}$/.test(l));
    expect(heads).toHaveLength(COUNT);
    // Every third message was seen already (Status: RO): no change, no FLAGS.
    expect(r.filter((l) => /^ FLAGS \(\\Seen\)\)$/.test(l))).toHaveLength(COUNT - Math.floor(COUNT / 3));
    expect(lab.store.messages('INBOX').every((m) => m.flags.has('\\Seen'))).toBe(true);
    c.close();
  });
});

describe('FETCH 1:* BODY.PEEK[] of a Maildir to two clients at once, one of which stops reading for a while', () => {
  it('sends each client every message byte for byte (LF files converted, CRLF ones as they are, big ones streamed), assembled in a few reused buffers', async () => {
    // Enough bytes that the socket of the client that does not read fills: its batch buffers
    // are held by its socket meanwhile, and one handed to the other connection too early would
    // show as wrong bytes.
    const maildir = join(tempDir('mp-fetch-maildir-'), 'Maildir');
    for (const d of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, d), { recursive: true });
    const expected: Buffer[] = [];
    const sizes = Array.from({ length: 360 }, (_, i) => (i === 50 ? INLINE_SECTION_BYTES + 5000 : i === 51 ? SYNC_READ_BYTES * 3 + 77 : 20_000 + ((i * 7919) % 60_000)));
    sizes.forEach((size, i) => {
      const crlf = i % 9 === 4;
      const line = `message ${i} line of text, some words to fill it up to a mail-like length\n`;
      const text = `From: s${i}@example.org\nSubject: message ${i}\n\n${line.repeat(Math.ceil(size / line.length))}`;
      const file = crlf ? text.replace(/\n/g, '\r\n') : text;
      writeFileSync(join(maildir, 'cur', `${1700000000 + i}.M${i}P1.lab:2,S`), file);
      expected.push(Buffer.from(text.replace(/\n/g, '\r\n'), 'latin1'));
    });
    const mlab = await startTestLab({ mailbox: maildir });
    try {
      const clients = await Promise.all([0, 1].map(async () => {
        const c = await RawClient.connect(mlab.listeners.imap!.port);
        await c.line();
        expect((await c.command('l', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`)).at(-1)).toBe('l OK User logged in');
        expect((await c.command('s', 'EXAMINE INBOX', 10_000)).at(-1)).toMatch(/^s OK/);
        return { c, conn: await connOf(mlab, c) };
      }));
      const before = FETCH_BATCHES.allocated;
      const [slow, fast] = clients.map((x) => x.c);
      slow!.socket.pause();
      slow!.send('a FETCH 1:* BODY.PEEK[]\r\n');
      await new Promise((r) => setTimeout(r, 200));
      fast!.send('a FETCH 1:* BODY.PEEK[]\r\n');
      expect((await fast!.response('a', 60_000)).at(-1)).toBe('a OK Completed');
      slow!.socket.resume();
      expect((await slow!.response('a', 60_000)).at(-1)).toBe('a OK Completed');
      expect(FETCH_BATCHES.allocated - before).toBeLessThanOrEqual(6);
      for (const { c, conn } of clients) {
        // Each response: "* n FETCH (BODY[] {len}" CRLF, the literal, ")" CRLF.
        const all = c.received();
        let at = all.indexOf('* 1 FETCH ');
        for (let n = 1; n <= sizes.length; n++) {
          const head = all.toString('latin1', at, all.indexOf('\r\n', at) + 2);
          const m = /^\* (\d+) FETCH \(BODY\[\] \{(\d+)\}\r\n$/.exec(head);
          expect(m?.[1]).toBe(String(n));
          const len = Number(m![2]);
          const literal = all.subarray(at + head.length, at + head.length + len);
          expect(literal.equals(expected[n - 1]!), `message ${n}`).toBe(true);
          at += head.length + len;
          expect(all.toString('latin1', at, at + 3)).toBe(')\r\n');
          at += 3;
        }
        await c.command('z', 'LOGOUT');
        const sent = eventsOf(mlab).filter((e): e is BytesEvent => e.kind === 's2c' && e.conn === conn);
        const recorded = Buffer.concat(sent.map((e) => (e.text !== undefined ? Buffer.from(e.text, 'utf8') : Buffer.from(e.b64 ?? '', 'base64'))));
        expect(recorded.equals(c.received())).toBe(true);
        c.close();
      }
    } finally {
      await mlab.stop();
    }
  }, 120_000);
});

describe('a Maildir file cut short after its size was measured', () => {
  it('ends the download with a lab.error naming it, rather than a literal shorter than it announced', async () => {
    const maildir = join(tempDir('mp-fetch-short-'), 'Maildir');
    for (const d of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, d), { recursive: true });
    const COUNT_SHORT = MAX_EAGER_FETCH_MESSAGES + 50;
    const files = Array.from({ length: COUNT_SHORT }, (_, i) => join(maildir, 'cur', `${1700000000 + i}.M${i}P1.lab:2,S`));
    files.forEach((f, i) => writeFileSync(f, `Subject: m${i}\n\n${'text of the message\n'.repeat(50)}`));
    const mlab = await startTestLab({ mailbox: maildir });
    try {
      const c = await RawClient.connect(mlab.listeners.imap!.port);
      await c.line();
      await c.command('l', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`);
      await c.command('s', 'EXAMINE INBOX', 10_000);
      const conn = await connOf(mlab, c);
      expect((await c.command('a', 'FETCH 1:* RFC822.SIZE', 10_000)).at(-1)).toBe('a OK Completed');
      // Another program rewrites message 120 in place (Maildir files never are): shorter now.
      writeFileSync(files[119]!, 'Subject: cut\n\n');
      c.send('b FETCH 1:* BODY.PEEK[]\r\n');
      await c.closedByServer(10_000);
      // The batches before the one it is in went out whole; nothing of it or after it did.
      const all = c.received().toString('latin1');
      const got = all.slice(all.indexOf('a OK Completed'));
      expect(got).toContain('* 1 FETCH (BODY[] {');
      expect(got).not.toContain('* 120 FETCH');
      expect(got).not.toContain('* 121 FETCH');
      expect(got).not.toContain('b OK');
      const err = eventsOf(mlab).find((e) => e.kind === 'lab.error' && e.conn === conn);
      expect(err).toMatchObject({ where: 'imap.output' });
      expect((err as { message: string }).message).toMatch(/changed while it was served/);
    } finally {
      await mlab.stop();
    }
  });
});
