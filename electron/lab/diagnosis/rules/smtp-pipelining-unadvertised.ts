/**
 * `smtp-pipelining-unadvertised`: the client sent another command before the server answered
 * the previous one, while the server had not advertised PIPELINING (RFC 2920 §3: without it a
 * client waits for each reply; a server may drop what came early).
 *
 * Wire signature: a client command whose bytes arrive while an earlier command (or the end of
 * message content) still waits for its reply, on a connection whose last EHLO reply had no
 * PIPELINING line. Never the SASL responses of AUTH or the message content, which answer the
 * server's 334 and 354.
 */
import type { Rule, RuleMeta } from './types.js';
import { addUnique, increment } from '../store.js';

export const meta: RuleMeta = {
  id: 'smtp-pipelining-unadvertised',
  area: 'SMTP submission',
  severity: { warning: 'a command arrived before the reply to the previous one, and PIPELINING was not offered' },
  signature: 'A client command whose bytes arrive while an earlier command (or the end of the message) still waits for its reply, on a connection whose last EHLO reply had no PIPELINING line; never the SASL responses or the message content, which answer 334 and 354.',
  wire: ['S: 250 lab     (no PIPELINING)', 'C: MAIL FROM:<phone@example.org>', 'C: RCPT TO:<friend@example.org>     (before the 250 to MAIL)'],
  source: 'RFC 2920 §3 (without PIPELINING a client waits for each reply; a server may drop what came early).',
  example: { count: 1, commands: ['RCPT'], waitingFor: ['MAIL'] },
};

export function smtpPipeliningUnadvertisedRule(): Rule {
  return {
    id: 'smtp-pipelining-unadvertised',
    onSmtpClient(item, conn, host) {
      if (item.kind !== 'command' || !item.cmd.pipelined || conn.extensions.keywords.has('PIPELINING')) return;
      const before = conn.pending[conn.pending.length - 1];
      const verb = item.cmd.verb;
      host.store.report({
        id: 'smtp-pipelining-unadvertised',
        severity: 'warning',
        conn: conn.id,
        evidence: [...(before ? before.line.seqs.slice(-1) : []), ...item.line.seqs],
        update(d) {
          increment(d, 'count');
          addUnique(d, 'commands', verb === '.' ? 'end of message' : verb, 12);
          if (before) addUnique(d, 'waitingFor', before.verb === '.' ? 'end of message' : before.verb, 12);
        },
      });
    },
  };
}
