/**
 * `auth-failed`: the server rejected the credentials.
 *
 * Wire signature: a tagged NO to LOGIN or AUTHENTICATE (RFC 3501 §6.2.2/§6.2.3, usually
 * `[AUTHENTICATIONFAILED]`, RFC 5530), or an `auth` event with ok:false from the lab. A BAD
 * to a second login on an authenticated connection is `auth-retry-after-success`, and a BAD
 * after the client's own `*` cancel is not a rejection of the password.
 */
import type { Rule } from './types.js';
import { AUTH_COMMANDS, mechanismOf } from '../conversation.js';
import { increment } from '../store.js';
import { isSmtpProto } from '../directions.js';
import { isPop3Proto } from '../pop3/attempts.js';

export function authFailedRule(): Rule {
  return {
    id: 'auth-failed',
    onServer(item, conn, host) {
      if (item.kind !== 'tagged' || item.status !== 'NO' || !item.cmd || !AUTH_COMMANDS.has(item.cmd.name) || conn.authenticated) return;
      const mech = mechanismOf(item.cmd);
      const text = item.text.slice(0, 120);
      host.store.report({
        id: 'auth-failed',
        severity: 'error',
        conn: conn.id,
        evidence: [...item.cmd.line.seqs, ...item.line.seqs],
        update(d) {
          d.mechanism = mech;
          d.serverSaid = text;
          increment(d, 'count');
        },
      });
    },
    onEvent(ev, conn, host) {
      // An SMTP login that failed is smtp-auth-failed (its advice is about the outgoing account);
      // a POP3 one is pop3-auth-failed, which reads the wire (a refused USER is not a password check).
      if (ev.kind !== 'auth' || ev.ok || /cancel/i.test(ev.reason ?? '') || isSmtpProto(conn?.proto) || isPop3Proto(conn?.proto)) return;
      host.store.report({
        id: 'auth-failed',
        severity: 'error',
        conn: ev.conn,
        evidence: [ev.seq],
        update(d) {
          d.mechanism = ev.mechanism;
          d.user = ev.user;
          if (ev.reason) d.reason = ev.reason;
        },
      });
    },
  };
}
