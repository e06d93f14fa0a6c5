/**
 * `sasl-ir-unadvertised`: `AUTHENTICATE <mech> <initial-response>` on one line when the server
 * did not advertise SASL-IR (RFC 4959 §3: the client "MUST NOT" send one otherwise).
 *
 * Wire signature (Symbian S60): `1 AUTHENTICATE PLAIN AGpvZQBzZWNyZXQ=` with no SASL-IR in the
 * last CAPABILITY list the server sent on this connection. Strict servers answer BAD;
 * Dovecot and Cyrus accept it.
 */
import type { Rule, RuleMeta } from './types.js';
import { splitArgs } from '../imap-syntax.js';

export const meta: RuleMeta = {
  id: 'sasl-ir-unadvertised',
  area: 'Authentication',
  severity: { warning: 'an initial response the server did not offer' },
  signature: 'AUTHENTICATE with its initial response on the same line when the last CAPABILITY list the server sent on the connection had no SASL-IR.',
  wire: ['C: 1 AUTHENTICATE PLAIN AGpvZQBzZWNyZXQ='],
  source: 'RFC 4959 §3 (the client MUST NOT send one unless SASL-IR is advertised); Symbian S60 mail does. Strict servers answer BAD; Dovecot and Cyrus accept it.',
  example: { mechanism: 'PLAIN', capabilitiesSeen: true },
};

export function saslIrUnadvertisedRule(): Rule {
  return {
    id: 'sasl-ir-unadvertised',
    onClient(item, conn, host) {
      if (item.kind !== 'command' || item.cmd.name !== 'AUTHENTICATE') return;
      const args = splitArgs(item.cmd.args);
      if (args.length < 2 || conn.capabilities.has('SASL-IR')) return;
      const mech = (args[0] ?? '').toUpperCase();
      host.store.report({
        id: 'sasl-ir-unadvertised',
        severity: 'warning',
        conn: conn.id,
        evidence: item.line.seqs,
        update(d) {
          d.mechanism = mech;
          d.capabilitiesSeen = conn.capabilities.size > 0;
        },
      });
    },
  };
}
