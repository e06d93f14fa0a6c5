/**
 * The seed's Nokia 6233 session as a report: what a technician hands to the customer
 * must name the phone, give the verdict, show every finding, the mechanisms tried and the 20 s
 * pause, and must never show the password or the AUTHENTICATE payloads unless asked to.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport, REDACTED, type BuiltReport } from '../../electron/lab/report/index.js';
import { diagnose } from '../../electron/lab/diagnosis/index.js';
import { buildNokia6233Session, NOKIA_PASSWORD, NOKIA_UA } from '../fixtures/report/nokia6233.js';
import { nokia6233Diagnosis } from '../fixtures/report/nokia6233.diagnosis.js';
import { expectHas, expectLacks, pdfInfo, pdfText, renderPages, section, tmp, type PdfText } from './helpers.js';

const { events, marks } = buildNokia6233Session();
const fixtureDiagnosis = nokia6233Diagnosis(marks);
const CERTS = { caSha1: '3F:A1:09:7C:55:0B:D2:8E:11:42:6A:90:CC:01:7E:3B:9D:44:20:AF', caSha256: '9B:0C:2E:71:AA:54:13:F0:6D:88:21:C4:5E:37:B9:02:1A:FE:63:D8:40:7B:95:2C:E1:0D:36:8A:C7:59:B4:12' };

/** Everything that must never reach a redacted report. */
const SECRETS = [NOKIA_PASSWORD, ...marks.secretPayloads];

let redacted: BuiltReport;
let redactedText: PdfText;
let withSecrets: BuiltReport;
let real: BuiltReport;
let realText: PdfText;

beforeAll(async () => {
  [redacted, withSecrets, real] = await Promise.all([
    buildReport({ events, diagnosis: fixtureDiagnosis, technician: 'Ana Técnica', ticket: 'T-4711', certs: CERTS, paper: 'A4' }),
    buildReport({ events, diagnosis: fixtureDiagnosis, includeSecrets: true, paper: 'LETTER' }),
    buildReport({ events, certs: CERTS }),
  ]);
  redactedText = pdfText(redacted.pdf);
  realText = pdfText(real.pdf);
});

