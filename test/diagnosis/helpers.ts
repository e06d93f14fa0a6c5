/** Shared helpers for the diagnosis tests: fixtures, event builders, normalisation. */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnosis, EventInput, LabEvent } from '../../electron/api.js';
import { readEvents } from '../../electron/lab/recorder/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES).filter((f) => f.endsWith('.jsonl')).sort();
}

export function fixture(name: string): LabEvent[] {
  return readEvents(join(FIXTURES, name));
}

/** Build a session from inputs: seq from 1, t advancing 10 ms per event unless `at` (ms) given. */
export function session(inputs: Array<EventInput | [number, EventInput]>): LabEvent[] {
  let ms = Date.parse('2026-11-29T10:00:00.000Z');
  return inputs.map((x, i) => {
    const [at, e] = Array.isArray(x) ? x : [undefined, x];
    ms = at !== undefined ? Date.parse('2026-11-29T10:00:00.000Z') + at : ms + 10;
    return { seq: i + 1, t: new Date(ms).toISOString(), ...e } as LabEvent;
  });
}

/** A plain IMAP conversation on c1: lines prefixed "C: " or "S: " become c2s/s2c events (CRLF added). */
export function conversation(lines: string[], extra: { proto?: 'imap' | 'imaps' } = {}): LabEvent[] {
  const inputs: EventInput[] = [
    { kind: 'lab.start', version: 't', listeners: {}, account: { user: 'u', password: 'p' }, settings: {} },
    { kind: 'conn.open', conn: 'c1', proto: extra.proto ?? 'imap', remote: '127.0.0.1:5000', local: '127.0.0.1:143', port: 143 },
  ];
  for (const l of lines) {
    const dir = l.startsWith('C: ') ? 'c2s' : 's2c';
    inputs.push({ kind: dir, conn: 'c1', text: l.slice(3) + '\r\n' });
  }
  inputs.push({ kind: 'conn.close', conn: 'c1', by: 'client', bytesIn: 0, bytesOut: 0 });
  return session(inputs);
}

export function ids(d: Diagnosis): string[] {
  return d.findings.map((f) => f.id).sort();
}
