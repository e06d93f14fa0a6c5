/**
 * RSA key exchange without a padding oracle (RFC 5246 §7.4.7.1, Bleichenbacher 1998, the
 * "Marvin" timing variant that made Node 20 disable PKCS#1 v1.5 in privateDecrypt).
 *
 * The raw RSA operation runs with RSA_NO_PADDING (OpenSSL blinds it); the PKCS#1 v1.5 layout is
 * checked here at fixed positions, without branching on secret bytes: 00 02, at least 8
 * non-zero padding bytes, 00, then exactly 48 bytes whose first two are ClientHello.client_version.
 * On any failure a random 48-byte premaster secret is used instead, so the client learns nothing
 * until its Finished fails to verify, exactly as when the padding was right but the key wrong.
 */
import { constants, privateDecrypt, randomBytes, type KeyObject } from 'node:crypto';

export const PREMASTER_LENGTH = 48;

/** 1 when a === b, else 0, for byte values, without a data-dependent branch. */
function eqByte(a: number, b: number): number {
  return (((a ^ b) - 1) >>> 31) & 1;
}

/** The raw RSA operation (blinded by OpenSSL), m = c^d mod n as k bytes, or undefined when
 * the ciphertext is not one (≥ the modulus, or of another length than the modulus). */
export function rawRsaDecrypt(key: KeyObject, encrypted: Buffer): Buffer | undefined {
  const k = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  if (encrypted.length !== k) return undefined;
  try {
    const out = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, encrypted);
    return out.length === k ? out : undefined;
  } catch {
    // Only a ciphertext ≥ the modulus gets here: a public fact, not an oracle.
    return undefined;
  }
}

export function decryptPremaster(key: KeyObject, encrypted: Buffer, clientVersion: number): Buffer {
  const k = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  // The fallback is drawn first, on every path (RFC 5246 §7.4.7.1 step 1).
  const fallback = randomBytes(PREMASTER_LENGTH);
  let em: Buffer = Buffer.alloc(k);
  let good = encrypted.length === k && k >= PREMASTER_LENGTH + 11 ? 1 : 0;
  if (good === 1) {
    const out = rawRsaDecrypt(key, encrypted);
    if (out !== undefined) em = out;
    else good = 0;
  }
  if (k < PREMASTER_LENGTH + 11) return fallback;
  const sep = k - PREMASTER_LENGTH - 1;
  good &= eqByte(em[0], 0) & eqByte(em[1], 2) & eqByte(em[sep], 0);
  let padOk = 1;
  for (let i = 2; i < sep; i++) padOk &= 1 - eqByte(em[i], 0);
  good &= padOk;
  good &= eqByte(em[sep + 1], (clientVersion >> 8) & 0xff) & eqByte(em[sep + 2], clientVersion & 0xff);
  const mask = -good & 0xff;
  const out = Buffer.allocUnsafe(PREMASTER_LENGTH);
  for (let i = 0; i < PREMASTER_LENGTH; i++) out[i] = (em[sep + 1 + i] & mask) | (fallback[i] & ~mask & 0xff);
  return out;
}
