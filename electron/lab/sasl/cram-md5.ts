/**
 * CRAM-MD5 (RFC 2195): the server sends `<random.timestamp@hostname>` (§2); the client answers
 * `user SP hex(HMAC-MD5(password, challenge))` in lower-case hex. No initial response exists
 * for this mechanism, so one is `unexpected`.
 */
import { createHmac } from 'node:crypto';
import type { SaslContext, SaslServerMechanism, SaslStep } from './types.js';
import { DUMMY_SECRET, MAX_SASL_FIELD_BYTES, decodeUtf8, secretEquals } from './util.js';

/** The RFC 2195 §2 challenge for a nonce, a clock and a host name. */
export function cramChallenge(nonce: string, now: Date, hostname: string): string {
  return `<${nonce}.${Math.floor(now.getTime() / 1000)}@${hostname}>`;
}

/**
 * The digest a client computes (exported for tests and simulated clients). A client hashes the
 * challenge octets it received, so they may be given as such.
 */
export function cramDigest(password: string, challenge: string | Buffer): string {
  const bytes = typeof challenge === 'string' ? Buffer.from(challenge, 'utf8') : challenge;
  return createHmac('md5', Buffer.from(password, 'utf8')).update(bytes).digest('hex');
}

export class CramMd5Mechanism implements SaslServerMechanism {
  readonly name = 'CRAM-MD5';
  private state: 'new' | 'awaiting' | 'finished' = 'new';
  private challenge = '';

  constructor(private readonly ctx: SaslContext) {}

  start(initial: Buffer | null): SaslStep {
    if (this.state !== 'new') return this.finish({ type: 'error', reason: 'unexpected', message: 'CRAM-MD5 already started' });
    // The server speaks first (RFC 2195 §2); an empty initial response ("=") says nothing and is
    // taken as none, as Dovecot does. Anything in it is a client error.
    if (initial !== null && initial.length > 0) return this.finish({ type: 'error', reason: 'unexpected', message: 'CRAM-MD5 takes no initial response' });
    this.challenge = cramChallenge(this.ctx.nonce(), this.ctx.now(), this.ctx.hostname);
    this.state = 'awaiting';
    return { type: 'challenge', data: Buffer.from(this.challenge), note: this.challenge };
  }

  next(response: Buffer): SaslStep {
    if (this.state !== 'awaiting') return this.finish({ type: 'error', reason: 'unexpected', message: 'CRAM-MD5 expected no further response' });
    return this.finish(this.check(response));
  }

  private check(response: Buffer): SaslStep {
    const text = decodeUtf8(response);
    if (text === null || response.length > MAX_SASL_FIELD_BYTES + 33) {
      return { type: 'error', reason: 'malformed', message: 'CRAM-MD5 response is too long or not UTF-8' };
    }
    // The user name may itself contain spaces: the digest is after the last one.
    const sp = text.lastIndexOf(' ');
    const user = sp > 0 ? text.slice(0, sp) : '';
    const digest = sp > 0 ? text.slice(sp + 1) : '';
    if (!user || !/^[0-9a-fA-F]{32}$/.test(digest)) {
      return { type: 'error', reason: 'malformed', message: 'CRAM-MD5 response is not "user SP 32-hex-digit digest"', user: user || undefined };
    }
    const expected = this.ctx.passwordFor(user);
    const want = cramDigest(expected ?? DUMMY_SECRET, this.challenge);
    const ok = secretEquals(digest.toLowerCase(), want) && expected !== undefined;
    if (!ok) return { type: 'error', reason: 'bad-credentials', message: expected === undefined ? `unknown user ${user}` : `wrong password for ${user}`, user };
    return { type: 'done', user };
  }

  private finish(step: SaslStep): SaslStep {
    this.state = 'finished';
    return step;
  }
}
