/**
 * Which running labs serve the certificates of a directory. A lab loads its CA and server
 * certificate once, at start; replacing the CA under it (`mailprobe cert --new-ca`) would leave
 * the lab, its hand-off page and the phone disagreeing until a restart. So a lab marks the
 * directory while it runs, and `--new-ca` refuses while a live lab holds a mark.
 *
 * One file per lab process: <certDir>/in-use/<pid>. A lab killed with SIGKILL leaves its file;
 * it is recognised as stale (no such process) and removed by the next reader.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive } from './lock.js';

export const IN_USE_DIR = 'in-use';

/** Mark `certDir` as served by this process; returns the function that removes the mark. */
export function markCertificatesInUse(certDir: string, pid: number = process.pid): () => void {
  const dir = join(certDir, IN_USE_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, String(pid));
  writeFileSync(file, new Date().toISOString() + '\n', { mode: 0o600 });
  return () => rmSync(file, { force: true });
}

/** Process ids of the live labs serving `certDir` (other than `except`); stale marks are removed. */
export function labsUsingCertificates(certDir: string, except: number = process.pid): number[] {
  const dir = join(certDir, IN_USE_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const live: number[] = [];
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (pid === except) continue;
    if (pidAlive(pid)) live.push(pid);
    else rmSync(join(dir, name), { force: true });
  }
  return live.sort((a, b) => a - b);
}
