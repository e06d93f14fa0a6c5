/**
 * `slow-client-gap`: the client is silent for more than SLOW_CLIENT_GAP_MS after a server
 * response it may not have understood, before its next command; the gap in seconds.
 *
 * Wire signature (seed, Nokia 6233): `S: * BAD Invalid tag` … 20 s … `C: A1 NOOP`. Measured
 * from the last server bytes to the first byte of the next client line, only when the client
 * had not spoken since, and only when the server said something since the client's last line
 * that a client can stumble on: a tagged BAD or NO, an untagged BAD, or a `+` continuation
 * that answers nothing the client asked for (no synchronizing literal, IDLE or AUTHENTICATE
 * waiting for it). A pause after a completed OK is a person reading mail (or a client's poll
 * interval), not a finding; never while IDLE (RFC 2177) is in progress, where silence is the point.
 */
import type { Rule, RuleMeta } from './types.js';
import { PerConn } from './types.js';
import type { ConnState, ServerItem } from '../conversation.js';
import { SLOW_CLIENT_GAP_MS } from '../constants.js';
import { pushBounded } from '../store.js';

/** Characters of the server's line quoted in the finding. */
const QUOTED_RESPONSE_CHARS = 80;

/** Whether the server's line may have left the client waiting. */
function puzzling(item: ServerItem, conn: ConnState): boolean {
  switch (item.kind) {
    case 'tagged':
      return item.status === 'BAD' || item.status === 'NO';
    case 'untagged':
      return item.name === 'BAD';
    case 'continuation':
      // Expected: the go-ahead for the client's literal (it is mid-line), IDLE's, a SASL challenge.
      return !(item.auth || conn.idle || conn.c2s.midLine);
    default:
      return false;
  }
}

export const meta: RuleMeta = {
  id: 'slow-client-gap',
  area: 'State and traffic',
  severity: { warning: `the phone stayed silent for more than ${SLOW_CLIENT_GAP_MS / 1000} s after an answer it may not have understood` },
  signature: `More than ${SLOW_CLIENT_GAP_MS / 1000} s from the server's last bytes to the first byte of the client's next line, when the server's answer since the client last spoke was a tagged BAD or NO, an untagged BAD, or a continuation no literal, IDLE or AUTHENTICATE asked for; never after a completed OK (a person reading mail) nor during IDLE (RFC 2177).`,
  wire: ['S: * BAD Invalid tag', '(20 seconds of silence)', 'C: A1 NOOP'],
  source: 'The reference case: the 6233 waits 20 s after the `* BAD` its stray empty line earned, then carries on as if the login had failed.',
  example: { maxSeconds: 20 },
};

export function slowClientGapRule(): Rule {
  /** The server response since the client's last line that may have confused it. */
  const after = new PerConn<{ response: string | null }>(() => ({ response: null }));
  return {
    id: 'slow-client-gap',
    onServer(item, conn) {
      if (puzzling(item, conn)) after.get(conn.id).response = item.line.text.slice(0, QUOTED_RESPONSE_CHARS);
    },
    onClient(item, conn, host) {
      const state = after.peek(conn.id);
      const response = state?.response ?? null;
      if (state) state.response = null;
      if (item.kind !== 'command' && item.kind !== 'empty' && item.kind !== 'invalid') return;
      const last = conn.lastServerEvent;
      if (response === null || !last || conn.idle) return;
      if (conn.lastClientLineEndSeq !== undefined && conn.lastClientLineEndSeq > last.seq) return;
      const gapMs = Date.parse(item.line.t) - Date.parse(last.t);
      if (!(gapMs > SLOW_CLIENT_GAP_MS)) return;
      const seconds = Math.round(gapMs / 100) / 10;
      const before = item.kind === 'command' ? item.cmd.name : item.kind === 'empty' ? '(empty line)' : '(invalid line)';
      host.store.report({
        id: 'slow-client-gap',
        severity: 'warning',
        conn: conn.id,
        evidence: [last.seq, ...item.line.seqs],
        update(d) {
          d.maxSeconds = Math.max((d.maxSeconds as number | undefined) ?? 0, seconds);
          pushBounded(d, 'gaps', { conn: conn.id, seconds, before, after: response });
        },
      });
    },
    onEvent(ev) {
      if (ev.kind === 'conn.close') after.drop(ev.conn);
    },
  };
}
