/**
 * `tls-handshake-failed`: the ClientHello arrived but no TLS session was established — or one was,
 * and a client that offered TLS 1.2+ closed it at once without a command, which is a certificate
 * check done after the handshake (mbsync, curl; mutt once a person rejects the certificate).
 *
 * Wire signature: a `tls.failed` event from the lab's TLS acceptor, with `reason`
 * no-shared-cipher | protocol-version | client-lacks-ca (the client's alert unknown_ca) |
 * client-rejected-certificate (bad_certificate, certificate_unknown, unsupported_certificate,
 * certificate_expired, certificate_revoked) | client-closed; or `tls.established` then
 * `conn.close` with no client byte inside TLS, after a hello offering TLS 1.2+
 * (../certificate-refusal.ts says which property the client most likely refused).
 * Seed: the Nokia 6233 on port 993 without the CA installed ("imaps TLS negotiation failed").
 */
import type { Rule, RuleMeta } from './types.js';
import { addUnique, increment } from '../store.js';
import { refusalAfterHandshake, refusedAfterHandshake, refusalFromFailure, type CertificateRefusal } from '../certificate-refusal.js';

function recordRefusal(d: Record<string, unknown>, r: CertificateRefusal): void {
  d.how = r.how;
  if (r.refused.length > 0) d.refused = r.refused;
  else delete d.refused;
  if (r.askedFor !== undefined) d.askedFor = r.askedFor;
  if (r.certificate !== undefined) d.certificate = r.certificate;
  if (r.certificateNames !== undefined) d.certificateNames = r.certificateNames.slice(0, 20);
}

export const meta: RuleMeta = {
  id: 'tls-handshake-failed',
  area: 'TLS and certificates',
  severity: { error: 'the ClientHello arrived and no TLS session followed' },
  signature: "A `tls.failed` event from the lab's TLS acceptor, with its reason: no-shared-cipher, protocol-version, client-lacks-ca (the client's alert unknown_ca: it does not hold the lab CA), client-rejected-certificate (bad_certificate, certificate_unknown, unsupported_certificate, certificate_expired: it holds a CA but refuses this certificate — its signature, name or dates; also a client that offered TLS 1.2+ and closed right after the handshake, checking the certificate afterwards as mbsync and mutt do), client-closed or timeout.",
  source: 'The reference case: the 6233 on port 993 before its CA certificate was installed (Cyrus logged "imaps TLS negotiation failed").',
  example: { reason: 'client-rejected-certificate', alert: 'unknown_ca', alertFrom: 'client' },
};

export function tlsHandshakeFailedRule(): Rule {
  return {
    id: 'tls-handshake-failed',
    onEvent(ev, conn, host) {
      if (ev.kind === 'conn.close' && conn && refusedAfterHandshake(conn)) {
        const refusal = refusalAfterHandshake(conn);
        const by = ev.by;
        host.store.report({
          id: 'tls-handshake-failed',
          severity: 'error',
          conn: conn.id,
          evidence: [...(conn.tlsHello ? [conn.tlsHello.seq] : []), conn.tlsEstablishedSeq!, ev.seq],
          update(d) {
            addUnique(d, 'reasons', refusal.reason);
            d.reason = refusal.reason;
            d.closedBy = by;
            recordRefusal(d, refusal);
            increment(d, 'count');
          },
        });
        return;
      }
      // Errors after the handshake are not this finding (protocol-violation shows them).
      if (ev.kind !== 'tls.failed' || ev.afterHandshake) return;
      const refusal = refusalFromFailure(ev, conn);
      const reason = refusal?.reason ?? ev.reason;
      host.store.report({
        id: 'tls-handshake-failed',
        severity: 'error',
        conn: ev.conn,
        evidence: [ev.seq],
        update(d) {
          addUnique(d, 'reasons', reason);
          d.reason = reason;
          if (ev.alert) {
            d.alert = ev.alert;
            d.alertFrom = ev.alertFrom;
          }
          if (ev.description) d.description = ev.description;
          if (refusal) recordRefusal(d, refusal);
          increment(d, 'count');
        },
      });
    },
  };
}
