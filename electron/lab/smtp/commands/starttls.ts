/** STARTTLS (RFC 3207 §4): only on the plaintext port, without arguments; the session state is reset after the handshake. */
import { SmtpError } from '../errors.js';
import type { SmtpCommand } from './types.js';

export const starttls: SmtpCommand = {
  name: 'STARTTLS',
  run({ args, session }) {
    if (args.trim() !== '') throw new SmtpError('syntax', 'Syntax: STARTTLS');
    if (session.tls) throw new SmtpError('tls-active');
    if (!session.tlsAcceptor) throw new SmtpError('tls-unavailable');
    session.startTls();
  },
};
