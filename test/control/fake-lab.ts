// A RunningLab made of a real SessionRecorder and no listeners: enough to drive the control API.
import { SessionRecorder } from '../../electron/lab/recorder/index.js';
import type { LabOptions, RunningLab } from '../../electron/lab/lab-types.js';

export function fakeLab(dataDir: string, opts: Partial<LabOptions> = {}): RunningLab {
  const recorder = new SessionRecorder({ dataDir });
  const listeners = { imap: { host: opts.bind ?? '127.0.0.1', port: opts.imapPort ?? 1143 }, http: { host: opts.bind ?? '127.0.0.1', port: 8080 } };
  const handoffUrl = `http://${opts.bind ?? '127.0.0.1'}:8080/c`;
  recorder.record({ kind: 'lab.start', version: 'test', listeners, account: { user: 'phone', password: 'secret-pw' }, settings: {}, handoffUrl });
  let stopped = false;
  return {
    recorder,
    sessionDir: recorder.dir,
    listeners,
    handoffUrl,
    account: { user: 'phone', password: 'secret-pw' },
    options: { bind: '127.0.0.1', dataDir, ...opts } as LabOptions,
    async stop(reason = 'stopped') {
      if (stopped) return;
      stopped = true;
      recorder.record({ kind: 'lab.stop', reason });
      recorder.close();
    },
  };
}
