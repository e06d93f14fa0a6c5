/**
 * Text in a MIME charset (RFC 2045 §5.1, RFC 2047 §2) read as Unicode, for what is searched:
 * SEARCH reads a part's text and a header's encoded-words through here (imap/search-decode.ts,
 * encoded-words.ts). us-ascii and a missing charset are read as UTF-8, as Dovecot's
 * charset_is_utf8() does (8-bit bytes in them are UTF-8 far more often than not); a charset that
 * is not known is read as UTF-8 too, invalid bytes becoming U+FFFD.
 */
import { TextDecoder } from 'node:util';

const UTF8_COMPATIBLE = new Set(['', 'us-ascii', 'ascii', 'utf-8', 'utf8']);

/** A decoder for `label` (WHATWG labels with Node's full ICU: iso-8859-x, windows-125x, koi8-r, shift_jis, gbk…). */
export function charsetDecoder(label: string | undefined): TextDecoder {
  const name = (label ?? '').trim().toLowerCase();
  try {
    return new TextDecoder(UTF8_COMPATIBLE.has(name) ? 'utf-8' : name);
  } catch {
    return new TextDecoder('utf-8');
  }
}
