/**
 * Real POP3 clients nobody here wrote — fetchmail, getmail6 and mutt — each against its own lab
 * in every POP3 mode it has (plaintext USER/PASS or APOP, STLS, implicit TLS on the POP3S port,
 * verifying against the lab's `ca.pem` by IP and by name where the client can), must download
 * the 22 seeded INBOX messages (matched by Message-ID), and `mailprobe diagnose` on its session
 * must give a receiving pass with no error or warning: a correct client is never blamed. With a
 * foreign CA each verifying client must refuse the lab, and the diagnosis must say so.
 *
 * Needs the Debian packages fetchmail, getmail6 and mutt.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../electron/api.js';
import { ensureLabCertificates } from '../../electron/lab/certs/index.js';
import { LAB_PASSWORD, LAB_USER, certsDirOf, makeLabCertificates, runInClientLab, serverCertFiles, type LabRun } from '../support/clients/lab-run.js';
import { POP3_REAL_CLIENTS, type Pop3Mode } from '../support/clients/pop3.js';
import { messageIds, seedKey, seededInboxKeys } from '../support/clients/store.js';
import { tempDir } from '../support/lab.js';

const CLIENT_TIMEOUT_MS = 30_000;

const SEEDED_INBOX = seededInboxKeys(LAB_USER);

const ATTEMPT_SECURITY = { plain: 'none', stls: 'starttls', pop3s: 'tls' } as const;

function modeTitle(m: Pop3Mode): string {
  const login = m.apop ? ', APOP' : m.uidl ? ', UIDL' : '';
  if (m.security === 'plain') return `plaintext${login}`;
  const trust = { 'lab-ca': 'verifying the lab CA', none: 'not verifying', 'foreign-ca': 'refuses a certificate from another CA', pinned: 'pinned' }[m.trust];
  return `${m.security === 'stls' ? 'STLS' : 'POP3S'} ${trust}, by ${m.host === 'localhost' ? 'name' : 'IP'}${login}`;
}

function serious(d: Diagnosis): string[] {
  return d.findings.filter((f) => f.severity === 'error' || f.severity === 'warning').map((f) => `${f.id} (${f.severity}): ${f.title}`);
}

let dataDir: string;
let foreignCaDir: string;

beforeAll(async () => {
  dataDir = tempDir('mp-pop3-clients-');
  // A CA the lab never used: a client that verifies must refuse the lab with it.
  foreignCaDir = tempDir('mp-pop3-foreign-ca-');
  await Promise.all([makeLabCertificates(dataDir), ensureLabCertificates({ outDir: foreignCaDir, hosts: ['localhost'] })]);
});
afterAll(() => {
  for (const d of [dataDir, foreignCaDir]) if (d) rmSync(d, { recursive: true, force: true });
});

const POP3_ONLY = { imapPort: null, imapsPort: null, smtpPort: null, smtpsPort: null, pop3Port: 0, pop3sPort: 0 };

for (const client of POP3_REAL_CLIENTS) {
  describe.concurrent(`${client.name} (${client.pkg}) over POP3`, () => {
    for (const mode of client.modes) {
      it(modeTitle(mode), async () => {
        const run = await runInClientLab(client.name, POP3_ONLY, dataDir, (lab, workDir) =>
          client.run({
            ...mode,
            port: mode.security === 'pop3s' ? lab.listeners.pop3s!.port : lab.listeners.pop3!.port,
            user: LAB_USER,
            password: LAB_PASSWORD,
            caFile: mode.trust === 'foreign-ca' ? join(foreignCaDir, 'ca.pem') : join(certsDirOf(dataDir), 'ca.pem'),
            serverCertFiles: serverCertFiles(dataDir),
            workDir,
            timeoutMs: CLIENT_TIMEOUT_MS,
          }),
        );
        if (mode.trust === 'foreign-ca') expectRefused(run);
        else expectDownloadedAndPassed(run, mode);
      }, CLIENT_TIMEOUT_MS + 10_000);
    }
  });
}

function expectDownloadedAndPassed(run: LabRun, mode: Pop3Mode): void {
  const { result, diagnosis, events } = run;
  const context = `client output:\n${result.log.slice(-3000)}`;
  expect(result.code, context).toBe(0);
  expect(messageIds(result.messages).map(seedKey).sort(), context).toEqual([...SEEDED_INBOX].sort());
  const logins = events.filter((e) => e.kind === 'auth' && e.ok);
  expect(logins.length, context).toBeGreaterThan(0);
  if (mode.apop) expect(logins.every((e) => e.kind === 'auth' && e.mechanism === 'APOP')).toBe(true);
  if (mode.security !== 'plain') expect(events.some((e) => e.kind === 'tls.established')).toBe(true);
  const attempts = diagnosis.attempts.filter((a) => a.proto === 'pop3');
  expect(attempts.length, JSON.stringify(diagnosis.attempts)).toBeGreaterThan(0);
  expect(attempts.map((a) => a.security)).toEqual(attempts.map(() => ATTEMPT_SECURITY[mode.security]));
  expect(attempts.some((a) => a.steps.some((s) => s.step === 'retr' && s.result === 'pass')), JSON.stringify(attempts)).toBe(true);
  expect(serious(diagnosis), JSON.stringify(diagnosis.findings, null, 1).slice(0, 4000)).toEqual([]);
  expect(attempts.filter((a) => a.verdict !== 'pass'), JSON.stringify(attempts)).toEqual([]);
  expect(diagnosis.directions?.receiving).toBe('pass');
}

/**
 * The client refused the lab's certificate (the control that proves it verifies): nothing
 * downloaded, no password sent, and the diagnosis names a certificate refusal.
 */
function expectRefused(run: LabRun): void {
  const { result, diagnosis, events } = run;
  const context = `client output:\n${result.log.slice(-2000)}`;
  expect(result.messages, context).toHaveLength(0);
  expect(events.filter((e) => e.kind === 'auth')).toEqual([]);
  const findings = JSON.stringify(diagnosis.findings, null, 1).slice(0, 3000);
  expect(diagnosis.findings.map((f) => f.id), findings).not.toContain('tls-no-command');
  const refusal = diagnosis.findings.find((f) => f.id === 'tls-handshake-failed');
  expect(refusal, findings).toBeDefined();
  expect(['client-lacks-ca', 'client-rejected-certificate'], findings).toContain(refusal!.data?.reason);
  expect(diagnosis.directions?.receiving).not.toBe('pass');
}
