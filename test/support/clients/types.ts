/**
 * What every real-client driver is given and gives back. A driver configures one Debian (or
 * npm) mail client the way its manual says, points it at a running `mailprobe lab`, lets it
 * fetch or sync INBOX into a directory of its own and returns what it stored there.
 */

/** How the client reaches the lab: RFC 3501 plaintext port, STARTTLS on it (§6.2.1), or RFC 8314 implicit TLS. */
export type Security = 'plain' | 'starttls' | 'imaps';

/**
 * What the client is told to trust:
 * - `lab-ca`: verify the chain against the lab's `ca.pem` and the name (or IP) connected to;
 * - `pinned`: accept exactly the lab's server certificate(s), the way the client's manual says
 *   to keep a certificate it cannot verify (mbsync-get-cert, mutt's "accept always",
 *   offlineimap's cert_fingerprint);
 * - `none`: the client's own "do not verify" switch (or its default, where it verifies nothing);
 * - `foreign-ca`: verify against a CA that did not sign the lab's certificate (a negative
 *   control: proves the client really verifies in `lab-ca` mode).
 */
export type Trust = 'lab-ca' | 'pinned' | 'none' | 'foreign-ca';

export interface ClientRunOptions {
  security: Security;
  trust: Trust;
  /** What the client connects to: an IP literal or a DNS name (both are in the lab certificate). */
  host: string;
  port: number;
  user: string;
  password: string;
  /** A CA file in PEM: the lab's for `lab-ca`, another for `foreign-ca`. */
  caFile: string;
  /** The lab's server certificates in PEM, for `pinned`. */
  serverCertFiles: string[];
  /** An empty directory the driver owns: configuration, state and the fetched messages. */
  workDir: string;
  timeoutMs: number;
}

export interface ClientRunResult {
  /** The client's exit code (0 for in-process clients that completed). */
  code: number | null;
  /** The client's own output, for failure messages. */
  log: string;
  /** The messages the client stored, as it stored them. */
  messages: Buffer[];
}

export interface ClientDriver {
  /** The name in test titles and the report table. */
  name: string;
  /** The Debian package (or npm package) that provides it. */
  pkg: string;
  /** Modes the client has at all; others are listed with the reason in `cannot`. */
  securities: Security[];
  /** For each security it has: the trust modes that make sense for it. */
  trusts: Partial<Record<Security, Trust[]>>;
  /** What the client cannot do, in words for the report ("no STARTTLS option"). */
  cannot?: string[];
  /**
   * Where the client refuses a correct lab by a limitation of its own, why (the test then checks
   * that it refuses and that the diagnosis names a certificate problem, not a missing CA).
   */
  refuses?(mode: { security: Security; trust: Trust; host: string }): string | undefined;
  run(opts: ClientRunOptions): Promise<ClientRunResult>;
}
