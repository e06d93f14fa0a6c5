/**
 * MAIL FROM (RFC 5321 §4.1.1.2) with the parameters the lab advertises: SIZE (RFC 1870 §6),
 * BODY (RFC 6152), AUTH (RFC 4954 §5, accepted and ignored), SMTPUTF8 (RFC 6531 §3.4, no
 * value). Anything else is 555 (RFC 5321 §4.1.1.11). The lab never relays, so any sender is
 * accepted once the client may submit. A UTF-8 sender needs SMTPUTF8 (RFC 6531 §3.2), or it is
 * refused as Postfix refuses it (501 5.1.7).
 */
import { hasEightBit, parsePath, utf8Address } from '../codec/command.js';
import { SmtpError } from '../errors.js';
import type { SmtpCommand } from './types.js';

const BODY_TYPES = new Set(['7BIT', '8BITMIME']);

export const mail: SmtpCommand = {
  name: 'MAIL',
  run({ args, session }) {
    if (!session.helo) throw new SmtpError('need-ehlo');
    if (session.chunking) throw new SmtpError('mail-after-bdat');
    if (session.transaction) throw new SmtpError('nested-mail');
    if (session.options.auth === 'required' && !session.user) throw new SmtpError('auth-required');
    const path = parsePath(args, 'FROM', session.options.mailFrom);
    let declaredSize: number | undefined;
    for (const [key, value] of path.params) {
      if (key === 'SIZE' && /^\d{1,20}$/.test(value)) {
        declaredSize = Number(value);
        if (declaredSize > session.options.limits.maxMessageBytes) throw new SmtpError('message-too-big');
      } else if (key === 'BODY' && BODY_TYPES.has(value.toUpperCase())) {
        // 8BITMIME is advertised: both are fine.
      } else if (key === 'AUTH' && value !== '') {
        // RFC 4954 §5: the authenticated identity of the submitter; the lab has no use for it.
      } else if (key === 'SMTPUTF8' && value === '') {
        // RFC 6531 §3.4: a keyword without a value.
      } else {
        throw new SmtpError('unsupported-parameter', `Unsupported option: ${key}`);
      }
    }
    const smtputf8 = path.params.has('SMTPUTF8');
    const from = smtputf8 ? utf8Address(path.address) : hasEightBit(path.address) ? null : path.address;
    if (from === null) throw new SmtpError('bad-sender');
    if (session.spool.full) throw new SmtpError('storage-full');
    session.beginTransaction({ from, to: [], declaredSize, body: path.params.get('BODY')?.toUpperCase(), smtputf8: smtputf8 || undefined });
    session.ok(250, '2.1.0', 'Ok');
  },
};
