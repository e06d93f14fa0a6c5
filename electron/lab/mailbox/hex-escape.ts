/**
 * The "=XX" escape that quoted-printable (RFC 2045 §6.7 rule 1) and RFC 2047's "Q" encoding
 * (§4.2, which borrows it) share: the byte whose two hexadecimal digits, in either case, follow
 * an "=".
 */

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** The byte escaped by the "=" at `at` in `text` ("=C3" → 0xc3), or -1 when two hex digits do not follow it. */
export function hexEscapeAt(text: string, at: number): number {
  if (at + 2 >= text.length) return -1;
  const hi = hexDigit(text.charCodeAt(at + 1));
  const lo = hexDigit(text.charCodeAt(at + 2));
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}
