/**
 * LOGIN (draft-murchison-sasl-login-00): the server asks `Username:` then `Password:`. Symbian
 * clients abort on any other prompt (QUIRKS.md `login-prompt-mismatch`), so the prompts are
 * exactly these. A non-empty initial response (RFC 4959) is taken as the user name, as the
 * draft allows.
 */
import type { SaslContext, SaslServerMechanism, SaslStep } from './types.js';
import { DUMMY_SECRET, MAX_SASL_FIELD_BYTES, decodeUtf8, secretEquals } from './util.js';

export const LOGIN_USERNAME_PROMPT = 'Username:';
export const LOGIN_PASSWORD_PROMPT = 'Password:';

export class LoginMechanism implements SaslServerMechanism {
  readonly name = 'LOGIN';
  private state: 'new' | 'user' | 'password' | 'finished' = 'new';
  private user = '';

  constructor(private readonly ctx: SaslContext) {}

  start(initial: Buffer | null): SaslStep {
    if (this.state !== 'new') return this.finish({ type: 'error', reason: 'unexpected', message: 'LOGIN already started' });
    if (initial === null || initial.length === 0) {
      this.state = 'user';
      return { type: 'challenge', data: Buffer.from(LOGIN_USERNAME_PROMPT), note: LOGIN_USERNAME_PROMPT };
    }
    return this.takeUser(initial);
  }

  next(response: Buffer): SaslStep {
    if (this.state === 'user') return this.takeUser(response);
    if (this.state === 'password') return this.finish(this.check(response));
    return this.finish({ type: 'error', reason: 'unexpected', message: 'LOGIN expected no further response' });
  }

  private takeUser(data: Buffer): SaslStep {
    const user = decodeUtf8(data);
    if (user === null || user === '' || data.length > MAX_SASL_FIELD_BYTES || user.includes('\u0000')) {
      return this.finish({ type: 'error', reason: 'malformed', message: 'LOGIN user name is empty, too long or not UTF-8' });
    }
    this.user = user;
    this.state = 'password';
    return { type: 'challenge', data: Buffer.from(LOGIN_PASSWORD_PROMPT), note: LOGIN_PASSWORD_PROMPT };
  }

  private check(data: Buffer): SaslStep {
    const user = this.user;
    const password = decodeUtf8(data);
    if (password === null || data.length > MAX_SASL_FIELD_BYTES) {
      return { type: 'error', reason: 'malformed', message: 'LOGIN password is too long or not UTF-8', user };
    }
    const expected = this.ctx.passwordFor(user);
    const ok = secretEquals(password, expected ?? DUMMY_SECRET) && expected !== undefined;
    if (!ok) return { type: 'error', reason: 'bad-credentials', message: expected === undefined ? `unknown user ${user}` : `wrong password for ${user}`, user };
    return { type: 'done', user };
  }

  private finish(step: SaslStep): SaslStep {
    this.state = 'finished';
    return step;
  }
}
