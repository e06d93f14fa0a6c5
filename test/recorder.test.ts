import { describe, expect, it } from 'vitest';
import { readFileSync, appendFileSync } from 'node:fs';
import type { LabEvent } from '../electron/api.js';
import { SessionRecorder, readEvents, encodeBytes, decodeBytes, redactEvent, REDACTED, MAX_EVENT_PAYLOAD_BYTES, PieceCutter, PRINTABLE_FAST_PATH_MIN_BYTES } from '../electron/lab/recorder/index.js';
import { printableAsciiJsonBytes } from '../electron/lab/byte-kernels/index.js';
import fc from 'fast-check';
import { tempDir } from './support/temp.js';

const tmp = () => tempDir('mp-rec-');

describe('session recorder', () => {
  it('numbers events 1, 2, 3 and writes them on flush, in order', () => {
    const rec = new SessionRecorder({ dataDir: tmp() });
    rec.record({ kind: 'note', text: 'one' });
    rec.record({ kind: 'note', text: 'two' });
    rec.flush();
    const evs = readEvents(rec.dir);
    expect(evs.map((e) => e.seq)).toEqual([1, 2]);
    expect(evs[1]).toMatchObject({ kind: 'note', text: 'two' });
    rec.close();
  });

  it('keeps everything before a torn last line', () => {
    const rec = new SessionRecorder({ dataDir: tmp() });
    rec.record({ kind: 'note', text: 'kept' });
    rec.close();
    appendFileSync(rec.file, '{"seq":2,"t":"x","kind":"no');
    expect(readEvents(rec.file).map((e) => e.seq)).toEqual([1]);
  });

  it('stops keeping payloads past the recorded-bytes cap but keeps their size', () => {
    const rec = new SessionRecorder({ dataDir: tmp(), maxRecordedBytes: 200 });
    for (let i = 0; i < 5; i++) rec.record({ kind: 'c2s', conn: 'c1', text: 'x'.repeat(100) });
    rec.close();
    const evs = readEvents(rec.dir);
    expect(evs).toHaveLength(5);
    expect(evs[4]).toMatchObject({ kind: 'c2s', text: '', truncated: 100 });
    expect(evs.filter((e) => e.kind === 'c2s' && e.text === 'x'.repeat(100))).toHaveLength(2);
    expect(readFileSync(rec.file, 'utf8').length).toBeLessThan(2 * 200 + 3 * 100);
  });
});

type Bytes = Extract<LabEvent, { kind: 'c2s' | 's2c' }>;
const bytesOf = (evs: LabEvent[]) => evs.filter((e): e is Bytes => e.kind === 'c2s' || e.kind === 's2c');
const joined = (evs: Bytes[]) => Buffer.concat(evs.map((e) => decodeBytes(e)));

describe('the printable-ASCII fast path', () => {
  it('gives exactly what JSON.stringify makes of the text, or nothing for any other byte', () => {
    // Mail-like bytes: CRLF lines, bare CR and LF, tabs, quotes, backslashes, controls, DEL, 8-bit.
    const alphabet = [0x41, 0x7a, 0x20, 0x2e, 0x0d, 0x0a, 0x09, 0x22, 0x5c, 0x00, 0x08, 0x0c, 0x1b, 0x7f, 0x80, 0xc3, 0xff];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 200 }), fc.boolean(), (bytes, crlf) => {
        const raw = Buffer.from(crlf ? bytes.flatMap((b) => (b === 0x0a ? [0x0d, 0x0a] : [b])) : bytes);
        const out = printableAsciiJsonBytes(raw);
        const printable = raw.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b <= 0x7e));
        if (!printable) return out === null;
        return out !== null && Buffer.from(out).toString('latin1') === JSON.stringify(raw.toString('latin1')).slice(1, -1);
      }),
      { numRuns: 2000 },
    );
  });

  it('records a DATA-sized printable piece as the same text event the general path makes', () => {
    const rec = new SessionRecorder({ dataDir: tmp() });
    const body = Buffer.from('Subject: "x" \\ y\tz\r\n\r\n' + 'line\r\n'.repeat(300) + 'bare\nlf and bare\rcr\r\n');
    expect(body.length).toBeGreaterThan(PRINTABLE_FAST_PATH_MIN_BYTES);
    rec.recordBytes({ kind: 'c2s', conn: 'c1', tls: true }, body);
    rec.close();
    const [ev] = bytesOf(readEvents(rec.dir));
    expect(ev).toMatchObject({ kind: 'c2s', conn: 'c1', tls: true, text: body.toString('latin1') });
    expect(ev.b64).toBeUndefined();
  });
});

