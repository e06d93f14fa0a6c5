/**
 * MAIL FROM (RFC 5321 §4.1.1.2) with the parameters the lab advertises: SIZE (RFC 1870 §6),
 * BODY (RFC 6152), AUTH (RFC 4954 §5, accepted and ignored). Anything else is 555 (RFC 5321
 * §4.1.1.11). The lab never relays, so any sender is accepted once the client may submit.
 */
import { parsePath } from '../codec/command.js';
import { SmtpError } from '../errors.js';
import type { SmtpCommand } from './types.js';

const BODY_TYPES = new Set(['7BIT', '8BITMIME']);

export const mail: SmtpCommand = {
  name: 'MAIL',
  run({ args, session }) {
    if (!session.helo) throw new SmtpError('need-ehlo');
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
      } else {
        throw new SmtpError('unsupported-parameter', `Unsupported option: ${key}`);
      }
    }
    if (session.spool.full) throw new SmtpError('storage-full');
    session.beginTransaction({ from: path.address, to: [], declaredSize, body: path.params.get('BODY')?.toUpperCase() });
    session.ok(250, '2.1.0', 'Ok');
  },
};
