/**
 * `auth-success-ignored`: the server's tagged OK to AUTHENTICATE/LOGIN, then the client never
 * SELECTs/EXAMINEs/LISTs and ends with NOOP/EXPUNGE/CLOSE/LOGOUT (or the connection closes), or
 * starts another authentication.
 *
 * Wire signature (seed, Nokia 6233 with CRAM-MD5 and DIGEST-MD5):
 *   S: A0 OK Success (no protection)
 *   C: A1 NOOP / A2 EXPUNGE / A3 CLOSE / A4 LOGOUT
 * A mailbox command sent before the result arrived (`command-before-auth-result`) counts as
 * noticing it. Decided only once the connection shows it (LOGOUT, another auth, close), so a
 * live timeline never shows it early.
 */
import type { Rule, RuleMeta } from './types.js';
import { PerConn } from './types.js';
import { AUTH_COMMANDS, MAILBOX_COMMANDS, mechanismOf } from '../conversation.js';
import { addSeqs } from '../evidence.js';
import { addUnique, pushBounded } from '../store.js';

interface State {
  phase: 'none' | 'pending' | 'accepted' | 'reported';
  earlyAccept: boolean;
  evidence: number[];
  mechanism: string;
  after: string[];
}

export const meta: RuleMeta = {
  id: 'auth-success-ignored',
  area: 'Authentication',
  severity: { error: 'a successful login that the phone did not act on' },
  signature:
    "The server's tagged OK to AUTHENTICATE or LOGIN, then the client never opens a mailbox (SELECT, EXAMINE, LIST, …): " +
    'it ends with NOOP, EXPUNGE, CLOSE or LOGOUT, closes the connection, or starts another login. ' +
    'Decided only once the connection shows it; a mailbox command sent ahead of the result counts as noticing it.',
  wire: ['S: A0 OK Success (no protection)', 'C: A1 NOOP', 'C: A2 EXPUNGE', 'C: A3 CLOSE', 'C: A4 LOGOUT'],
  source: 'The reference case: the Nokia 6233 with CRAM-MD5 and with DIGEST-MD5; the server logged "User logged in" while the phone reported an error.',
  example: { mechanisms: ['CRAM-MD5'], then: [{ conn: 'c1', commands: ['NOOP', 'EXPUNGE', 'CLOSE'], ended: 'logged out' }] },
};

export function authSuccessIgnoredRule(): Rule {
  const st = new PerConn<State>(() => ({ phase: 'none', earlyAccept: false, evidence: [], mechanism: '', after: [] }));
  const confirm = (connId: string, s: State, how: string, host: Parameters<NonNullable<Rule['onClient']>>[2], extra: readonly number[] = []) => {
    addSeqs(s.evidence, extra);
    s.phase = 'reported';
    host.store.report({
      id: 'auth-success-ignored',
      severity: 'error',
      conn: connId,
      evidence: s.evidence,
      update(d) {
        addUnique(d, 'mechanisms', s.mechanism);
        pushBounded(d, 'then', { conn: connId, commands: s.after, ended: how });
      },
    });
  };
  return {
    id: 'auth-success-ignored',
    onClient(item, conn, host) {
      if (item.kind !== 'command') return;
      const s = st.get(conn.id);
      const name = item.cmd.name;
      if (MAILBOX_COMMANDS.has(name)) {
        if (s.phase === 'pending') s.phase = 'accepted';
        else if (s.phase === 'none' && conn.pendingAuth()) s.earlyAccept = true;
        return;
      }
      if (s.phase !== 'pending') return;
      if (s.after.length < 8 && !AUTH_COMMANDS.has(name) && name !== 'LOGOUT') s.after.push(name);
      if (AUTH_COMMANDS.has(name)) confirm(conn.id, s, 'started another authentication', host, item.line.seqs);
      else if (name === 'LOGOUT') confirm(conn.id, s, 'logged out', host, item.line.seqs);
      else addSeqs(s.evidence, item.line.seqs);
    },
    onServer(item, conn) {
      if (item.kind !== 'tagged' || item.status !== 'OK' || !item.cmd || !AUTH_COMMANDS.has(item.cmd.name) || conn.authenticated) return;
      const s = st.get(conn.id);
      if (s.phase !== 'none') return;
      if (s.earlyAccept) {
        s.phase = 'accepted';
        return;
      }
      s.phase = 'pending';
      s.mechanism = mechanismOf(item.cmd);
      addSeqs(s.evidence, item.line.seqs);
    },
    onEvent(ev, conn, host) {
      if (ev.kind !== 'conn.close') return;
      const s = st.peek(ev.conn);
      if (s?.phase === 'pending') confirm(ev.conn, s, 'closed the connection', host, [ev.seq]);
      st.drop(ev.conn);
    },
  };
}
