import { describe, expect, it } from 'vitest';
import type { FindingId } from '../../electron/api.js';
import { diagnose, IncrementalDiagnosis } from '../../electron/lab/diagnosis/index.js';
import { fixture, fixtureNames, ids } from './helpers.js';

/** What each seed-derived fixture must give: the verdict and exactly these findings. */
const EXPECTED: Record<string, { verdict: string; findings: FindingId[] }> = {
  'nokia6233-cram-md5.jsonl': { verdict: 'fail', findings: ['empty-line-after-auth', 'auth-success-ignored', 'slow-client-gap', 'no-mailbox-selected', 'cert-fetched'] },
  'nokia6233-digest-md5.jsonl': { verdict: 'fail', findings: ['auth-success-ignored', 'no-mailbox-selected'] },
  'nokia6233-automatic.jsonl': { verdict: 'fail', findings: ['auth-success-ignored', 'auth-retry-after-success', 'cleartext-password', 'no-mailbox-selected'] },
  'nokia6233-993-no-ca.jsonl': { verdict: 'fail', findings: ['tls-handshake-failed', 'legacy-tls-only'] },
  'nokia6233-993-ca-no-command.jsonl': { verdict: 'fail', findings: ['tls-no-command', 'legacy-tls-only', 'cert-fetched'] },
  'nokia-select-before-login-result.jsonl': { verdict: 'pass', findings: ['command-before-auth-result', 'cleartext-password'] },
  'nokia6234-full-body.jsonl': { verdict: 'pass', findings: ['cleartext-password', 'full-body-download'] },
  'symbian-s60.jsonl': { verdict: 'pass', findings: ['cleartext-password', 'cert-fetched', 'full-body-download'] },
  'well-behaved-starttls.jsonl': { verdict: 'pass', findings: [] },
  'oddities.jsonl': {
    verdict: 'fail',
    findings: ['digest-final-response-missing', 'auth-failed', 'empty-line-after-auth', 'login-prompt-mismatch', 'cert-format-rejected', 'sasl-ir-unadvertised', 'cleartext-password', 'protocol-violation'],
  },
  // Sending (SMTP): the seed's "SMTP authentication using CRAM-MD5 and DIGEST-MD5 works fine".
  'nokia6233-smtp-cram-md5.jsonl': { verdict: 'pass', findings: [] },
  'nokia6233-smtp-digest-md5.jsonl': { verdict: 'pass', findings: [] },
  'smtp-auth-equals-only.jsonl': { verdict: 'pass', findings: ['smtp-no-auth', 'cleartext-password'] },
  'smtp-bare-lf.jsonl': { verdict: 'pass', findings: ['smtp-bare-lf', 'cleartext-password'] },
  'scan-to-email-tls10.jsonl': { verdict: 'pass', findings: ['legacy-tls-only'] },
  // Recorded from real, correct clients against the lab (test/simulate/smtp-peers.test.ts).
  'swaks-cram-md5-starttls.jsonl': { verdict: 'pass', findings: [] },
  'nodemailer-implicit-tls.jsonl': { verdict: 'pass', findings: [] },
  // smtplib sends 8-bit content without BODY=8BITMIME: an info note only.
  'smtplib-starttls-login.jsonl': { verdict: 'pass', findings: ['smtp-8bit-without-8bitmime'] },
  'smtp-oddities.jsonl': {
    verdict: 'pass',
    findings: [
      'smtp-no-auth', 'smtp-auth-before-ehlo', 'smtp-mail-from-syntax', 'smtp-auth-without-tls-refused', 'cleartext-password', 'smtp-auth-failed',
      'smtp-message-too-large', 'smtp-pipelining-unadvertised', 'smtp-8bit-without-8bitmime', 'smtp-data-incomplete',
    ],
  },
};

const IMAP_STEPS = ['connect', 'tls', 'auth', 'client-accepted-auth', 'select', 'fetch', 'logout'];
const SMTP_STEPS = ['connect', 'tls', 'ehlo', 'auth', 'client-accepted-auth', 'mail', 'rcpt', 'data', 'quit'];

