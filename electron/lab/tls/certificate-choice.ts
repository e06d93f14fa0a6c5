/**
 * Which server certificate a connection gets: the lab has one CA and two server certificates for
 * the same key and names, one signed with SHA-1 and one with SHA-256 (certs/build.ts). A 2006
 * phone cannot check a SHA-256 signature; OpenSSL 3, GnuTLS and Node refuse a SHA-1 one ("CA
 * signature digest algorithm too weak"). The ClientHello says which era a client is from.
 *
 * The rule, applied to every ClientHello whatever the engine (`--tls auto|modern|legacy`):
 *  1. an SSLv2-format hello, or a highest offered version below TLS 1.2 → `sha1`: such clients
 *     predate signature_algorithms (added in TLS 1.2, RFC 5246 §7.4.1.4.1) and SHA-2
 *     certificates; an OpenSSL 3 client can only speak TLS 1.0/1.1 at security level 0, where
 *     SHA-1 is accepted too;
 *  2. signature_algorithms_cert when sent (RFC 8446 §4.2.3: it governs certificates), otherwise
 *     signature_algorithms, names a scheme with SHA-256 or stronger (rsa_pkcs1_sha256/384/512,
 *     ECDSA with SHA-2, RSA-PSS, EdDSA) → `sha256`;
 *  3. otherwise → `sha1`: a TLS 1.2 client without the extension is taken to support
 *     {sha1, rsa} only (RFC 5246 §7.4.1.4.1), and one that lists only SHA-1/MD5 schemes says so.
 * Every current client offers TLS 1.2 or 1.3 with SHA-2 schemes and gets `sha256`.
 */
import type { ServedCertificate } from '../../api.js';
import type { ParsedClientHello } from './hello.js';

const TLS12 = 0x0303;
/** RFC 8446 §4.2.3: signature_algorithms_cert. */
const SIGNATURE_ALGORITHMS_CERT = 50;

export interface CertificateDecision {
  certificate: ServedCertificate;
  why: string;
}

/**
 * A SignatureScheme that implies SHA-256 or stronger. TLS 1.2 codes are hash byte then signature
 * byte (RFC 5246 §7.4.1.4.1: 4 sha256, 5 sha384, 6 sha512); 0x08xx are RSA-PSS and EdDSA
 * (RFC 8446 §4.2.3). GREASE (0x?a?a), MD5 (1), SHA-1 (2) and SHA-224 (3) do not count.
 */
export function impliesSha2(scheme: number): boolean {
  const hash = scheme >> 8;
  return (hash >= 4 && hash <= 6) || hash === 8;
}

function signatureAlgorithmsCert(hello: ParsedClientHello): number[] | undefined {
  const ext = hello.extensions.find((e) => e.type === SIGNATURE_ALGORITHMS_CERT);
  if (!ext || ext.data.length < 2) return undefined;
  const len = ext.data.readUInt16BE(0);
  const out: number[] = [];
  for (let i = 2; i + 1 < Math.min(ext.data.length, 2 + len); i += 2) out.push(ext.data.readUInt16BE(i));
  return out;
}

export function chooseCertificate(hello: ParsedClientHello): CertificateDecision {
  if (hello.format === 'sslv2') return { certificate: 'sha1', why: 'SSLv2-format ClientHello' };
  if (hello.maxVersion < TLS12) return { certificate: 'sha1', why: 'the client offers nothing above TLS 1.1' };
  const forCerts = signatureAlgorithmsCert(hello);
  const list = forCerts ?? hello.signatureAlgorithms;
  const from = forCerts ? 'signature_algorithms_cert' : 'signature_algorithms';
  if (list === undefined) return { certificate: 'sha1', why: 'TLS 1.2 without signature_algorithms means {sha1, rsa}' };
  if (list.some(impliesSha2)) return { certificate: 'sha256', why: `${from} names SHA-256 or stronger` };
  return { certificate: 'sha1', why: `${from} names only SHA-1/MD5 schemes` };
}
