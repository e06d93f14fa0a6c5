/**
 * `ensureLabCertificates`: the lab's own CA (created once in <dataDir>/certs and reused, so a
 * phone configured once keeps working) and two server certificates for the addresses the phone
 * will use — one signed with SHA-256, one with SHA-1, same key and names (build.ts says why) —
 * reissued when that set changes or a certificate is about to expire.
 *
 * Files: ca.crt, server.crt and server-sha1.crt (DER, what a phone's browser installs: the seed's
 * 6233 says a PEM file "contains an error"), ca.pem, server.pem and server-sha1.pem (for
 * computers and node:tls), ca.key and server.key (PKCS#1 PEM, mode 0600). server.crt/.pem is
 * the SHA-256 one (older versions wrote a SHA-1 one there under the default profile: it is
 * reissued on the first run).
 *
 * A CA written by an older version with `--profile modern` is signed with SHA-256, which 2006
 * phones cannot read: it is re-signed with SHA-1 under the same key and name (build.ts,
 * resignCaCertificate), so nothing that trusted it stops working, and a warning says phones
 * need the new ca.crt.
 */
import { chmodSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { defaultDataDir } from '../paths.js';
import { CA_SIGNATURE } from './policy.js';
import {
  commonName,
  fingerprint,
  generateRsaKey,
  issuedBy,
  notAfter,
  notBefore,
  rsaKeyFromPem,
  signatureHashOfDer,
  subjectAltHosts,
  type NativeKey,
} from './x509.js';
import { parseHosts, sameHostSet, type HostEntry } from './hosts.js';
import { withCertLock } from './lock.js';
import { CERT_FILE_MODE, KEY_FILE_MODE, certPaths, ensureDir, readOptional, writeAtomic, writeIfChanged } from './store.js';
import type { CertProfile, EnsureCertificatesOptions, LabCertificates, SignatureHash } from './types.js';

export type { CertProfile, EnsureCertificatesOptions, LabCertificates, SignatureHash } from './types.js';
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
export { RSA_KEY_BITS, BACKDATE_MS, CA_VALIDITY_DAYS, SERVER_VALIDITY_DAYS, CA_SIGNATURE } from './policy.js';
export { fingerprint } from './x509.js';

/** The values `mailprobe cert --profile` still accepts (types.ts, CertProfile). */
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

/** A certificate read from disk (or just made) with Node's X.509, and the key it goes with. */
interface LoadedCert {
  x509: X509Certificate;
  pem: string;
  keys: NativeKey;
}

function loadKey(keyPath: string): NativeKey | undefined {
  const keyPem = readOptional(keyPath)?.toString('utf8');
  // Unreadable or not RSA: regenerate rather than serve something broken.
  return keyPem ? rsaKeyFromPem(keyPem) : undefined;
}

function certFromPem(pem: string, keys: NativeKey): LoadedCert | undefined {
  try {
    const x509 = new X509Certificate(pem);
    return x509.checkPrivateKey(keys.keyObject) ? { x509, pem, keys } : undefined;
  } catch {
    return undefined;
  }
}

function loadCert(certPath: string, keys: NativeKey): LoadedCert | undefined {
  const pem = readOptional(certPath)?.toString('utf8');
  return pem ? certFromPem(pem, keys) : undefined;
}

function loadPair(certPath: string, keyPath: string): LoadedCert | undefined {
  const keys = loadKey(keyPath);
  return keys && loadCert(certPath, keys);
}

/** A certificate this module has just made from `keys`: it always parses. */
function madeCert(pem: string, keys: NativeKey): LoadedCert {
  return { x509: new X509Certificate(pem), pem, keys };
}

function expiresWithin(cert: X509Certificate, now: Date, days: number): boolean {
  return notAfter(cert).getTime() - now.getTime() < days * DAY_MS;
}

/** Builds certificates with node-forge: loaded only when one must be made, not on every start. */
const builder = () => import('./build.js');

async function ensureLocked(dir: string, hosts: HostEntry[], opts: EnsureCertificatesOptions): Promise<LabCertificates> {
  ensureDir(dir); // the lock file lives in it
  return withCertLock(dir, async (lock) => {
    const warnings: string[] = [];
    if (lock.tookOver) warnings.push(`took over the stale certificate lock ${lock.path}: ${lock.tookOver}`);
    return ensureUnlocked(dir, hosts, opts, warnings);
  });
}

/** The two server certificates: file names and signature. */
const SERVER_CERTS: ReadonlyArray<{ hash: SignatureHash; pem: 'serverPem' | 'serverSha1Pem'; der: 'serverCrt' | 'serverSha1Crt' }> = [
  { hash: 'sha256', pem: 'serverPem', der: 'serverCrt' },
  { hash: 'sha1', pem: 'serverSha1Pem', der: 'serverSha1Crt' },
];

/** Only ever called holding the directory's lock: everything it decides is read from disk here,
 * after the lock was taken, since another process may have just created the CA. */
async function ensureUnlocked(dir: string, hosts: HostEntry[], opts: EnsureCertificatesOptions, warnings: string[]): Promise<LabCertificates> {
  const now = opts.now ?? new Date();
  const paths = certPaths(dir);

  // ── The CA: reused unless asked, broken, or about to expire.
  let ca = opts.newCa ? undefined : loadPair(paths.caPem, paths.caKey);
  if (ca && expiresWithin(ca.x509, now, CA_RENEW_BEFORE_DAYS)) ca = undefined;
  let caCreated = false;
  let caResigned = false;
  // A new CA means new server certificates too: generate both keys at once (two cores, half the wait).
  let serverKeys: Promise<NativeKey> | undefined;
  if (!ca) {
    serverKeys = generateRsaKey();
    serverKeys.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    const [keys, build] = await Promise.all([generateRsaKey(), builder()]);
    ca = madeCert(build.issueCaPem(keys, now), keys);
    caCreated = true;
    // Key first: a CA certificate on disk without its key would be replaced on the next run.
    writeAtomic(paths.caKey, keys.privateKeyPem, KEY_FILE_MODE);
    writeAtomic(paths.caPem, ca.pem, CERT_FILE_MODE);
  } else if (signatureHashOfDer(ca.x509.raw) !== CA_SIGNATURE) {
    // An older version's `--profile modern` CA (SHA-256): unreadable by the phones this lab is for.
    const build = await builder();
    ca = madeCert(build.resignCaPem(ca.pem, ca.keys), ca.keys);
    caResigned = true;
    writeAtomic(paths.caPem, ca.pem, CERT_FILE_MODE);
    warnings.push(
      'the CA on disk was signed with SHA-256, which 2006-era phones cannot read; it was re-signed with SHA-1 under the same key and name: computers that trust the old ca.pem keep working, but a phone needs the new ca.crt (new fingerprint)',
    );
  }
  const caDer = ca.x509.raw;
  writeIfChanged(paths.caCrt, caDer, CERT_FILE_MODE);
  // A reused key's text is what was just read from disk: only its mode may need putting right.
  // A new one was written above with the right mode.
  if (!caCreated) chmodSync(paths.caKey, KEY_FILE_MODE);

  // ── The server certificates: one key, two signatures; each reissued when anything about it no
  // longer fits. The host SET is compared, not the order: the same addresses in another order keep
  // the certificate (and its CN, the first host it was issued for).
  let keys = caCreated ? undefined : loadKey(paths.serverKey);
  let keyCreated = false;
  if (!keys) {
    keys = await (serverKeys ?? generateRsaKey());
    keyCreated = true;
    writeAtomic(paths.serverKey, keys.privateKeyPem, KEY_FILE_MODE);
  } else chmodSync(paths.serverKey, KEY_FILE_MODE);
  const caCert = ca;
  const fits = (c: LoadedCert, hash: SignatureHash): boolean =>
    issuedBy(c.x509, caCert.x509) &&
    sameHostSet(subjectAltHosts(c.x509), hosts) &&
    signatureHashOfDer(c.x509.raw) === hash &&
    !expiresWithin(c.x509, now, SERVER_RENEW_BEFORE_DAYS) &&
    notBefore(c.x509).getTime() <= now.getTime();
  let serverIssued = false;
  const served = {} as Record<SignatureHash, LoadedCert>;
  for (const s of SERVER_CERTS) {
    let c = keyCreated ? undefined : loadCert(paths[s.pem], keys);
    if (c && !fits(c, s.hash)) c = undefined;
    if (!c) {
      const build = await builder();
      c = madeCert(build.issueServerPem({ key: keys, caPem: caCert.pem, caKey: caCert.keys, hosts, hash: s.hash, now }), keys);
      serverIssued = true;
      writeAtomic(paths[s.pem], c.pem, CERT_FILE_MODE);
    }
    writeIfChanged(paths[s.der], c.x509.raw, CERT_FILE_MODE);
    served[s.hash] = c;
  }
  const server = served.sha256;

  return {
    dir,
    caCertPem: ca.pem,
    caCertDer: caDer,
    serverCertPem: server.pem,
    serverCertDer: server.x509.raw,
    serverSha1CertPem: served.sha1.pem,
    serverSha1CertDer: served.sha1.x509.raw,
    serverKeyPem: keys.privateKeyPem,
    caSha1: fingerprint(caDer, 'sha1'),
    caSha256: fingerprint(caDer, 'sha256'),
    hosts: subjectAltHosts(server.x509).map((h) => h.host),
    caSignature: signatureHashOfDer(caDer) ?? CA_SIGNATURE,
    caName: commonName(ca.x509),
    caCreated,
    caResigned,
    serverIssued,
    files: paths,
    warnings,
    serverNotAfter: notAfter(server.x509).toISOString(),
    caNotAfter: notAfter(ca.x509).toISOString(),
  };
}