describe('diagnosis of the seed fixtures', () => {
  it('has an expectation for every fixture', () => {
    expect(fixtureNames().sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [name, exp] of Object.entries(EXPECTED)) {
    it(`${name}: verdict ${exp.verdict} with exactly its findings`, () => {
      const d = diagnose(fixture(name));
      expect(d.verdict).toBe(exp.verdict);
      expect(ids(d)).toEqual([...exp.findings].sort());
      const sending = d.attempts.some((a) => a.direction === 'sending');
      const receiving = d.attempts.some((a) => a.direction === 'receiving');
      if (!sending) expect(d.directions.sending).toBe('untested');
      if (!receiving) expect(d.directions.receiving).toBe('untested');
      for (const f of d.findings) {
        expect(f.evidence.length, f.id).toBeGreaterThan(0);
        expect(f.title.length).toBeGreaterThan(10);
        expect(f.explanation.length).toBeGreaterThan(20);
        expect(f.recommendation.length).toBeGreaterThan(10);
      }
      for (const a of d.attempts) {
        expect(a.steps.map((s) => s.step)).toEqual(a.proto === 'smtp' ? SMTP_STEPS : IMAP_STEPS);
        expect(a.direction).toBe(a.proto === 'smtp' ? 'sending' : 'receiving');
        for (const s of a.steps) if (s.result !== 'skipped') expect(s.evidence.length, `${a.conn} ${s.step}`).toBeGreaterThan(0);
      }
    });

    it(`${name}: the incremental result after the last event equals the batch result`, () => {
      const events = fixture(name);
      const inc = new IncrementalDiagnosis();
      for (const ev of events) {
        inc.push(ev);
        inc.result(); // the live timeline asks after every event; asking must not change anything
      }
      expect(inc.result()).toEqual(diagnose(events));
      expect(inc.ruleErrors).toEqual([]);
    });
  }

  it('tells the technician plainly that the password was accepted (seed, CRAM-MD5)', () => {
    const d = diagnose(fixture('nokia6233-cram-md5.jsonl'));
    const f = d.findings.find((x) => x.id === 'auth-success-ignored')!;
    expect(f.severity).toBe('error');
    expect(f.title + ' ' + f.explanation).toMatch(/the server accepted the password; the phone did not notice/i);
    expect(d.device).toMatchObject({ vendor: 'Nokia', model: '6233', firmware: '05.10' });
    const a = d.attempts[0];
    expect(a).toMatchObject({ conn: 'c1', security: 'none', mechanism: 'CRAM-MD5', verdict: 'fail' });
    const step = (n: string) => a.steps.find((s) => s.step === n)!.result;
    expect([step('connect'), step('auth'), step('client-accepted-auth'), step('select')]).toEqual(['pass', 'pass', 'fail', 'skipped']);
    // Cyrus answered the stray line with "* BAD Invalid tag": the phone reads that as failure.
    const empty = d.findings.find((x) => x.id === 'empty-line-after-auth')!;
    expect(empty.severity).toBe('error');
    expect(empty.explanation).toContain('* BAD Invalid tag');
    expect(d.findings.find((x) => x.id === 'slow-client-gap')!.data).toMatchObject({ maxSeconds: 20 });
  });

  it('does not call the empty response that ends DIGEST-MD5 an empty line (RFC 2831)', () => {
    const d = diagnose(fixture('nokia6233-digest-md5.jsonl'));
    expect(ids(d)).not.toContain('empty-line');
    expect(ids(d)).not.toContain('empty-line-after-auth');
    expect(ids(d)).not.toContain('digest-final-response-missing');
  });

  it('counts the bytes of whole-message downloads on every check', () => {
    const d = diagnose(fixture('nokia6234-full-body.jsonl'));
    const f = d.findings.find((x) => x.id === 'full-body-download')!;
    expect(f.severity).toBe('warning');
    expect(f.data).toMatchObject({ checks: 2, items: ['RFC822'] });
    expect(f.data!.bytes as number).toBeGreaterThan(200_000);
    expect(f.explanation).toMatch(/KB/);
  });

  it('lists what a legacy phone offered in TLS', () => {
    const d = diagnose(fixture('nokia6233-993-no-ca.jsonl'));
    const f = d.findings.find((x) => x.id === 'legacy-tls-only')!;
    expect(f.data).toMatchObject({ maxVersion: 'TLSv1' });
    expect(f.explanation).toContain('TLS_RSA_WITH_RC4_128_MD5');
    const tls = d.findings.find((x) => x.id === 'tls-handshake-failed')!;
    expect(tls.data).toMatchObject({ reason: 'client-rejected-certificate', alert: 'unknown_ca' });
    expect(d.attempts[0].steps.find((s) => s.step === 'tls')!.result).toBe('fail');
  });
});
