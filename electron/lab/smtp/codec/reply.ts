/**
 * SMTP replies (RFC 5321 §4.2): `code SP text` on the last line, `code-text` on the others, with
 * the enhanced status code (RFC 2034 §4) after the reply code.
 */

/** One reply, one line or several, CRLF-terminated. `enhanced` is null for 220/221/354 greetings and prompts that carry none. */
export function formatReply(code: number, enhanced: string | null, text: string | readonly string[]): string {
  const lines = typeof text === 'string' ? [text] : text;
  const prefix = enhanced ? `${enhanced} ` : '';
  return lines.map((l, i) => `${code}${i === lines.length - 1 ? ' ' : '-'}${prefix}${l}\r\n`).join('');
}

/** An EHLO reply: the first line is the greeting, the rest are keywords; RFC 2034 §3 puts no status code on EHLO lines. */
export function formatEhlo(lines: readonly string[]): string {
  return lines.map((l, i) => `250${i === lines.length - 1 ? ' ' : '-'}${l}\r\n`).join('');
}
