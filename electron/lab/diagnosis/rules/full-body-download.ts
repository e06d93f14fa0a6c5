/**
 * `full-body-download`: the client fetches whole messages (RFC822, BODY[], BODY[TEXT], parts,
 * or chunked BODY.PEEK[…]<offset.20480>) when checking mail, with the byte count.
 *
 * Wire signature (seed reply 4, Nokia 6234: "the call log would show it had transferred 100k
 * plus", on every check; Symbian S60: `UID FETCH n BODY.PEEK[1]<0.20480>` chunks):
 *   C: A5 FETCH 1:* (RFC822)     S: * 1 FETCH (RFC822 {51234} …
 * Bytes are the sizes of the body literals the server sent. A warning when bodies were fetched
 * on FULL_BODY_WARN_CHECKS connections or more (every check); info for one, whatever its size:
 * a sync client fetching every message once is doing its job.
 */
import type { Rule, RuleMeta } from './types.js';
import { PerConn } from './types.js';
import { FULL_BODY_WARN_CHECKS, MAX_LISTED_NAMES } from '../constants.js';
import { bodyItemsRequested, literalIsBody } from '../imap-syntax.js';
import { addUnique, increment } from '../store.js';

export const meta: RuleMeta = {
  id: 'full-body-download',
  area: 'State and traffic',
  severity: {
    info: 'whole messages fetched once',
    warning: `whole messages fetched on ${FULL_BODY_WARN_CHECKS} or more connections (every check)`,
  },
  signature: 'The client fetches whole messages when it checks mail (RFC822, BODY[], BODY[TEXT], body parts, or chunked BODY.PEEK[…]<offset.20480>); the bytes are the sizes of the body literals the server sent.',
  wire: ['C: A5 FETCH 1:* (RFC822)', 'S: * 1 FETCH (RFC822 {51234} …'],
  source: 'A reader of the reference case with a Nokia 6234: about 100 KB on the call log at every check. Symbian S60 fetches bodies in 20480-byte chunks.',
  example: { items: ['RFC822'], bytes: 104448, checks: 3 },
};

export function fullBodyDownloadRule(): Rule {
  const active = new PerConn<{ fetching: boolean }>(() => ({ fetching: false }));
  let connsWithBodies = 0;
  let totalBytes = 0;
  const severity = () => (connsWithBodies >= FULL_BODY_WARN_CHECKS ? 'warning' : 'info');
  return {
    id: 'full-body-download',
    onClient(item, conn, host) {
      if (item.kind !== 'command' || (item.cmd.name !== 'FETCH' && item.cmd.name !== 'UID FETCH')) return;
      const items = bodyItemsRequested(item.cmd.args);
      if (items.length === 0) return;
      const s = active.get(conn.id);
      if (!s.fetching) {
        s.fetching = true;
        connsWithBodies++;
      }
      const chunked = items.some((i) => i.partial !== undefined);
      host.store.report({
        id: 'full-body-download',
        severity: severity(),
        conn: conn.id,
        evidence: item.line.seqs,
        update(d) {
          increment(d, 'fetchCommands');
          d.bytes = totalBytes;
          d.checks = connsWithBodies;
          if (chunked) d.chunked = true;
          for (const i of items) addUnique(d, 'items', i.item, MAX_LISTED_NAMES);
        },
      });
    },
    onServer(item, conn, host) {
      if (item.kind !== 'untagged' || item.name !== 'FETCH' || item.line.literals.length === 0) return;
      if (!active.peek(conn.id)?.fetching) return;
      let bytes = 0;
      for (const lit of item.line.literals) if (literalIsBody(lit.before)) bytes += lit.size;
      if (bytes === 0) return;
      totalBytes += bytes;
      host.store.report({
        id: 'full-body-download',
        severity: severity(),
        conn: conn.id,
        evidence: item.line.seqs,
        update(d) {
          d.bytes = totalBytes;
          increment(d, 'messages');
        },
      });
    },
    onEvent(ev) {
      if (ev.kind === 'conn.close') active.drop(ev.conn);
    },
  };
}
