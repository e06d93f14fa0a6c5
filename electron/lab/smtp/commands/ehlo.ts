/**
 * EHLO and HELO (RFC 5321 §4.1.1.1): a new session state, then the greeting line and, for EHLO,
 * the extensions in force (RFC 1869). HELO gets one line and no extensions, so a client that
 * only says HELO never learns of STARTTLS, AUTH or SIZE (QUIRKS.md smtp-auth-before-ehlo).
 */
import { formatEhlo, formatReply } from '../codec/reply.js';
import { SmtpError } from '../errors.js';
import type { SmtpCommand } from './types.js';

function domainOf(args: string, verb: string): string {
  const domain = args.trim();
  if (domain === '' || /\s/.test(domain)) throw new SmtpError('syntax', `Syntax: ${verb} hostname`);
  return domain;
}

export const ehlo: SmtpCommand = {
  name: 'EHLO',
  run({ args, session }) {
    const domain = domainOf(args, 'EHLO');
    session.greeted('EHLO', domain);
    session.emit(formatEhlo([session.options.hostname, ...session.extensions()]));
  },
};

export const helo: SmtpCommand = {
  name: 'HELO',
  run({ args, session }) {
    const domain = domainOf(args, 'HELO');
    session.greeted('HELO', domain);
    session.emit(formatReply(250, null, session.options.hostname));
  },
};
