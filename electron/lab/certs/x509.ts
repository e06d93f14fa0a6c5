/**
 * Reading certificates with Node's own X.509 (OpenSSL) and a few bytes of DER: what a lab start
 * needs to check and serve the certificates on disk. node-forge, which builds them (build.ts),
 * costs a large part of a start to load, and is loaded only when something must be made.
 */
import { createHash, createPrivateKey, generateKeyPair, X509Certificate, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { RSA_KEY_BITS } from './policy.js';
import type { HostEntry } from './hosts.js';
import type { SignatureHash } from './types.js';

/** RFC 8017 Appendix C: sha1WithRSAEncryption and sha256WithRSAEncryption, the two the lab signs with. */
export const SIGNATURE_OIDS: Record<SignatureHash, string> = {
  sha1: '1.2.840.113549.1.1.5',
  sha256: '1.2.840.113549.1.1.11',
};

/** A private key as the lab keeps it: its PEM text (written and served as read) and Node's key. */
export interface NativeKey {
  /** PKCS#1 PEM ("RSA PRIVATE KEY"): read by node:tls, forge, OpenSSL and GnuTLS alike. */
  privateKeyPem: string;
  keyObject: KeyObject;
}

/** An RSA private key from its PEM, or undefined when it is unreadable or not RSA. */
export function rsaKeyFromPem(pem: string): NativeKey | undefined {
  try {
    const keyObject = createPrivateKey(pem);
    return keyObject.asymmetricKeyType === 'rsa' ? { privateKeyPem: pem, keyObject } : undefined;
  } catch {
    return undefined;
  }
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** A new RSA key from Node's native generator, on the libuv pool: the event loop stays free
 * (forge's pure-JS generator takes seconds, the native one a fraction of a second). */
export async function generateRsaKey(bits = RSA_KEY_BITS): Promise<NativeKey> {
  const { privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: bits,
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, keyObject: createPrivateKey(privateKey) };
}

/** One DER element (X.690 §8.1): its tag, where its content starts and ends. */
interface DerElement {
  tag: number;
  start: number;
  end: number;
}

function derElement(der: Uint8Array, at: number, limit: number): DerElement | undefined {
  if (at + 2 > limit) return undefined;
  const tag = der[at];
  let len = der[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    // Indefinite lengths are not DER; four length octets cover any certificate.
    if (n === 0 || n > 4 || start + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
    start += n;
  }
  const end = start + len;
  return end <= limit ? { tag, start, end } : undefined;
}

const SEQUENCE = 0x30;
const OBJECT_IDENTIFIER = 0x06;

/** X.690 §8.19: the dotted form of an OBJECT IDENTIFIER's content octets. */
function oidText(der: Uint8Array, start: number, end: number): string | undefined {
  const arcs: number[] = [];
  let value = 0;
  for (let i = start; i < end; i++) {
    value = value * 128 + (der[i] & 0x7f);
    if (der[i] & 0x80) continue;
    if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
    else arcs.push(value);
    value = 0;
  }
  return arcs.length >= 2 && !(der[end - 1] & 0x80) ? arcs.join('.') : undefined;
}

/**
 * The signature algorithm of a DER certificate: Certificate ::= SEQUENCE { tbsCertificate,
 * signatureAlgorithm AlgorithmIdentifier, … } (RFC 5280 §4.1); undefined when it is not one.
 */
export function signatureOid(der: Uint8Array): string | undefined {
  const cert = derElement(der, 0, der.length);
  if (cert?.tag !== SEQUENCE) return undefined;
  const tbs = derElement(der, cert.start, cert.end);
  if (tbs?.tag !== SEQUENCE) return undefined;
  const alg = derElement(der, tbs.end, cert.end);
  if (alg?.tag !== SEQUENCE) return undefined;
  const oid = derElement(der, alg.start, alg.end);
  return oid?.tag === OBJECT_IDENTIFIER ? oidText(der, oid.start, oid.end) : undefined;
}

/** The hash a certificate was signed with, of the two the lab uses; undefined for anything else. */
export function signatureHashOfDer(der: Uint8Array): SignatureHash | undefined {
  const oid = signatureOid(der);
  return oid === SIGNATURE_OIDS.sha1 ? 'sha1' : oid === SIGNATURE_OIDS.sha256 ? 'sha256' : undefined;
}

/**
 * The subjectAltName entries Node prints ("DNS:localhost, IP Address:127.0.0.1"), names lower
 * case and IPv6 addresses in their short form. Node quotes a name holding a comma or a quote
 * (CVE-2021-44532): the lab never issues those, and a quoted entry is skipped.
 */
export function subjectAltHosts(x: X509Certificate): HostEntry[] {
  const out: HostEntry[] = [];
  for (const part of (x.subjectAltName ?? '').split(/,\s*/)) {
    const m = /^(DNS|IP Address):([^"]+)$/.exec(part.trim());
    if (!m) continue;
    if (m[1] === 'DNS') out.push({ host: m[2].toLowerCase(), kind: 'dns' });
    else out.push({ host: m[2].includes(':') ? new URL(`http://[${m[2]}]/`).hostname.slice(1, -1) : m[2], kind: 'ip' });
  }
  return out;
}

/** The subject's CN ("CN=Mailprobe Lab CA 0A1B2C\nO=Mailprobe" → the name). */
export function commonName(x: X509Certificate): string | undefined {
  return /^CN=(.*)$/m.exec(x.subject)?.[1];
}

/** The end of a certificate's validity (Node ≥ 22.10 gives it as a Date; earlier ones as text). */
export function notAfter(x: X509Certificate): Date {
  return (x as X509Certificate & { validToDate?: Date }).validToDate ?? new Date(x.validTo);
}

export function notBefore(x: X509Certificate): Date {
  return (x as X509Certificate & { validFromDate?: Date }).validFromDate ?? new Date(x.validFrom);
}

/** True when `issuer` names and signed `cert` (what forge's `issuer.verify(cert)` checked). */
export function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.issuer === issuer.subject && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** "AB:CD:…" upper-case hex with colons: how phones and browsers show fingerprints. */
export function fingerprint(der: Buffer, algo: 'sha1' | 'sha256'): string {
  return createHash(algo).update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}
