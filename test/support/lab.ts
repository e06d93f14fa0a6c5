/**
 * Start a lab in-process for a test: loopback, free ports, a fresh data dir, and one set of
 * certificates shared by all labs of the test file (generating a CA per lab costs ~0.3 s).
 */
import { ensureLabCertificates, type LabCertificates } from '../../electron/lab/certs/index.js';
import { startLab, type LabExtras, type StartedLab } from '../../electron/lab/lab.js';
import type { LabOptions } from '../../electron/lab/lab-types.js';
import { readEvents } from '../../electron/lab/recorder/index.js';
import type { LabEvent } from '../../electron/api.js';
import type { RawClient } from './raw-client.js';
import { tempDir } from './temp.js';

export { tempDir };

export const TEST_USER = 'phone';
export const TEST_PASSWORD = '424242';

let certs: Promise<LabCertificates> | null = null;

export function testCertificates(): Promise<LabCertificates> {
  certs ??= ensureLabCertificates({ dataDir: tempDir('mp-certs-'), hosts: ['127.0.0.1'] });
  return certs;
}

export async function startTestLab(opts: Partial<LabOptions> & LabExtras = {}): Promise<StartedLab> {
  return startLab({
    bind: '127.0.0.1',
    imapPort: 0,
    imapsPort: 0,
    // SMTP and POP3 listeners only where a test asks for them (smtpPort: 0, pop3Port: 0), so
    // that IMAP tests bind nothing more (and never 110/995 or 587/465).
    smtpPort: null,
    smtpsPort: null,
    pop3Port: null,
    pop3sPort: null,
    httpPort: null,
    dataDir: tempDir('mp-lab-'),
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

/** Poll every 20 ms until `probe` gives something other than undefined or false; resolves with it. */
export async function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 5000, what = 'a condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = probe();
    if (got !== undefined && got !== false) return got;
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Wait until an event matching `pred` has been recorded. */
export function waitForEvent(lab: StartedLab, pred: (e: LabEvent) => boolean, timeoutMs = 5000): Promise<LabEvent> {
  return waitFor(() => eventsOf(lab).find(pred), timeoutMs, 'an event');
}

/**
 * The lab's id for a client's connection, once greeted: the newest conn.open from the client's
 * address (after many connections to one lab, a local port comes round again).
 */
export async function connOf(lab: StartedLab, c: RawClient): Promise<string> {
  const local = `${c.socket.localAddress}:${c.socket.localPort}`;
  const open = await waitFor(() => eventsOf(lab).findLast((e) => e.kind === 'conn.open' && e.remote === local), 5000, 'conn.open');
  return open.conn!;
}

/** The conn.close event of a connection, once recorded. */
export function closeOf(lab: StartedLab, conn: string): Promise<LabEvent> {
  return waitForEvent(lab, (e) => e.kind === 'conn.close' && e.conn === conn);
}

/** The c2s/s2c text of one connection, in order, as a transcript ("C: …" / "S: …"). */
export function transcript(events: LabEvent[], conn: string): string[] {
  const out: string[] = [];
  for (const e of events) {
    if ((e.kind === 'c2s' || e.kind === 's2c') && e.conn === conn) out.push(`${e.kind === 'c2s' ? 'C' : 'S'}: ${e.text ?? '[b64] ' + e.b64}`);
  }
  return out;
}
