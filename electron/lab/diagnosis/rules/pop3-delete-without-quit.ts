/**
 * `pop3-delete-without-quit`: DELE was accepted, then the connection ended without QUIT, so the
 * server never entered the UPDATE state and deleted nothing (RFC 1939 §6). The messages come
 * back on the next check.
 *
 * Wire signature: `+OK` to DELE, then conn.close with no QUIT sent.
 */
import type { Rule, RuleMeta } from './types.js';
import { PerConn } from './types.js';
import { addSeqs } from '../evidence.js';

export const meta: RuleMeta = {
  id: 'pop3-delete-without-quit',
  area: 'POP3',
  severity: { warning: 'messages marked for deletion stayed, because the connection ended without QUIT' },
  signature: '+OK to DELE, then the connection closed with no QUIT sent, so the server never entered the UPDATE state.',
  wire: ['C: DELE 1', 'S: +OK Marked to be deleted.', '(the connection closes)'],
  source: 'RFC 1939 §6: the POP3 server removes messages only in the UPDATE state, after QUIT.',
  example: { marked: 1, closedBy: 'client' },
};

export function pop3DeleteWithoutQuitRule(): Rule {
  const st = new PerConn<{ marked: number; seqs: number[] }>(() => ({ marked: 0, seqs: [] }));
  return {
    id: 'pop3-delete-without-quit',
    onPop3Server(item, conn) {
      if (item.kind !== 'reply' || !item.cmd || !item.reply.ok) return;
      const s = st.get(conn.id);
      if (item.cmd.verb === 'DELE') {
        s.marked++;
        if (s.seqs.length < 8) addSeqs(s.seqs, [...item.cmd.line.seqs, ...item.reply.seqs]);
      } else if (item.cmd.verb === 'RSET') s.marked = 0;
    },
    onEvent(ev, _conn, host) {
      if (ev.kind !== 'conn.close') return;
      const s = st.peek(ev.conn);
      const pop3 = host.pop3(ev.conn);
      st.drop(ev.conn);
      if (!s || s.marked === 0 || !pop3 || pop3.quitSent) return;
      host.store.report({
        id: 'pop3-delete-without-quit',
        severity: 'warning',
        conn: ev.conn,
        evidence: [...s.seqs, ev.seq],
        update(d) {
          d.marked = ((d.marked as number | undefined) ?? 0) + s.marked;
          d.closedBy = ev.by;
        },
      });
    },
  };
}
