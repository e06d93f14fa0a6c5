/** Helpers shared by the SASL mechanisms. */
import { hash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time comparison of two secrets (passwords, digests). Both sides are hashed first so
 * that the comparison takes the same time whatever the lengths: a length mismatch must not
 * leak through an early return either.
 */
export function secretEquals(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(hash('sha256', a, 'buffer'), hash('sha256', b, 'buffer'));
}

/** Compared against when the user is unknown, so unknown users cost the same time as wrong passwords. */
export const DUMMY_SECRET = '\u0000mailprobe-no-such-user\u0000';

/** One decoder for every call: without `stream` each decode() starts afresh. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 decoding: null when the bytes are not valid UTF-8 (RFC 4616 §2 requires UTF-8). */
export function decodeUtf8(data: Buffer): string | null {
  try {
    return STRICT_UTF8.decode(data);
  } catch {
    return null;
  }
}

/** Longest user name or password a mechanism accepts; more is `malformed` (RFC 4616 §2: 255 octets). */
export const MAX_SASL_FIELD_BYTES = 255;

/** Longest client response any mechanism accepts (a DIGEST-MD5 response is < 4096 octets, RFC 2831 §2.1.2). */
export const MAX_SASL_RESPONSE_BYTES = 4096;
