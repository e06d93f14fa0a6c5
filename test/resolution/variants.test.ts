/**
 * `--variants auto`: the lab changes its behaviour from one connection of the same phone to the
 * next, the phone's settings held fixed. The seed's 6233 on "Automatic" picks its login from
 * what the server offers; once the lab offers no challenge mechanism it uses the LOGIN command
 * and gets in — found without retyping anything on the phone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnOpenEvent, Diagnosis, LabEvent } from '../../electron/api.js';
import { diagnose } from '../../electron/lab/diagnosis/index.js';
import { defaultProfilesDir } from '../../electron/lab/package-root.js';
import { loadProfiles } from '../../electron/lab/profiles/index.js';
import { readEvents } from '../../electron/lab/recorder/index.js';
import { runScenario } from '../../electron/lab/simulate/index.js';
import { imapVariants, MAX_VARIANT_CLIENTS, VariantRotation } from '../../electron/lab/variants.js';
import { startTestLab, type Lab } from '../simulate/lab-session.js';

async function settle(lab: Lab): Promise<LabEvent[]> {
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

describe('server variants with the seed 6233 on Automatic', () => {
  let lab: Lab;
  let events: LabEvent[];
  let d: Diagnosis;

  beforeAll(async () => {
    lab = await startTestLab({ profile: 'nokia-6233', variants: 'auto' });
    // The phone retries on every "Retrieve": five checks, its settings unchanged.
    for (let i = 0; i < 5; i++) {
      await runScenario('nokia6233-automatic', { host: '127.0.0.1', port: lab.listeners.imap!.port, user: lab.account.user, password: lab.account.password });
      await settle(lab);
    }
    events = await settle(lab);
    d = diagnose(events, { profiles: loadProfiles(defaultProfilesDir()) });
  }, 60_000);

  afterAll(async () => {
    await lab?.stop();
  });

  it('serves each connection a variant, in the documented order, and keeps the one that worked', () => {
    const opens = events.filter((e): e is ConnOpenEvent => e.kind === 'conn.open');
    expect(opens.map((e) => e.variant)).toEqual(['v1', 'v2', 'v3', 'v4', 'v4']);
    expect(opens[3].variantLabel).toMatch(/only the LOGIN command \(mechanisms: none\)/);
    expect(d.attempts.map((a) => a.verdict)).toEqual(['fail', 'fail', 'fail', 'pass', 'pass']);
    const start = events.find((e) => e.kind === 'lab.start');
    expect(start && start.kind === 'lab.start' && start.settings.variants).toBe('auto');
  });

  it('the resolution names the variant that works and what the server must offer', () => {
    const r = d.resolution!.receiving;
    expect(r.status).toBe('works');
    const w = r.working[0];
    expect(w).toMatchObject({ mechanism: 'LOGIN-COMMAND', security: 'none', variant: 'v4' });
    expect(w.server.needs.join(' ')).toMatch(/advertise only no SASL mechanisms/);
    expect(w.server.dovecot).toMatch(/^auth_mechanisms = plain login$/m);
    expect(w.server.dovecot).toMatch(/^disable_plaintext_auth = no$/m);
    // The failures name the phone's bug, per variant.
    expect(r.failing.map((f) => f.variant)).toEqual(['v1', 'v2', 'v3']);
    for (const f of r.failing) expect(f.because).toContain('auth-success-ignored');
  });
});

describe('variant rotation', () => {
  const base = { mechanisms: ['PLAIN', 'LOGIN', 'CRAM-MD5', 'DIGEST-MD5'] as const, emptyLine: 'strict' as const, loginDisabledWithoutTls: false };

  it('leaves out variants that would change nothing', () => {
    const ids = imapVariants({ mechanisms: ['PLAIN', 'LOGIN'], emptyLine: 'lenient', loginDisabledWithoutTls: false }).map((v) => v.label);
    expect(ids.some((l) => /DIGEST|CRAM|lenient \(/.test(l))).toBe(false);
    expect(imapVariants({ ...base, mechanisms: [...base.mechanisms] })).toHaveLength(6);
  });

  it('cycles per address until one works, and tracks a bounded number of addresses', () => {
    const r = new VariantRotation(imapVariants({ ...base, mechanisms: [...base.mechanisms] }));
    const seen = Array.from({ length: 8 }, () => r.pick('192.0.2.7').id);
    expect(seen).toEqual(['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v1', 'v2']);
    expect(r.pick('192.0.2.8').id).toBe('v1');
    r.worked('192.0.2.7', 'v3');
    expect(r.pick('192.0.2.7').id).toBe('v3');
    for (let i = 0; i < MAX_VARIANT_CLIENTS + 10; i++) r.pick(`198.51.100.${i}`);
    // The oldest addresses were forgotten: the first one starts over.
    expect(r.pick('192.0.2.7').id).toBe('v1');
  });
});
