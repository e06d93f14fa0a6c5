/**
 * `cleartext-password`: LOGIN, AUTHENTICATE PLAIN or AUTHENTICATE LOGIN without TLS: the
 * password crosses the network readable by anyone on it (RFC 3501 §6.2.3 and RFC 4616 §6
 * warn against it; Cyrus and Dovecot refuse it with LOGINDISABLED unless allowed).
 *
 * Wire signature: `A1 LOGIN user pass` or `A1 AUTHENTICATE PLAIN|LOGIN` on a connection that is
 * neither implicit TLS (993) nor after a successful STARTTLS; on SMTP, `AUTH PLAIN|LOGIN` on a
 * connection that is neither implicit TLS (465) nor after STARTTLS (RFC 4954 §4, §14); on POP3,
 * PASS or `AUTH PLAIN|LOGIN` outside TLS (RFC 1939 §13, RFC 2595 §2.1).
 *
 * Severity (documented in ../README.md): on the lab's own network (trusted, the default, as
 * recorded in lab.start) this is what the technician set up, so it is info: a correct client
 * logging in with LOGIN there must get a clean pass. On a network the technician marked
 * untrusted (`mailprobe lab --network untrusted`, `diagnose --network untrusted`, or a capture
 * with no lab.start) it is a warning. When the server refused the login for it
 * (`NO [PRIVACYREQUIRED]`, RFC 5530; LOGINDISABLED, RFC 3501 §6.2.3) it is a warning on any
 * network: it is why the login failed.
 */
import type { Rule, RuleMeta } from './types.js';
import { AUTH_COMMANDS, mechanismOf } from '../conversation.js';
import { addUnique } from '../store.js';

const CLEARTEXT = new Set(['LOGIN-COMMAND', 'PLAIN', 'LOGIN']);

/** RFC 5530 response code: the server requires privacy (TLS) before this login. */
const PRIVACY_REQUIRED = /^\[PRIVACYREQUIRED\b/i;

export const meta: RuleMeta = {
  id: 'cleartext-password',
  area: 'Authentication',
  severity: { info: 'on the lab\'s own network (trusted, the default): what the technician set up', warning: 'on a network marked untrusted, or when the server refused the login for it (PRIVACYREQUIRED, LOGINDISABLED)' },
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
      const network = host.network;
      host.store.report({
        id: 'cleartext-password',
        severity: network === 'untrusted' ? 'warning' : 'info',
        conn: conn.id,
        evidence: item.line.seqs,
        update(d) {
          d.network = network;
          addUnique(d, 'mechanisms', mech);
        },
      });
    },
    onServer(item, conn, host) {
      if (item.kind !== 'tagged' || item.status !== 'NO' || !item.cmd || !AUTH_COMMANDS.has(item.cmd.name)) return;
      if (!PRIVACY_REQUIRED.test(item.text) || !host.store.has('cleartext-password')) return;
      host.store.report({
        id: 'cleartext-password',
        severity: 'warning',
        conn: conn.id,
        evidence: item.line.seqs,
        update(d) {
          d.refused = item.line.text.slice(0, 120);
        },
      });
    },
    onSmtpClient(item, smtp, host) {
      if (item.kind !== 'command' || item.cmd.verb !== 'AUTH' || item.line.tls) return;
      const mech = (item.cmd.args.split(' ')[0] ?? '').toUpperCase();
      if (!CLEARTEXT.has(mech)) return;
      const network = host.network;
      host.store.report({
        id: 'cleartext-password',
        severity: network === 'untrusted' ? 'warning' : 'info',
        conn: smtp.id,
        evidence: item.line.seqs,
        update(d) {
          d.network = network;
          addUnique(d, 'mechanisms', mech);
          d.sending = true;
        },
      });
    },
    onPop3Client(item, pop3, host) {
      if (item.kind !== 'command' || item.cmd.line.tls) return;
      const mech = item.cmd.verb === 'PASS' ? 'USER-PASS' : item.cmd.verb === 'AUTH' ? (item.cmd.args.split(' ')[0] ?? '').toUpperCase() : '';
      if (mech !== 'USER-PASS' && !CLEARTEXT.has(mech)) return;
      const network = host.network;
      host.store.report({
        id: 'cleartext-password',
        severity: network === 'untrusted' ? 'warning' : 'info',
        conn: pop3.id,
        evidence: item.cmd.line.seqs,
        update(d) {
          d.network = network;
          addUnique(d, 'mechanisms', mech);
        },
      });
    },
  };
}
