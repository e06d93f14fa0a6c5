/**
 * `pop3-apop-unsupported` (info): the client sent APOP although the server's greeting had no
 * timestamp (RFC 1939 §7: APOP needs one), so it cannot work on this server.
 *
 * Wire signature: APOP after a `+OK` greeting without `<…@…>`. (QUIRKS.md also names the
 * reverse, APOP offered and never used; that is what every USER/PASS client does and says
 * nothing about the phone, so it is not reported.)
 */
import type { Rule, RuleMeta } from './types.js';

export const meta: RuleMeta = {
  id: 'pop3-apop-unsupported',
  area: 'POP3',
  severity: { info: 'the phone sent APOP to a server whose greeting had no timestamp' },
  signature: 'APOP after a +OK greeting without a <…@…> timestamp.',
  wire: ['S: +OK POP3 ready', 'C: APOP phone 8d9f…'],
  source: 'RFC 1939 §7: APOP is a digest of the greeting\'s timestamp and the password; without one it cannot work.',
  example: {},
};

export function pop3ApopUnsupportedRule(): Rule {
  return {
    id: 'pop3-apop-unsupported',
    onPop3Client(item, conn, host) {
      if (item.kind !== 'command' || item.cmd.verb !== 'APOP' || conn.apopOffered) return;
      host.store.report({ id: 'pop3-apop-unsupported', severity: 'info', conn: conn.id, evidence: item.cmd.line.seqs });
    },
  };
}