describe('recording a unit of traffic whole', () => {
  it(`records a message body streamed from disk as text where printable, through the fast path from ${PRINTABLE_FAST_PATH_MIN_BYTES} bytes, and exactly`, () => {
    const rec = new SessionRecorder({ dataDir: tmp() });
    const ascii = Buffer.from('Subject: big "quoted" \\ back\tslash\r\n\r\n' + 'line of text\r\n'.repeat(20_000));
    const utf8 = Buffer.from('Subject: ünïcode\r\n\r\n' + 'grüße\r\n'.repeat(10_000));
    const binary = Buffer.concat([Buffer.from('\0\x01\x02'), Buffer.alloc(40_000, 0xff)]);
    const seen: LabEvent[] = [];
    rec.subscribe((ev) => seen.push(ev));
    for (const body of [ascii, utf8, binary]) rec.recordBytes({ kind: 's2c', conn: 'c1' }, body, { continued: true });
    rec.recordBytes({ kind: 's2c', conn: 'c1' }, Buffer.from('small body\r\n'));
    rec.close();
    const evs = readEvents(rec.dir).filter((e) => e.kind === 's2c');
    const bytes = (e: LabEvent) => decodeBytes(e as Parameters<typeof decodeBytes>[0]);
    let at = 0;
    for (const body of [ascii, utf8, binary]) {
      const mine: LabEvent[] = [];
      let n = 0;
      while (n < body.length) {
        const e = evs[at++];
        mine.push(e);
        n += bytes(e).length;
      }
      expect(Buffer.concat(mine.map(bytes))).toEqual(body);
      expect(mine.every((e) => e.kind === 's2c' && e.continued)).toBe(true);
      // Printable text (ASCII or UTF-8) is recorded as text, as every event is; binary as base64.
      if (body === binary) expect(mine.every((e) => e.kind === 's2c' && e.b64 !== undefined)).toBe(true);
      else expect(mine.every((e) => e.kind === 's2c' && e.text !== undefined && e.b64 === undefined)).toBe(true);
    }
    expect(evs.at(-1)).toMatchObject({ text: 'small body\r\n' });
    // Subscribers (the UI) get the same events as the file.
    expect(seen.filter((e) => e.kind === 's2c')).toEqual(evs);
  });

  it('records a response longer than one event as several, in order, cut after line ends', () => {
    const rec = new SessionRecorder({ dataDir: tmp() });
    const lines = Array.from({ length: 3000 }, (_, i) => `* ${i + 1} FETCH (BODY[] {40}\r\n${'x'.repeat(38)}\r\n)\r\n`);
    const data = Buffer.from(lines.join('') + 'f1 OK Completed\r\n');
    expect(data.length).toBeGreaterThan(2 * MAX_EVENT_PAYLOAD_BYTES);
    rec.recordBytes({ kind: 's2c', conn: 'c1' }, data);
    rec.close();
    const evs = bytesOf(readEvents(rec.dir));
    expect(evs.length).toBeGreaterThanOrEqual(3);
    expect(joined(evs).equals(data)).toBe(true);
    for (const [i, e] of evs.entries()) {
      expect(e.truncated).toBeUndefined();
      expect(Buffer.byteLength(e.text!)).toBeLessThanOrEqual(MAX_EVENT_PAYLOAD_BYTES);
      expect(e.text!.endsWith('\n')).toBe(true);
      expect(e.continued).toBe(i === 0 ? undefined : true);
    }
  });

  it('cuts a line longer than an event between UTF-8 characters, so every part stays text', () => {
    const rec = new SessionRecorder({ dataDir: tmp() });
    const data = Buffer.from('é'.repeat(100) + '\r\n'); // 202 bytes, no line end before the last
    rec.recordBytes({ kind: 'c2s', conn: 'c1', tls: true }, data, { maxEventBytes: 63 });
    rec.close();
    const evs = bytesOf(readEvents(rec.dir));
    expect(evs.length).toBe(4);
    expect(evs.every((e) => e.text !== undefined && e.tls === true)).toBe(true);
    expect(evs.map((e) => e.text).join('')).toBe(data.toString('utf8'));
  });

  it('keeps binary parts exact and maps secret ranges onto the part that holds them', () => {
    const rec = new SessionRecorder({ dataDir: tmp() });
    const secret = 'hunter2-hunter2';
    const data = Buffer.from(`a1 LOGIN bob ${secret}\r\n`);
    const from = data.indexOf(secret);
    rec.recordBytes({ kind: 'c2s', conn: 'c1' }, data, { secrets: [[from, from + secret.length]], maxEventBytes: 16 });
    const bin = Buffer.from([0, 1, 2, 0xff, 0x0a, 3, 4, 5]);
    rec.recordBytes({ kind: 's2c', conn: 'c1' }, bin, { maxEventBytes: 3 });
    rec.close();
    const evs = bytesOf(readEvents(rec.dir));
    const login = evs.filter((e) => e.kind === 'c2s');
    expect(joined(login).equals(data)).toBe(true);
    const redacted = login.map((e) => redactEvent(e) as Bytes).map((e) => e.text).join('');
    expect(redacted).not.toMatch(/hunter/);
    expect(redacted.startsWith('a1 LOGIN bob ')).toBe(true);
    expect(joined(evs.filter((e) => e.kind === 's2c')).equals(bin)).toBe(true);
  });

  it('past the session cap, the parts keep their sizes and their order marks', () => {
    const rec = new SessionRecorder({ dataDir: tmp(), maxRecordedBytes: 100 });
    rec.recordBytes({ kind: 's2c', conn: 'c1' }, Buffer.from('y'.repeat(300)), { maxEventBytes: 100 });
    rec.close();
    const evs = bytesOf(readEvents(rec.dir));
    expect(evs.map((e) => e.truncated ?? Buffer.byteLength(e.text!))).toEqual([100, 100, 100]);
    expect(evs.slice(1).every((e) => e.text === '' && e.continued === true)).toBe(true);
  });
});

