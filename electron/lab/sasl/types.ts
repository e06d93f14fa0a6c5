/**
 * SASL server mechanisms as pure step functions: no sockets, no clock, no global
 * randomness. The IMAP layer (AUTHENTICATE, RFC 3501 §6.2.2) base64-decodes each client
 * response, calls `next`, and turns the step into a `+ <base64>` continuation, a tagged OK, or
 * a tagged NO/BAD. A client "*" (cancel) is handled by the IMAP layer, not here.
 */

export type SaslFailure =
  /** The credentials were wrong (tagged NO [AUTHENTICATIONFAILED]). */
  | 'bad-credentials'
  /** The response did not follow the mechanism's grammar (tagged BAD). */
  | 'malformed'
  /** A response arrived when the mechanism expected none, or the reverse (tagged BAD). */
  | 'unexpected';

export type SaslStep =
  /** Send a continuation `+ base64(data)`; an empty challenge is sent as `+ `. */
  | { type: 'challenge'; data: Buffer; /** for the recorder/UI: what the challenge says */ note?: string }
  /** Authentication complete and successful. */
  | { type: 'done'; user: string; authzid?: string }
  /** Authentication failed. `user` when the client named one. */
  | { type: 'error'; reason: SaslFailure; message: string; user?: string };

export interface SaslServerMechanism {
  /** IANA name, upper case: "PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5". */
  readonly name: string;
  /**
   * The first step. `initial` is the SASL-IR initial response (RFC 4959), already
   * base64-decoded, or null when the client sent none; an initial response of "=" arrives
   * here as an empty Buffer.
   */
  start(initial: Buffer | null): SaslStep;
  /** Every later client response, base64-decoded. */
  next(response: Buffer): SaslStep;
}

export interface SaslContext {
  /** The account's password in clear (the lab has one account; CRAM/DIGEST need the secret). */
  passwordFor(user: string): string | undefined;
  /** Server name for CRAM-MD5's challenge and DIGEST-MD5's realm and digest-uri. */
  hostname: string;
  /** Source of nonces: injected so that tests and transcripts are reproducible. */
  nonce(): string;
  /** Clock for CRAM-MD5's timestamp challenge (RFC 2195 §2): injected for the same reason. */
  now(): Date;
  /** The service DIGEST-MD5's digest-uri must name: "imap" (the default) or "smtp" (RFC 4954 §4). */
  service?: string;
}

export type SaslMechanismName = 'PLAIN' | 'LOGIN' | 'CRAM-MD5' | 'DIGEST-MD5';

/** The mechanisms the lab can offer, in the order they are advertised by default. */
export const SASL_MECHANISMS: readonly SaslMechanismName[] = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'DIGEST-MD5'];
