/**
 * `smtp-8bit-without-8bitmime`: message content with bytes of 0x80 and above, sent without
 * `BODY=8BITMIME` on MAIL or to a server that did not offer 8BITMIME (RFC 6152 §3; RFC 5321
 * §2.4: SMTP content is 7-bit unless so negotiated). Some servers bounce or mangle it.
 *
 * Wire signature: a content line with an 8-bit byte, and the transaction's MAIL had no
 * BODY=8BITMIME or the EHLO reply had no 8BITMIME line. Usually the device's charset setting.
 * A warning when the server did not offer 8BITMIME (it may bounce or mangle the message); only
 * info when it did and the client just did not declare it: Python's smtplib `send_message`
 * sends `Content-Transfer-Encoding: 8bit` that way (seen against the lab), and Postfix accepts
 * it (`strict_8bitmime = no` by default).
 */
import type { Rule, RuleHost, RuleMeta } from './types.js';
import { increment } from '../store.js';
import type { ContentSummary, SmtpConn } from '../smtp/conversation.js';
import { parsePathArg } from '../smtp/syntax.js';

export const meta: RuleMeta = {
  id: 'smtp-8bit-without-8bitmime',
  area: 'SMTP submission',
  severity: {
    warning: 'the server did not offer 8BITMIME: it may bounce or mangle the message',
    info: 'the server offered 8BITMIME but MAIL did not declare BODY=8BITMIME (Postfix accepts it by default)',
  },
  signature: 'A line of message content with a byte of 0x80 or above, when the transaction\'s MAIL FROM had no BODY=8BITMIME or the EHLO reply had no 8BITMIME line; also counted when the connection ends inside the message.',
  wire: ['S: 250 lab     (no 8BITMIME)', 'C: MAIL FROM:<phone@example.org>', 'C: DATA', 'S: 354 End data with <CR><LF>.<CR><LF>', 'C: Subject: Gr\\xfc\\xdfe     (8-bit byte, no BODY=8BITMIME)'],
  source: 'RFC 6152 §3 and RFC 5321 §2.4 (content is 7-bit unless 8BITMIME is negotiated); Python smtplib send_message sends 8bit content undeclared, and Postfix accepts it (strict_8bitmime = no by default).',
  example: { lines: 3, messages: 1, offered: false, declared: null },
};

function check(c: ContentSummary, conn: SmtpConn, host: RuleHost): void {
  if (c.eightBitLines === 0) return;
  const body = c.mail ? parsePathArg(c.mail.args, 'FROM')?.params.get('BODY')?.toUpperCase() : undefined;
  const offered = conn.extensions.keywords.has('8BITMIME');
  if (offered && body === '8BITMIME') return;
  host.store.report({
    id: 'smtp-8bit-without-8bitmime',
    severity: offered ? 'info' : 'warning',
    conn: conn.id,
    evidence: [...(c.mail ? c.mail.line.seqs : []), ...c.eightBitSeqs],
    update(d) {
      increment(d, 'lines', c.eightBitLines);
      increment(d, 'messages');
      d.offered = offered;
      d.declared = body ?? null;
    },
  });
}

export function smtp8bitWithout8bitmimeRule(): Rule {
  return {
    id: 'smtp-8bit-without-8bitmime',
    onSmtpClient(item, conn, host) {
      if (item.kind === 'content-end') check(item.content, conn, host);
    },
    onEvent(ev, _conn, host) {
      // The connection ended inside the message: its bytes are still what the device sent.
      if (ev.kind !== 'conn.close') return;
      const smtp = host.smtp(ev.conn);
      if (smtp?.current) check(smtp.current, smtp, host);
    },
  };
}
