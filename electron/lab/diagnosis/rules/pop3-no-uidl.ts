/**
 * `pop3-no-uidl`: the client never sends UIDL and retrieves every message of the maildrop on a
 * check, so it cannot tell new mail from mail it already has and downloads everything again
 * each time (Series 40 phones set to download everything).
 *
 * Wire signature: in one connection, RETR of every message the server counted (STAT or LIST,
 * at least one message) with no UIDL; the byte count of the downloads. A client that uses UIDL,
 * retrieves only some messages, or deletes what it retrieved (DELE, then QUIT: it will not see
 * them again) is not this. As with IMAP's full-body-download, a warning only when it happened on
 * FULL_BODY_WARN_CHECKS connections or more ("every check"); one check is info: a client reading
 * a mailbox for the first time (fetchmail `fetchall`) downloads everything once.
 */
import type { Rule, RuleMeta } from './types.js';
import { FULL_BODY_WARN_CHECKS } from '../constants.js';
import { addUnique } from '../store.js';

export const meta: RuleMeta = {
  id: 'pop3-no-uidl',
  area: 'POP3',
  severity: {
    info: 'every message downloaded without their unique ids, on one check',
    warning: `every message downloaded without their unique ids on ${FULL_BODY_WARN_CHECKS} or more checks (every check)`,
  },
  signature: 'In one POP3 connection, RETR of every message the server counted (STAT or LIST, at least one) with no UIDL, and not deleted with DELE and QUIT; the bytes of the downloads.',
  wire: ['C: STAT', 'S: +OK 22 77979', 'C: RETR 1', 'S: +OK 879 octets', '…', 'C: RETR 22'],
  source: 'Series 40 phones set to POP3 and "retrieve messages"; RFC 1939 §7 (UIDL is how a client tells new mail from mail it has).',
  example: { checks: 2, messages: 22, bytes: 156000 },
};

export function pop3NoUidlRule(): Rule {
  let checks = 0;
  return {
    id: 'pop3-no-uidl',
    onEvent(ev, _conn, host) {
      if (ev.kind !== 'conn.close') return;
      const p = host.pop3(ev.conn);
      if (!p || p.usedUidl || p.messageCount === undefined || p.messageCount === 0) return;
      if (p.retrieved.size < p.messageCount) return;
      // A deleting phone (DELE of what it read, then QUIT) never downloads those messages again.
      if (p.quitSent && [...p.retrieved].every((n) => p.deleted.has(n))) return;
      checks += 1;
      host.store.report({
        id: 'pop3-no-uidl',
        severity: checks >= FULL_BODY_WARN_CHECKS ? 'warning' : 'info',
        conn: ev.conn,
        evidence: [ev.seq],
        update(d) {
          d.checks = checks;
          d.messages = p.retrieved.size;
          d.bytes = ((d.bytes as number | undefined) ?? 0) + p.retrievedBytes;
          addUnique(d, 'perCheckBytes', p.retrievedBytes, 10);
        },
      });
    },
  };
}
