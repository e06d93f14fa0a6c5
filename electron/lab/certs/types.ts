/** The lab's certificates as the rest of the engine uses them (issue 4). */
export type CertProfile = 'legacy' | 'modern';

export interface LabCertificates {
  /** Directory holding ca.crt, ca.pem, ca.key, server.crt, server.pem, server.key. */
  dir: string;
  caCertPem: string;
  caCertDer: Buffer;
  serverCertPem: string;
  serverCertDer: Buffer;
  serverKeyPem: string;
  /** Fingerprints of the CA as hex with colons, upper case (what a phone shows). */
  caSha1: string;
  caSha256: string;
  /** The names and addresses the server certificate covers. */
  hosts: string[];
  profile: CertProfile;
}

export interface EnsureCertificatesOptions {
  /** The data directory; certificates live in <dataDir>/certs unless `outDir` is given. */
  dataDir?: string;
  outDir?: string;
  hosts: string[];
  profile?: CertProfile;
  /** Replace the CA (phones configured before must install the new one). */
  newCa?: boolean;
}
