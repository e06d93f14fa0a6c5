/** SASL server mechanisms: `createMechanism(name, ctx)` gives a fresh step machine. */
import { SASL_MECHANISMS, type SaslContext, type SaslMechanismName, type SaslServerMechanism } from './types.js';
import { PlainMechanism } from './plain.js';
import { LoginMechanism } from './login.js';
import { CramMd5Mechanism } from './cram-md5.js';
import { DigestMd5Mechanism } from './digest-md5.js';

export * from './types.js';
export { PlainMechanism } from './plain.js';
export { LoginMechanism, LOGIN_USERNAME_PROMPT, LOGIN_PASSWORD_PROMPT } from './login.js';
export { CramMd5Mechanism, cramChallenge, cramDigest } from './cram-md5.js';
export { DigestMd5Mechanism, digestResponse, parseDirectives, DIGEST_SERVICE, type DigestInputs, type ParseDirectivesOptions } from './digest-md5.js';
export { secretEquals, MAX_SASL_FIELD_BYTES, MAX_SASL_RESPONSE_BYTES } from './util.js';

/** True for the (upper-case) names the lab implements, e.g. to validate `--mechanisms`. */
export function isSaslMechanismName(name: string): name is SaslMechanismName {
  return (SASL_MECHANISMS as readonly string[]).includes(name);
}

/**
 * A fresh mechanism instance for one AUTHENTICATE exchange. `name` is matched
 * case-insensitively; undefined for a mechanism the lab does not implement.
 */
export function createMechanism(name: string, ctx: SaslContext): SaslServerMechanism | undefined {
  switch (name.toUpperCase()) {
    case 'PLAIN':
      return new PlainMechanism(ctx);
    case 'LOGIN':
      return new LoginMechanism(ctx);
    case 'CRAM-MD5':
      return new CramMd5Mechanism(ctx);
    case 'DIGEST-MD5':
      return new DigestMd5Mechanism(ctx);
    default:
      return undefined;
  }
}
export { accountSaslContext, decodeSaslResponse } from './wire.js';
