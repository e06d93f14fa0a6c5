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
  /** The CA's own signature profile (a reused CA keeps the one it was made with). */
  caProfile?: CertProfile;
  /** The CA's subject CN, as the phone's certificate list shows it. */
  caName?: string;
  /** True when this call created the CA (phones must install it again). */
  caCreated?: boolean;
  /** True when this call issued a new server certificate. */
  serverIssued?: boolean;
  /** The absolute paths of the files, for printing. */
  files?: { caCrt: string; caPem: string; caKey: string; serverCrt: string; serverPem: string; serverKey: string };
  /** Things the technician should know (e.g. a reused SHA-256 CA under the legacy profile). */
  warnings?: string[];
  serverNotAfter?: string;
  caNotAfter?: string;
}

export interface EnsureCertificatesOptions {
  /** The data directory; certificates live in <dataDir>/certs unless `outDir` is given. */
  dataDir?: string;
  outDir?: string;
  hosts: string[];
  profile?: CertProfile;
  /** Replace the CA (phones configured before must install the new one). */
  newCa?: boolean;
  /** Clock, for tests of expiry and reissue. */
  now?: Date;
}
