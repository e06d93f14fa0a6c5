/**
 * `mailprobe lab` when the reader of its stdout or stderr goes away (`mailprobe lab | head -1`,
 * a script piping --json into jq that exits, a harness that dies with the pipes): the lab goes
 * on serving the phone, idle at no CPU, stops writing to the dead stream, records every event
 * and a note saying the stream went, and still ends its session cleanly on a stop signal.
 * Real processes (the built CLI: `npm run build:node` first) and real pipes, closed by the reader.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import { readEvents } from '../../electron/lab/recorder/index.js';
import { spawnLab, type LabProcess } from '../support/cli.js';
import { tempDir, waitFor } from '../support/lab.js';
import { RawClient } from '../support/raw-client.js';

const base = (dir: string) => ['--bind', '127.0.0.1', '--imap-port', '0', '--imaps-port', '0', '--smtp-port', '0', '--smtps-port', '0', '--pop3-port', '0', '--pop3s-port', '0', '--http-port', '0', '--data-dir', dir, '--user', 'phone', '--password', '123456'];

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
/** How long the lab is watched idle, and the most CPU it may use meanwhile (a spinning lab used a whole core). */
const IDLE_WINDOW_MS = 2000;
const MAX_IDLE_CPU_SHARE = 0.1;

/** User plus system CPU time of a process so far, in seconds (/proc/PID/stat fields 14 and 15). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // the name may hold spaces
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

async function cpuWhileIdle(lab: LabProcess): Promise<number> {
  const before = cpuSeconds(lab.child.pid!);
  await new Promise((r) => setTimeout(r, IDLE_WINDOW_MS));
  return cpuSeconds(lab.child.pid!) - before;
}

/** A phone's short IMAP session: greeting, LOGIN, LOGOUT. */
async function loginAndLogout(port: number): Promise<void> {
  const c = await RawClient.connect(port);
  expect(await c.line()).toMatch(/^\* OK /);
  expect(await c.command('a1', 'LOGIN phone 123456')).toEqual(['a1 OK User logged in']);
  expect((await c.command('a2', 'LOGOUT')).at(-1)).toBe('a2 OK Completed');
  await c.closedByServer();
}

const notesOf = (events: LabEvent[]) => events.flatMap((e) => (e.kind === 'note' && e.data?.stream ? [e.data] : []));

describe('mailprobe lab whose stdout and stderr readers went away', () => {
  it('keeps serving at no CPU, records every event and a note per stream, and stops cleanly on SIGTERM', async () => {
    // stderr closed before the lab writes its first line; stdout closed once the ready line is read.
    const lab = await spawnLab([...base(tempDir()), '--json'], 15_000, { stderrClosed: true });
    lab.child.stdout.destroy();
    const { sessionDir, listeners } = lab.ready;

    // --json writes each event of this session to the closed stdout.
    await loginAndLogout(listeners.imap.port);
    expect(await cpuWhileIdle(lab)).toBeLessThan((IDLE_WINDOW_MS / 1000) * MAX_IDLE_CPU_SHARE);
    const notes = await waitFor(() => {
      const n = notesOf(readEvents(sessionDir));
      return n.length === 2 && n;
    }, 5000, 'a note for stdout and one for stderr');
    expect(notes).toEqual(expect.arrayContaining([{ stream: 'stdout', code: 'EPIPE' }, { stream: 'stderr', code: 'EPIPE' }]));
    // Still the phone's lab: a second session is served and recorded like the first.
    await loginAndLogout(listeners.imap.port);
    expect(await cpuWhileIdle(lab)).toBeLessThan((IDLE_WINDOW_MS / 1000) * MAX_IDLE_CPU_SHARE);

    lab.child.kill('SIGTERM');
    expect(await lab.exited).toBe(0);
    const events = readEvents(sessionDir);
    expect(events.filter((e) => e.kind === 'lab.error')).toEqual([]);
    expect(events.filter((e) => e.kind === 'auth').map((e) => e.kind === 'auth' && e.ok)).toEqual([true, true]);
    expect(events.filter((e) => e.kind === 'conn.close')).toHaveLength(2);
    expect(notesOf(events)).toHaveLength(2); // said once per stream, not once per write
    expect(events.at(-1)).toMatchObject({ kind: 'lab.stop', reason: 'SIGTERM' });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });

  it('with only stdout gone (`| head -1`), stderr still shows the hand-off QR code and the lab idles', async () => {
    const lab = await spawnLab([...base(tempDir()), '--json']);
    lab.child.stdout.destroy();
    await loginAndLogout(lab.ready.listeners.imap.port);
    expect(await cpuWhileIdle(lab)).toBeLessThan((IDLE_WINDOW_MS / 1000) * MAX_IDLE_CPU_SHARE);
    await waitFor(() => notesOf(readEvents(lab.ready.sessionDir)).length === 1, 5000, 'the note for stdout');
    expect(notesOf(readEvents(lab.ready.sessionDir))).toEqual([{ stream: 'stdout', code: 'EPIPE' }]);
    await waitFor(() => lab.stderr().includes('█'), 5000, 'the QR code on stderr');
    lab.child.kill('SIGINT');
    expect(await lab.exited).toBe(0);
    expect(readEvents(lab.ready.sessionDir).at(-1)).toMatchObject({ kind: 'lab.stop', reason: 'SIGINT' });
  });

  it('ends the session cleanly when its terminal is closed (SIGHUP)', async () => {
    const lab = await spawnLab(base(tempDir()));
    lab.child.kill('SIGHUP');
    expect(await lab.exited).toBe(0);
    expect(readEvents(lab.ready.sessionDir).at(-1)).toMatchObject({ kind: 'lab.stop', reason: 'SIGHUP' });
  });
});
