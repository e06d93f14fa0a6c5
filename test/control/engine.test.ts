// The engine side of the wizard's API: batching, replay, limits, errors as data.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiStreamMessage, LabEvent } from '../../electron/api.js';
import { Engine, MAX_RECORDED_REFUSALS, SNAPSHOT_CHUNK, STREAM_BATCH_MS, type EngineDeps } from '../../electron/lab/control/index.js';
import type { LabOptions, RunningLab } from '../../electron/lab/lab-types.js';
import { readEvents } from '../../electron/lab/recorder/index.js';
import { fakeLab } from './fake-lab.js';
import { tempDir } from '../support/temp.js';

const tmp = () => tempDir('mp-engine-');
const countingDiagnosis: EngineDeps['createDiagnosis'] = () => {
  let n = 0;
  return { push: () => void n++, result: () => ({ verdict: 'inconclusive', attempts: [], findings: [], n }) as never };
};

describe('Engine', () => {
  it(`forwards a burst of events as one batch (every ${STREAM_BATCH_MS} ms), with the diagnosis after it`, async () => {
    const dataDir = tmp();
    const lab = fakeLab(dataDir);
    const engine = new Engine({ mode: 'browser', dataDir, deps: { createDiagnosis: countingDiagnosis }, lab, diagnosisMs: 0 });
    const msgs: ApiStreamMessage[] = [];
    engine.subscribe((m) => msgs.push(m));
    msgs.length = 0;
    for (let i = 0; i < 1000; i++) lab.recorder.record({ kind: 'c2s', conn: 'c1', text: `A${i} NOOP\r\n` });
    await new Promise((r) => setTimeout(r, STREAM_BATCH_MS * 3));
    const batches = msgs.filter((m) => m.type === 'events');
    expect(batches).toHaveLength(1);
    expect(batches[0].type === 'events' && batches[0].events).toHaveLength(1000);
    expect(msgs.at(-1)).toMatchObject({ type: 'diagnosis', diagnosis: { n: 1001 } });
    await engine.close();
    await lab.stop();
  });

  it(`replays a long session to a new subscriber in chunks of ${SNAPSHOT_CHUNK} events, in order`, async () => {
    const dataDir = tmp();
    const lab = fakeLab(dataDir);
    for (let i = 0; i < SNAPSHOT_CHUNK * 2 + 10; i++) lab.recorder.record({ kind: 's2c', conn: 'c1', text: `* ${i} EXISTS\r\n` });
    const engine = new Engine({ mode: 'browser', dataDir, deps: {}, lab });
    const msgs: ApiStreamMessage[] = [];
    engine.subscribe((m) => msgs.push(m));
    const sizes = msgs.filter((m) => m.type === 'events').map((m) => (m.type === 'events' ? m.events.length : 0));
    expect(sizes).toEqual([SNAPSHOT_CHUNK, SNAPSHOT_CHUNK, 11]);
    const seqs = msgs.flatMap((m) => (m.type === 'events' ? m.events.map((e) => e.seq) : []));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(msgs[0].type).toBe('reset');
    await engine.close();
    await lab.stop();
  });

  it(`records at most ${MAX_RECORDED_REFUSALS} refused control requests per session`, async () => {
    const dataDir = tmp();
    const lab = fakeLab(dataDir);
    const engine = new Engine({ mode: 'browser', dataDir, deps: {}, lab });
    for (let i = 0; i < MAX_RECORDED_REFUSALS + 20; i++) engine.recordRefusal({ status: 401, reason: 'missing token', method: 'POST', path: '/api/lab.stop' });
    lab.recorder.flush();
    expect(readEvents(lab.sessionDir).filter((e) => e.kind === 'input.rejected')).toHaveLength(MAX_RECORDED_REFUSALS);
    await engine.close();
    await lab.stop();
  });

  it('starts the lab where the wizard says, and turns a busy port into a conflict the technician can act on', async () => {
    const dataDir = tmp();
    const seen: Array<Partial<LabOptions>> = [];
    let busy = false;
    const startLab = async (o: Partial<LabOptions>): Promise<RunningLab> => {
      seen.push(o);
      if (busy) throw Object.assign(new Error('listen EADDRINUSE: address already in use 0.0.0.0:143'), { code: 'EADDRINUSE' });
      return fakeLab(dataDir, o);
    };
    const engine = new Engine({ mode: 'browser', dataDir, deps: { startLab } });
    const status = await engine.call('lab.start', { address: '192.168.1.20', ports: 'high' });
    expect(status).toMatchObject({ state: 'running', startedBy: 'ui', address: '192.168.1.20', firewallHint: expect.stringContaining('1143') });
    expect(seen[0]).toMatchObject({ bind: '192.168.1.20', imapPort: 1143, imapsPort: 1993, httpPort: 8080, emptyLine: 'strict', variants: 'off' });
    // The wizard's "vary the server" switch.
    await engine.call('lab.start', { address: '192.168.1.20', ports: 'high', variants: 'auto' });
    expect(seen[1]).toMatchObject({ variants: 'auto' });
    busy = true;
    const err = await engine.call('lab.start', { address: '192.168.1.20', ports: 'standard' });
    expect(seen).toHaveLength(3);
    expect(err).toMatchObject({ error: { code: 'conflict', message: expect.stringMatching(/already in use.*high ports/) } });
    expect(await engine.call('lab.start', {} as never)).toMatchObject({ error: { code: 'bad-request' } });
    await engine.close();
  });

  it('reopens a recorded session read-only and refuses ids that leave the sessions directory', async () => {
    const dataDir = tmp();
    const lab = fakeLab(dataDir);
    lab.recorder.record({ kind: 'note', text: 'hello' });
    await lab.stop();
    const engine = new Engine({ mode: 'browser', dataDir, deps: {} });
    const id = lab.sessionDir.split('/').pop()!;
    const msgs: ApiStreamMessage[] = [];
    engine.subscribe((m) => msgs.push(m));
    expect(await engine.call('session.open', { id })).toMatchObject({ state: 'replay', sessionId: id, eventCount: 3 });
    const replayed = msgs.flatMap((m) => (m.type === 'events' ? m.events : [])) as LabEvent[];
    expect(replayed.map((e) => e.kind)).toEqual(['lab.start', 'note', 'lab.stop']);
    expect(await engine.call('session.open', { id: '../../etc' })).toMatchObject({ error: { code: 'not-found' } });
    expect(await engine.call('plan.select', { test: { id: 't', title: 't', security: 'none', mechanism: 'AUTO', why: '' } })).toMatchObject({ error: { code: 'conflict' } });
    await engine.close();
  });

  it('answers unknown methods and missing modules as errors, never by throwing', async () => {
    const engine = new Engine({ mode: 'browser', dataDir: tmp(), deps: {} });
    expect(await engine.call('nope' as never, {} as never)).toMatchObject({ error: { code: 'not-found' } });
    expect(await engine.call('lab.start', { address: '127.0.0.1' })).toMatchObject({ error: { code: 'internal', message: expect.stringContaining('lab module') } });
    expect(await engine.call('report.export', { includeSecrets: false })).toMatchObject({ error: { code: 'conflict' } });
    expect(await engine.call('app.info', {})).toMatchObject({ mode: 'browser', features: { lab: false, report: false, demo: false } });
    await engine.close();
  });
});

describe('countLines', () => {
  it('counts the events of a session file larger than its 1 MiB read buffer, and returns the first line', async () => {
    const { countLines } = await import('../../electron/lab/control/engine.js');
    const { writeFileSync } = await import('node:fs');
    const file = join(tmp(), 'events.jsonl');
    const line = JSON.stringify({ seq: 1, t: '2026-11-29T10:00:00.000Z', kind: 'note', text: 'x'.repeat(200) });
    writeFileSync(file, (line + '\n').repeat(12_000));
    expect(countLines(file)).toEqual({ lines: 12_000, first: line });
  });
});
