/**
 * What the TLS events say about a server certificate: the hash it is signed with (the
 * `certificate` field of tls.established / tls.failed) and the names it covers
 * (`certificateNames`), so the diagnosis can tell which property a client refused.
 */
import { X509Certificate } from 'node:crypto';
import type { ServedCertificate } from '../../api.js';
import { signatureOid, subjectAltHosts } from '../certs/x509.js';

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

export function certificateInfo(der: Buffer): CertificateInfo {
  const oid = signatureOid(der);
  const certificate = oid === undefined ? undefined : HASH_BY_OID[oid];
  return { ...(certificate ? { certificate } : {}), names: subjectAltHosts(new X509Certificate(der)).map((h) => h.host) };
}
