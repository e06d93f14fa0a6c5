/**
 * The report's transcript lines for a response longer than one event (recorded whole as several
 * events, `continued` on the later ones): the later events read as more of the same response.
 */
import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import { eventLines } from '../../electron/lab/report/transcript.js';
import { SessionRecorder, readEvents } from '../../electron/lab/recorder/index.js';
import { tempDir } from '../support/lab.js';

describe('report transcript of a split response', () => {
  it('keeps whole lines in every event and labels the continuation with its size', () => {
    const rec = new SessionRecorder({ dataDir: tempDir() });
    const body = Array.from({ length: 40 }, (_, i) => `line ${i} ${'z'.repeat(20)}`).join('\r\n');
    rec.recordBytes({ kind: 's2c', conn: 'c1' }, Buffer.from(`* 1 FETCH (BODY[] {${body.length}}\r\n${body})\r\nf1 OK Completed\r\n`), { maxEventBytes: 512 });
    rec.close();
    const events = readEvents(rec.dir) as LabEvent[];
    expect(events.length).toBeGreaterThan(2);
    const lines = events.flatMap((e) => eventLines(e).map((l) => l.text));
    expect(lines[0]).toBe(`* 1 FETCH (BODY[] {${body.length}}`);
    const notes = lines.filter((l) => l.startsWith('[continued: '));
    expect(notes).toHaveLength(events.length - 1);
    expect(notes[0]).toMatch(/^\[continued: \d+ more bytes of the same response\]$/);
    // Apart from the notes, the lines are the response's lines, none broken in two.
    expect(lines.filter((l) => !l.startsWith('[continued: '))).toEqual([`* 1 FETCH (BODY[] {${body.length}}`, ...body.split('\r\n').slice(0, -1), `${body.split('\r\n').at(-1)})`, 'f1 OK Completed']);
  });
});
