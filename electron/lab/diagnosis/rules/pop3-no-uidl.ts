/**
 * `pop3-no-uidl`: the client never sends UIDL and retrieves every message of the maildrop on a
 * check, so it cannot tell new mail from mail it already has and downloads everything again
 * each time (Series 40 phones set to download everything).
 *
 * Wire signature: in one connection, RETR of every message the server counted (STAT or LIST,
 * at least one message) with no UIDL; the byte count of the downloads. A client that uses UIDL,
 * or retrieves only some messages, is not this.
 */
import type { Rule, RuleMeta } from './types.js';
import { addUnique } from '../store.js';

export const meta: RuleMeta = {
  id: 'pop3-no-uidl',
  area: 'POP3',
  severity: { warning: 'the phone downloaded every message of the maildrop without asking for their unique ids' },
  signature: 'In one POP3 connection, RETR of every message the server counted (STAT or LIST, at least one) with no UIDL; the bytes of the downloads.',
  wire: ['C: STAT', 'S: +OK 22 77979', 'C: RETR 1', 'S: +OK 879 octets', '…', 'C: RETR 22'],
  source: 'Series 40 phones set to POP3 and "retrieve messages"; RFC 1939 §7 (UIDL is how a client tells new mail from mail it has).',
  example: { checks: 2, messages: 22, bytes: 156000 },
};

export function pop3NoUidlRule(): Rule {
  return {
    id: 'pop3-no-uidl',
    onEvent(ev, _conn, host) {
      if (ev.kind !== 'conn.close') return;
      const p = host.pop3(ev.conn);
      if (!p || p.usedUidl || p.messageCount === undefined || p.messageCount === 0) return;
      if (p.retrieved.size < p.messageCount) return;
      host.store.report({
        id: 'pop3-no-uidl',
        severity: 'warning',
        conn: ev.conn,
        evidence: [ev.seq],
        update(d) {
          d.checks = ((d.checks as number | undefined) ?? 0) + 1;
          d.messages = p.retrieved.size;
          d.bytes = ((d.bytes as number | undefined) ?? 0) + p.retrievedBytes;
          addUnique(d, 'perCheckBytes', p.retrievedBytes, 10);
        },
      });
    },
  };
}
