/**
 * `smtp-auth-before-ehlo`: the client sent AUTH or MAIL before any EHLO — or said only HELO, so
 * it never saw STARTTLS, AUTH or SIZE (RFC 5321 §4.1.1.1: only EHLO opens the extensions).
 *
 * Wire signature: `AUTH …` or `MAIL FROM:` with no 250 to EHLO on the connection (or since
 * STARTTLS, which forgets it: RFC 3207 §4.2), or after a 250 to HELO. RFC 4954 §4: a server
 * answers AUTH without EHLO with 503. Known for old devices.
 */
import type { Rule, RuleMeta } from './types.js';
import { addUnique, increment } from '../store.js';

export const meta: RuleMeta = {
  id: 'smtp-auth-before-ehlo',
  area: 'SMTP submission',
  severity: {
    error: 'AUTH before any EHLO, or AUTH or MAIL with no EHLO at all or none since STARTTLS',
    warning: 'MAIL after HELO only: a server that needs no login may still take it',
  },
  signature: 'AUTH or MAIL FROM on a connection with no 250 answer to EHLO, none since STARTTLS (which forgets the greeting, RFC 3207 §4.2), or after a 250 to HELO, so the client never saw STARTTLS, AUTH or SIZE.',
  wire: ['S: 220 lab ESMTP', 'C: HELO phone', 'S: 250 lab', 'C: MAIL FROM:<phone@example.org>'],
  source: 'RFC 5321 §4.1.1.1 (only EHLO opens the service extensions); RFC 4954 §4 (AUTH without EHLO is answered 503). Known for old devices.',
  example: { count: 1, commands: ['MAIL'], how: ['helo-only'] },
};

export function smtpAuthBeforeEhloRule(): Rule {
  return {
    id: 'smtp-auth-before-ehlo',
    onSmtpClient(item, conn, host) {
      if (item.kind !== 'command' || (item.cmd.verb !== 'AUTH' && item.cmd.verb !== 'MAIL') || conn.hello === 'ehlo') return;
      const how = conn.hello === 'helo' ? 'helo-only' : conn.everHello ? 'no-ehlo-after-starttls' : 'no-hello';
      const verb = item.cmd.verb;
      host.store.report({
        id: 'smtp-auth-before-ehlo',
        // AUTH cannot work without EHLO; a MAIL after HELO may still be accepted by a server that does not require a login.
        severity: verb === 'AUTH' || how !== 'helo-only' ? 'error' : 'warning',
        conn: conn.id,
        evidence: item.line.seqs,
        update(d) {
          increment(d, 'count');
          addUnique(d, 'commands', verb);
          addUnique(d, 'how', how);
        },
      });
    },
  };
}
