/**
 * One real client against its own lab (the engine `mailprobe lab` runs, here in the test
 * process: loopback, port 0), then the diagnosis `mailprobe diagnose` prints for that lab's
 * session (the command is `diagnose(readEvents(dir), { profiles })`): one session per client
 * and mode, so the diagnosis speaks about that client alone. Every lab of a test file shares
 * one data dir, so they share one CA (`<data-dir>/certs/ca.pem`, what a user hands to a client)
 * and it is made once. In the test process because a Node start per lab and per diagnosis
 * would be most of the cost on two cores.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnosis, LabEvent } from '../../../electron/api.js';
import { diagnose } from '../../../electron/lab/diagnosis/index.js';
import { startLab, type StartedLab } from '../../../electron/lab/lab.js';
import type { LabOptions } from '../../../electron/lab/lab-types.js';
import { defaultProfilesDir } from '../../../electron/lab/package-root.js';
import { loadProfiles } from '../../../electron/lab/profiles/index.js';
import { readEvents } from '../../../electron/lab/recorder/index.js';
import { eventsOf, waitFor } from '../lab.js';
import type { ClientDriver, ClientRunResult, Security, Trust } from './types.js';
import { tempDir } from '../temp.js';

export const LAB_USER = 'phone';
const PROFILES = loadProfiles(defaultProfilesDir());
export const LAB_PASSWORD = 'client-matrix-7351';

export interface LabRun {
  result: ClientRunResult;
  events: LabEvent[];
  diagnosis: Diagnosis;
}

export function certsDirOf(dataDir: string): string {
  return join(dataDir, 'certs');
}

/** The lab's server certificates in PEM (one per signature algorithm it serves). */
export function serverCertFiles(dataDir: string): string[] {
  const dir = certsDirOf(dataDir);
  return readdirSync(dir)
    .filter((f) => /^server.*\.pem$/.test(f))
    .map((f) => join(dir, f));
}

/** How long a run waits for the lab to record the last connection's close. */
const CLOSE_WAIT_MS = 5000;

function allClosed(events: LabEvent[]): boolean {
  const open = new Set<string>();
  for (const e of events) {
    if (e.kind === 'conn.open' && e.conn) open.add(e.conn);
    if (e.kind === 'conn.close' && e.conn) open.delete(e.conn);
  }
  return open.size === 0;
}

type ClientLabPorts = Partial<Pick<LabOptions, 'imapPort' | 'imapsPort' | 'smtpPort' | 'smtpsPort' | 'pop3Port' | 'pop3sPort'>>;

const IMAP_ONLY: ClientLabPorts = { imapPort: 0, imapsPort: 0 };

function startClientLab(dataDir: string, ports: ClientLabPorts = IMAP_ONLY) {
  return startLab({ bind: '127.0.0.1', httpPort: null, dataDir, user: LAB_USER, password: LAB_PASSWORD, ...ports });
}

/** Start and stop one lab, so that the labs run side by side later find their CA and certificate made. */
export async function makeLabCertificates(dataDir: string): Promise<void> {
  await (await startClientLab(dataDir)).stop();
}

/**
 * One client run in a lab of its own with the listeners `ports`: `run` gets the lab and a fresh
 * work directory; the lab stops once every connection's close is recorded, and the result comes
 * with the session's events and their diagnosis.
 */
export async function runInClientLab(
  name: string,
  ports: ClientLabPorts,
  dataDir: string,
  run: (lab: StartedLab, workDir: string) => Promise<ClientRunResult>,
): Promise<LabRun> {
  const lab = await startClientLab(dataDir, ports);
  // Directly under the temp dir: getmail runs as nobody and must reach it.
  const workDir = tempDir(`mp-${name}-`);
  let result: ClientRunResult;
  try {
    result = await run(lab, workDir);
    // A client that gave up (a refused certificate) may be gone before the lab has recorded
    // why: stop the lab only once every connection's close is in the session.
    await waitFor(() => allClosed(eventsOf(lab)), CLOSE_WAIT_MS, 'every connection closed').catch(() => undefined);
  } finally {
    await lab.stop();
    rmSync(workDir, { recursive: true, force: true }); // the messages are read; configs hold the password
  }
  const events = readEvents(lab.sessionDir);
  return { result, events, diagnosis: diagnose(events, { profiles: PROFILES }) };
}

export async function runAgainstLab(
  client: ClientDriver,
  mode: { security: Security; trust: Trust; host: string },
  env: { dataDir: string; foreignCaFile: string; timeoutMs: number },
): Promise<LabRun> {
  return runInClientLab(client.name, IMAP_ONLY, env.dataDir, (lab, workDir) => {
    const listener = mode.security === 'imaps' ? lab.listeners.imaps! : lab.listeners.imap!;
    return client.run({
      ...mode,
      port: listener.port,
      user: LAB_USER,
      password: LAB_PASSWORD,
      caFile: mode.trust === 'foreign-ca' ? env.foreignCaFile : join(certsDirOf(env.dataDir), 'ca.pem'),
      serverCertFiles: serverCertFiles(env.dataDir),
      workDir,
      timeoutMs: env.timeoutMs,
    });
  });
}
