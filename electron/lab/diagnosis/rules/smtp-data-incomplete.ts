/**
 * `smtp-data-incomplete`: the connection ended during DATA, before the line "." that ends the
 * message (RFC 5321 §4.1.1.4), so nothing was delivered (RFC 5321 §6.1: a server keeps no part
 * of a message it did not acknowledge).
 *
 * Wire signature: 354 to DATA, content, then `conn.close` with no "." line. Known on flaky
 * links and with size limits on the device; `data.bytes` says how far it got, `data.by` who
 * ended the connection.
 */
import type { Rule, RuleMeta } from './types.js';
import { increment } from '../store.js';

export const meta: RuleMeta = {
  id: 'smtp-data-incomplete',
  area: 'SMTP submission',
  severity: { error: 'the connection closed after 354 and before the "." that ends the message' },
  signature: '354 to DATA, message content, then the connection closes with no "." line; bytes says how far the message got, by who closed.',
  wire: ['C: DATA', 'S: 354 End data with <CR><LF>.<CR><LF>', 'C: (part of the message)', '(connection closed, no ".")'],
  source: 'RFC 5321 §4.1.1.4 (the "." line ends the content) and §6.1 (a server keeps nothing it did not acknowledge). Known on flaky links and devices with a size limit.',
  example: { count: 1, bytes: 48_000, by: 'client' },
};

export function smtpDataIncompleteRule(): Rule {
  return {
    id: 'smtp-data-incomplete',
    onEvent(ev, _conn, host) {
      if (ev.kind !== 'conn.close') return;
      const smtp = host.smtp(ev.conn);
      if (!smtp || smtp.content !== 'open') return;
      const c = smtp.current;
      const partial = smtp.c2s.partialBytes;
      host.store.report({
        id: 'smtp-data-incomplete',
        severity: 'error',
        conn: ev.conn,
        evidence: [...(c ? c.seqs.slice(0, 1) : []), ev.seq],
        update(d) {
          increment(d, 'count');
          d.bytes = (c?.bytes ?? 0) + partial;
          d.by = ev.by;
        },
      });
    },
  };
}
