/**
 * Every simulated sending device against the real lab (in process, ports 0): the diagnosis gives
 * exactly the scenario's expected findings and verdict, per direction, and the live timeline the
 * same as the batch diagnosis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS, runScenario, type Scenario } from '../../electron/lab/simulate/index.js';
import { observe, startTestLab, type Lab } from './lab-session.js';

let lab: Lab;
let legacyLab: Lab;
beforeAll(async () => {
  [lab, legacyLab] = await Promise.all([startTestLab({ smtpPort: 0, smtpsPort: 0 }), startTestLab({ smtpPort: 0, smtpsPort: 0, smtpLegacyAuthLine: true })]);
});
afterAll(async () => {
  await Promise.all([lab?.stop(), legacyLab?.stop()]);
});

const sending = SCENARIOS.filter((s) => s.direction === 'sending');

function run(l: Lab, s: Scenario, tls = false) {
  const port = tls || s.listener === 'smtps' ? l.listeners.smtps!.port : l.listeners.smtp!.port;
  return observe(l, () => runScenario(s.id, { host: '127.0.0.1', port, tls, user: l.account.user, password: l.account.password }));
}

describe('simulated sending devices against the lab', () => {
  it('there are the five of the issue', () => {
    expect(sending.map((s) => s.id)).toEqual(['nokia6233-smtp-cram-md5', 'nokia6233-smtp-digest-md5', 'smtp-auth-equals-only', 'smtp-bare-lf-device', 'scan-to-email-tls10-3des']);
  });

  for (const s of sending) {
    it(`${s.id}: ${s.expectedVerdict}, exactly its findings`, async () => {
      const { diagnosis, live, events } = await run(lab, s);
      expect(diagnosis.findings.map((f) => f.id).sort()).toEqual([...s.expectedFindings].sort());
      expect(diagnosis.verdict).toBe(s.expectedVerdict);
      expect(diagnosis.directions).toEqual({ receiving: 'untested', sending: s.expectedVerdict });
      expect(diagnosis.attempts.every((a) => a.proto === 'smtp' && a.direction === 'sending')).toBe(true);
      expect(live).toEqual(diagnosis);
      const messages = events.filter((e) => e.kind === 'smtp.message');
      expect(messages.length).toBe(s.expectedVerdict === 'pass' ? 1 : 0);
    });
  }

  it('the 6233 with CRAM-MD5: the message the phone sent is captured with its subject', async () => {
    const s = sending.find((x) => x.id === 'nokia6233-smtp-cram-md5')!;
    const { diagnosis, events } = await run(lab, s);
    const a = diagnosis.attempts[0];
    expect(a).toMatchObject({ mechanism: 'CRAM-MD5', security: 'none', verdict: 'pass' });
    expect(a.steps.filter((x) => x.result === 'pass').map((x) => x.step)).toEqual(['connect', 'ehlo', 'auth', 'client-accepted-auth', 'mail', 'rcpt', 'data', 'quit']);
    expect(events.find((e) => e.kind === 'smtp.message')).toMatchObject({ subject: 'Test from the Nokia 6233 (CRAM-MD5)', delivered: true });
  });

  it('the AUTH= reader logs in once the lab offers the pre-standard line: a pass, and only the cleartext warning', async () => {
    const s = sending.find((x) => x.id === 'smtp-auth-equals-only')!;
    const { diagnosis } = await run(legacyLab, s);
    expect(diagnosis.verdict).toBe('pass');
    expect(diagnosis.findings.map((f) => f.id)).toEqual(['cleartext-password']);
    expect(diagnosis.attempts[0].mechanism).toBe('LOGIN');
  });

  it('the scan-to-email device negotiates TLS 1.0 3DES with the legacy engine, after STARTTLS and on 465', async () => {
    const s = sending.find((x) => x.id === 'scan-to-email-tls10-3des')!;
    for (const tls of [false, true]) {
      const { diagnosis, events } = await run(lab, s, tls);
      expect(events.find((e) => e.kind === 'tls.established')).toMatchObject({ version: 'TLSv1', cipher: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', engine: 'legacy', mode: tls ? 'implicit' : 'starttls' });
      expect(diagnosis.attempts[0]).toMatchObject({ security: tls ? 'tls' : 'starttls', mechanism: 'LOGIN', verdict: 'pass' });
      expect(diagnosis.findings.map((f) => f.id)).toEqual(['legacy-tls-only']);
      // A printer that only sends mail is told about plaintext submission, not about IMAP.
      expect(diagnosis.findings[0].recommendation).toContain('plaintext SMTP submission on a trusted network');
      expect(diagnosis.findings[0].recommendation).not.toContain('IMAP');
    }
  });
});
