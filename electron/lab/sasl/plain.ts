/**
 * PLAIN (RFC 4616): one message `[authzid] NUL authcid NUL passwd`. Without an initial response
 * (RFC 4959 SASL-IR) the server sends an empty challenge first (RFC 4616 §2).
 */
import type { SaslContext, SaslServerMechanism, SaslStep } from './types.js';
import { DUMMY_SECRET, MAX_SASL_FIELD_BYTES, MAX_SASL_RESPONSE_BYTES, decodeUtf8, secretEquals } from './util.js';

export class PlainMechanism implements SaslServerMechanism {
  readonly name = 'PLAIN';
  private state: 'new' | 'awaiting' | 'finished' = 'new';

  constructor(private readonly ctx: SaslContext) {}

  start(initial: Buffer | null): SaslStep {
    if (this.state !== 'new') return this.finish({ type: 'error', reason: 'unexpected', message: 'PLAIN already started' });
    if (initial === null) {
      this.state = 'awaiting';
      return { type: 'challenge', data: Buffer.alloc(0), note: 'empty challenge: send authzid NUL authcid NUL password' };
    }
    return this.finish(this.check(initial));
  }

  next(response: Buffer): SaslStep {
    if (this.state !== 'awaiting') return this.finish({ type: 'error', reason: 'unexpected', message: 'PLAIN expected no further response' });
    return this.finish(this.check(response));
  }

  private finish(step: SaslStep): SaslStep {
    this.state = 'finished';
    return step;
  }

  private check(message: Buffer): SaslStep {
    if (message.length > MAX_SASL_RESPONSE_BYTES) return { type: 'error', reason: 'malformed', message: 'PLAIN response too long' };
    const text = decodeUtf8(message);
    if (text === null) return { type: 'error', reason: 'malformed', message: 'PLAIN response is not UTF-8' };
    const fields = text.split('\u0000');
    if (fields.length !== 3) {
      return { type: 'error', reason: 'malformed', message: `PLAIN response has ${fields.length - 1} NUL separators, expected 2` };
    }
    const [authzid, user, password] = fields as [string, string, string];
    if (user === '' || password === '') return { type: 'error', reason: 'malformed', message: 'PLAIN response with an empty user name or password', user: user || undefined };
    if (Buffer.byteLength(user) > MAX_SASL_FIELD_BYTES || Buffer.byteLength(password) > MAX_SASL_FIELD_BYTES || Buffer.byteLength(authzid) > MAX_SASL_FIELD_BYTES) {
      return { type: 'error', reason: 'malformed', message: 'PLAIN field longer than 255 octets', user };
    }
    const expected = this.ctx.passwordFor(user);
    const ok = secretEquals(password, expected ?? DUMMY_SECRET) && expected !== undefined;
    if (!ok) return { type: 'error', reason: 'bad-credentials', message: expected === undefined ? `unknown user ${user}` : `wrong password for ${user}`, user };
    // The lab has no proxy authorization: an authzid other than the user itself is refused (RFC 4616 §2).
    if (authzid !== '' && authzid !== user) {
      return { type: 'error', reason: 'bad-credentials', message: `${user} may not act as ${authzid}`, user };
    }
    return authzid === '' ? { type: 'done', user } : { type: 'done', user, authzid };
  }
}
