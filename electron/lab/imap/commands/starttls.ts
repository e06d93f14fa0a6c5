/** STARTTLS (RFC 3501 §6.2.1): only on the plaintext port, only before authentication. */
import { ImapBad } from '../errors.js';
import { PENDING, type CommandModule } from './types.js';

export const starttls: CommandModule = {
  name: 'STARTTLS',
  requires: 'not-authenticated',
  run({ tag, r, session }) {
    r.end();
    if (session.tls) throw new ImapBad('TLS is already active');
    if (!session.options.tlsAcceptor) throw new ImapBad('STARTTLS is not available on this lab');
    session.startTls(tag);
    return PENDING;
  },
};
