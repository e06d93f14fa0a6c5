/**
 * `pop3-stale-message-number`: RETR, TOP or DELE by a message number the client did not learn
 * in this session, trusting the numbers it remembered from an earlier one, which name other
 * messages once the maildrop changed (Windows Mobile Pocket Inbox auto-fetch, smartphonemag.com,
 * January 2006: it can show the body of an unrelated message). RFC 1939 §7: message numbers are
 * valid for one session only.
 *
 * Wire signature, either:
 * 1. RETR/TOP/DELE n after a successful login and before any STAT, LIST or UIDL, from an address
 *    whose earlier POP3 session listed the maildrop. A first session that goes straight to a
 *    number (a person naming a message to a command-line client) is not reported: nothing shows
 *    where the number came from. Severity: a warning when the numbering changed since that
 *    earlier session (a POP3 session deleted messages, or the lab changed the maildrop), as the
 *    number may now name another message; info while it has not, since the number still names
 *    the same message (and `curl pop3://host/1` after a listing is a person, not a bug).
 * 2. After the lab changed the maildrop between sessions (`pop3.changed`, on request),
 *    RETR/TOP/DELE n with no UIDL earlier in the session, where n is a number the same address's
 *    previous session knew (it was listed or used there) and now names another message. Not
 *    counted: a DELE of a message the session itself retrieved first (download, then delete),
 *    RETRs of a session that downloads every message (that is pop3-no-uidl), and a previous
 *    session that deleted messages itself (its numbering is not the one the change recorded).
 */
import type { Pop3MaildropChangedEvent } from '../../../api.js';
import type { Rule, RuleHost, RuleMeta } from './types.js';
import { increment, pushBounded } from '../store.js';
import { PerConn } from './types.js';
import type { Pop3Command } from '../pop3/conversation.js';

const BY_NUMBER = new Set(['RETR', 'TOP', 'DELE']);

/** Client addresses remembered (a LAN has a few phones; a scan must not grow this without bound). */
export const MAX_REMEMBERED_CLIENTS = 256;

/** Message numbers remembered per session (the numbers a phone can have used or been shown). */
const MAX_REMEMBERED_NUMBERS = 1000;

function addressOf(remote: string): string {
  const i = remote.lastIndexOf(':');
  return i > 0 ? remote.slice(0, i) : remote;
}

export const meta: RuleMeta = {
  id: 'pop3-stale-message-number',
  area: 'POP3',
  severity: {
    info: 'the phone used a number remembered from its last check, and the numbering has not changed since (harmless so far)',
    warning: 'the phone used a remembered number after the numbering changed (a deletion or the lab\'s mailbox change): it may name another message',
  },
  signature:
    'RETR, TOP or DELE n after a successful login and before any STAT, LIST or UIDL, from an address whose earlier POP3 session listed the maildrop; or, after the lab changed the maildrop between sessions (--pop3-change-mailbox), RETR/TOP/DELE n without UIDL where n was known to the previous session and now names another message.',
  wire: ['(an earlier check: LIST, RETR 1, RETR 2)', '(the lab deletes message 1 before the next check)', 'C: USER phone', 'C: PASS …', 'C: RETR 3'],
  source: 'Windows Mobile Pocket Inbox auto-fetch (smartphonemag.com, January 2006); RFC 1939 §7: message numbers are valid for one session only.',
  example: { count: 1, commands: ['RETR 3'], afterChange: true },
};

/** What a finished session from an address tells about the next one. */
interface PreviousSession {
  listed: boolean;
  /** The message count it was told (STAT or LIST). */
  count?: number;
  /** The numbers it used with RETR, TOP or DELE. */
  used: Set<number>;
  /** It deleted messages itself (DELE and QUIT): its numbering is not the one the change recorded. */
  deletedItself: boolean;
  /** How many POP3 sessions of any address had committed deletions when it ended. */
  deletionsAtEnd: number;
}

interface ConnState {
  address: string;
  change?: Pop3MaildropChangedEvent;
  used: Set<number>;
  retrievedHere: Set<number>;
  /** Clause 2 candidates, reported at the close once it is known whether the session downloaded everything. */
  moved: Array<{ cmd: Pop3Command; n: number }>;
}

function numberOf(cmd: Pop3Command): number {
  const n = Number(cmd.args.trim().split(/\s+/)[0]);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

function report(host: RuleHost, conn: string, cmd: Pop3Command, afterChange: boolean, numberingChanged = true): void {
  host.store.report({
    id: 'pop3-stale-message-number',
    severity: numberingChanged ? 'warning' : 'info',
    conn,
    evidence: cmd.line.seqs,
    update(d) {
      increment(d, 'count');
      pushBounded(d, 'commands', `${cmd.verb} ${cmd.args.trim()}`.slice(0, 40));
      if (afterChange) d.afterChange = true;
      if (numberingChanged) d.numberingChanged = true;
    },
  });
}

export function pop3StaleMessageNumberRule(): Rule {
  const conns = new PerConn<ConnState>(() => ({ address: '', used: new Set(), retrievedHere: new Set(), moved: [] }));
  const previous = new Map<string, PreviousSession>();
  // Committed deletions renumber the maildrop (RFC 1939 §6: deleted at QUIT).
  let deletions = 0;
  return {
    id: 'pop3-stale-message-number',
    onEvent(ev, _conn, host) {
      if (ev.kind === 'conn.open') conns.get(ev.conn).address = addressOf(ev.remote);
      if (ev.kind === 'pop3.changed') conns.get(ev.conn).change = ev;
      if (ev.kind !== 'conn.close') return;
      const p = host.pop3(ev.conn);
      const s = conns.peek(ev.conn);
      conns.drop(ev.conn);
      if (!p || !s?.address) return;
      const downloadedAll = p.messageCount !== undefined && p.messageCount > 0 && p.retrieved.size >= p.messageCount;
      for (const m of s.moved) if (m.cmd.verb === 'DELE' || !downloadedAll) report(host, ev.conn, m.cmd, true);
      if (!p.authenticated) return;
      const deletedItself = p.quitSent && p.deleted.size > 0;
      if (deletedItself) deletions++;
      if (previous.size >= MAX_REMEMBERED_CLIENTS && !previous.has(s.address)) previous.delete(previous.keys().next().value as string);
      previous.set(s.address, { listed: p.listed, count: p.messageCount, used: s.used, deletedItself, deletionsAtEnd: deletions });
    },
    onPop3Client(item, conn, host) {
      if (item.kind !== 'command' || !item.cmd.afterLogin || !BY_NUMBER.has(item.cmd.verb)) return;
      const s = conns.peek(conn.id);
      if (!s?.address) return;
      const n = numberOf(item.cmd);
      const before = previous.get(s.address);
      if (n > 0 && s.used.size < MAX_REMEMBERED_NUMBERS) s.used.add(n);
      const retrievedHereFirst = s.retrievedHere.has(n);
      if (item.cmd.verb !== 'DELE' && n > 0) s.retrievedHere.add(n);
      if (!before) return;
      if (!conn.listed) {
        const numberingChanged = s.change !== undefined || before.deletedItself || deletions > before.deletionsAtEnd;
        if (before.listed) report(host, conn.id, item.cmd, s.change !== undefined, numberingChanged);
        return;
      }
      const change = s.change;
      if (!change || conn.usedUidl || before.deletedItself || n === 0) return;
      if (item.cmd.verb === 'DELE' && retrievedHereFirst) return;
      const known = (before.count !== undefined && n <= before.count) || before.used.has(n);
      if (known && change.before[n - 1] !== change.after[n - 1]) s.moved.push({ cmd: item.cmd, n });
    },
  };
}
