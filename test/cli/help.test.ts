/**
 * Every command answers --help with its own usage (exit 0), and a wrong flag gets one short line
 * (exit 2): a technician typing at a terminal should never need to read the source.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const COMMANDS = ['start', 'lab', 'cert', 'diagnose', 'report', 'sessions', 'simulate'];

describe('mailprobe --help', () => {
  it('prints each command\'s usage and exits 0', async () => {
    for (const name of COMMANDS) {
      const r = await runCli([name, '--help']);
      expect(r.code, name).toBe(0);
      expect(r.stdout, name).toMatch(new RegExp(`^usage:\\n  mailprobe ${name} `));
    }
  });

  it('lists the simulated phones under simulate --help', async () => {
    const r = await runCli(['simulate', '-h']);
    expect(r.stdout).toContain('nokia6233-cram-md5');
    expect(r.stdout).toContain('symbian-s60');
  });

  it('names an unknown flag in one short line, exit 2', async () => {
    const r = await runCli(['cert', '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("mailprobe cert: Unknown option '--frobnicate'");
  });
});
