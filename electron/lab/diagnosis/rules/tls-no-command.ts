/**
 * `tls-no-command`: TLS was established, then the client closed (or timed out) without sending
 * a single byte inside it.
 *
 * Wire signature (seed, Nokia 6233 on port 993 with the CA installed): `tls.established`
 * (TLSv1, RC4-MD5), the greeting, then `conn.close` with no c2s `tls:true` bytes. The phone
 * may expect a client certificate. Not a client that offered TLS 1.2+: it checked the certificate
 * after the handshake and refused it (mbsync, mutt), which `tls-handshake-failed` reports.
 */
import type { Rule } from './types.js';
import { closedAfterModernHandshake } from '../certificate-refusal.js';
import { increment } from '../store.js';

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
