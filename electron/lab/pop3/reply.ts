/** POP3 responses (RFC 1939 §3): status lines, and multi-line bodies dot-stuffed and ended by ".". */

export function okLine(text: string): string {
  return text ? `+OK ${text}\r\n` : '+OK\r\n';
}

export function errLine(text: string): string {
  return `-ERR ${text}\r\n`;
}

/**
 * A multi-line body: every line that begins with "." gets another "." in front (byte-stuffing),
 * and the body ends with CRLF.CRLF. The message bytes are sent as they are stored; a last line
 * without its CRLF gets one.
 */
export function multiline(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  if (body.length > 0 && body[0] === 0x2e) parts.push(Buffer.from('.'));
  for (let i = 0; i < body.length; i++) {
    if (body[i] === 0x0a && i + 1 < body.length && body[i + 1] === 0x2e) {
      parts.push(body.subarray(start, i + 1), Buffer.from('.'));
      start = i + 1;
    }
  }
  parts.push(body.subarray(start));
  const endsWithCrlf = body.length >= 2 && body[body.length - 2] === 0x0d && body[body.length - 1] === 0x0a;
  parts.push(Buffer.from(body.length === 0 || endsWithCrlf ? '.\r\n' : '\r\n.\r\n'));
  return Buffer.concat(parts);
}

/** The header and the first `lines` lines of the body (TOP, RFC 1939 §7). */
export function topOf(raw: Buffer, lines: number): Buffer {
  const sep = raw.indexOf('\r\n\r\n');
  if (sep < 0) return raw;
  let end = sep + 4;
  for (let n = 0; n < lines && end < raw.length; n++) {
    const nl = raw.indexOf(0x0a, end);
    end = nl < 0 ? raw.length : nl + 1;
  }
  return raw.subarray(0, end);
}
