/**
 * Start a lab in-process for a test: loopback, free ports, a fresh data dir, and one set of
 * certificates shared by all labs of the test file (generating a CA per lab costs ~0.3 s).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLabCertificates, type LabCertificates } from '../../electron/lab/certs/index.js';
import { startLab, type LabExtras, type StartedLab } from '../../electron/lab/lab.js';
import type { LabOptions } from '../../electron/lab/lab-types.js';
import { readEvents } from '../../electron/lab/recorder/index.js';
import type { LabEvent } from '../../electron/api.js';

export const TEST_USER = 'phone';
export const TEST_PASSWORD = '424242';

let certs: Promise<LabCertificates> | null = null;

export function testCertificates(): Promise<LabCertificates> {
  certs ??= ensureLabCertificates({ dataDir: mkdtempSync(join(tmpdir(), 'mp-certs-')), hosts: ['127.0.0.1'] });
  return certs;
}

export function tempDir(prefix = 'mp-lab-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestLab(opts: Partial<LabOptions> & LabExtras = {}): Promise<StartedLab> {
  return startLab({
    bind: '127.0.0.1',
    imapPort: 0,
    imapsPort: 0,
    httpPort: null,
    dataDir: tempDir(),
    user: TEST_USER,
    password: TEST_PASSWORD,
    certificates: await testCertificates(),
    ...opts,
  });
}

/** The session's events so far (flushed first). */
export function eventsOf(lab: StartedLab): LabEvent[] {
  if (!lab.recorder.closed) lab.recorder.flush();
  return readEvents(lab.sessionDir);
}

/** Wait until an event matching `pred` has been recorded. */
export async function waitForEvent(lab: StartedLab, pred: (e: LabEvent) => boolean, timeoutMs = 5000): Promise<LabEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = eventsOf(lab).find(pred);
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error('timeout waiting for an event');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The c2s/s2c text of one connection, in order, as a transcript ("C: …" / "S: …"). */
export function transcript(events: LabEvent[], conn: string): string[] {
  const out: string[] = [];
  for (const e of events) {
    if ((e.kind === 'c2s' || e.kind === 's2c') && e.conn === conn) out.push(`${e.kind === 'c2s' ? 'C' : 'S'}: ${e.text ?? '[b64] ' + e.b64}`);
  }
  return out;
}
