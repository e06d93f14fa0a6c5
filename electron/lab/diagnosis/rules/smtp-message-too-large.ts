/**
 * `smtp-message-too-large`: the server refused the message for its size.
 *
 * Wire signature: 552 (RFC 5321 §4.2.2 "exceeded storage allocation"; RFC 1870 §6 with
 * enhanced code 5.3.4) in reply to MAIL with a `SIZE=` over the advertised maximum, or as the
 * final reply to the message content (or cutting it short). The declared size, the bytes sent
 * and the server's SIZE limit go into `data`.
 */
import type { Rule, RuleMeta } from './types.js';
import { increment } from '../store.js';
import { parsePathArg } from '../smtp/syntax.js';

export const meta: RuleMeta = {
  id: 'smtp-message-too-large',
  area: 'SMTP submission',
  severity: { error: 'the server refused the message with 552 for its size' },
  signature: '552 in reply to MAIL FROM with a SIZE= over the advertised maximum, or as the reply to the message content (or cutting it short); the declared size, the bytes sent and the server\'s SIZE limit are noted.',
  wire: ['S: 250-SIZE 10240000', 'C: MAIL FROM:<phone@example.org> SIZE=15360000', 'S: 552 5.3.4 Message size exceeds fixed limit'],
  source: 'RFC 5321 §4.2.2 (552 "exceeded storage allocation") and RFC 1870 §6 (SIZE, enhanced code 5.3.4); Postfix message_size_limit.',
  example: { count: 1, when: 'mail', declaredSize: 15_360_000, sizeLimit: 10_240_000, serverSaid: '552 5.3.4 Message size exceeds fixed limit' },
};

export function smtpMessageTooLargeRule(): Rule {
  return {
    id: 'smtp-message-too-large',
    onSmtpServer(item, conn, host) {
      if (item.kind !== 'reply' || item.reply.code !== 552 || !item.cmd) return;
      const { cmd, reply } = item;
      if (cmd.verb !== 'MAIL' && cmd.verb !== '.' && cmd.verb !== 'BDAT' && !item.cutContent) return;
      const declared = cmd.verb === 'MAIL' ? Number(parsePathArg(cmd.args, 'FROM')?.params.get('SIZE') ?? NaN) : NaN;
      const sent = item.cutContent?.bytes;
      const limit = conn.extensions.sizeLimit;
      host.store.report({
        id: 'smtp-message-too-large',
        severity: 'error',
        conn: conn.id,
        evidence: [...cmd.line.seqs, ...reply.seqs],
        update(d) {
          increment(d, 'count');
          d.when = cmd.verb === 'MAIL' ? 'mail' : 'data';
          if (Number.isFinite(declared)) d.declaredSize = declared;
          if (sent !== undefined) d.bytesSent = sent;
          if (limit) d.sizeLimit = limit;
          d.serverSaid = `${reply.code} ${reply.lines[0] ?? ''}`.slice(0, 120);
        },
      });
    },
  };
}