describe('past the session cap', () => {
  it('a printable piece leaves the same line and the same published event as any other piece (its size, its marks)', () => {
    // Two recorders past their cap at once, a fixed clock: one records printable pieces (the
    // fast path's line, written as it is), the other binary pieces of the same sizes (append's
    // line, through JSON.stringify). The lines and the published events must be the same.
    const now = () => new Date('2026-12-01T00:00:00.000Z');
    const [fast, general] = [new SessionRecorder({ dataDir: tmp(), maxRecordedBytes: 1, now }), new SessionRecorder({ dataDir: tmp(), maxRecordedBytes: 1, now })];
    const seen: LabEvent[][] = [[], []];
    fast.subscribe((e) => seen[0].push(e));
    general.subscribe((e) => seen[1].push(e));
    for (const r of [fast, general]) r.record({ kind: 'note', text: 'over the cap from here' });
    const printable = Buffer.from('x'.repeat(PRINTABLE_FAST_PATH_MIN_BYTES * 3 - 2) + '\r\n');
    const binary = Buffer.alloc(printable.length, 0x01);
    for (const [origin, opts] of [[{ kind: 's2c', conn: 'c7' }, {}], [{ kind: 'c2s', conn: 'c7', tls: true }, { continued: true }], [{ kind: 's2c', conn: 'c"8', tls: false }, { maxEventBytes: PRINTABLE_FAST_PATH_MIN_BYTES }]] as const) {
      fast.recordBytes(origin, printable, opts);
      general.recordBytes(origin, binary, opts);
    }
    fast.close();
    general.close();
    const lines = (r: SessionRecorder) => readFileSync(r.file, 'utf8');
    expect(lines(fast)).toBe(lines(general));
    expect(bytesOf(readEvents(fast.dir)).map((e) => e.truncated)).toEqual([printable.length, printable.length, PRINTABLE_FAST_PATH_MIN_BYTES, PRINTABLE_FAST_PATH_MIN_BYTES, PRINTABLE_FAST_PATH_MIN_BYTES]);
    expect(seen[0]).toEqual(seen[1]);
    expect(fast.droppedPayloadBytes).toBe(general.droppedPayloadBytes);
  });
});

