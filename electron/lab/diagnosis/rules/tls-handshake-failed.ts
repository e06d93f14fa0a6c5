/**
 * `tls-handshake-failed`: the ClientHello arrived but no TLS session was established.
 *
 * Wire signature: a `tls.failed` event from the lab's TLS acceptor, with `reason`
 * no-shared-cipher | protocol-version | client-rejected-certificate (the client's alert
 * unknown_ca, bad_certificate, certificate_unknown, unsupported_certificate) | client-closed.
 * Seed: the Nokia 6233 on port 993 without the CA installed ("imaps TLS negotiation failed").
 */
import type { Rule, RuleMeta } from './types.js';
import { addUnique, increment } from '../store.js';

export const meta: RuleMeta = {
  id: 'tls-handshake-failed',
  area: 'TLS and certificates',
  severity: { error: 'the ClientHello arrived and no TLS session followed' },
  signature: "A `tls.failed` event from the lab's TLS acceptor, with its reason: no-shared-cipher, protocol-version, client-rejected-certificate (the client's alert unknown_ca, bad_certificate, certificate_unknown or unsupported_certificate), client-closed or timeout.",
  source: 'The reference case: the 6233 on port 993 before its CA certificate was installed (Cyrus logged "imaps TLS negotiation failed").',
  example: { reason: 'client-rejected-certificate', alert: 'unknown_ca', alertFrom: 'client' },
};

export function tlsHandshakeFailedRule(): Rule {
  return {
    id: 'tls-handshake-failed',
    onEvent(ev, _conn, host) {
      if (ev.kind !== 'tls.failed') return;
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
