import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../electron/api.js';
import { startTestLab, type Lab } from './lab-session.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Async: the lab runs in this process, so the CLI must not block its event loop. */
function mailprobe(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', `import('./electron/cli/main.ts').then(async (m) => { process.exitCode = await m.main(${JSON.stringify(args)}); })`], {
      cwd: ROOT,
      env: { ...process.env, MAILPROBE_DATA_DIR: '/nonexistent-mailprobe' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

let lab: Lab;
beforeAll(async () => {
  lab = await startTestLab({ smtpPort: 0 });
});
afterAll(async () => {
  await lab?.stop();
});

describe('mailprobe simulate', () => {
  it('plays the Nokia 6233 CRAM-MD5 transcript byte for byte, and diagnose reads the session', async () => {
    const port = String(lab.listeners.imap!.port);
    const r = await mailprobe('simulate', 'nokia6233-cram-md5', '--host', '127.0.0.1', '--port', port, '--user', lab.account.user, '--password', lab.account.password, '--pause-ms', '0');
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    expect(lines).toContain('C: A0 AUTHENTICATE CRAM-MD5');
    expect(lines.indexOf('C: ')).toBeGreaterThan(lines.findIndex((l) => l.startsWith('S: A0 OK')));
    expect(lines).toContain('C: A4 LOGOUT');
    lab.recorder.flush();
    const d = JSON.parse((await mailprobe('diagnose', lab.sessionDir, '--json')).out) as Diagnosis;
    expect(d.findings.map((f) => f.id)).toEqual(expect.arrayContaining(['empty-line-after-auth', 'auth-success-ignored']));
  });

  it('plays the 6233 sending with CRAM-MD5 on the SMTP port; diagnose --json says sending: pass', async () => {
    const port = String(lab.listeners.smtp!.port);
    const r = await mailprobe('simulate', 'nokia6233-smtp-cram-md5', '--host', '127.0.0.1', '--port', port, '--user', lab.account.user, '--password', lab.account.password);
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n')).toEqual(expect.arrayContaining(['C: EHLO Nokia6233', 'C: AUTH CRAM-MD5', 'S: 235 2.7.0 Authentication successful', 'C: QUIT']));
    lab.recorder.flush();
    const d = JSON.parse((await mailprobe('diagnose', lab.sessionDir, '--json')).out) as Diagnosis;
    expect(d.directions.sending).toBe('pass');
    expect(d.attempts.filter((a) => a.direction === 'sending').map((a) => a.verdict)).toEqual(['pass']);
  });

  it('lists the scenarios with their sources', async () => {
    const r = await mailprobe('simulate', '--list');
    expect(r.code).toBe(0);
    expect(r.out).toContain('symbian-s60');
    expect(r.out).toMatch(/scan-to-email-tls10-3des\s+\[587\]/);
    expect(r.out).toContain('source: seed');
  });

  it('exits 2 on bad usage and 1 when there is no server', async () => {
    const [unknown, noPort, noPassword, refused] = await Promise.all([
      mailprobe('simulate', 'no-such-phone', '--port', '1'),
      mailprobe('simulate', 'nokia6233-cram-md5', '--password', 'x'),
      mailprobe('simulate', 'nokia6233-cram-md5', '--port', '1'),
      mailprobe('simulate', 'nokia6233-cram-md5', '--port', '1', '--password', 'x'),
    ]);
    expect([unknown.code, noPort.code, noPassword.code]).toEqual([2, 2, 2]);
    expect(refused.code).toBe(1);
    expect(refused.err.trim().split('\n')).toHaveLength(1);
  });
});