describe('payload encoding', () => {
  it('records printable bytes as text and binary as base64, exactly', () => {
    expect(encodeBytes(Buffer.from('A0 NOOP\r\n'))).toEqual({ text: 'A0 NOOP\r\n' });
    const hello = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x2f]);
    const enc = encodeBytes(hello);
    expect(enc.b64).toBeDefined();
    expect(decodeBytes(enc)).toEqual(hello);
  });

  it('cuts a 2 MB line to the event limit with the original length as marker', () => {
    const enc = encodeBytes(Buffer.alloc(2_000_000, 0x41));
    expect(enc.truncated).toBe(2_000_000);
    expect(enc.text).toHaveLength(MAX_EVENT_PAYLOAD_BYTES);
  });
});

describe('redaction', () => {
  it('replaces secret ranges and the lab password', () => {
    const ev = redactEvent({ seq: 1, t: '', kind: 'c2s', conn: 'c1', text: 'a1 LOGIN bob 1234\r\n', secrets: [[13, 17]] });
    expect(ev).toMatchObject({ text: `a1 LOGIN bob ${REDACTED}\r\n` });
    const start = redactEvent({ seq: 1, t: '', kind: 'lab.start', version: '0', listeners: {}, account: { user: 'u', password: 'p' }, settings: {} });
    expect(start).toMatchObject({ account: { user: 'u', password: REDACTED } });
  });
});

describe('recording a unit that arrives in chunks (a spooled literal)', () => {
  /** The c2s events of the unit without seq and time, to compare two recordings. */
  const shape = (rec: SessionRecorder) => {
    rec.close();
    return bytesOf(readEvents(rec.dir)).map(({ seq: _s, t: _t, ...rest }) => rest);
  };

  it('makes exactly the events recordBytes makes of the whole unit, however it is chunked', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 3000 }).map((b) => Buffer.from(b.map((x) => (x % 7 === 0 ? 0x0a : x % 3 === 0 ? 0xc3 : x)))),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 8, max: 300 }),
        fc.boolean(),
        (data, cuts, maxEventBytes, secret) => {
          const secrets: Array<[number, number]> | undefined = secret && data.length ? [[0, data.length]] : undefined;
          const whole = new SessionRecorder({ dataDir: tmp() });
          whole.recordBytes({ kind: 'c2s', conn: 'c1' }, data, { maxEventBytes, secrets });
          const streamed = new SessionRecorder({ dataDir: tmp() });
          const unit = streamed.recordBytesStream({ kind: 'c2s', conn: 'c1' }, { maxEventBytes, secrets });
          let pos = 0;
          for (let i = 0; pos < data.length; i++) {
            const n = cuts[i % cuts.length];
            unit.write(data.subarray(pos, pos + n));
            pos += n;
          }
          unit.end();
          expect(shape(streamed)).toEqual(shape(whole));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('holds no more than about one event of the unit at a time', () => {
    const cutter = new PieceCutter(1000);
    let emitted = 0;
    const count = (p: { bytes: Uint8Array }) => (emitted += p.bytes.length);
    for (let i = 0; i < 200; i++) {
      cutter.push(Buffer.alloc(700, 'x'), count);
      expect((i + 1) * 700 - emitted).toBeLessThanOrEqual(1000 + 700);
    }
    cutter.end(count);
    expect(emitted).toBe(200 * 700);
  });
});
