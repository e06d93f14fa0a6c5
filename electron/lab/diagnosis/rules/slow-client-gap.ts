/**
 * `slow-client-gap`: the client is silent for more than SLOW_CLIENT_GAP_MS after a server
 * response before its next command; the gap in seconds.
 *
 * Wire signature (seed, Nokia 6233): `S: * BAD Invalid tag` … 20 s … `C: A1 NOOP`. Measured
 * from the last server bytes to the first byte of the next client line, only when the client
 * had not spoken since; never while IDLE (RFC 2177) is in progress, where silence is the point.
 */
import type { Rule, RuleMeta } from './types.js';
import { SLOW_CLIENT_GAP_MS } from '../constants.js';
import { pushBounded } from '../store.js';

export const meta: RuleMeta = {
  id: 'slow-client-gap',
  area: 'State and traffic',
  severity: { warning: `the phone stayed silent for more than ${SLOW_CLIENT_GAP_MS / 1000} s after an answer` },
  signature: `More than ${SLOW_CLIENT_GAP_MS / 1000} s from the server's last bytes to the first byte of the client's next line, when the client had not spoken since; never during IDLE (RFC 2177), where silence is the point.`,
  wire: ['S: * BAD Invalid tag', '(20 seconds of silence)', 'C: A1 NOOP'],
  source: 'The reference case: the 6233 waits 20 s after the `* BAD` its stray empty line earned, then carries on as if the login had failed.',
  example: { maxSeconds: 20 },
};

export function slowClientGapRule(): Rule {
  return {
    id: 'slow-client-gap',
    onClient(item, conn, host) {
      if (item.kind !== 'command' && item.kind !== 'empty' && item.kind !== 'invalid') return;
      const last = conn.lastServerEvent;
      if (!last || conn.idle) return;
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
          pushBounded(d, 'gaps', { conn: conn.id, seconds, before });
        },
      });
    },
  };
}
