/**
 * `smtp-mail-from-syntax`: `MAIL FROM:` (or `RCPT TO:`) not as RFC 5321 §4.1.2 writes it — a
 * space after the colon (`MAIL FROM: <a@b>`), no angle brackets (`MAIL FROM:a@b`), or an ESMTP
 * parameter the server did not advertise (`SIZE=` without SIZE, `BODY=` without 8BITMIME).
 *
 * Known for many phones and devices; lenient servers accept it, Postfix with
 * `strict_rfc821_envelopes = yes` answers 501. Info, or a warning when the server refused it.
 */
import type { Rule, RuleMeta } from './types.js';
import { addUnique, increment, pushBounded } from '../store.js';
import type { SmtpCommand } from '../smtp/conversation.js';
import { PARAM_EXTENSION, parsePathArg } from '../smtp/syntax.js';
import { VIOLATION_SAMPLE_BYTES } from '../constants.js';

export const meta: RuleMeta = {
  id: 'smtp-mail-from-syntax',
  area: 'SMTP submission',
  severity: {
    info: 'the address or its parameters are not as RFC 5321 writes them, and the server took it',
    warning: 'the server refused it (501, 553 or 555)',
  },
  signature: 'MAIL FROM: or RCPT TO: with a space after the colon, no angle brackets, or an ESMTP parameter the server did not advertise (SIZE= without SIZE, BODY= without 8BITMIME) or does not know.',
  wire: ['C: MAIL FROM: <phone@example.org>', 'S: 250 2.1.0 Ok'],
  source: 'RFC 5321 §4.1.2 (the path syntax); lenient servers accept it; Postfix with strict_rfc821_envelopes = yes answers 501 to an address without angle brackets (Postfix 3.7.11 still takes a space after the colon). Known for many phones and devices.',
  example: { count: 1, problems: ['a space after the colon'], samples: ['MAIL FROM: <phone@example.org>'] },
};

export function smtpMailFromSyntaxRule(): Rule {
  /** Commands found odd, waiting for their reply (which may make the finding a warning). */
  const odd = new WeakSet<SmtpCommand>();
  return {
    id: 'smtp-mail-from-syntax',
    onSmtpClient(item, conn, host) {
      if (item.kind !== 'command' || (item.cmd.verb !== 'MAIL' && item.cmd.verb !== 'RCPT')) return;
      const cmd = item.cmd;
      const parsed = parsePathArg(cmd.args, cmd.verb === 'MAIL' ? 'FROM' : 'TO');
      if (!parsed) return;
      const problems = [...parsed.problems];
      for (const key of parsed.params.keys()) {
        const ext = PARAM_EXTENSION[key];
        if (ext && !conn.extensions.keywords.has(ext)) problems.push(`the ${key}= parameter, which the server did not advertise (${ext})`);
        else if (!ext) problems.push(`an unknown parameter ${key}`);
      }
      if (problems.length === 0) return;
      odd.add(cmd);
      const sample = `${cmd.verb} ${cmd.args}`.slice(0, VIOLATION_SAMPLE_BYTES);
      host.store.report({
        id: 'smtp-mail-from-syntax',
        severity: 'info',
        conn: conn.id,
        evidence: item.line.seqs,
        update(d) {
          increment(d, 'count');
          for (const p of problems) addUnique(d, 'problems', p);
          pushBounded(d, 'samples', sample);
        },
      });
    },
    onSmtpServer(item, _conn, host) {
      if (item.kind !== 'reply' || !item.cmd || !odd.has(item.cmd)) return;
      odd.delete(item.cmd);
      const { reply } = item;
      if (reply.code !== 501 && reply.code !== 555 && reply.code !== 553) return;
      host.store.report({
        id: 'smtp-mail-from-syntax',
        severity: 'warning',
        evidence: reply.seqs,
        update(d) {
          d.serverSaid = `${reply.code} ${reply.lines[0] ?? ''}`.slice(0, 120);
        },
      });
    },
  };
}
