/**
 * Proof that the configuration Mailprobe prints for the customer's server is right: a real
 * Dovecot 2.3 started with exactly the generated lines serves the simulated phone, and the
 * configuration the phone failed with fails there too. Dovecot's own defaults refuse the LOGIN
 * command without TLS, so the working case also shows the generated lines are what matter.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Diagnosis, LabEvent } from '../../electron/api.js';
import { diagnose } from '../../electron/lab/diagnosis/index.js';
import { serverNeeds } from '../../electron/lab/diagnosis/resolution/index.js';
import { createSeededStore, writeMaildir } from '../../electron/lab/mailbox/index.js';
import { defaultProfilesDir } from '../../electron/lab/package-root.js';
import { loadProfiles } from '../../electron/lab/profiles/index.js';
import { readEvents } from '../../electron/lab/recorder/index.js';
import { runScenario } from '../../electron/lab/simulate/index.js';
import { startDovecot } from '../support/dovecot.js';
import { tempDir } from '../support/lab.js';
import { startTestLab, type Lab } from '../simulate/lab-session.js';

const USER = 'phone';
const PASSWORD = 'secret42';

async function settled(lab: Lab): Promise<LabEvent[]> {
  const until = Date.now() + 5000;
  for (;;) {
    lab.recorder.flush();
    const events = readEvents(lab.sessionDir);
    const open = new Set(events.filter((e) => e.kind === 'conn.open').map((e) => e.conn));
    for (const e of events) if (e.kind === 'conn.close') open.delete(e.conn);
    if (open.size === 0 || Date.now() > until) return events;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Did the phone get into its inbox? The tagged answer to its SELECT in the transcript. */
function openedInbox(transcript: readonly string[]): boolean {
  const select = transcript.find((l) => /^C: (\S+) SELECT /i.test(l));
  if (!select) return false;
  const tag = /^C: (\S+) /.exec(select)![1];
  return transcript.some((l) => l.startsWith(`S: ${tag} OK`));
}

async function phoneAgainstDovecot(scenario: string, settings: string): Promise<{ inbox: boolean; transcript: string[] }> {
  const dir = tempDir('mp-dovecot-proof-');
  // Dovecot's auth process runs as its own user and must reach the passwd file under here.
  chmodSync(dir, 0o755);
  const maildir = join(dir, 'home', 'Maildir');
  writeMaildir(createSeededStore({ user: USER }), maildir);
  const dovecot = await startDovecot({ dir: join(dir, 'dovecot'), maildir, user: USER, password: PASSWORD, processLimit: 10, settings });
  try {
    // From another address, as a phone on the LAN: Dovecot treats a same-address client as secured.
    const run = await runScenario(scenario, { host: '127.0.0.1', port: dovecot.port, user: USER, password: PASSWORD, pauseMs: 60, localAddress: '127.0.0.2' });
    return { inbox: openedInbox(run.transcript), transcript: run.transcript };
  } finally {
    dovecot.stop();
  }
}

describe('the generated Dovecot configuration, proven on a real Dovecot', () => {
  let plain: Diagnosis;
  let automatic: Diagnosis;

  beforeAll(async () => {
    const profiles = loadProfiles(defaultProfilesDir());
    const lab = await startTestLab({ profile: 'nokia-6233', password: PASSWORD, user: USER });
    for (const s of ['nokia6233-cram-md5', 'nokia6233-digest-md5', 'nokia6233-login']) {
      await runScenario(s, { host: '127.0.0.1', port: lab.listeners.imap!.port, user: USER, password: PASSWORD, pauseMs: 60 });
      await settled(lab);
    }
    plain = diagnose(await settled(lab), { profiles });
    await lab.stop();
    const varied = await startTestLab({ profile: 'nokia-6233', password: PASSWORD, user: USER, variants: 'auto' });
    for (let i = 0; i < 4; i++) {
      await runScenario('nokia6233-automatic', { host: '127.0.0.1', port: varied.listeners.imap!.port, user: USER, password: PASSWORD });
      await settled(varied);
    }
    automatic = diagnose(await settled(varied), { profiles });
    await varied.stop();
  }, 90_000);

  it('LOGIN without TLS: the phone gets in with the generated lines, and not with Dovecot defaults', async () => {
    const w = plain.resolution!.receiving.working[0];
    expect(w.mechanism).toBe('LOGIN-COMMAND');
    const generated = await phoneAgainstDovecot('nokia6233-login', w.server.dovecot!);
    expect(generated.inbox, generated.transcript.join('\n')).toBe(true);
    const defaults = await phoneAgainstDovecot('nokia6233-login', '');
    expect(defaults.inbox).toBe(false);
    expect(defaults.transcript.join('\n')).toMatch(/LOGINDISABLED/);
  }, 60_000);

  it('CRAM-MD5, which failed in the lab, fails on Dovecot configured for it too', async () => {
    const cram = plain.resolution!.receiving.failing.find((f) => f.mechanism === 'CRAM-MD5')!;
    const conf = serverNeeds(cram).dovecot!;
    expect(conf).toMatch(/^auth_mechanisms = plain login cram-md5$/m);
    const r = await phoneAgainstDovecot('nokia6233-cram-md5', conf);
    // Dovecot accepted the password (the phone's bug is to not notice): the login was fine.
    expect(r.transcript.some((l) => /^S: A0 OK/.test(l))).toBe(true);
    expect(r.inbox).toBe(false);
  }, 60_000);

  it('Automatic: the variant that worked (no challenge mechanism) works on Dovecot, the configured one does not', async () => {
    const w = automatic.resolution!.receiving.working[0];
    expect(w.variant).toBe('v4');
    const works = await phoneAgainstDovecot('nokia6233-automatic', w.server.dovecot!);
    expect(works.inbox, works.transcript.join('\n')).toBe(true);
    const first = automatic.resolution!.receiving.failing.find((f) => f.variant === 'v1')!;
    const v1 = serverNeeds(first).dovecot!;
    expect(v1).toMatch(/^auth_mechanisms = plain login cram-md5 digest-md5$/m);
    const fails = await phoneAgainstDovecot('nokia6233-automatic', v1);
    expect(fails.inbox).toBe(false);
  }, 60_000);
});
