import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionRecorder, readEvents, encodeBytes, decodeBytes, redactEvent, REDACTED, MAX_EVENT_PAYLOAD_BYTES } from '../electron/lab/recorder/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mp-rec-'));

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
