/**
 * `smtp-no-auth`: the client sent MAIL FROM without a successful AUTH while the server requires
 * one, so the server refused the mail.
 *
 * Wire signature: `MAIL FROM:` (or the RCPT after it) on a connection that is not
 * authenticated, answered 530 (RFC 4954 §6 "5.7.0 Authentication required") or with an
 * enhanced code 5.7.x (554 5.7.1 relay access denied). Known for phones with "SMTP
 * authorisation" off, and for clients that read only the pre-standard `AUTH=` line (Outlook
 * Express 4, Exchange 5.0; Postfix `broken_sasl_auth_clients`): `data.legacyLineOffered` says
 * whether that line was on offer, and `data.authenticatedWithLegacyLine` that the same client
 * did authenticate on a connection where it was.
 */
import type { Rule, RuleMeta } from './types.js';
import { addUnique, increment } from '../store.js';

export const meta: RuleMeta = {
  id: 'smtp-no-auth',
  area: 'SMTP submission',
  severity: { error: 'MAIL or RCPT without a successful AUTH was refused because the server requires a login' },
  signature: 'MAIL FROM (or the RCPT after it) on a connection that is not authenticated, answered 530 or with an enhanced code 5.7.x (554 5.7.1 relay access denied); notes whether the old `AUTH=` line was offered and whether the same client logged in where it was.',
  wire: ['S: 250-AUTH PLAIN LOGIN', 'C: MAIL FROM:<phone@example.org>', 'S: 530 5.7.0 Authentication required'],
  source: 'RFC 4954 §6 (530 5.7.0 "Authentication required"); Postfix broken_sasl_auth_clients for clients that read only the pre-standard AUTH= line (Outlook Express 4, Exchange 5.0). Known for phones with "SMTP authorisation" off.',
  example: { count: 1, serverSaid: '530 5.7.0 Authentication required', authOffered: true, mechanismsOffered: ['PLAIN', 'LOGIN'], commands: ['MAIL'] },
};

function refusedForAuth(code: number, enhanced: string | undefined): boolean {
  return code === 530 || (code >= 500 && enhanced !== undefined && enhanced.startsWith('5.7.'));
}

export function smtpNoAuthRule(): Rule {
  return {
    id: 'smtp-no-auth',
    onSmtpServer(item, conn, host) {
      if (item.kind !== 'reply' || !item.cmd) return;
      const { cmd, reply } = item;
      if (cmd.verb === 'AUTH' && reply.code === 235 && conn.extensions.legacyAuthLine && host.store.has('smtp-no-auth')) {
        host.store.updateData('smtp-no-auth', (d) => {
          d.authenticatedWithLegacyLine = true;
        });
        host.store.addEvidence('smtp-no-auth', reply.seqs);
        return;
      }
      if ((cmd.verb !== 'MAIL' && cmd.verb !== 'RCPT') || !cmd.beforeAuth || !refusedForAuth(reply.code, reply.enhanced)) return;
      const ext = conn.extensions;
      host.store.report({
        id: 'smtp-no-auth',
        severity: 'error',
        conn: conn.id,
        evidence: [...cmd.line.seqs, ...reply.seqs],
        update(d) {
          increment(d, 'count');
          d.serverSaid = `${reply.code} ${reply.lines[0] ?? ''}`.slice(0, 120);
          d.authOffered = ext.auth.length > 0;
          if (ext.auth.length) d.mechanismsOffered = ext.auth.slice(0, 8);
          if (ext.legacyAuthLine) d.legacyLineOffered = true;
          addUnique(d, 'commands', cmd.verb);
        },
      });
    },
  };
}