describe('the Nokia 6233 report (fixture diagnosis)', () => {
  it('names the device, firmware, technician, ticket and the verdict on the cover', () => {
    const cover = redactedText.raw.split('\f')[0].replace(/\s+/g, ' ');
    expectHas(cover, 'Nokia 6233');
    expectHas(cover, '05.10');
    expectHas(cover, 'Ana Técnica');
    expectHas(cover, 'T-4711');
    expectHas(cover, '✗ FAIL');
    expectHas(cover, 'Mail does not work on this phone as set up');
    expectHas(cover, 'REDACTED: passwords and login data are hidden');
  });

  it("shows every finding's title, explanation and recommendation", () => {
    for (const f of fixtureDiagnosis.findings) {
      expectHas(redactedText.flat, f.title.replace(/\s+/g, ' '));
      expectHas(redactedText.flat, f.explanation.replace(/\s+/g, ' '));
      expectHas(redactedText.flat, f.recommendation.replace(/\s+/g, ' '));
    }
  });

  it('quotes the transcript lines that prove a finding right under it', () => {
    const findings = section(redactedText, '3. Findings, with proof', '4. Timeline of each attempt');
    const empty = findings.slice(findings.indexOf('The phone sends an empty line right after logging in'));
    expectHas(empty, /#16 10:05:44\.932 c2 phone ⏎ \(empty line: CRLF only\)/);
    expectHas(empty, /#17 10:05:44\.935 c2 lab \* BAD Invalid tag/);
  });

  it('shows the matrix of mechanisms and security with marks and words, not colour alone', () => {
    const matrix = section(redactedText, '2. Results: what was tried', '3. Findings, with proof');
    for (const m of ['CRAM-MD5', 'DIGEST-MD5', 'No encryption', 'SSL/TLS']) expectHas(matrix, m);
    expectHas(matrix, '✗ fails');
    expectHas(matrix, 'phone missed the OK');
    expectHas(matrix, '– not tried');
  });

  it('draws the 20-second pause as a labelled gap, with timings', () => {
    const timeline = section(redactedText, '4. Timeline of each attempt', '5. Encryption (TLS)');
    expectHas(timeline, '20.0 s — phone silent');
    expectHas(timeline, '30.0 s — phone silent, then it hung up');
    expectHas(timeline, /\+0\.298 s ⏎ \(empty line: CRLF only\)/);
    // Exactly the pauses of 2 s or more are bands: the DIGEST-MD5 attempt has none.
    expect(timeline.match(/— phone silent/g)).toHaveLength(2);
  });

  it("states the TLS facts: what the Nokia offered and what was agreed", () => {
    const tls = section(redactedText, '5. Encryption (TLS)', '6. Certificate and hand-off');
    expectHas(tls, 'TLSv1 ⚠ obsolete');
    for (const s of ['RC4-MD5', 'TLS_RSA_WITH_RC4_128_MD5', 'DES-CBC3-SHA', 'EXP-RC4-MD5']) expectHas(tls, s);
    expectHas(tls, '⚠ RC4, broken');
    expectHas(tls, /agreed: TLSv1 with RC4-MD5/);
  });

  it('prints the CA fingerprints, the hand-off address and what the browser fetched', () => {
    expectHas(redactedText.flat, CERTS.caSha1);
    expectHas(redactedText.flat, CERTS.caSha256);
    expectHas(redactedText.flat, 'http://192.168.1.20:8080/c');
    expectHas(redactedText.flat, 'GET /ca.crt → 200 (the CA certificate (ca.crt), 887 bytes)');
    expectHas(redactedText.flat, NOKIA_UA);
  });

  it('hides the password and every AUTHENTICATE payload, and says so', () => {
    for (const s of SECRETS) expectLacks(redactedText.joined, s);
    // Also not hidden in the raw file (metadata, uncompressed strings).
    for (const s of SECRETS) expect(redacted.pdf.includes(Buffer.from(s))).toBe(false);
    expectHas(redactedText.flat, `A3 LOGIN ${REDACTED}`);
    expectHas(redactedText.flat, `password ${REDACTED}`);
    expect(redacted.redacted).toBe(true);
  });

  it('shows them with --include-secrets, with a warning on the cover, on Letter paper', () => {
    const t = pdfText(withSecrets.pdf);
    for (const s of SECRETS) expectHas(t.joined, s);
    expectHas(t.flat, 'NOT REDACTED: this copy shows passwords and login data');
    expect(pdfInfo(withSecrets.pdf).pageSize).toMatch(/^612 x 792/);
    expect(pdfInfo(redacted.pdf).pageSize).toMatch(/^595\.\d* x 841\.\d*/);
  });

  it('renders every page (PNG artifacts in test-artifacts/report/)', () => {
    const pages = renderPages(redacted.pdf, 'nokia6233-a4');
    expect(pages).toHaveLength(pdfInfo(redacted.pdf).pages);
    expect(pages.length).toBe(redacted.pages);
    for (const p of pages) expect(statSync(p).size).toBeGreaterThan(2000);
    expect(renderPages(withSecrets.pdf, 'nokia6233-letter-secrets')).toHaveLength(withSecrets.pages);
  });
});

describe('the Nokia 6233 report with the real diagnosis', () => {
  it('reads end to end: cover, summary, matrix, findings, timelines, TLS, certificate, transcript', () => {
    const d = diagnose(events);
    const t = realText.flat;
    const order = ['Mail check report', '1. Summary in plain words', 'What works', 'What does not work', 'What to do', '2. Results: what was tried', '3. Findings, with proof', '4. Timeline of each attempt', '5. Encryption (TLS)', '6. Certificate and hand-off', '7. Appendix: full transcript'];
    let at = -1;
    for (const h of order) {
      const i = t.indexOf(h, at + 1);
      expect(i, h).toBeGreaterThan(at);
      at = i;
    }
    expectHas(t, 'Nokia 6233');
    expectHas(t, '✗ FAIL');
    for (const f of d.findings) expectHas(t, f.title.replace(/\s+/g, ' '));
    expectHas(t, 'Main finding: The server accepted the password; the phone did not notice');
    expectHas(t, 'The account and password on the phone are right: the server accepted them (CRAM-MD5, DIGEST-MD5)');
    for (const n of [1, 2, 3, 4]) expectHas(t, `Attempt ${n} of 4`);
    expectHas(t, '20.0 s — phone silent');
    for (const s of SECRETS) expectLacks(realText.joined, s);
    // The appendix ends with the last event of the session.
    expect(t.trimEnd()).toMatch(/lab stopped: stopped by the technician( .*)?$/);
    renderPages(real.pdf, 'nokia6233-real-diagnosis');
  });

  it('prints a hand-off QR code that a phone camera can read', () => {
    const page = realText.raw.split('\f').findIndex((p) => p.includes('Hand-off page')) + 1;
    expect(page).toBeGreaterThan(1);
    const dir = tmp();
    const file = join(dir, 'r.pdf');
    writeFileSync(file, real.pdf);
    execFileSync('pdftoppm', ['-r', '110', '-f', String(page), '-l', String(page), '-png', file, join(dir, 'p')]);
    const png = readdirSync(dir).find((f) => f.endsWith('.png'))!;
    const out = execFileSync('zbarimg', ['-q', '--raw', '-Sdisable', '-Sqrcode.enable', join(dir, png)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(out.trim()).toBe('http://192.168.1.20:8080/c');
  });

  it('the checked-in events.jsonl is the builder output', async () => {
    const { nokiaJsonl, NOKIA_SESSION_DIR } = await import('../fixtures/report/build.js');
    expect(readFileSync(`${NOKIA_SESSION_DIR}/events.jsonl`, 'utf8')).toBe(nokiaJsonl());
  });
});
