/**
 * `pop3-stale-message-number`: RETR, TOP or DELE by a message number the client did not learn
 * in this session — it sent no STAT, LIST or UIDL first — while in an earlier session from the
 * same address it did list the maildrop: it trusts the numbers it remembered, which name other
 * messages once the maildrop changed (Windows Mobile Pocket Inbox auto-fetch, smartphonemag.com,
 * January 2006: it can show the body of an unrelated message).
 *
 * Wire signature: RETR/TOP/DELE n after a successful login and before any STAT, LIST or UIDL,
 * from an address whose earlier POP3 session listed the maildrop. A first session that goes
 * straight to a number (a person naming a message to a command-line client) is not reported:
 * nothing shows where the number came from.
 */
import type { Rule, RuleMeta } from './types.js';
import { increment, pushBounded } from '../store.js';
import { PerConn } from './types.js';

const BY_NUMBER = new Set(['RETR', 'TOP', 'DELE']);

/** Client addresses remembered (a LAN has a few phones; a scan must not grow this without bound). */
export const MAX_REMEMBERED_CLIENTS = 256;

function addressOf(remote: string): string {
  const i = remote.lastIndexOf(':');
  return i > 0 ? remote.slice(0, i) : remote;
}

export const meta: RuleMeta = {
  id: 'pop3-stale-message-number',
  area: 'POP3',
  severity: { warning: 'the phone used a message number it did not learn in this session' },
  signature: 'RETR, TOP or DELE n after a successful login and before any STAT, LIST or UIDL, from an address whose earlier POP3 session listed the maildrop.',
  wire: ['(an earlier check: LIST, RETR 1, RETR 2)', 'C: USER phone', 'C: PASS …', 'C: RETR 3'],
  source: 'Windows Mobile Pocket Inbox auto-fetch (smartphonemag.com, January 2006); RFC 1939 §7: message numbers are valid for one session only.',
  example: { count: 1, commands: ['RETR 3'] },
};

export function pop3StaleMessageNumberRule(): Rule {
  const remoteOf = new PerConn<{ address: string }>(() => ({ address: '' }));
  const listedBefore = new Set<string>();
  return {
    id: 'pop3-stale-message-number',
    onEvent(ev, _conn, host) {
      if (ev.kind === 'conn.open') remoteOf.get(ev.conn).address = addressOf(ev.remote);
      if (ev.kind !== 'conn.close') return;
      const p = host.pop3(ev.conn);
      const address = remoteOf.peek(ev.conn)?.address;
      remoteOf.drop(ev.conn);
      if (p?.listed && address) {
        if (listedBefore.size >= MAX_REMEMBERED_CLIENTS) listedBefore.delete(listedBefore.values().next().value as string);
        listedBefore.add(address);
      }
    },
    onPop3Client(item, conn, host) {
      if (item.kind !== 'command' || !item.cmd.afterLogin || conn.listed || !BY_NUMBER.has(item.cmd.verb)) return;
      const address = remoteOf.peek(conn.id)?.address;
      if (!address || !listedBefore.has(address)) return;
      host.store.report({
        id: 'pop3-stale-message-number',
        severity: 'warning',
        conn: conn.id,
        evidence: item.cmd.line.seqs,
        update(d) {
          increment(d, 'count');
          pushBounded(d, 'commands', `${item.cmd.verb} ${item.cmd.args.trim()}`.slice(0, 40));
        },
      });
    },
  };
}
