// The control engine attaches to a lab as soon as it is bound: a mailbox being indexed reaches the
// wizard as it happens, and a lab that fails while indexing leaves its session to read.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiStreamMessage, LabEvent } from '../../electron/api.js';
import { Engine, STREAM_BATCH_MS } from '../../electron/lab/control/index.js';
import type { LabStartHooks } from '../../electron/lab/control/deps.js';
import type { LabOptions, RunningLab } from '../../electron/lab/lab-types.js';
import { fakeLab } from './fake-lab.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mp-engine-index-'));
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const progress = (bytesDone: number, messages: number, done = false) => ({ kind: 'mailbox.indexing' as const, path: '/home/tech/export.mbox', bytesDone, bytesTotal: 2e9, messages, done });

function indexingEvents(msgs: ApiStreamMessage[]): LabEvent[] {
  return msgs.flatMap((m) => (m.type === 'events' ? m.events.filter((e) => e.kind === 'mailbox.indexing') : []));
}

describe('Engine: a lab that indexes a mailbox before it serves', () => {
  it('streams the indexing progress to subscribers while lab.start is still running', async () => {
    const dataDir = tmp();
    let finish!: () => void;
    const indexed = new Promise<void>((r) => (finish = r));
    const startLab = async (o: Partial<LabOptions>, hooks?: LabStartHooks): Promise<RunningLab> => {
      const lab = fakeLab(dataDir, o);
      hooks?.onBound?.(lab);
      lab.recorder.record(progress(4e8, 4000));
      lab.recorder.record(progress(1.2e9, 12034));
      await indexed;
      lab.recorder.record(progress(2e9, 20001, true));
      return lab;
    };
    const engine = new Engine({ mode: 'browser', dataDir, deps: { startLab }, batchMs: 5 });
    const msgs: ApiStreamMessage[] = [];
    engine.subscribe((m) => msgs.push(m));
    const call = engine.call('lab.start', { address: '127.0.0.1' });
    await wait(STREAM_BATCH_MS);
    // Before lab.start has answered: the wizard already shows the running lab and where indexing is.
    expect(engine.status()).toMatchObject({ state: 'running', startedBy: 'ui', address: '127.0.0.1' });
    expect(msgs.some((m) => m.type === 'reset' && m.status.state === 'running')).toBe(true);
    expect(indexingEvents(msgs).map((e) => (e as Extract<LabEvent, { kind: 'mailbox.indexing' }>).messages)).toEqual([4000, 12034]);
    finish();
    expect(await call).toMatchObject({ state: 'running' });
    await wait(STREAM_BATCH_MS);
    expect(indexingEvents(msgs).map((e) => (e as Extract<LabEvent, { kind: 'mailbox.indexing' }>).done)).toEqual([false, false, true]);
    // One session: attached once, not reset again when lab.start returned.
    expect(msgs.filter((m) => m.type === 'reset')).toHaveLength(2); // the subscribe snapshot, then the bound lab
    await engine.close();
  });

  it('a lab that fails while indexing: lab.start answers the error, the wizard is left with that session to read', async () => {
    const dataDir = tmp();
    let bound: RunningLab | undefined;
    const startLab = async (o: Partial<LabOptions>, hooks?: LabStartHooks): Promise<RunningLab> => {
      bound = fakeLab(dataDir, o);
      hooks?.onBound?.(bound);
      bound.recorder.record(progress(4e8, 4000));
      await bound.stop('the mailbox could not be read: EIO');
      throw new Error('export.mbox: read error (EIO)');
    };
    const engine = new Engine({ mode: 'browser', dataDir, deps: { startLab }, batchMs: 5 });
    const msgs: ApiStreamMessage[] = [];
    engine.subscribe((m) => msgs.push(m));
    const res = await engine.call('lab.start', { address: '127.0.0.1' });
    expect(res).toMatchObject({ error: { message: 'export.mbox: read error (EIO)' } });
    expect(engine.status()).toMatchObject({ state: 'replay', sessionDir: bound!.sessionDir });
    expect(msgs.at(-1)).toMatchObject({ type: 'status', status: { state: 'replay' } });
    expect(indexingEvents(msgs)).toHaveLength(1);
    await engine.close();
  });
});

describe('Engine: the customer mailbox the wizard names', () => {
  it('passes the path to the lab, and refuses one that is not a mailbox with the reason, before anything starts', async () => {
    const dataDir = tmp();
    const seen: Array<Partial<LabOptions>> = [];
    const { loadEngineDeps } = await import('../../electron/lab/control/deps.js');
    const real = await loadEngineDeps();
    const startLab = async (o: Partial<LabOptions>, hooks?: LabStartHooks): Promise<RunningLab> => {
      seen.push(o);
      // A real start for the bad path (the lab's own check), a fake one otherwise.
      return o.mailbox === '/nowhere/export.mbox' ? real.startLab!({ ...o, imapPort: 0, imapsPort: 0, smtpPort: 0, smtpsPort: 0, pop3Port: 0, pop3sPort: 0, httpPort: 0 }, hooks) : fakeLab(dataDir, o);
    };
    const engine = new Engine({ mode: 'browser', dataDir, deps: { startLab } });
    expect(await engine.call('lab.start', { address: '127.0.0.1', mailbox: '  /home/tech/export.mbox ' })).toMatchObject({ state: 'running' });
    expect(seen[0]).toMatchObject({ mailbox: '/home/tech/export.mbox' });
    await engine.call('lab.start', { address: '127.0.0.1', mailbox: '' });
    expect(seen[1].mailbox).toBeUndefined();
    expect(await engine.call('lab.start', { address: '127.0.0.1', mailbox: '/nowhere/export.mbox' })).toMatchObject({
      error: { code: 'bad-request', message: 'mailbox path /nowhere/export.mbox does not exist' },
    });
    expect(await engine.call('lab.start', { address: '127.0.0.1', mailbox: 42 as never })).toMatchObject({ error: { code: 'bad-request' } });
    await engine.close();
  });
});
