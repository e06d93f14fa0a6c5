/**
 * A second (and third) process for test/certs/lock.test.ts, run as `node --import tsx`:
 *   race <dir>  print "ready", wait for a line on stdin, call ensureLabCertificates, print JSON;
 *   hold <dir>  take the certificate lock, print "locked", release it on a line on stdin.
 * Waiting for the go line lets the test start both racers at the same moment, after the slow
 * part (starting node and loading the modules).
 */
import { createInterface } from 'node:readline';
import { ensureLabCertificates } from '../../electron/lab/certs/index.js';
import { acquireCertLock } from '../../electron/lab/certs/lock.js';

const [mode, dir] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin });
const nextLine = (): Promise<void> => new Promise((resolve) => lines.once('line', () => resolve()));

if (mode === 'race') {
  process.stdout.write('ready\n');
  await nextLine();
  const c = await ensureLabCertificates({ outDir: dir, hosts: ['127.0.0.1', 'localhost'] });
  process.stdout.write(`${JSON.stringify({ pid: process.pid, caSha256: c.caSha256, caCreated: c.caCreated, warnings: c.warnings })}\n`);
} else if (mode === 'hold') {
  const lock = await acquireCertLock(dir);
  process.stdout.write('locked\n');
  await nextLine();
  lock.release();
  process.stdout.write('released\n');
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exitCode = 2;
}
lines.close();
