/**
 * The resolution of the seed's Nokia 6233: the three tests the author ran (CRAM-MD5, DIGEST-MD5,
 * Automatic) fail, and the LOGIN command ("Secure login" off) works. Mailprobe must say so:
 * LOGIN without TLS is the working receiving configuration, with its risk, the phone's own
 * settings, and what the customer's server needs; before LOGIN is tried, the plan says what is
 * left worth trying. Real simulated phones against a real lab, over loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnosis, LabEvent } from '../../electron/api.js';
import { diagnose, formatDiagnosis } from '../../electron/lab/diagnosis/index.js';
import { defaultProfilesDir } from '../../electron/lab/package-root.js';
import { loadProfiles } from '../../electron/lab/profiles/index.js';
import { buildReport } from '../../electron/lab/report/render.js';
import { runScenario } from '../../electron/lab/simulate/index.js';
import { pdfText, renderPages } from '../report/helpers.js';
import { startTestLab, type Lab } from '../simulate/lab-session.js';

const profiles = loadProfiles(defaultProfilesDir());

async function run(lab: Lab, id: string, events: LabEvent[]): Promise<void> {
  await runScenario(id, { host: '127.0.0.1', port: lab.listeners.imap!.port, user: lab.account.user, password: lab.account.password, pauseMs: 60 });
  // Each connection's close is recorded once the server has seen it.
  const until = Date.now() + 5000;
  while (Date.now() < until) {
    const open = new Set(events.filter((e) => e.kind === 'conn.open').map((e) => e.conn));
    for (const e of events) if (e.kind === 'conn.close') open.delete(e.conn);
    if (open.size === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('resolution for the seed Nokia 6233', () => {
  let lab: Lab;
  const events: LabEvent[] = [];
  let afterChallengeTests: Diagnosis;
  let afterAllTests: Diagnosis;

  beforeAll(async () => {
    lab = await startTestLab({ profile: 'nokia-6233' });
    lab.recorder.subscribe((ev) => events.push(ev));
    // What the recorder had before the subscription (lab.start, the profile's device event).
    for (const ev of (await import('../../electron/lab/recorder/index.js')).readEvents(lab.sessionDir)) if (!events.some((e) => e.seq === ev.seq)) events.push(ev);
    events.sort((a, b) => a.seq - b.seq);
    await run(lab, 'nokia6233-cram-md5', events);
    await run(lab, 'nokia6233-digest-md5', events);
    await run(lab, 'nokia6233-automatic', events);
    afterChallengeTests = diagnose(events, { profiles });
    await run(lab, 'nokia6233-login', events);
    afterAllTests = diagnose(events, { profiles });
  }, 60_000);

  afterAll(async () => {
    await lab?.stop();
  });

  it('names LOGIN without TLS as what works for receiving, with the risk and the phone settings', () => {
    const r = afterAllTests.resolution!.receiving;
    expect(r.status).toBe('works');
    expect(r.working).toHaveLength(1);
    const w = r.working[0];
    expect(w).toMatchObject({ proto: 'imap', port: 143, security: 'none', mechanism: 'LOGIN-COMMAND', protection: 'plain' });
    expect(w.risk).toMatch(/in clear/);
    expect(w.phone).toEqual(
      expect.arrayContaining([
        { setting: 'Secure login', value: 'Off', verified: false },
        { setting: 'Security (ports)', value: 'Off', verified: false },
        { setting: 'Incoming port', value: '143', verified: false },
      ]),
    );
    expect(w.server.needs.join(' ')).toMatch(/LOGIN command without TLS/);
    expect(w.server.dovecot).toMatch(/^disable_plaintext_auth = no$/m);
    // Something works: stop asking.
    expect(r.next).toEqual([]);
    expect(afterAllTests.resolution!.sending.status).toBe('untested');
  });

  it('lists each failed configuration with the findings that decided it', () => {
    const failing = afterAllTests.resolution!.receiving.failing;
    const byMech = Object.fromEntries(failing.map((f) => [`${f.phoneMechanism ?? ''}${f.mechanism}`, f.because]));
    expect(byMech['CRAM-MD5']).toEqual(expect.arrayContaining(['empty-line-after-auth', 'auth-success-ignored']));
    expect(byMech['DIGEST-MD5']).toContain('auth-success-ignored');
    expect(failing.every((f) => f.because.length > 0 && f.attempts.length > 0)).toBe(true);
  });

  it('before LOGIN was tried, says what is left: LOGIN on 993 and LOGIN without TLS, not the mechanisms the phone has a bug with', () => {
    const r = afterChallengeTests.resolution!.receiving;
    expect(r.status).toBe('fails');
    expect(r.next.length).toBeGreaterThanOrEqual(2);
    expect(r.next[0]).toMatch(/^LOGIN over SSL on port 993/);
    expect(r.next.some((n) => /^LOGIN without TLS/.test(n))).toBe(true);
    expect(r.next.join('\n')).not.toMatch(/CRAM-MD5|DIGEST-MD5|Automatic/);
    expect(r.nearestMiss?.configuration.furthestStep).toBe('auth');
    expect(r.nearestMiss?.wouldTake).toMatch(/firmware/);
  });

  it('diagnose prints the answer before the evidence', () => {
    const text = formatDiagnosis(afterAllTests);
    const answer = text.indexOf('Receiving mail: ✓ works');
    expect(answer).toBeGreaterThan(0);
    expect(answer).toBeLessThan(text.indexOf('Attempts ('));
    expect(text).toMatch(/LOGIN without TLS/);
    expect(text).toMatch(/Secure login = Off/);
  });

  it('the PDF opens with the answer on its first page, and carries the server configuration', async () => {
    const report = await buildReport({ events, diagnosis: afterAllTests, includeSecrets: false });
    const text = pdfText(report.pdf);
    const first = text.raw.split('\f')[0].replace(/\s+/g, ' ');
    expect(first).toMatch(/What works for this phone/);
    expect(first).toMatch(/Receiving mail works with LOGIN without TLS/);
    expect(first).toMatch(/Secure login = Off/);
    expect(first).toMatch(/Risk: The password and the mail cross the network in clear/);
    expect(first).toMatch(/Sending mail: not tested/);
    expect(text.body).toMatch(/What works, and what the customer's server needs/);
    expect(text.body).toMatch(/disable_plaintext_auth = no/);
    expect(text.flat).not.toContain(lab.account.password);
    expect(renderPages(report.pdf, 'resolution-nokia6233', 60).length).toBe(report.pages);
  });
});
