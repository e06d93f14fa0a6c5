/**
 * What the TLS events say about a server certificate: the hash it is signed with (the
 * `certificate` field of tls.established / tls.failed) and the names it covers
 * (`certificateNames`), so the diagnosis can tell which property a client refused.
 */
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import type { ServedCertificate } from '../../api.js';

/** RFC 8017 Appendix C and RFC 5758 §3.2: the signature OIDs counted as one or the other. */
const HASH_BY_OID: Record<string, ServedCertificate> = {
  '1.2.840.113549.1.1.5': 'sha1', // sha1WithRSAEncryption
  '1.2.840.10045.4.1': 'sha1', // ecdsa-with-SHA1
  '1.2.840.113549.1.1.11': 'sha256', // sha256WithRSAEncryption
  '1.2.840.10045.4.3.2': 'sha256', // ecdsa-with-SHA256
};

export interface CertificateInfo {
  /** Undefined for any other signature (MD5, SHA-384…): the event then leaves the field out. */
  certificate?: ServedCertificate;
  names: string[];
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, … } (RFC 5280 §4.1). */
function signatureOid(der: Buffer): string | undefined {
  try {
    const top = forge.asn1.fromDer(der.toString('binary'));
    const alg = (top.value as forge.asn1.Asn1[])[1];
    const oid = (alg.value as forge.asn1.Asn1[])[0];
    return forge.asn1.derToOid(oid.value as string);
  } catch {
    return undefined;
  }
}

/** "DNS:localhost, IP Address:127.0.0.1" → ["localhost", "127.0.0.1"]; IPv6 in its short form. */
function sanNames(x: X509Certificate): string[] {
  const out: string[] = [];
  for (const part of (x.subjectAltName ?? '').split(/,\s*/)) {
    const m = /^(DNS|IP Address):(.+)$/.exec(part.trim());
    if (!m) continue;
    if (m[1] === 'DNS') out.push(m[2].toLowerCase());
    else out.push(m[2].includes(':') ? new URL(`http://[${m[2]}]/`).hostname.slice(1, -1) : m[2]);
  }
  return out;
}

export function certificateInfo(der: Buffer): CertificateInfo {
  const oid = signatureOid(der);
  const certificate = oid === undefined ? undefined : HASH_BY_OID[oid];
  return { ...(certificate ? { certificate } : {}), names: sanNames(new X509Certificate(der)) };
}
