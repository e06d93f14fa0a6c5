/**
 * `cleartext-password`: LOGIN, AUTHENTICATE PLAIN or AUTHENTICATE LOGIN without TLS: the
 * password crosses the network readable by anyone on it (RFC 3501 §6.2.3 and RFC 4616 §6
 * warn against it; Cyrus and Dovecot refuse it with LOGINDISABLED unless allowed).
 *
 * Wire signature: `A1 LOGIN user pass` or `A1 AUTHENTICATE PLAIN|LOGIN` on a connection that is
 * neither implicit TLS (993) nor after a successful STARTTLS.
 */
import type { Rule, RuleMeta } from './types.js';
import { mechanismOf } from '../conversation.js';
import { addUnique } from '../store.js';

const CLEARTEXT = new Set(['LOGIN-COMMAND', 'PLAIN', 'LOGIN']);

export const meta: RuleMeta = {
  id: 'cleartext-password',
  area: 'Authentication',
  severity: { warning: 'a password readable by anyone on the network' },
  signature: 'LOGIN, AUTHENTICATE PLAIN or AUTHENTICATE LOGIN on a connection that is neither implicit TLS (993) nor after a successful STARTTLS.',
  wire: ['C: A1 LOGIN phone 123456     (no TLS)'],
  source: 'RFC 3501 §6.2.3 and RFC 4616 §6 warn against it; Cyrus and Dovecot advertise LOGINDISABLED without TLS unless allowed. The reference case\'s owner found plain LOGIN the only login that worked.',
  example: { mechanisms: ['LOGIN-COMMAND'] },
};

export function cleartextPasswordRule(): Rule {
  return {
    id: 'cleartext-password',
    onClient(item, conn, host) {
      if (item.kind !== 'command' || conn.security !== 'none') return;
      if (item.cmd.name !== 'LOGIN' && item.cmd.name !== 'AUTHENTICATE') return;
      const mech = mechanismOf(item.cmd);
      if (!CLEARTEXT.has(mech)) return;
      host.store.report({
        id: 'cleartext-password',
        severity: 'warning',
        conn: conn.id,
        evidence: item.line.seqs,
        update(d) {
          addUnique(d, 'mechanisms', mech);
        },
      });
    },
  };
}
