/**
 * `ensureLabCertificates`: the lab's own CA (created once in <dataDir>/certs and reused, so a
 * phone configured once keeps working) and a server certificate for the addresses the phone
 * will use, reissued when that set changes or the certificate is about to expire (issue 4).
 *
 * Files: ca.crt and server.crt (DER, what the phone's browser installs: the seed's 6233 says a
 * PEM file "contains an error"), ca.pem and server.pem (for computers and node:tls), ca.key and
 * server.key (PKCS#1 PEM, mode 0600).
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { defaultDataDir } from '../paths.js';
import {
  buildCaCertificate,
  buildServerCertificate,
  certToDer,
  fingerprint,
  generateRsaKeyPair,
  keyPairFromPem,
  profileOf,
  publicKeysMatch,
  sanHosts,
  type KeyPair,
} from './build.js';
import { parseHosts, sameHostSet, type HostEntry } from './hosts.js';
import { withCertLock } from './lock.js';
import { CERT_FILE_MODE, KEY_FILE_MODE, certPaths, ensureDir, readOptional, writeAtomic, writeIfChanged } from './store.js';
import type { CertProfile, EnsureCertificatesOptions, LabCertificates } from './types.js';

export type { CertProfile, EnsureCertificatesOptions, LabCertificates } from './types.js';
export { CertificateHostError, parseHosts, parseHost, labCertificateHosts } from './hosts.js';
export { markCertificatesInUse, labsUsingCertificates, IN_USE_DIR } from './in-use.js';
export { CERT_FILES, KEY_FILE_MODE, CERT_FILE_MODE } from './store.js';
export {
  CertLockTimeoutError,
  LOCK_FILE_NAME,
  LOCK_RETRY_MAX_MS,
  LOCK_RETRY_MIN_MS,
  LOCK_STALE_MS,
  LOCK_TIMEOUT_MS,
  LOCK_WRITE_GRACE_MS,
  lockPathFor,
} from './lock.js';
export { RSA_KEY_BITS, BACKDATE_MS, CA_VALIDITY_DAYS, SERVER_VALIDITY_DAYS, fingerprint } from './build.js';

export const DEFAULT_PROFILE: CertProfile = 'legacy';
export const CERT_PROFILES: readonly CertProfile[] = ['legacy', 'modern'];
/** A server certificate expiring within this many days is reissued. */
export const SERVER_RENEW_BEFORE_DAYS = 30;
/** A CA expiring within this many days is replaced (phones would reject it soon anyway). */
export const CA_RENEW_BEFORE_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The directory certificates live in for these options. */
export function certDirFor(opts: Pick<EnsureCertificatesOptions, 'dataDir' | 'outDir'>): string {
  return opts.outDir ?? join(opts.dataDir ?? defaultDataDir(), 'certs');
}

// Two listeners of one lab asking at once must not each create a CA: serialise per directory
// within this process (the lock file would make this process wait for itself), then across
// processes with the lock file: `mailprobe cert` and a running lab, or two labs.
const locks = new Map<string, Promise<unknown>>();

export function ensureLabCertificates(opts: EnsureCertificatesOptions): Promise<LabCertificates> {
  // Validate synchronously-first so a wildcard fails before any file is touched.
  let hosts: HostEntry[];
  try {
    hosts = parseHosts(opts.hosts);
    if (opts.profile !== undefined && !CERT_PROFILES.includes(opts.profile)) {
      throw new TypeError(`unknown certificate profile '${String(opts.profile)}' (legacy or modern)`);
    }
  } catch (err) {
    return Promise.reject(err);
  }
  const dir = certDirFor(opts);
  const prev = locks.get(dir) ?? Promise.resolve();
  const run = prev.catch(() => undefined).then(() => ensureLocked(dir, hosts, opts));
  const settled = run.catch(() => undefined);
  locks.set(dir, settled);
  void settled.then(() => {
    if (locks.get(dir) === settled) locks.delete(dir);
  });
  return run;
}

interface LoadedCert {
  cert: forge.pki.Certificate;
  pem: string;
  keys: KeyPair;
}

function loadPair(certPath: string, keyPath: string): LoadedCert | undefined {
  const pem = readOptional(certPath)?.toString('utf8');
  const keyPem = readOptional(keyPath)?.toString('utf8');
  if (!pem || !keyPem) return undefined;
  try {
    const cert = forge.pki.certificateFromPem(pem);
    const keys = keyPairFromPem(keyPem);
    if (!publicKeysMatch(cert.publicKey as forge.pki.rsa.PublicKey, keys.publicKey)) return undefined;
    return { cert, pem, keys };
  } catch {
    return undefined; // unreadable or not RSA: regenerate rather than serve something broken
  }
}

function expiresWithin(cert: forge.pki.Certificate, now: Date, days: number): boolean {
  return cert.validity.notAfter.getTime() - now.getTime() < days * DAY_MS;
}

