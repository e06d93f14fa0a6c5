import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../electron/api.js';
import { startTestLab, type Lab } from './lab-session.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
function mailprobe(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', `import('./electron/cli/main.ts').then(async (m) => { process.exitCode = await m.main(${JSON.stringify(args)}); })`], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MAILPROBE_DATA_DIR: '/nonexistent-mailprobe' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let lab: Lab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.stop();
});

describe('mailprobe simulate', () => {
  it('plays the Nokia 6233 CRAM-MD5 transcript byte for byte, and diagnose reads the session', async () => {
    const r = mailprobe('simulate', 'nokia6233-cram-md5', '--host', '127.0.0.1', '--port', String(lab.listeners.imap!.port), '--user', lab.account.user, '--password', lab.account.password, '--pause-ms', '0');
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    expect(lines).toContain('C: A0 AUTHENTICATE CRAM-MD5');
    expect(lines.indexOf('C: ')).toBeGreaterThan(lines.findIndex((l) => l.startsWith('S: A0 OK')));
    expect(lines).toContain('C: A4 LOGOUT');
    lab.recorder.flush();
    const d = JSON.parse(mailprobe('diagnose', lab.sessionDir, '--json').out) as Diagnosis;
    expect(d.findings.map((f) => f.id)).toEqual(expect.arrayContaining(['empty-line-after-auth', 'auth-success-ignored']));
  });

  it('lists the scenarios with their sources', () => {
    const r = mailprobe('simulate', '--list');
    expect(r.code).toBe(0);
    expect(r.out).toContain('symbian-s60');
    expect(r.out).toContain('source: seed');
  });

  it('exits 2 on bad usage and 1 when there is no server', () => {
    expect(mailprobe('simulate', 'no-such-phone', '--port', '1').code).toBe(2);
    expect(mailprobe('simulate', 'nokia6233-cram-md5', '--password', 'x').code).toBe(2);
    expect(mailprobe('simulate', 'nokia6233-cram-md5', '--port', '1').code).toBe(2);
    const refused = mailprobe('simulate', 'nokia6233-cram-md5', '--port', '1', '--password', 'x');
    expect(refused.code).toBe(1);
    expect(refused.err.trim().split('\n')).toHaveLength(1);
  });
});
