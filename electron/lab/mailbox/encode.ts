/** Small encoders used to build the seeded corpus and fixtures (RFC 2045 §6.7/§6.8, RFC 2047). */

/** Base64 in lines of 76 characters (RFC 2045 §6.8), each ended by CRLF. */
export function base64Lines(data: Buffer): string {
  const b64 = data.toString('base64');
  let out = '';
  for (let i = 0; i < b64.length; i += 76) out += b64.slice(i, i + 76) + '\r\n';
  return out;
}

const hex = (b: number) => '=' + b.toString(16).toUpperCase().padStart(2, '0');

/** Quoted-printable (RFC 2045 §6.7) of bytes whose lines are separated by LF or CRLF. */
export function quotedPrintable(data: Buffer): string {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0x0a) {
      lines.push(data.subarray(start, i > start && data[i - 1] === 0x0d ? i - 1 : i));
      start = i + 1;
    }
  }
  lines.push(data.subarray(start));
  return lines
    .map((line) => {
      let out = '';
      let cur = '';
      for (let i = 0; i < line.length; i++) {
        const b = line[i]!;
        const last = i === line.length - 1;
        const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
        let tok = literal ? String.fromCharCode(b) : hex(b);
        // Keep a UTF-8 sequence on one line: old phones decode QP line by line into characters.
        while (b >= 0xc0 && i + 1 < line.length && (line[i + 1]! & 0xc0) === 0x80) tok += hex(line[++i]!);
        if (cur.length + tok.length > 75) {
          out += cur + '=\r\n';
          cur = '';
        }
        cur += tok;
      }
      return out + cur;
    })
    .join('\r\n');
}

/**
 * RFC 2047 "B" encoded-words for a header value, split so that each word stays within 75
 * characters (§2) and never cuts a UTF-8 character; words are joined by CRLF SP (folding).
 */
export function encodedWords(text: string, charset = 'UTF-8'): string {
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch) > 42) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?${charset}?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
}

/** RFC 5322 §3.3 date-time for an instant shown in a zone `offsetMinutes` east of UTC. */
export function rfc5322Date(d: Date, offsetMinutes = 0): string {
  const local = new Date(d.getTime() + offsetMinutes * 60_000);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${days[local.getUTCDay()]}, ${local.getUTCDate()} ${months[local.getUTCMonth()]} ${local.getUTCFullYear()} ` +
    `${p(local.getUTCHours())}:${p(local.getUTCMinutes())}:${p(local.getUTCSeconds())} ${sign}${p(Math.floor(abs / 60))}${p(abs % 60)}`
  );
}

/** LF or CRLF text → CRLF bytes (the store keeps RFC 5322 CRLF line endings). */
export function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}
