/**
 * RFC 5322 header blocks: locating the end of the header, splitting it into fields (keeping
 * each field's raw bytes, folding included, for HEADER.FIELDS) and unfolding values.
 */

/** One header field as written: name, unfolded value, and its raw byte range (folding and CRLF included). */
export interface RawField {
  name: string;
  value: string;
  start: number;
  end: number;
}

/**
 * Where the header block of the entity at [start, end) ends: the offset just after the blank
 * line (CRLF CRLF; a bare LF LF is tolerated), or `end` when there is no blank line. An entity
 * that starts with a blank line has an empty header.
 */
export function findHeaderEnd(raw: Buffer, start: number, end: number): number {
  if (start >= end) return end;
  if (raw[start] === 0x0a) return start + 1;
  if (raw[start] === 0x0d && raw[start + 1] === 0x0a && start + 2 <= end) return start + 2;
  for (let i = start; i < end; i++) {
    if (raw[i] !== 0x0a) continue;
    // i is an LF ending a line; the next line is blank when it is CRLF or LF.
    if (i + 1 < end && raw[i + 1] === 0x0a) return i + 2;
    if (i + 2 < end && raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) return i + 3;
    if (i + 2 === end && raw[i + 1] === 0x0d) return end;
  }
  return end;
}

/**
 * Split the header block [start, end) into fields. Continuation lines (starting with SP or
 * HTAB, RFC 5322 §2.2.3) belong to the field before; lines without a colon are skipped, as
 * every mail parser does. Values are unfolded (CRLF removed, whitespace kept) and trimmed.
 * Bytes are read as UTF-8 (RFC 6532 headers); encoded-words stay encoded.
 */
export function splitFields(raw: Buffer, start: number, end: number): RawField[] {
  const fields: RawField[] = [];
  let i = start;
  let current: { start: number; end: number } | null = null;
  const flush = () => {
    if (!current) return;
    const text = raw.toString('utf8', current.start, current.end);
    const colon = text.indexOf(':');
    if (colon > 0) {
      const name = text.slice(0, colon).trim();
      if (name && !/[\s]/.test(name)) {
        const value = text.slice(colon + 1).replace(/\r?\n/g, '').trim();
        fields.push({ name, value, start: current.start, end: current.end });
      }
    }
    current = null;
  };
  while (i < end) {
    let lineEnd = raw.indexOf(0x0a, i);
    lineEnd = lineEnd === -1 || lineEnd >= end ? end : lineEnd + 1;
    const blank = lineEnd - i <= 2 && (raw[i] === 0x0a || (raw[i] === 0x0d && (lineEnd - i === 1 || raw[i + 1] === 0x0a)));
    if (blank) {
      flush();
      break;
    }
    const continuation = raw[i] === 0x20 || raw[i] === 0x09;
    if (continuation && current) {
      current.end = lineEnd;
    } else {
      flush();
      current = { start: i, end: lineEnd };
    }
    i = lineEnd;
  }
  flush();
  return fields;
}

/** The first value of a header field, case-insensitive name, or null. */
export function headerValue(headers: ReadonlyArray<readonly [string, string]>, name: string): string | null {
  const lower = name.toLowerCase();
  for (const [n, v] of headers) if (n.toLowerCase() === lower) return v;
  return null;
}
