/** ENVELOPE (RFC 3501 §7.4.2) from a header: raw values, first occurrence of each field. */
import type { Envelope } from './types.js';
import { parseAddressList } from './address.js';
import { headerValue } from './headers.js';

export function envelopeFrom(headers: ReadonlyArray<readonly [string, string]>): Envelope {
  const text = (name: string) => {
    const v = headerValue(headers, name);
    return v === null || v === '' ? null : v;
  };
  const from = parseAddressList(text('From'));
  // RFC 3501 §7.4.2: a missing or empty Sender or Reply-To is returned as the From value.
  const sender = parseAddressList(text('Sender')) ?? from;
  const replyTo = parseAddressList(text('Reply-To')) ?? from;
  return {
    date: text('Date'),
    // Runs of white space in the subject become one space, as Dovecot sends it.
    subject: text('Subject')?.replace(/[ \t]+/g, ' ').trim() || null,
    from,
    sender,
    replyTo,
    to: parseAddressList(text('To')),
    cc: parseAddressList(text('Cc')),
    bcc: parseAddressList(text('Bcc')),
    inReplyTo: text('In-Reply-To'),
    messageId: text('Message-ID'),
  };
}
