import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../electron/api.js';
import { FIXTURES } from './helpers.js';
import { tempDir } from '../support/temp.js';

const ROOT = join(FIXTURES, '..', '..');
function mailprobe(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', `import('./electron/cli/main.ts').then(async (m) => { process.exitCode = await m.main(${JSON.stringify(args)}); })`], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('mailprobe diagnose', () => {
  it('prints a readable timeline for a session directory, exit 0 even when the verdict is fail', () => {
    const dir = tempDir('mp-diag-');
    mkdirSync(join(dir, 'sess'));
    copyFileSync(join(FIXTURES, 'nokia6233-cram-md5.jsonl'), join(dir, 'sess', 'events.jsonl'));
    const r = mailprobe('diagnose', join(dir, 'sess'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Verdict: FAIL/);
    expect(r.out).toContain('Device: Nokia 6233, firmware 05.10');
    expect(r.out).toMatch(/✓ auth\s+CRAM-MD5 accepted/);
    expect(r.out).toMatch(/✗ client-accepted-auth/);
    expect(r.out).toContain('The server accepted the password; the phone did not notice');
    expect(r.out).toContain('→ ');
  });

  it('prints the Diagnosis as JSON with --json', () => {
    const r = mailprobe('diagnose', join(FIXTURES, 'nokia6233-automatic.jsonl'), '--json');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.out) as Diagnosis;
    expect(d.verdict).toBe('fail');
    expect(d.findings.map((f) => f.id)).toContain('auth-retry-after-success');
  });

  it('reads a packet capture with its own reader', () => {
    const r = mailprobe('diagnose', join(FIXTURES, 'nokia6233-cram-md5.pcap'), '--json');
    expect(r.code, r.err).toBe(0);
    const d = JSON.parse(r.out) as Diagnosis;
    expect(d.attempts).toHaveLength(1);
    expect(d.findings.map((f) => f.id).sort()).toEqual(['auth-success-ignored', 'empty-line-after-auth', 'no-mailbox-selected']);
  });

  it('exits 2 with one line for a missing or unreadable input', () => {
    const missing = mailprobe('diagnose', '/nonexistent/session');
    expect(missing.code).toBe(2);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    expect(missing.err).toContain('/nonexistent/session');
    const dir = tempDir('mp-diag-');
    writeFileSync(join(dir, 'events.jsonl'), 'not json\n{"seq":2}\n');
    const bad = mailprobe('diagnose', dir);
    expect(bad.code).toBe(2);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    expect(mailprobe('diagnose').code).toBe(2);
  });
});
