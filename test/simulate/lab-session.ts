/** One in-process lab for a test file, and a way to diagnose just what one client did to it. */
import type { Diagnosis, LabEvent, Severity } from '../../electron/api.js';
import { diagnose, IncrementalDiagnosis } from '../../electron/lab/diagnosis/index.js';
import { startLab } from '../../electron/lab/lab.js';
import type { LabOptions } from '../../electron/lab/lab-types.js';
import { readEvents } from '../../electron/lab/recorder/index.js';
import { tempDir } from '../support/temp.js';

export const PASSWORD = 'secret42';

export type Lab = Awaited<ReturnType<typeof startLab>>;

export async function startTestLab(extra: Partial<LabOptions> = {}): Promise<Lab> {
  return startLab({ dataDir: tempDir('mp-sim-'), bind: '127.0.0.1', imapPort: 0, imapsPort: 0, smtpPort: 0, smtpsPort: 0, pop3Port: 0, pop3sPort: 0, httpPort: null, password: PASSWORD, ...extra });
}

export interface Observed {
  events: LabEvent[];
  diagnosis: Diagnosis;
  /** What the live timeline showed after the last event (must equal `diagnosis`). */
  live: Diagnosis;
}

/** Run `fn` and diagnose the events the lab recorded meanwhile, once every connection has closed. */
export async function observe(lab: Lab, fn: () => Promise<unknown>): Promise<Observed> {
  // The session's lab.start comes first, as in the saved session: it says which network the lab is on.
  lab.recorder.flush();
  const events: LabEvent[] = readEvents(lab.sessionDir).filter((e) => e.kind === 'lab.start');
  const live = new IncrementalDiagnosis();
  for (const ev of events) live.push(ev);
  const off = lab.recorder.subscribe((ev) => {
    events.push(ev);
    live.push(ev);
  });
  try {
    await fn();
    const until = Date.now() + 5000;
    for (;;) {
      const open = new Set(events.filter((e) => e.kind === 'conn.open').map((e) => e.conn));
      for (const e of events) if (e.kind === 'conn.close') open.delete(e.conn);
      if (open.size === 0 || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    off();
  }
  return { events, diagnosis: diagnose(events), live: live.result() };
}

export function serious(d: Diagnosis): string[] {
  const bad: Severity[] = ['warning', 'error'];
  return d.findings.filter((f) => bad.includes(f.severity)).map((f) => f.id).sort();
}
