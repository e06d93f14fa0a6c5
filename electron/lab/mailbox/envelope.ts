/** ENVELOPE (RFC 3501 §7.4.2) from a header: raw values, first occurrence of each field. */
import type { Envelope } from './types.js';
import { parseAddressList } from './address.js';
import { headerValue } from './headers.js';

type Headers = ReadonlyArray<readonly [string, string]>;

function fieldText(headers: Headers, name: string): string | null {
  const v = headerValue(headers, name);
  return v === null || v === '' ? null : v;
}

/** The Subject and Message-ID of ENVELOPE alone, without parsing the address fields (a message's capture summary). */
export function subjectAndMessageId(headers: Headers): Pick<Envelope, 'subject' | 'messageId'> {
  return {
    // Runs of white space in the subject become one space, as Dovecot sends it.
    subject: fieldText(headers, 'Subject')?.replace(/[ \t]+/g, ' ').trim() || null,
    messageId: fieldText(headers, 'Message-ID'),
  };
}

export function envelopeFrom(headers: Headers): Envelope {
  const text = (name: string) => fieldText(headers, name);
  const { subject, messageId } = subjectAndMessageId(headers);
  const from = parseAddressList(text('From'));
  // RFC 3501 §7.4.2: a missing or empty Sender or Reply-To is returned as the From value.
  const sender = parseAddressList(text('Sender')) ?? from;
  const replyTo = parseAddressList(text('Reply-To')) ?? from;
  return {
    date: text('Date'),
    subject,
    from,
    sender,
    replyTo,
    to: parseAddressList(text('To')),
    cc: parseAddressList(text('Cc')),
    bcc: parseAddressList(text('Bcc')),
    inReplyTo: text('In-Reply-To'),
    messageId,
  };
}
