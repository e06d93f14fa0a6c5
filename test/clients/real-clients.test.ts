/**
 * The real-client matrix: eight mail clients nobody here wrote (fetchmail, mbsync, mutt,
 * getmail6, offlineimap3, imap-tools, Python's imaplib, imapflow), each against its own
 * `mailprobe lab` in every mode it has — plaintext, STARTTLS (RFC 3501 §6.2.1) and implicit
 * TLS (RFC 8314) — verifying against the lab's `ca.pem` by IP and by name, and in the
 * not-verifying mode its users reach for. Each must really fetch the 22 seeded INBOX messages,
 * and `mailprobe diagnose` on its session must say pass with no error or warning: a correct
 * client is never blamed. A foreign CA is the control that proves each client really verifies,
 * and that its refusal is diagnosed as a certificate refusal.
 *
 * Needs the Debian packages named in each driver (test/support/clients/).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../electron/api.js';
import { ensureLabCertificates } from '../../electron/lab/certs/index.js';
import { REAL_CLIENTS, type ClientDriver, type Security, type Trust } from '../support/clients/index.js';
import { LAB_USER, makeLabCertificates, runAgainstLab, type LabRun } from '../support/clients/lab-run.js';
import { messageIds, seedKey, seededInboxKeys } from '../support/clients/store.js';
import { tempDir } from '../support/lab.js';

/** Per client run; the slowest (offlineimap, mutt under script) take about 2 s. */
const CLIENT_TIMEOUT_MS = 20_000;

/** The seeded INBOX, as `seed-NNN` (the stable part of each Message-ID). */
const SEEDED_INBOX = seededInboxKeys(LAB_USER);

const ATTEMPT_SECURITY: Record<Security, 'none' | 'starttls' | 'tls'> = { plain: 'none', starttls: 'starttls', imaps: 'tls' };

interface Mode {
  security: Security;
  trust: Trust;
  host: string;
}

function modesOf(client: ClientDriver): Mode[] {
  const modes: Mode[] = [{ security: 'plain', trust: 'none', host: '127.0.0.1' }];
  for (const security of client.securities) {
    if (security === 'plain') continue;
    for (const trust of client.trusts[security] ?? []) {
      // Verification by IP and by name are separate code paths (IP SANs); the rest by name.
      for (const host of trust === 'lab-ca' ? ['127.0.0.1', 'localhost'] : ['localhost']) modes.push({ security, trust, host });
    }
  }
  return modes;
}

function modeTitle(m: Mode): string {
  if (m.security === 'plain') return 'plaintext';
  const trust = { 'lab-ca': 'verifying the lab CA', pinned: 'with the server certificate pinned', none: 'not verifying', 'foreign-ca': 'refuses a certificate from another CA' }[m.trust];
  return `${m.security === 'imaps' ? 'IMAPS' : 'STARTTLS'} ${trust}, by ${m.host === 'localhost' ? 'name' : 'IP'}`;
}

/** "tls-handshake-failed (error, client-rejected-certificate: trust)" */
function findingLabel(f: Diagnosis['findings'][number]): string {
  const reason = f.data?.reason ? `, ${String(f.data.reason)}` : '';
  const refused = Array.isArray(f.data?.refused) ? `: ${f.data.refused.join('/')}` : '';
  return `${f.id} (${f.severity}${reason}${refused})`;
}

function serious(d: Diagnosis): string[] {
  return d.findings.filter((f) => f.severity === 'error' || f.severity === 'warning').map((f) => `${f.id} (${f.severity}): ${f.title}`);
}

let dataDir: string;
let foreignCaDir: string;
let foreignCaFile: string;

beforeAll(async () => {
  dataDir = tempDir('mp-clients-');
  // A CA the lab never used: any client that verifies must refuse the lab with it.
  foreignCaDir = tempDir('mp-foreign-ca-');
  await Promise.all([ensureLabCertificates({ outDir: foreignCaDir, hosts: ['localhost'] }), makeLabCertificates(dataDir)]);
  foreignCaFile = join(foreignCaDir, 'ca.pem');
});

/** One row per run, written to test-artifacts/real-clients.md: the client × mode table. */
const table: Array<{ client: string; mode: string; fetched: number; code: number | null; mechanism: string; verdict: string; findings: string }> = [];

