/**
 * How loudly the diagnosis speaks about a password sent in clear depends on the network: info on
 * the lab's own network (trusted, the default, recorded in lab.start), a warning where the
 * technician said the network is untrusted or where nothing says it is the lab's (a capture).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnosis, LabEvent } from '../../electron/api.js';
import { diagnose, IncrementalDiagnosis } from '../../electron/lab/diagnosis/index.js';
import { FIXTURES, conversation } from './helpers.js';
import { tempDir } from '../support/temp.js';

const LOGIN_IN_CLEAR = ['S: * OK ready', 'C: a1 LOGIN phone secret42', 'S: a1 OK done', 'C: a2 SELECT INBOX', 'S: a2 OK [READ-WRITE] done', 'C: a3 LOGOUT', 'S: * BYE', 'S: a3 OK'];

const cleartext = (d: Diagnosis) => d.findings.find((f) => f.id === 'cleartext-password')!;

function withNetwork(events: LabEvent[], network: string | undefined): LabEvent[] {
  return events.map((e) => (e.kind === 'lab.start' ? { ...e, settings: network === undefined ? {} : { network } } : e));
}

describe('cleartext-password and the network', () => {
  it('a correct client logging in with LOGIN in clear on the lab network: pass, and the finding is only info', () => {
    for (const network of [undefined, 'trusted']) {
      const d = diagnose(withNetwork(conversation(LOGIN_IN_CLEAR), network));
      expect(d.verdict).toBe('pass');
      expect(d.findings.map((f) => `${f.id}:${f.severity}`)).toEqual(['cleartext-password:info']);
      expect(cleartext(d).explanation).toMatch(/fine on the lab's own network/);
    }
  });

  it('a warning when lab.start says untrusted, when diagnose is told so, or when there is no lab.start (a capture)', () => {
    const events = conversation(LOGIN_IN_CLEAR);
    expect(cleartext(diagnose(withNetwork(events, 'untrusted'))).severity).toBe('warning');
    expect(cleartext(diagnose(events, { network: 'untrusted' })).severity).toBe('warning');
    const capture = events.filter((e) => e.kind !== 'lab.start');
    expect(cleartext(diagnose(capture)).severity).toBe('warning');
    expect(cleartext(diagnose(capture)).explanation).toMatch(/anyone on this network could read the password/);
    // The technician's word wins over what the session recorded.
    expect(cleartext(diagnose(withNetwork(events, 'untrusted'), { network: 'trusted' })).severity).toBe('info');
    const live = new IncrementalDiagnosis({ network: 'untrusted' });
    for (const e of events) live.push(e);
    expect(live.result()).toEqual(diagnose(events, { network: 'untrusted' }));
  });

  it('`mailprobe diagnose --network untrusted` prints the warning; a bad value is exit 2 with one line', () => {
    const dir = tempDir('mp-net-');
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, conversation(LOGIN_IN_CLEAR).map((e) => JSON.stringify(e)).join('\n') + '\n');
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', '-e', `import('./electron/cli/main.ts').then(async (m) => { process.exitCode = await m.main(${JSON.stringify(args)}); })`], { cwd: join(FIXTURES, '..', '..'), encoding: 'utf8' });
    const trusted = JSON.parse(cli('diagnose', file, '--json').stdout) as Diagnosis;
    expect(cleartext(trusted).severity).toBe('info');
    const untrusted = JSON.parse(cli('diagnose', file, '--json', '--network', 'untrusted').stdout) as Diagnosis;
    expect(cleartext(untrusted).severity).toBe('warning');
    const bad = cli('diagnose', file, '--network', 'public');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(["mailprobe diagnose: --network must be one of trusted, untrusted, got 'public'"]);
  });
});
