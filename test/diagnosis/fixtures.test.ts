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
  // Real clients against the lab (test/fixtures/capture-certificate-refusals.sh): mbsync and mutt
  // trusting another CA check the certificate after the handshake and close without a command.
  'mbsync-wrong-ca.jsonl': { verdict: 'fail', findings: ['tls-handshake-failed'] },
  'mutt-wrong-ca.jsonl': { verdict: 'fail', findings: ['tls-handshake-failed'] },
  // …and mbsync trusting the lab CA syncs (its whole-message download is full-body-download's call).
  'mbsync-lab-ca.jsonl': { verdict: 'pass', findings: ['full-body-download'] },
  'oddities.jsonl': {
    verdict: 'fail',
    findings: ['digest-final-response-missing', 'auth-failed', 'empty-line-after-auth', 'login-prompt-mismatch', 'cert-format-rejected', 'sasl-ir-unadvertised', 'cleartext-password', 'protocol-violation'],
  },
};

describe('diagnosis of the seed fixtures', () => {
  it('has an expectation for every fixture', () => {
    expect(fixtureNames().sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [name, exp] of Object.entries(EXPECTED)) {
    it(`${name}: verdict ${exp.verdict} with exactly its findings`, () => {
      const d = diagnose(fixture(name));
      expect(d.verdict).toBe(exp.verdict);
      expect(ids(d)).toEqual([...exp.findings].sort());
      for (const f of d.findings) {
        expect(f.evidence.length, f.id).toBeGreaterThan(0);
        expect(f.title.length).toBeGreaterThan(10);
        expect(f.explanation.length).toBeGreaterThan(20);
        expect(f.recommendation.length).toBeGreaterThan(10);
      }
      for (const a of d.attempts) {
        expect(a.steps.map((s) => s.step)).toEqual(['connect', 'tls', 'auth', 'client-accepted-auth', 'select', 'fetch', 'logout']);
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
    // Recorded by an earlier version as client-rejected-certificate: the unknown_ca alert decides.
    expect(tls.data).toMatchObject({ reason: 'client-lacks-ca', alert: 'unknown_ca' });
    expect(tls.title).toBe('The secure (SSL/TLS) connection could not be set up');
    expect(tls.explanation).toContain("the phone rejected the lab's certificate (alert unknown_ca): it does not trust the lab CA");
    expect(tls.recommendation).toMatch(/^Install the lab CA certificate on the phone as a DER ".crt" file/);
    expect(d.attempts[0].steps.find((s) => s.step === 'tls')!.result).toBe('fail');
  });

  it('reports mbsync and mutt closing right after the handshake as a certificate refusal, not the 6233\'s tls-no-command', () => {
    for (const name of ['mbsync-wrong-ca.jsonl', 'mutt-wrong-ca.jsonl']) {
      const d = diagnose(fixture(name));
      const f = d.findings.find((x) => x.id === 'tls-handshake-failed')!;
      expect(f.data, name).toMatchObject({ reason: 'client-rejected-certificate', how: 'closed-after-handshake', refused: ['trust'], certificate: 'sha256', count: 2 });
      expect(f.title).toBe("The client refused the lab's certificate");
      expect(f.explanation).toMatch(/checked the lab's certificate after the handshake and refused it; most likely it does not trust the lab CA/);
      expect(f.explanation).not.toMatch(/client certificate/);
      expect(f.recommendation).toMatch(/trust this lab's CA/);
      // IMAPS and STARTTLS alike; evidence: the hello, the established session and the close.
      expect(d.attempts.map((a) => a.security)).toEqual(['tls', 'starttls']);
      for (const a of d.attempts) expect(a.steps.find((s) => s.step === 'tls')).toMatchObject({ result: 'fail', note: 'client-rejected-certificate (closed right after the handshake)' });
      expect(f.evidence.length).toBe(6);
    }
    // mutt waited for a person at its certificate prompt: the close came 1.5 s after the handshake.
    const mutt = fixture('mutt-wrong-ca.jsonl');
    const est = mutt.find((e) => e.kind === 'tls.established')!;
    const close = mutt.find((e) => e.kind === 'conn.close' && e.conn === est.conn)!;
    expect(Date.parse(close.t) - Date.parse(est.t)).toBeGreaterThan(1000);
  });

  it('still reports the seed 6233 (TLS 1.0) sending nothing after the handshake as tls-no-command, word for word', () => {
    const d = diagnose(fixture('nokia6233-993-ca-no-command.jsonl'));
    const f = d.findings.find((x) => x.id === 'tls-no-command')!;
    expect(f.title).toBe('The phone set up SSL/TLS and then sent nothing');
    expect(f.explanation).toMatch(/the phone may expect a client certificate/);
    expect(ids(d)).not.toContain('tls-handshake-failed');
    expect(d.attempts[0].steps.find((s) => s.step === 'tls')!.result).toBe('pass');
  });
});
