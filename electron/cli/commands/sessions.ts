/** `mailprobe sessions [--data-dir DIR] [--json]`: the recorded sessions, newest first. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LabEvent } from '../../api.js';
import { defaultDataDir } from '../../lab/paths.js';
import { EVENTS_FILE, readEvents } from '../../lab/recorder/index.js';
import { parseFlags } from '../usage.js';

interface SessionSummary {
  id: string;
  dir: string;
  start: string | null;
  stop: string | null;
  connections: number;
  auth: Array<{ conn: string; mechanism: string; user: string; ok: boolean }>;
  events: number;
}

function summarize(dir: string, id: string): SessionSummary {
  let events: LabEvent[] = [];
  try {
    events = readEvents(dir);
  } catch {
    events = [];
  }
  const start = events.find((e) => e.kind === 'lab.start')?.t ?? events[0]?.t ?? null;
  const stop = events.find((e) => e.kind === 'lab.stop')?.t ?? null;
  return {
    id,
    dir,
    start,
    stop,
    connections: events.filter((e) => e.kind === 'conn.open').length,
    auth: events.flatMap((e) => (e.kind === 'auth' ? [{ conn: e.conn, mechanism: e.mechanism, user: e.user, ok: e.ok }] : [])),
    events: events.length,
  };
}

function listSessions(dataDir: string): SessionSummary[] {
  const root = join(dataDir, 'sessions');
  if (!existsSync(root)) return [];
  const out: SessionSummary[] = [];
  for (const id of readdirSync(root)) {
    const dir = join(root, id);
    if (!existsSync(join(dir, EVENTS_FILE))) continue;
    out.push(summarize(dir, id));
  }
  const key = (s: SessionSummary) => s.start ?? statSync(s.dir).mtime.toISOString();
  return out.sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : b.id.localeCompare(a.id)));
}

function authText(s: SessionSummary): string {
  if (s.auth.length === 0) return '-';
  return s.auth.map((a) => `${a.mechanism} ${a.ok ? 'ok' : 'failed'}`).join(', ');
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { 'data-dir': { type: 'string' }, json: { type: 'boolean' } }, false);
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const sessions = listSessions(dataDir);
  if (values.json) {
    process.stdout.write(JSON.stringify(sessions) + '\n');
    return 0;
  }
  if (sessions.length === 0) {
    process.stdout.write(`no sessions in ${join(dataDir, 'sessions')}\n`);
    return 0;
  }
  process.stdout.write(['SESSION', 'STARTED', 'CONNECTIONS', 'AUTH'].join('\t') + '\n');
  for (const s of sessions) {
    process.stdout.write([s.id, s.start ?? '?', String(s.connections), authText(s)].join('\t') + '\n');
  }
  return 0;
}
