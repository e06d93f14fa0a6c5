/**
 * RCPT TO (RFC 5321 §4.1.1.3). Every recipient is accepted, whatever its domain, because the
 * lab captures and never relays: the message goes to the session and the lab INBOX only.
 */
import { parsePath } from '../codec/command.js';
import { SmtpError } from '../errors.js';
import type { SmtpCommand } from './types.js';

export const rcpt: SmtpCommand = {
  name: 'RCPT',
  run({ args, session }) {
    const tx = session.transaction;
    if (!tx) throw new SmtpError('need-mail');
    const path = parsePath(args, 'TO', session.options.mailFrom);
    if (path.params.size > 0) throw new SmtpError('unsupported-parameter', `Unsupported option: ${[...path.params.keys()][0]}`);
    if (tx.to.length >= session.options.limits.maxRecipients) throw new SmtpError('too-many-recipients');
    tx.to.push(path.address);
    session.ok(250, '2.1.5', 'Ok');
  },
};
