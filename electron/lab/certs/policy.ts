/** What the lab's certificates are: key size, validity and the CA's signature (build.ts says why). */
import type { SignatureHash } from './types.js';

export const RSA_KEY_BITS = 2048;
/** Validity starts this long before "now": phone clocks are often wrong. */
export const BACKDATE_MS = 24 * 60 * 60 * 1000;
/** The CA lives ten years (ends well before 2050, so it stays a UTCTime that old parsers read). */
export const CA_VALIDITY_DAYS = 3650;
export const SERVER_VALIDITY_DAYS = 730;
/** The CA's self-signature: what a 2006 phone can read (build.ts). */
export const CA_SIGNATURE: SignatureHash = 'sha1';
