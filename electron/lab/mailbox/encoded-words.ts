/**
 * RFC 2047 encoded-words in a header value decoded, for SEARCH (SUBJECT, FROM, HEADER, TEXT), as
 * Dovecot's search decodes them (lib-mail message-header-decode): "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?="
 * is searched as "Grüße". White space between two adjacent encoded-words goes (§6.2); an RFC 2231
 * language ("=?UTF-8*de?Q?…?=") is ignored; a word that does not decode stays as it is.
 * What the lab sends (ENVELOPE, BODY[HEADER]) keeps the words encoded, as IMAP wants.
 */
import { charsetDecoder } from './charset.js';
import { hexEscapeAt } from './hex-escape.js';

const ENCODED_WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([BbQq])\?([^?\s]*)\?=/g;
const BETWEEN_WORDS = /\?=\s+=\?/;
/** An encoded-word followed by white space and another encoded-word (the lookahead lets a run of words join in one pass). */
const ADJACENT_WORDS = /(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)/g;

function decodeWord(charset: string, encoding: string, text: string): string | null {
  let bytes: Buffer;
  if (encoding === 'B' || encoding === 'b') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
    bytes = Buffer.from(text, 'base64');
  } else {
    // "Q": "_" is a space, "=XX" a byte (§4.2).
    const out: number[] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      const escaped = c === '=' ? hexEscapeAt(text, i) : -1;
      if (c === '_') out.push(0x20);
      else if (escaped >= 0) {
        out.push(escaped);
        i += 2;
      } else out.push(c.charCodeAt(0) & 0xff);
    }
    bytes = Buffer.from(out);
  }
  return charsetDecoder(charset).decode(bytes);
}

/** `value` with its encoded-words decoded. */
export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  // Adjacent words first joined: the white space between them is not part of the text (§6.2).
  const joined = BETWEEN_WORDS.test(value) ? value.replace(ADJACENT_WORDS, '$1') : value;
  return joined.replace(ENCODED_WORD, (word, charset: string, encoding: string, text: string) => decodeWord(charset, encoding, text) ?? word);
}
