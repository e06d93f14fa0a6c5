/**
 * `protocol-violation`: a client line the IMAP grammar (RFC 3501 §9) rejects, other than an
 * empty line, with the offending bytes: no valid tag, no command name, an unknown command, an
 * unterminated quoted string. Also what the lab itself refused (`input.rejected`: a line past
 * its limit, TLS bytes on the plaintext port, a refused TLS renegotiation, …), and a fatal TLS
 * error the lab raised on an established session (`tls.failed` with `afterHandshake`).
 */
import { leftTlsForClearText } from '../certificate-refusal.js';
import type { Rule, RuleHost, RuleMeta } from './types.js';
import { VIOLATION_SAMPLE_BYTES } from '../constants.js';
import { addUnique, pushBounded } from '../store.js';

export const meta: RuleMeta = {
  id: 'protocol-violation',
  area: 'State and traffic',
  severity: { warning: 'bytes that are not IMAP (or SMTP, POP3 on their ports), or that the lab refused' },
  signature: "A client line the IMAP grammar rejects, other than an empty line (no valid tag, no command name, an unknown command, an unterminated quoted string), with the offending bytes; and whatever the lab refused (`input.rejected`: a line past its limit, TLS or HTTP on the plaintext port, …).",
  source: 'RFC 3501 §9 (formal syntax).',
  example: { samples: [{ conn: 'c1', bytes: 'GET / HTTP/1.1', problem: 'http-on-imap-port: an HTTP request arrived on the IMAP port' }] },
};

/** The protocol of a connection, so the finding's title names the one the phone broke. */
function protocolOf(host: RuleHost, conn: string | undefined): string {
  if (conn === undefined) return 'IMAP';
  return host.smtp(conn) ? 'SMTP' : host.pop3(conn) ? 'POP3' : 'IMAP';
}

export function protocolViolationRule(): Rule {
  return {
    id: 'protocol-violation',
    onClient(item, conn, host) {
      if (item.kind !== 'invalid') return;
      const sample = item.line.text.slice(0, VIOLATION_SAMPLE_BYTES);
      host.store.report({
        id: 'protocol-violation',
        severity: 'warning',
        conn: conn.id,
        evidence: item.line.seqs,
        update(d) {
          pushBounded(d, 'samples', { conn: conn.id, bytes: sample, problem: item.reason });
          addUnique(d, 'protocols', 'IMAP');
        },
      });
    },
    onEvent(ev, conn, host) {
      let problem: string;
      let bytes = '';
      // A certificate refusal (tls-handshake-failed says so), not bytes that broke TLS.
      if (ev.kind === 'tls.failed' && leftTlsForClearText(conn)) return;
      if (ev.kind === 'tls.failed' && ev.afterHandshake && ev.alertFrom === 'server') {
        // The lab closed an established TLS session over what the phone sent (a record with a
        // bad MAC, a message out of place): the phone's bytes broke the protocol.
        problem = `TLS after the handshake: ${ev.description ?? ev.reason}; the lab sent ${ev.alert ?? 'an alert'} and closed`;
      } else if (ev.kind === 'input.rejected') {
        problem = `${ev.what}: ${ev.detail}`;
        bytes = (ev.sample ?? ev.sampleB64 ?? '').slice(0, VIOLATION_SAMPLE_BYTES);
      } else return;
      host.store.report({
        id: 'protocol-violation',
        severity: 'warning',
        conn: ev.conn,
        evidence: [ev.seq],
        update(d) {
          pushBounded(d, 'samples', { conn: ev.conn, bytes, problem });
          addUnique(d, 'protocols', protocolOf(host, ev.conn));
        },
      });
    },
  };
}
