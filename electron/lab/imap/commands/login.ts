/**
 * LOGIN (RFC 3501 §6.2.3). Recorded as an `auth` event with mechanism "LOGIN-COMMAND" (the IMAP
 * command, not the SASL LOGIN mechanism), as electron/api.ts documents and the diagnosis, the
 * renderer and the fixtures expect. The user name is compared without case: phone
 * keypads like to capitalise the first letter.
 */
import { ImapNo } from '../errors.js';
import type { CommandModule } from './types.js';

/** The `auth` event's mechanism for the IMAP LOGIN command (electron/api.ts, AuthEvent). */
export const IMAP_LOGIN_MECHANISM = 'LOGIN-COMMAND';

export const login: CommandModule = {
  name: 'LOGIN',
  requires: 'not-authenticated',
  run({ r, session }) {
    r.sp();
    const user = r.astring();
    r.sp();
    const password = r.astring();
    r.end();
    if (session.loginDisabled()) {
      session.recordAuth(IMAP_LOGIN_MECHANISM, user, false, 'LOGINDISABLED: cleartext login refused before TLS');
      throw new ImapNo('Login only after STARTTLS (LOGINDISABLED)', 'PRIVACYREQUIRED');
    }
    const account = session.options.account;
    if (user.toLowerCase() !== account.user.toLowerCase() || password !== account.password) {
      session.recordAuth(IMAP_LOGIN_MECHANISM, user, false, user.toLowerCase() !== account.user.toLowerCase() ? 'unknown user' : 'wrong password');
      throw new ImapNo('Authentication failed', 'AUTHENTICATIONFAILED');
    }
    session.recordAuth(IMAP_LOGIN_MECHANISM, account.user, true);
    session.authenticated(account.user);
    return 'User logged in';
  },
};
