/**
 * Building the lab's certificates with node-forge; RSA keys come from Node's native generator
 * (forge's pure-JS generator takes seconds, the native one a fraction of a second).
 *
 * Signatures:
 *  - The CA signs itself with SHA-1 (sha1WithRSAEncryption). Phones of 2006 (Nokia Series 40
 *    5th edition, Symbian 9.1) verify PKCS#1 v1.5 signatures with MD5 or SHA-1 only: a
 *    SHA-256-signed CA "contains an error" on import. Current verifiers do not check the
 *    signature of the trust anchor itself (OpenSSL 3 `check_auth_level` skips the last element
 *    of the chain; GnuTLS and Node alike), so the same CA serves modern clients too: proved by
 *    test/certs/verify.test.ts with openssl, Python, Node, GnuTLS and curl.
 *  - Two server certificates for the same key and names: one signed with SHA-1 for those phones,
 *    one with SHA-256 for everyone else (OpenSSL 3 at its default security level rejects a SHA-1
 *    signature anywhere below the trust anchor: "CA signature digest algorithm too weak").
 *    The TLS acceptor picks one per connection (tls/certificate-choice.ts).
 * All are X.509 v3 with basicConstraints, keyUsage and (server) extendedKeyUsage serverAuth, and
 * start a day back so a phone whose clock is a few hours behind still accepts them.
 */
import { createPrivateKey, randomBytes, sign as nativeSign } from 'node:crypto';
import forge from 'node-forge';
import type { SignatureHash } from './types.js';
import { BACKDATE_MS, CA_SIGNATURE, CA_VALIDITY_DAYS, RSA_KEY_BITS, SERVER_VALIDITY_DAYS } from './policy.js';
import { generateRsaKey, SIGNATURE_OIDS, type NativeKey } from './x509.js';
import type { HostEntry } from './hosts.js';

export { RSA_KEY_BITS, BACKDATE_MS, CA_VALIDITY_DAYS, SERVER_VALIDITY_DAYS, CA_SIGNATURE } from './policy.js';
export { SIGNATURE_OIDS, fingerprint } from './x509.js';

/** A key as forge and Node's native signer both use it. */
export interface KeyPair extends NativeKey {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
}

/** A native RSA key pair (x509.ts, generateRsaKey), imported into forge. */
export async function generateRsaKeyPair(bits = RSA_KEY_BITS): Promise<KeyPair> {
  return keyPairFromPem((await generateRsaKey(bits)).privateKeyPem);
}

export function keyPairFromPem(pem: string): KeyPair {
  const priv = forge.pki.privateKeyFromPem(pem);
  return { privateKey: priv, publicKey: forge.pki.setRsaPublicKey(priv.n, priv.e), privateKeyPem: pem, keyObject: createPrivateKey(pem) };
}

/** A positive 16-byte serial (the high bit cleared so DER does not read it as negative). */
function randomSerialHex(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f;
  if (b[0] === 0) b[0] = 0x01; // keep it 16 bytes long, no leading zero octet
  return b.toString('hex');
}

/**
 * Sign as forge's `cert.sign` does (same TBSCertificate, same fields set), but with Node's native
 * RSA: forge's JavaScript private-key operation costs ~20 ms per certificate, OpenSSL's well under 1.
 */
function signCertificate(cert: forge.pki.Certificate, keys: KeyPair, hash: SignatureHash): void {
  const oid = SIGNATURE_OIDS[hash];
  const c = cert as forge.pki.Certificate & { tbsCertificate: forge.asn1.Asn1; md: forge.md.MessageDigest };
  c.signatureOid = oid;
  c.siginfo.algorithmOid = oid;
  // getTBSCertificate is public in forge's JavaScript but missing from @types/node-forge.
  c.tbsCertificate = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  const tbs = forge.asn1.toDer(c.tbsCertificate).getBytes();
  c.signature = nativeSign(hash, Buffer.from(tbs, 'binary'), keys.keyObject).toString('binary');
  // forge's verify() reuses an updated digest when present, as after its own sign().
  c.md = (hash === 'sha1' ? forge.md.sha1.create() : forge.md.sha256.create()).update(tbs);
}

function validity(cert: forge.pki.Certificate, now: Date, days: number): void {
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(now.getTime() + days * 24 * 60 * 60 * 1000);
}

