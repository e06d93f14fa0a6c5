/**
 * Files of the certificate directory. Private keys are written 0600 in a 0700 directory, and
 * every file is written to a temporary name then renamed, so a lab killed mid-write never leaves
 * a half certificate that a phone would then download.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const CERT_FILES = {
  caCrt: 'ca.crt',
  caPem: 'ca.pem',
  caKey: 'ca.key',
  serverCrt: 'server.crt',
  serverPem: 'server.pem',
  serverSha1Crt: 'server-sha1.crt',
  serverSha1Pem: 'server-sha1.pem',
  serverKey: 'server.key',
} as const;

export type CertFileName = keyof typeof CERT_FILES;

export const KEY_FILE_MODE = 0o600;
export const CERT_FILE_MODE = 0o644;
export const CERT_DIR_MODE = 0o700;

export function certPaths(dir: string): Record<CertFileName, string> {
  const out = {} as Record<CertFileName, string>;
  for (const [k, v] of Object.entries(CERT_FILES)) out[k as CertFileName] = join(dir, v);
  return out;
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: CERT_DIR_MODE });
}

export function readOptional(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

export function writeAtomic(path: string, data: string | Buffer, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data, { mode });
    chmodSync(tmp, mode); // the umask may have narrowed or the file pre-existed
    renameSync(tmp, path);
  } catch (err) {
    // A full disk or a read-only directory: leave nothing half-written behind (a stray .tmp
    // next to a key would be a copy of a private key the user does not know about).
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Write only when the content differs (keeps mtimes stable for a reused CA). */
export function writeIfChanged(path: string, data: string | Buffer, mode: number): void {
  const cur = readOptional(path);
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (cur && cur.equals(buf)) {
    chmodSync(path, mode);
    return;
  }
  writeAtomic(path, buf, mode);
}
