/** Reading a session's events back: tolerant of a torn last line (a lab killed mid-write). */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LabEvent } from '../../api.js';

export const EVENTS_FILE = 'events.jsonl';

/** Parse JSONL text into events. A line that does not parse is skipped only if it is the last. */
export function parseEvents(text: string): LabEvent[] {
  const lines = text.split('\n');
  const events: LabEvent[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    try {
      events.push(JSON.parse(line) as LabEvent);
    } catch (err) {
      const isLast = lines.slice(i + 1).every((l) => l.trim() === '');
      if (isLast) break; // torn final write: everything before it is intact
      throw new Error(`events line ${i + 1} is not JSON: ${(err as Error).message}`);
    }
  }
  return events;
}

/** Accepts a session directory or an events.jsonl path. */
export function eventsPath(sessionDirOrFile: string): string {
  return statSync(sessionDirOrFile).isDirectory() ? join(sessionDirOrFile, EVENTS_FILE) : sessionDirOrFile;
}

export function readEvents(sessionDirOrFile: string): LabEvent[] {
  return parseEvents(readFileSync(eventsPath(sessionDirOrFile), 'utf8'));
}
