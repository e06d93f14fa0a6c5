/**
 * `pop3-auth-failed`: the server rejected the incoming-mail credentials over POP3.
 *
 * Wire signature: -ERR to PASS or APOP (RFC 1939 §7), or -ERR ending an AUTH exchange
 * (RFC 5034 §4) in which the client sent credentials. Not this finding: -ERR to USER or to an
 * AUTH the server refused before any credential was sent (a mechanism it does not offer,
 * plaintext refused without TLS), a client's own "*" cancel.
 */
import type { Rule, RuleMeta } from './types.js';
import { increment } from '../store.js';
import { PerConn } from './types.js';

export const meta: RuleMeta = {
  id: 'pop3-auth-failed',
  area: 'POP3',
  severity: { error: 'the POP3 server refused the user name or password' },
  signature: '-ERR to PASS or APOP, or -ERR ending an AUTH exchange in which the client sent credentials; not a refused USER (plaintext not allowed) nor a mechanism the server does not offer.',
  wire: ['C: USER phone', 'S: +OK', 'C: PASS wrong', 'S: -ERR [AUTH] Authentication failed.'],
  source: 'RFC 1939 §7, RFC 5034 §4; the [AUTH] response code from RFC 3206.',
  example: { mechanism: 'USER/PASS', serverSaid: '-ERR [AUTH] Authentication failed.' },
};

export function pop3AuthFailedRule(): Rule {
  const sentCredentials = new PerConn<{ sasl: boolean }>(() => ({ sasl: false }));
  return {
    id: 'pop3-auth-failed',
    onPop3Client(item, conn) {
      const s = sentCredentials.get(conn.id);
      if (item.kind === 'sasl-response') s.sasl = !item.cancel;
      else if (item.cmd.verb === 'AUTH') s.sasl = item.cmd.args.trim().split(/\s+/).length > 1;
    },
    onPop3Server(item, conn, host) {
      if (item.kind !== 'reply' || item.reply.ok || !item.cmd) return;
      const verb = item.cmd.verb;
      const s = sentCredentials.get(conn.id);
      if (verb !== 'PASS' && verb !== 'APOP' && !(verb === 'AUTH' && s.sasl)) return;
      s.sasl = false;
      const how = verb === 'PASS' ? 'USER/PASS' : verb === 'APOP' ? 'APOP' : (item.cmd.args.split(' ')[0] ?? '').toUpperCase();
      host.store.report({
        id: 'pop3-auth-failed',
        severity: 'error',
        conn: conn.id,
        evidence: [...item.cmd.line.seqs, ...item.reply.seqs],
        update(d) {
          d.mechanism = how;
          d.serverSaid = `-ERR ${item.reply.text}`.slice(0, 120);
          increment(d, 'count');
        },
      });
    },
    onEvent(ev, _conn, _host) {
      if (ev.kind === 'conn.close') sentCredentials.drop(ev.conn);
    },
  };
}
