/**
 * `smtp-bare-lf`: a command or message line ending in LF without CR (RFC 5321 §2.3.8: "SMTP
 * client implementations MUST NOT transmit" bare LF).
 *
 * Wire signature: a client line whose LF is not preceded by CR, in command position or inside
 * DATA. Since the 2023 SMTP smuggling fixes Postfix (`smtpd_forbid_bare_newline`), Exchange
 * Online and Gmail reject or normalise such messages. AUTH responses are counted but never
 * quoted (they are secrets); commands are quoted in `data.samples`.
 */
import type { Rule, RuleHost, RuleMeta } from './types.js';
import { VIOLATION_SAMPLE_BYTES } from '../constants.js';
import { increment, pushBounded } from '../store.js';
import type { ContentSummary } from '../smtp/conversation.js';

export const meta: RuleMeta = {
  id: 'smtp-bare-lf',
  area: 'SMTP submission',
  severity: { warning: 'a command line or a line of message content ended in LF without CR' },
  signature: 'A client line whose LF is not preceded by CR, as a command or inside DATA; AUTH lines are counted but never quoted (they carry secrets), other commands are quoted in samples.',
  wire: ['C: MAIL FROM:<phone@example.org>\\n     (no \\r)'],
  source: 'RFC 5321 §2.3.8 ("SMTP client implementations MUST NOT transmit" bare LF); since the 2023 SMTP smuggling fixes Postfix (smtpd_forbid_bare_newline), Exchange Online and Gmail refuse or rewrite such messages.',
  example: { commandLines: 1, contentLines: 12, messages: 1, samples: ['MAIL FROM:<phone@example.org>'] },
};

function reportContent(c: ContentSummary, conn: string, host: RuleHost): void {
  if (c.bareLfLines === 0) return;
  host.store.report({
    id: 'smtp-bare-lf',
    severity: 'warning',
    conn,
    evidence: c.bareLfSeqs,
    update(d) {
      increment(d, 'contentLines', c.bareLfLines);
      increment(d, 'messages');
    },
  });
}

export function smtpBareLfRule(): Rule {
  return {
    id: 'smtp-bare-lf',
    onSmtpClient(item, conn, host) {
      if (item.kind === 'content-end') {
        reportContent(item.content, conn.id, host);
        return;
      }
      if (!item.line.bareLf) return;
      const secret = item.kind === 'sasl-response' || (item.kind === 'command' && item.cmd.verb === 'AUTH');
      const sample = secret ? `${item.kind === 'command' ? 'AUTH ' : ''}(login data, not shown)` : item.line.text.slice(0, VIOLATION_SAMPLE_BYTES);
      host.store.report({
        id: 'smtp-bare-lf',
        severity: 'warning',
        conn: conn.id,
        evidence: item.line.seqs,
        update(d) {
          increment(d, 'commandLines');
          pushBounded(d, 'samples', sample);
        },
      });
    },
    onEvent(ev, _conn, host) {
      // The connection ended inside the message: its lines are still what the device sent.
      if (ev.kind !== 'conn.close') return;
      const smtp = host.smtp(ev.conn);
      if (smtp?.current) reportContent(smtp.current, ev.conn, host);
    },
  };
}
