/**
 * `smtp-auth-without-tls-refused`: the client tried AUTH in clear on a server that offers AUTH
 * only after STARTTLS (Postfix `smtpd_tls_auth_only = yes`).
 *
 * Wire signature: AUTH on a connection without TLS answered 538 (RFC 4954 §6 "5.7.11
 * Encryption required for requested authentication mechanism"), or 530 naming STARTTLS
 * ("5.7.0 Must issue a STARTTLS command first"), or refused with 5xx when the plaintext EHLO
 * reply offered no AUTH but STARTTLS. Known for phones with outgoing security Off.
 */
import type { Rule, RuleMeta } from './types.js';
import { increment } from '../store.js';

export const meta: RuleMeta = {
  id: 'smtp-auth-without-tls-refused',
  area: 'SMTP submission',
  severity: { error: 'the server refused a login in clear and wants STARTTLS first' },
  signature: 'AUTH on a connection without TLS answered 538, or 530 naming STARTTLS or encryption, or any 5xx other than 535 when the plaintext EHLO reply offered STARTTLS but no AUTH.',
  wire: ['S: 250-STARTTLS', 'C: AUTH LOGIN', 'S: 530 5.7.0 Must issue a STARTTLS command first'],
  source: 'RFC 4954 §6 (538 5.7.11 "Encryption required for requested authentication mechanism"); Postfix with smtpd_tls_auth_only = yes hides AUTH before STARTTLS and answers 530 5.7.0. Known for phones with outgoing security Off.',
  example: { count: 1, mechanism: 'LOGIN', serverSaid: '530 5.7.0 Must issue a STARTTLS command first', starttlsOffered: true },
};

export function smtpAuthWithoutTlsRefusedRule(): Rule {
  return {
    id: 'smtp-auth-without-tls-refused',
    onSmtpServer(item, conn, host) {
      if (item.kind !== 'reply' || item.cmd?.verb !== 'AUTH' || item.reply.tls) return;
      const { reply } = item;
      const hidden = conn.extensions.auth.length === 0 && conn.extensions.keywords.has('STARTTLS') && reply.code >= 500 && reply.code !== 535;
      if (!(reply.code === 538 || (reply.code === 530 && /STARTTLS|TLS|encrypt/i.test(reply.lines.join(' '))) || hidden)) return;
      const mech = (item.cmd.args.split(' ')[0] ?? '').toUpperCase();
      host.store.report({
        id: 'smtp-auth-without-tls-refused',
        severity: 'error',
        conn: conn.id,
        evidence: [...item.cmd.line.seqs, ...reply.seqs],
        update(d) {
          increment(d, 'count');
          d.mechanism = mech;
          d.serverSaid = `${reply.code} ${reply.lines[0] ?? ''}`.slice(0, 120);
          d.starttlsOffered = conn.extensions.keywords.has('STARTTLS');
        },
      });
    },
  };
}
