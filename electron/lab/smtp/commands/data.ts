/** DATA (RFC 5321 §4.1.1.4): 354, then the message stream until "." (the session's DataDecoder and spool); not after BDAT (RFC 3030 §3). */
import { SmtpError } from '../errors.js';
import type { SmtpCommand } from './types.js';

export const data: SmtpCommand = {
  name: 'DATA',
  run({ args, session }) {
    if (args.trim() !== '') throw new SmtpError('syntax', 'Syntax: DATA');
    if (session.chunking) throw new SmtpError('data-after-bdat');
    const tx = session.transaction;
    if (!tx) throw new SmtpError('need-mail');
    if (tx.to.length === 0) throw new SmtpError('need-rcpt');
    session.startData();
  },
};
