/** The lab's certificates as the rest of the engine uses them. */
import type { ServedCertificate } from '../../api.js';

/** The hash a certificate is signed with: the same two the TLS acceptor chooses between. */
export type SignatureHash = ServedCertificate;

/**
 * `mailprobe cert --profile legacy|modern` of earlier versions, which made ONE server
 * certificate with that signature. Both server certificates are now always made; the flag is
 * still accepted so existing scripts keep working, and the command says it no longer chooses.
 */
export type CertProfile = 'legacy' | 'modern';

export interface LabCertificates {
  /** Directory holding ca.crt, ca.pem, ca.key, server.crt, server.pem, server-sha1.crt, server-sha1.pem, server.key. */
  dir: string;
  caCertPem: string;
  caCertDer: Buffer;
  /** The server certificate signed with SHA-256: for every current client. */
  serverCertPem: string;
  serverCertDer: Buffer;
  /** The same names and key, signed with SHA-1: for phones of the SHA-1 era. */
  serverSha1CertPem: string;
  serverSha1CertDer: Buffer;
  /** The key of both server certificates. */
  serverKeyPem: string;
  /** Fingerprints of the CA as hex with colons, upper case (what a phone shows). */
  caSha1: string;
  caSha256: string;
  /** The names and addresses the server certificates cover. */
  hosts: string[];
  /** The CA's self-signature (always SHA-1 once this call returns: old SHA-256 CAs are re-signed). */
  caSignature: SignatureHash;
  /** The CA's subject CN, as the phone's certificate list shows it. */
  caName?: string;
  /** True when this call created the CA (phones must install it again). */
  caCreated?: boolean;
  /** True when this call re-signed an existing CA with SHA-1 (same key and name, new fingerprint). */
  caResigned?: boolean;
  /** True when this call issued a new server certificate (either of the two). */
  serverIssued?: boolean;
  /** The absolute paths of the files, for printing. */
  files?: {
    caCrt: string;
    caPem: string;
    caKey: string;
    serverCrt: string;
    serverPem: string;
    serverSha1Crt: string;
    serverSha1Pem: string;
    serverKey: string;
  };
  /** Things the technician should know (e.g. an old SHA-256 CA was re-signed). */
  warnings?: string[];
  serverNotAfter?: string;
  caNotAfter?: string;
}

export interface EnsureCertificatesOptions {
  /** The data directory; certificates live in <dataDir>/certs unless `outDir` is given. */
  dataDir?: string;
  outDir?: string;
  hosts: string[];
  /** Replace the CA (phones configured before must install the new one). */
  newCa?: boolean;
  /** Clock, for tests of expiry and reissue. */
  now?: Date;
}
