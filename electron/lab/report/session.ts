/**
 * writeReport: a session directory → a PDF file. Reads events.jsonl, finds the lab's CA
 * (<sessionDir>/../../certs/ca.crt, where the lab keeps it: DESIGN.md layout) for its
 * fingerprints unless the caller passes them, and writes the file atomically so a half-written
 * report never sits where the technician expects a good one.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, basename } from 'node:path';
import { readEvents } from '../recorder/index.js';
import type { ReportInput } from './context.js';
import { buildReport, type BuiltReport } from './render.js';

export type WriteReportOptions = Omit<ReportInput, 'events'>;

export interface WrittenReport extends Omit<BuiltReport, 'pdf'> {
  file: string;
  bytes: number;
}

/** "AB:CD:…" upper-case hex with colons: what a phone shows for a certificate. */
export function fingerprintOf(der: Buffer, algo: 'sha1' | 'sha256'): string {
  return createHash(algo).update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

/** DER bytes of a certificate file that may be DER or PEM. */
export function certDer(data: Buffer): Buffer {
  const text = data.subarray(0, 64).toString('latin1');
  if (!text.includes('-----BEGIN')) return data;
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(data.toString('latin1'));
  if (!m) throw new Error('certificate file has no PEM CERTIFICATE block');
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}

/** The CA fingerprints of the data directory the session belongs to, when its ca.crt is there. */
export function sessionCaFingerprints(sessionDir: string): { caSha1: string; caSha256: string } | undefined {
  // An events.jsonl path stands for its directory.
  const dir = statSync(sessionDir).isDirectory() ? resolve(sessionDir) : dirname(resolve(sessionDir));
  const file = join(dir, '..', '..', 'certs', 'ca.crt');
  if (!existsSync(file)) return undefined;
  const der = certDer(readFileSync(file));
  return { caSha1: fingerprintOf(der, 'sha1'), caSha256: fingerprintOf(der, 'sha256') };
}

/** `sessionDir` may also be an events.jsonl path. */
export async function writeReport(sessionDir: string, outFile: string, opts: WriteReportOptions = {}): Promise<WrittenReport> {
  const events = readEvents(sessionDir);
  const certs = opts.certs ?? sessionCaFingerprints(sessionDir);
  const built = await buildReport({ ...opts, events, certs });
  const target = resolve(outFile);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, built.pdf);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  const { pdf, ...rest } = built;
  return { ...rest, file: target, bytes: pdf.length };
}
