/**
 * `command-before-auth-result`: a command arrives before the tagged response to LOGIN or
 * AUTHENTICATE (outside the SASL exchange itself).
 *
 * Wire signature (seed, reply 10, a Nokia with AUTH=LOGIN/PLAIN):
 *   C: A1 AUTHENTICATE LOGIN … (last response)
 *   C: A2 SELECT INBOX            ← before "A1 OK"
 * A server that rejects it as "not authenticated" loses the SELECT and the phone shows an
 * empty inbox. The lab answers in order, so here it works; the finding says so.
 */
import { MAX_LISTED_NAMES } from '../constants.js';
import type { Rule, RuleMeta } from './types.js';
import { mechanismOf } from '../conversation.js';
import { addUnique } from '../store.js';

export const meta: RuleMeta = {
  id: 'command-before-auth-result',
  area: 'Authentication',
  severity: { warning: 'a command sent while the login was still being checked (the lab answers it in order)' },
  signature: 'A command arrives before the tagged response to LOGIN or AUTHENTICATE, outside the SASL exchange itself.',
  wire: ['C: A1 AUTHENTICATE LOGIN … (last response)', 'C: A2 SELECT INBOX     (before "A1 OK")'],
  source: 'A reader of the reference case, with a Nokia on AUTH=LOGIN/PLAIN: the phone selects the inbox before the login is confirmed, the server ignores it and the phone shows no mail.',
  example: { commands: ['SELECT'], mechanism: 'LOGIN', serverAnswered: 'OK' },
};

export function commandBeforeAuthResultRule(): Rule {
  return {
    id: 'command-before-auth-result',
    onClient(item, conn, host) {
      if (item.kind !== 'command') return;
      const auth = conn.pendingAuth();
      if (!auth) return;
      item.cmd.marks.add('before-auth-result');
      const name = item.cmd.name;
      host.store.report({
        id: 'command-before-auth-result',
        severity: 'warning',
        conn: conn.id,
        evidence: [...auth.line.seqs, ...item.line.seqs],
        update(d) {
          addUnique(d, 'commands', name, MAX_LISTED_NAMES);
          d.mechanism = mechanismOf(auth);
        },
      });
    },
    onServer(item, _conn, host) {
      if (item.kind !== 'tagged' || !item.cmd?.marks.has('before-auth-result')) return;
      const status = item.status;
      host.store.report({
        id: 'command-before-auth-result',
        severity: 'warning',
        evidence: item.line.seqs,
        update(d) {
          d.serverAnswered = status;
        },
      });
    },
  };
}