afterAll(() => {
  for (const d of [dataDir, foreignCaDir]) if (d) rmSync(d, { recursive: true, force: true });
  const dir = join(process.cwd(), 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  const order = (c: string) => REAL_CLIENTS.findIndex((x) => x.name === c);
  const rows = [...table].sort((a, b) => order(a.client) - order(b.client) || a.mode.localeCompare(b.mode));
  const lines = ['| client | mode | fetched | exit | login | verdict | findings |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.client} | ${r.mode} | ${r.fetched}/${SEEDED_INBOX.length} | ${r.code} | ${r.mechanism} | ${r.verdict} | ${r.findings} |`);
  for (const c of REAL_CLIENTS) for (const why of c.cannot ?? []) lines.push(`| ${c.name} | — | | | | | ${why} |`);
  writeFileSync(join(dir, 'real-clients.md'), lines.join('\n') + '\n');
});

for (const client of REAL_CLIENTS) {
  describe.concurrent(`${client.name} (${client.pkg})`, () => {
    for (const mode of modesOf(client)) {
      const limitation = client.refuses?.(mode);
      it(limitation ? `${modeTitle(mode)}: refuses (${limitation})` : modeTitle(mode), async () => {
        const run = await runAgainstLab(client, mode, { dataDir, foreignCaFile, timeoutMs: CLIENT_TIMEOUT_MS });
        table.push({
          client: client.name,
          mode: modeTitle(mode),
          fetched: run.result.messages.length,
          code: run.result.code,
          mechanism: [...new Set(run.diagnosis.attempts.map((a) => a.mechanism ?? '—'))].join(', '),
          verdict: run.diagnosis.verdict,
          findings: run.diagnosis.findings.map(findingLabel).join(', '),
        });
        if (mode.trust === 'foreign-ca') expectRefused(run, ['client-lacks-ca', 'client-rejected-certificate']);
        else if (limitation) expectRefused(run, ['client-rejected-certificate']);
        else expectFetchedAndPassed(run, mode);
      });
    }
  });
}

function expectFetchedAndPassed(run: LabRun, mode: Mode): void {
  const { result, diagnosis, events } = run;
  const context = `client output:\n${result.log.slice(-3000)}`;
  expect(result.code, context).toBe(0);
  expect(messageIds(result.messages).map(seedKey).sort(), context).toEqual([...SEEDED_INBOX].sort());
  if (mode.security !== 'plain') {
    // Every one of these clients is of the SHA-256 era: the lab must have served that certificate.
    const served = events.flatMap((e) => (e.kind === 'tls.established' ? [e.certificate] : []));
    expect(served.length).toBeGreaterThan(0);
    expect(served.filter((c) => c !== 'sha256')).toEqual([]);
  }
  const attempts = diagnosis.attempts.filter((a) => a.proto === 'imap');
  expect(attempts.length, JSON.stringify(diagnosis.attempts)).toBeGreaterThan(0);
  expect(attempts.map((a) => a.security)).toEqual(attempts.map(() => ATTEMPT_SECURITY[mode.security]));
  expect(attempts.some((a) => a.steps.some((s) => s.step === 'fetch' && s.result === 'pass')), JSON.stringify(attempts)).toBe(true);
  expect(serious(diagnosis), JSON.stringify(diagnosis.findings, null, 1).slice(0, 4000)).toEqual([]);
  expect(attempts.filter((a) => a.verdict !== 'pass'), JSON.stringify(attempts)).toEqual([]);
  expect(diagnosis.verdict).toBe('pass');
}

/**
 * The client refused the lab's certificate: it fetched nothing, never sent the password, and the
 * diagnosis says so as a TLS failure with one of `reasons` — a certificate refusal, not a phone
 * that "sent nothing after the handshake" (QUIRKS.md, tls-no-command).
 */
function expectRefused(run: LabRun, reasons: string[]): void {
  const { result, diagnosis, events } = run;
  const context = `client output:\n${result.log.slice(-2000)}`;
  // mutt exits 0 after a refused certificate (the user quit); what counts is that nothing came.
  expect(result.messages, context).toHaveLength(0);
  // It refused before it sent the password: nothing was logged in.
  expect(events.filter((e) => e.kind === 'auth')).toEqual([]);
  const findings = JSON.stringify(diagnosis.findings, null, 1).slice(0, 3000);
  expect(diagnosis.findings.map((f) => f.id), findings).not.toContain('tls-no-command');
  const refusal = diagnosis.findings.find((f) => f.id === 'tls-handshake-failed');
  expect(refusal, findings).toBeDefined();
  expect(reasons, findings).toContain(refusal!.data?.reason);
  expect(diagnosis.verdict).not.toBe('pass');
}