function signedBy(ca: forge.pki.Certificate, cert: forge.pki.Certificate): boolean {
  try {
    return ca.verify(cert);
  } catch {
    return false;
  }
}

async function ensureLocked(dir: string, hosts: HostEntry[], opts: EnsureCertificatesOptions): Promise<LabCertificates> {
  ensureDir(dir); // the lock file lives in it
  return withCertLock(dir, async (lock) => {
    const warnings: string[] = [];
    if (lock.tookOver) warnings.push(`took over the stale certificate lock ${lock.path}: ${lock.tookOver}`);
    return ensureUnlocked(dir, hosts, opts, warnings);
  });
}

/** Only ever called holding the directory's lock: everything it decides is read from disk here,
 * after the lock was taken, since another process may have just created the CA. */
async function ensureUnlocked(dir: string, hosts: HostEntry[], opts: EnsureCertificatesOptions, warnings: string[]): Promise<LabCertificates> {
  const now = opts.now ?? new Date();
  const profile = opts.profile ?? DEFAULT_PROFILE;
  const paths = certPaths(dir);

  // ── The CA: reused unless asked, broken, or about to expire.
  let ca = opts.newCa ? undefined : loadPair(paths.caPem, paths.caKey);
  if (ca && expiresWithin(ca.cert, now, CA_RENEW_BEFORE_DAYS)) ca = undefined;
  let caCreated = false;
  // A new CA means a new server certificate too: generate both keys at once (two cores, half the wait).
  let serverKeys: Promise<KeyPair> | undefined;
  if (!ca) {
    serverKeys = generateRsaKeyPair();
    serverKeys.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    const keys = await generateRsaKeyPair();
    const cert = buildCaCertificate({ keys, profile, now });
    ca = { cert, pem: forge.pki.certificateToPem(cert), keys };
    caCreated = true;
    // Key first: a CA certificate on disk without its key would be replaced on the next run.
    writeAtomic(paths.caKey, keys.privateKeyPem, KEY_FILE_MODE);
    writeAtomic(paths.caPem, ca.pem, CERT_FILE_MODE);
  }
  const caProfile = profileOf(ca.cert) ?? profile;
  if (profile === 'legacy' && caProfile !== 'legacy') {
    warnings.push('the reused CA is signed with SHA-256, which 2006-era phones cannot verify; run with --new-ca to replace it (phones must install the new one)');
  }
  const caDer = certToDer(ca.cert);
  writeIfChanged(paths.caCrt, caDer, CERT_FILE_MODE);
  // A reused key's text is what was just read from disk (keyPairFromPem keeps it): only its mode
  // may need putting right. A new one was written above with the right mode.
  if (!caCreated) chmodSync(paths.caKey, KEY_FILE_MODE);

  // ── The server certificate: reissued when anything about it no longer fits. The host SET is
  // compared, not the order: the same addresses in another order keep the certificate (and its
  // CN, the first host it was issued for), so a phone that already trusts it is not disturbed.
  let server = caCreated ? undefined : loadPair(paths.serverPem, paths.serverKey);
  if (
    server &&
    (!signedBy(ca.cert, server.cert) ||
      !sameHostSet(sanHosts(server.cert), hosts) ||
      profileOf(server.cert) !== profile ||
      expiresWithin(server.cert, now, SERVER_RENEW_BEFORE_DAYS) ||
      server.cert.validity.notBefore.getTime() > now.getTime())
  ) {
    server = undefined;
  }
  let serverIssued = false;
  if (!server) {
    const keys = await (serverKeys ?? generateRsaKeyPair());
    const cert = buildServerCertificate({ keys, ca: ca.cert, caKeys: ca.keys, hosts, profile, now });
    server = { cert, pem: forge.pki.certificateToPem(cert), keys };
    serverIssued = true;
    writeAtomic(paths.serverKey, keys.privateKeyPem, KEY_FILE_MODE);
    writeAtomic(paths.serverPem, server.pem, CERT_FILE_MODE);
  }
  const serverDer = certToDer(server.cert);
  writeIfChanged(paths.serverCrt, serverDer, CERT_FILE_MODE);
  if (!serverIssued) chmodSync(paths.serverKey, KEY_FILE_MODE);

  const cn = ca.cert.subject.getField('CN') as { value?: string } | null;
  return {
    dir,
    caCertPem: ca.pem,
    caCertDer: caDer,
    serverCertPem: server.pem,
    serverCertDer: serverDer,
    serverKeyPem: server.keys.privateKeyPem,
    caSha1: fingerprint(caDer, 'sha1'),
    caSha256: fingerprint(caDer, 'sha256'),
    hosts: sanHosts(server.cert).map((h) => h.host),
    profile: profileOf(server.cert) ?? profile,
    caProfile,
    caName: cn?.value,
    caCreated,
    serverIssued,
    files: paths,
    warnings,
    serverNotAfter: server.cert.validity.notAfter.toISOString(),
    caNotAfter: ca.cert.validity.notAfter.toISOString(),
  };
}
