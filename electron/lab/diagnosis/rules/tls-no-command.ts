/**
 * `tls-no-command`: TLS was established, then the client closed (or timed out) without sending
 * a single byte inside it.
 *
 * Wire signature (seed, Nokia 6233 on port 993 with the CA installed): `tls.established`
 * (TLSv1, RC4-MD5), the greeting, then `conn.close` with no c2s `tls:true` bytes. The phone
 * may expect a client certificate. Not a client that offered TLS 1.2+: it checked the certificate
 * after the handshake and refused it (mbsync, mutt), which `tls-handshake-failed` reports.
 */
import type { Rule, RuleMeta } from './types.js';
import { closedAfterModernHandshake } from '../certificate-refusal.js';
import { increment } from '../store.js';

export const meta: RuleMeta = {
  id: 'tls-no-command',
  area: 'TLS and certificates',
  severity: { error: 'a TLS session that carried no command' },
  signature: 'TLS was established, then the client closed the connection (or it timed out) without sending a single byte inside it — but not a client that offered TLS 1.2 or later and closed at once, which is a certificate check done after the handshake (tls-handshake-failed, client-rejected-certificate).',
  wire: ['tls.established  TLSv1 TLS_RSA_WITH_RC4_128_MD5', 'S: * OK … ready', 'conn.close  (no client bytes)'],
  source: 'The reference case: the 6233 on port 993 with the CA installed negotiated TLSv1 RC4-MD5 and never sent a command; its owner suspected it expected a client certificate.',
  example: { closedBy: 'client', mode: 'implicit' },
};

export function tlsNoCommandRule(): Rule {
  return {
    id: 'tls-no-command',
    onEvent(ev, conn, host) {
      if (ev.kind !== 'conn.close' || !conn || conn.tlsEstablishedSeq === undefined || conn.tlsClientBytes > 0) return;
      if (closedAfterModernHandshake(conn)) return;
      const by = ev.by;
      const established = conn.tlsEstablishedSeq;
      host.store.report({
        id: 'tls-no-command',
        severity: 'error',
        conn: conn.id,
        evidence: [established, ev.seq],
        update(d) {
          d.closedBy = by;
          increment(d, 'count');
          if (conn.security === 'starttls') d.mode = 'starttls';
          else d.mode = 'implicit';
        },
      });
    },
  };
}
