/**
 * `mailprobe report SESSION_DIR --out report.pdf [--include-secrets] [--technician NAME]
 * [--ticket ID] [--paper a4|letter]` and writeReport: the files a technician gets.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../electron/cli/main.js';
import { fingerprint } from '../../electron/lab/certs/index.js';
import { certDer, sessionCaFingerprints, writeReport } from '../../electron/lab/report/index.js';
import { NOKIA_SESSION_DIR } from '../fixtures/report/build.js';
import { NOKIA_PASSWORD } from '../fixtures/report/nokia6233.js';
import { expectHas, expectLacks, pdfInfo, pdfText, tmp } from './helpers.js';

let out: string[] = [];
let err: string[] = [];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
});
afterEach(() => vi.restoreAllMocks());

/** A data dir laid out as the lab leaves it: sessions/<id>/events.jsonl and certs/ca.crt. */
function dataDir(): { dir: string; session: string; der: Buffer } {
  const dir = tmp('mp-report-cli-');
  const session = join(dir, 'sessions', '2026-11-29T10-02-00Z-1');
  mkdirSync(session, { recursive: true });
  copyFileSync(join(NOKIA_SESSION_DIR, 'events.jsonl'), join(session, 'events.jsonl'));
  mkdirSync(join(dir, 'certs'));
  const der = Buffer.from('3082010a0282010100c3a1', 'hex'); // any bytes: a fingerprint is a hash of the file
  writeFileSync(join(dir, 'certs', 'ca.crt'), der);
  return { dir, session, der };
}

describe('mailprobe report', () => {
  it('writes a redacted A4 report with the CA fingerprints of the data dir and says so', async () => {
    const { dir, session, der } = dataDir();
    const file = join(dir, 'report.pdf');
    const code = await main(['report', session, '--out', file, '--technician', 'Sam', '--ticket', 'INC-42']);
    expect(code).toBe(0);
    expect(out.join('')).toMatch(/^report written: .*report\.pdf \(\d+ pages, \d+ KB, redacted\)\n$/);
    const pdf = readFileSync(file);
    const t = pdfText(pdf);
    expectHas(t.flat, 'Sam');
    expectHas(t.flat, 'INC-42');
    expectHas(t.flat, fingerprint(der, 'sha256'));
    expectHas(t.flat, fingerprint(der, 'sha1'));
    expectLacks(t.joined, NOKIA_PASSWORD);
    expect(pdfInfo(pdf).pageSize).toMatch(/^595/);
    // Written atomically: no temporary file left beside it.
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('--include-secrets --paper letter shows the password, on Letter, with a warning', async () => {
    const { dir, session } = dataDir();
    const file = join(dir, 'secret.pdf');
    expect(await main(['report', join(session, 'events.jsonl'), '--out', file, '--include-secrets', '--paper', 'letter'])).toBe(0);
    expect(out.join('')).toContain('NOT redacted');
    expect(err.join('')).toContain('shows passwords');
    const pdf = readFileSync(file);
    expectHas(pdfText(pdf).flat, NOKIA_PASSWORD);
    expect(pdfInfo(pdf).pageSize).toMatch(/^612 x 792/);
  });

  it('exits 2 with one line naming what is wrong', async () => {
    const { dir, session } = dataDir();
    const cases: Array<[string[], RegExp]> = [
      [['report', session], /missing --out/],
      [['report', '--out', join(dir, 'x.pdf')], /missing SESSION_DIR/],
      [['report', join(dir, 'nope'), '--out', join(dir, 'x.pdf')], /cannot read .*nope: no such file/],
      [['report', session, '--out', join(dir, 'x.pdf'), '--paper', 'a3'], /--paper must be one of a4, letter/],
      [['report', session, '--out', join(dir, 'no-dir', 'x.pdf')], /--out: directory .*no-dir does not exist/],
      [['report', session, '--out', join(dir, 'x.pdf'), '--colour'], /colour/],
      [['report', join(dir, 'certs'), '--out', join(dir, 'x.pdf')], /cannot read .*certs/],
    ];
    for (const [argv, message] of cases) {
      err = [];
      expect(await main(argv), argv.join(' ')).toBe(2);
      const lines = err.join('').trimEnd().split('\n');
      expect(lines, argv.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    }
    expect(existsSync(join(dir, 'x.pdf'))).toBe(false);
  });
});

describe('writeReport and the CA fingerprints', () => {
  it('reads ca.crt as DER or PEM, and passes fingerprints given by the caller through', async () => {
    const { dir, session, der } = dataDir();
    const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
    expect(certDer(Buffer.from(pem))).toEqual(der);
    expect(sessionCaFingerprints(session)).toEqual({ caSha1: fingerprint(der, 'sha1'), caSha256: fingerprint(der, 'sha256') });
    const given = { caSha1: 'AA:BB', caSha256: 'CC:DD:EE' };
    const r = await writeReport(session, join(dir, 'given.pdf'), { certs: given, handoffUrl: 'http://10.0.0.9:8080/c' });
    expect(r.pages).toBeGreaterThan(5);
    const t = pdfText(readFileSync(r.file));
    expectHas(t.flat, 'CC:DD:EE');
    expectHas(t.flat, 'http://10.0.0.9:8080/c');
  });
});
