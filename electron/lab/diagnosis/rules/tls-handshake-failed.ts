/**
 * `tls-handshake-failed`: the ClientHello arrived but no TLS session was established.
 *
 * Wire signature: a `tls.failed` event from the lab's TLS acceptor, with `reason`
 * no-shared-cipher | protocol-version | client-rejected-certificate (the client's alert
 * unknown_ca, bad_certificate, certificate_unknown, unsupported_certificate) | client-closed.
 * Seed: the Nokia 6233 on port 993 without the CA installed ("imaps TLS negotiation failed").
 */
import type { Rule } from './types.js';
import { addUnique, increment } from '../store.js';

export function tlsHandshakeFailedRule(): Rule {
  return {
    id: 'tls-handshake-failed',
    onEvent(ev, _conn, host) {
      // Errors after the handshake are not this finding (protocol-violation shows them).
      if (ev.kind !== 'tls.failed' || ev.afterHandshake) return;
      host.store.report({
        id: 'tls-handshake-failed',
        severity: 'error',
        conn: ev.conn,
        evidence: [ev.seq],
        update(d) {
          addUnique(d, 'reasons', ev.reason);
          d.reason = ev.reason;
          if (ev.alert) {
            d.alert = ev.alert;
            d.alertFrom = ev.alertFrom;
          }
          if (ev.description) d.description = ev.description;
          increment(d, 'count');
        },
      });
    },
  };
}
