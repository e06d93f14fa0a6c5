/**
 * RCPT TO (RFC 5321 §4.1.1.3). Every recipient is accepted, whatever its domain, because the
 * lab captures and never relays: the message goes to the session and the lab INBOX only. A UTF-8
 * address (RFC 6531 §3.3) is kept as UTF-8; without SMTPUTF8 on MAIL it is accepted all the same,
 * as Postfix 3.7 accepts it, but bytes that are not UTF-8 are refused.
 */
import { parsePath, utf8Address } from '../codec/command.js';
import { SmtpError } from '../errors.js';
import type { SmtpCommand } from './types.js';

export const rcpt: SmtpCommand = {
  name: 'RCPT',
  run({ args, session }) {
    if (session.chunking) throw new SmtpError('rcpt-after-bdat');
    const tx = session.transaction;
    if (!tx) throw new SmtpError('need-mail');
    const path = parsePath(args, 'TO', session.options.mailFrom);
    if (path.params.size > 0) throw new SmtpError('unsupported-parameter', `Unsupported option: ${[...path.params.keys()][0]}`);
    if (tx.to.length >= session.options.limits.maxRecipients) throw new SmtpError('too-many-recipients');
    const address = utf8Address(path.address);
    if (address === null) throw new SmtpError('bad-recipient');
    tx.to.push(address);
    session.ok(250, '2.1.5', 'Ok');
  },
};
