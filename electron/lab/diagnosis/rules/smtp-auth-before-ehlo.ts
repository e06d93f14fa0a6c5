/**
 * `smtp-auth-before-ehlo`: the client sent AUTH or MAIL before any EHLO — or said only HELO, so
 * it never saw STARTTLS, AUTH or SIZE (RFC 5321 §4.1.1.1: only EHLO opens the extensions).
 *
 * Wire signature: `AUTH …` or `MAIL FROM:` with no 250 to EHLO on the connection (or since
 * STARTTLS, which forgets it: RFC 3207 §4.2), or after a 250 to HELO. RFC 4954 §4: a server
 * answers AUTH without EHLO with 503. Known for old devices.
 */
import type { Rule } from './types.js';
import { addUnique, increment } from '../store.js';

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
