/**
 * `smtp-auth-failed`: the server rejected the outgoing-mail credentials.
 *
 * Wire signature: AUTH answered 535 (RFC 4954 §6 "5.7.8 Authentication credentials invalid"),
 * or an `auth` event with ok:false on an SMTP connection. Not this finding: a 501 after the
 * client's own `*` cancel, 504 for a mechanism the server does not offer, 538/530 asking for
 * STARTTLS first (`smtp-auth-without-tls-refused`).
 */
import type { Rule, RuleMeta } from './types.js';
import { increment } from '../store.js';
import { isSmtpProto } from '../directions.js';

export const meta: RuleMeta = {
  id: 'smtp-auth-failed',
  area: 'SMTP submission',
  severity: { error: 'the server answered AUTH with 535, or the lab\'s SMTP login check failed' },
  signature: 'AUTH answered 535 5.7.8, or an `auth` event with ok:false on an SMTP connection; not a 501 after the client\'s own `*` cancel, a 504 for a mechanism not offered, or a 530/538 asking for STARTTLS first (smtp-auth-without-tls-refused).',
  wire: ['C: AUTH PLAIN (login data)', 'S: 535 5.7.8 Error: authentication failed'],
  source: 'RFC 4954 §6 (535 5.7.8 "Authentication credentials invalid"); Postfix answers a wrong password so.',
  example: { mechanism: 'PLAIN', user: 'phone', serverSaid: '535 5.7.8 Error: authentication failed', count: 2 },
};

export function smtpAuthFailedRule(): Rule {
  return {
    id: 'smtp-auth-failed',
    onSmtpServer(item, conn, host) {
      if (item.kind !== 'reply' || item.cmd?.verb !== 'AUTH' || item.reply.code !== 535) return;
      const mech = (item.cmd.args.split(' ')[0] ?? '').toUpperCase();
      const said = `${item.reply.code} ${item.reply.lines[0] ?? ''}`.slice(0, 120);
      host.store.report({
        id: 'smtp-auth-failed',
        severity: 'error',
        conn: conn.id,
        evidence: [...item.cmd.line.seqs, ...item.reply.seqs],
        update(d) {
          d.mechanism = mech;
          d.serverSaid = said;
          increment(d, 'count');
        },
      });
    },
    onEvent(ev, conn, host) {
      if (ev.kind !== 'auth' || ev.ok || !isSmtpProto(conn?.proto) || /cancel/i.test(ev.reason ?? '')) return;
      host.store.report({
        id: 'smtp-auth-failed',
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