export interface CaParams {
  keys: KeyPair;
  now?: Date;
  /** Subject CN; a short random suffix is added so two labs' CAs tell apart on a phone's list. */
  commonName?: string;
}

function caExtensions(cert: forge.pki.Certificate): void {
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
}

export function buildCaCertificate(p: CaParams): forge.pki.Certificate {
  const now = p.now ?? new Date();
  const cert = forge.pki.createCertificate();
  cert.publicKey = p.keys.publicKey;
  cert.serialNumber = randomSerialHex();
  validity(cert, now, CA_VALIDITY_DAYS);
  const cn = p.commonName ?? `Mailprobe Lab CA ${randomBytes(3).toString('hex').toUpperCase()}`;
  const attrs = [
    { name: 'commonName', value: cn },
    { name: 'organizationName', value: 'Mailprobe' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  caExtensions(cert);
  signCertificate(cert, p.keys, CA_SIGNATURE);
  return cert;
}

/**
 * The same CA signed again with CA_SIGNATURE: same key, subject, key identifier and validity,
 * a new serial (an issuer+serial pair must never name two different certificates: NSS refuses
 * that). Everything the old CA signed still verifies under the new one and the other way round,
 * so a computer that trusts the old ca.pem keeps working; only the fingerprint changes.
 */
export function resignCaCertificate(old: forge.pki.Certificate, keys: KeyPair): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerialHex();
  cert.validity.notBefore = old.validity.notBefore;
  cert.validity.notAfter = old.validity.notAfter;
  cert.setSubject(old.subject.attributes);
  cert.setIssuer(old.subject.attributes);
  caExtensions(cert);
  signCertificate(cert, keys, CA_SIGNATURE);
  return cert;
}

export interface ServerParams {
  keys: KeyPair;
  ca: forge.pki.Certificate;
  caKeys: KeyPair;
  hosts: readonly HostEntry[];
  hash: SignatureHash;
  now?: Date;
}

export function buildServerCertificate(p: ServerParams): forge.pki.Certificate {
  const now = p.now ?? new Date();
  const cert = forge.pki.createCertificate();
  cert.publicKey = p.keys.publicKey;
  cert.serialNumber = randomSerialHex();
  validity(cert, now, SERVER_VALIDITY_DAYS);
  // CN = the first host: phones of the era match the CN, not the SANs (RFC 2818 §3.1 says SANs win).
  cert.setSubject([
    { name: 'commonName', value: p.hosts[0].host },
    { name: 'organizationName', value: 'Mailprobe' },
  ]);
  cert.setIssuer(p.ca.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    // keyEncipherment: the RSA key exchange (TLS_RSA_WITH_RC4_128_MD5, the 6233's suite) needs it.
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: p.hosts.map((h) => (h.kind === 'ip' ? { type: 7, ip: h.host } : { type: 2, value: h.host })),
    },
    { name: 'subjectKeyIdentifier' },
    // forge's `keyIdentifier: true` would hash this certificate's own key: give the CA's.
    { name: 'authorityKeyIdentifier', keyIdentifier: p.ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  signCertificate(cert, p.caKeys, p.hash);
  return cert;
}

export function certToDer(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

// ── What ensureLabCertificates (index.ts) asks for, in PEM. It reads and checks the certificates
// on disk natively (x509.ts) and imports this module only when one must be made or re-signed.

function forgeKeys(key: NativeKey): KeyPair {
  return 'privateKey' in key ? (key as KeyPair) : keyPairFromPem(key.privateKeyPem);
}

export function issueCaPem(key: NativeKey, now?: Date): string {
  return forge.pki.certificateToPem(buildCaCertificate({ keys: forgeKeys(key), now }));
}

export function resignCaPem(oldPem: string, key: NativeKey): string {
  return forge.pki.certificateToPem(resignCaCertificate(forge.pki.certificateFromPem(oldPem), forgeKeys(key)));
}

export interface ServerPemParams {
  key: NativeKey;
  caPem: string;
  caKey: NativeKey;
  hosts: readonly HostEntry[];
  hash: SignatureHash;
  now?: Date;
}

export function issueServerPem(p: ServerPemParams): string {
  const ca = forge.pki.certificateFromPem(p.caPem);
  return forge.pki.certificateToPem(buildServerCertificate({ keys: forgeKeys(p.key), ca, caKeys: forgeKeys(p.caKey), hosts: p.hosts, hash: p.hash, now: p.now }));
}
