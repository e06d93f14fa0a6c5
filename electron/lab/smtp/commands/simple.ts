/** The one-line commands: RSET, NOOP (RFC 5321 §4.1.1.5, §4.1.1.9), VRFY, EXPN (§3.5.3), HELP (§4.1.1.8). */
import { SmtpError } from '../errors.js';
import type { SmtpCommand } from './types.js';

export const rset: SmtpCommand = {
  name: 'RSET',
  run({ args, session }) {
    if (args.trim() !== '') throw new SmtpError('syntax', 'Syntax: RSET');
    session.endTransaction();
    session.ok(250, '2.0.0', 'Ok');
  },
};

export const noop: SmtpCommand = {
  name: 'NOOP',
  run({ session }) {
    session.ok(250, '2.0.0', 'Ok');
  },
};

/** RFC 5321 §3.5.3: 252 when the server will not verify but will accept mail for the address. */
export const vrfy: SmtpCommand = {
  name: 'VRFY',
  run({ args, session }) {
    if (args.trim() === '') throw new SmtpError('syntax', 'Syntax: VRFY address');
    session.ok(252, '2.0.0', 'Cannot VRFY user, but will accept message and attempt delivery');
  },
};

/** Mailing lists are not expanded (RFC 5321 §3.5.2 allows refusing EXPN). */
export const expn: SmtpCommand = {
  name: 'EXPN',
  run() {
    throw new SmtpError('expn-disabled');
  },
};

export const help: SmtpCommand = {
  name: 'HELP',
  run({ session }) {
    session.ok(214, '2.0.0', 'Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH; this is the Mailprobe lab, it keeps messages and never relays');
  },
};
