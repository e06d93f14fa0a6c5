/**
 * `auth-failed`: the server checked the credentials and rejected them.
 *
 * Wire signature: a tagged NO to LOGIN or AUTHENTICATE (RFC 3501 §6.2.2/§6.2.3, usually
 * `[AUTHENTICATIONFAILED]`, RFC 5530) that is a credential refusal (../auth-refusal.ts): not
 * a BAD to a malformed command or SASL response, not the answer to the client's own `*`
 * cancel, not an unsupported mechanism or a demand for TLS first (`auth-not-checked`,
 * `cleartext-password`). A BAD to a second login on an authenticated connection is
 * `auth-retry-after-success`. The lab's `auth` event (ok: false) before the NO names the user.
 */
import type { Rule, RuleMeta } from './types.js';
import { PerConn } from './types.js';
import { mechanismOf, AUTH_COMMANDS } from '../conversation.js';
import { increment } from '../store.js';
import { authRefusal } from '../auth-refusal.js';

export const meta: RuleMeta = {
  id: 'auth-failed',
  area: 'Authentication',
  severity: { error: 'the server refused the user name or password' },
  signature: 'A tagged NO to LOGIN or AUTHENTICATE (usually `[AUTHENTICATIONFAILED]`), or the lab\'s own `auth` event with ok false. A BAD to a second login is `auth-retry-after-success`; a BAD after the client\'s `*` cancel is not a refusal.',
  wire: ['C: A1 LOGIN phone wrong', 'S: A1 NO [AUTHENTICATIONFAILED] Authentication failed'],
  source: 'RFC 3501 §6.2.2 and §6.2.3; the response code from RFC 5530.',
  example: { mechanism: 'LOGIN-COMMAND', user: 'phone', serverSaid: '[AUTHENTICATIONFAILED] Authentication failed' },
};

export function authFailedRule(): Rule {
  /** The lab's last refused `auth` event on the connection, waiting for the tagged NO it explains. */
  const refused = new PerConn<{ last: { seq: number; user: string; reason?: string } | null }>(() => ({ last: null }));
  return {
    id: 'auth-failed',
    onServer(item, conn, host) {
      if (item.kind !== 'tagged' || authRefusal(item, conn) !== 'credentials' || !item.cmd) return;
      const mech = mechanismOf(item.cmd);
      const text = item.text.slice(0, 120);
      const ev = refused.peek(conn.id)?.last ?? null;
      refused.drop(conn.id);
      host.store.report({
        id: 'auth-failed',
        severity: 'error',
        conn: conn.id,
        evidence: [...item.cmd.line.seqs, ...(ev ? [ev.seq] : []), ...item.line.seqs],
        update(d) {
          d.mechanism = mech;
          d.serverSaid = text;
          if (ev?.user) d.user = ev.user;
          if (ev?.reason) d.reason = ev.reason;
          increment(d, 'count');
        },
      });
    },
    onEvent(ev) {
      if (ev.kind === 'auth' && !ev.ok) {
        refused.get(ev.conn).last = { seq: ev.seq, user: ev.user, reason: ev.reason };
      } else if (ev.kind === 'auth' || ev.kind === 'conn.close') {
        refused.drop(ev.conn);
      }
    },
  };
}
