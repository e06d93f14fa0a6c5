/**
 * `cleartext-password`: LOGIN, AUTHENTICATE PLAIN or AUTHENTICATE LOGIN without TLS: the
 * password crosses the network readable by anyone on it (RFC 3501 §6.2.3 and RFC 4616 §6
 * warn against it; Cyrus and Dovecot refuse it with LOGINDISABLED unless allowed).
 *
 * Wire signature: `A1 LOGIN user pass` or `A1 AUTHENTICATE PLAIN|LOGIN` on a connection that is
 * neither implicit TLS (993) nor after a successful STARTTLS; on SMTP, `AUTH PLAIN|LOGIN` on a
 * connection that is neither implicit TLS (465) nor after STARTTLS (RFC 4954 §4, §14); on POP3,
 * PASS or `AUTH PLAIN|LOGIN` outside TLS (RFC 1939 §13, RFC 2595 §2.1).
 */
import type { Rule } from './types.js';
import { mechanismOf } from '../conversation.js';
import { addUnique } from '../store.js';

const CLEARTEXT = new Set(['LOGIN-COMMAND', 'PLAIN', 'LOGIN']);

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
    onSmtpClient(item, smtp, host) {
      if (item.kind !== 'command' || item.cmd.verb !== 'AUTH' || item.line.tls) return;
      const mech = (item.cmd.args.split(' ')[0] ?? '').toUpperCase();
      if (!CLEARTEXT.has(mech)) return;
      host.store.report({
        id: 'cleartext-password',
        severity: 'warning',
        conn: smtp.id,
        evidence: item.line.seqs,
        update(d) {
          addUnique(d, 'mechanisms', mech);
          d.sending = true;
        },
      });
    },
    onPop3Client(item, pop3, host) {
      if (item.kind !== 'command' || item.cmd.line.tls) return;
      const mech = item.cmd.verb === 'PASS' ? 'USER-PASS' : item.cmd.verb === 'AUTH' ? (item.cmd.args.split(' ')[0] ?? '').toUpperCase() : '';
      if (mech !== 'USER-PASS' && !CLEARTEXT.has(mech)) return;
      host.store.report({
        id: 'cleartext-password',
        severity: 'warning',
        conn: pop3.id,
        evidence: item.cmd.line.seqs,
        update(d) {
          addUnique(d, 'mechanisms', mech);
        },
      });
    },
  };
}
