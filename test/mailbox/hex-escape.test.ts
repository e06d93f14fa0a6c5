/** The "=XX" escape shared by quoted-printable bodies (SEARCH BODY) and "Q" encoded-words (SEARCH SUBJECT). */
import { describe, expect, it } from 'vitest';
import { hexEscapeAt } from '../../electron/lab/mailbox/hex-escape.js';
import { decodeEncodedWords } from '../../electron/lab/mailbox/encoded-words.js';

describe('hexEscapeAt', () => {
  it('reads every byte, in upper and lower case', () => {
    for (let b = 0; b < 256; b++) {
      const hex = b.toString(16).padStart(2, '0');
      expect(hexEscapeAt(`x=${hex.toUpperCase()}y`, 1)).toBe(b);
      expect(hexEscapeAt(`=${hex}`, 0)).toBe(b);
    }
  });

  it('is -1 for what is not an escape: a non-hex digit, one digit, an "=" at the end', () => {
    for (const [text, at] of [['=G1', 0], ['=1G', 0], ['=C', 0], ['abc=', 3], ['= 1', 0], ['=\r\n', 0]] as const) expect(hexEscapeAt(text, at)).toBe(-1);
  });

  it('decodes "Q" encoded-words with it, and leaves a broken escape as it is', () => {
    expect(decodeEncodedWords('=?UTF-8?Q?Gr=C3=BC=c3=9Fe_aus_Berlin?=')).toBe('Grüße aus Berlin');
    expect(decodeEncodedWords('=?ISO-8859-1?Q?100=25_=3D_=XY?=')).toBe('100% = =XY');
  });
});
