/**
 * MIME structure (RFC 2045, RFC 2046) of a raw RFC 5322 message as a `MimePart` tree with byte
 * offsets, for BODYSTRUCTURE and BODY[section] (RFC 3501 §6.4.5, §7.4.2). Never throws: a
 * multipart without a usable boundary has one empty text/plain part, a missing closing
 * delimiter ends the last part at the end of the body, and nesting is cut at MAX_MIME_DEPTH.
 * Where RFCs leave room, the answers are Dovecot's (test/mailbox/dovecot.test.ts compares them).
 */
import type { Envelope, MimePart } from './types.js';
import { findHeaderEnd, headerValue, splitFields } from './headers.js';
import { parseStructured } from './params.js';
import { envelopeFrom, subjectAndMessageId } from './envelope.js';

/** Deepest multipart / message nesting parsed; deeper entities are leaves (a bomb stays cheap). */
export const MAX_MIME_DEPTH = 32;
/** Most MIME parts parsed in one message; later parts are not split out. */
export const MAX_MIME_PARTS = 5000;

interface Budget {
  parts: number;
}

/** Parse the whole message. */
export function parseMime(raw: Buffer): MimePart {
  return parseEntity(raw, 0, raw.length, false, 0, { parts: 0 });
}

/** Parse the envelope of a message (the root header). */
function headerPairs(raw: Buffer): Array<[string, string]> {
  const headerEnd = findHeaderEnd(raw, 0, raw.length);
  return splitFields(raw, 0, headerEnd).map((f) => [f.name, f.value]);
}

export function parseEnvelope(raw: Buffer): Envelope {
  return envelopeFrom(headerPairs(raw));
}

/** Subject and Message-ID as ENVELOPE gives them, for a message's summary (no address parsing). */
export function parseSubjectAndMessageId(raw: Buffer): Pick<Envelope, 'subject' | 'messageId'> {
  return subjectAndMessageId(headerPairs(raw));
}

/** An empty text/plain entity at `at` (no header, no body). */
function emptyPart(at: number): MimePart {
  return {
    headerStart: at,
    headerEnd: at,
    bodyStart: at,
    bodyEnd: at,
    headers: [],
    type: 'text',
    subtype: 'plain',
    params: { charset: 'us-ascii' },
    id: null,
    description: null,
    encoding: '7BIT',
    md5: null,
    disposition: null,
    language: null,
    location: null,
    size: 0,
    lines: 0,
  };
}

function countLines(raw: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = raw.indexOf(0x0a, start); i !== -1 && i < end; i = raw.indexOf(0x0a, i + 1)) n++;
  return n;
}

function parseEntity(raw: Buffer, start: number, end: number, digestDefault: boolean, depth: number, budget: Budget): MimePart {
  budget.parts++;
  const headerEnd = findHeaderEnd(raw, start, end);
  const fields = splitFields(raw, start, headerEnd);
  const headers = fields.map((f) => [f.name, f.value] as [string, string]);
  const ctHeader = headerValue(headers, 'Content-Type');
  let type = digestDefault ? 'message' : 'text';
  let subtype = digestDefault ? 'rfc822' : 'plain';
  let params: Record<string, string> = digestDefault ? {} : { charset: 'us-ascii' };
  if (ctHeader !== null) {
    const ct = parseStructured(ctHeader);
    const m = /^([!#$%&'*+\-.^_`|~0-9a-z]+)\/([!#$%&'*+\-.^_`|~0-9a-z]+)$/.exec(ct.value);
    // RFC 2045 §5.2: an unparsable Content-Type is treated as the default text/plain.
    if (m) {
      type = m[1]!;
      subtype = m[2]!;
      params = ct.params;
    }
  }
  // A text part without a charset is us-ascii (RFC 2045 §5.2); Dovecot says so in BODYSTRUCTURE too.
  if (type === 'text' && params.charset === undefined) params = { ...params, charset: 'us-ascii' };
  const cte = headerValue(headers, 'Content-Transfer-Encoding');
  const dispHeader = headerValue(headers, 'Content-Disposition');
  const disp = dispHeader !== null ? parseStructured(dispHeader) : null;
  const lang = headerValue(headers, 'Content-Language');
  const part: MimePart = {
    headerStart: start,
    headerEnd,
    bodyStart: headerEnd,
    bodyEnd: end,
    headers,
    type,
    subtype,
    params,
    id: headerValue(headers, 'Content-ID'),
    description: headerValue(headers, 'Content-Description'),
    encoding: cte ? cte.trim().toUpperCase() : '7BIT',
    md5: headerValue(headers, 'Content-MD5'),
    disposition: disp && disp.value ? { type: disp.value, params: disp.params } : null,
    language: lang ? lang.split(',').map((l) => l.trim()).filter(Boolean) : null,
    location: headerValue(headers, 'Content-Location'),
    size: end - headerEnd,
    lines: 0,
  };
  const tooDeep = depth >= MAX_MIME_DEPTH || budget.parts >= MAX_MIME_PARTS;
  if (type === 'multipart') {
    const children = tooDeep ? null : splitMultipart(raw, headerEnd, end, params.boundary, subtype === 'digest', depth, budget);
    if (children) {
      part.parts = children;
    } else if (tooDeep) {
      // Past the nesting limit: a leaf, read as text/plain.
      part.type = 'text';
      part.subtype = 'plain';
      part.params = { charset: 'us-ascii' };
      part.lines = countLines(raw, headerEnd, end);
    } else {
      // No boundary, or none found in the body: a multipart with one empty text/plain part, as
      // Dovecot shows it (IMAP's body grammar needs at least one part, RFC 3501 §9 body-type-mpart).
      part.parts = [emptyPart(end)];
    }
  } else if (type === 'message' && (subtype === 'rfc822' || subtype === 'global')) {
    part.lines = countLines(raw, headerEnd, end);
    if (!tooDeep) {
      const root = parseEntity(raw, headerEnd, end, false, depth + 1, budget);
      part.message = { envelope: envelopeFrom(root.headers), root };
    }
  } else if (type === 'text') {
    part.lines = countLines(raw, headerEnd, end);
  }
  return part;
}

/**
 * Split a multipart body at its boundary delimiters (RFC 2046 §5.1.1): a delimiter is
 * CRLF "--" boundary at the start of a line; the CRLF before it belongs to the delimiter, not to
 * the part. Null when there is no boundary or no delimiter.
 */
function splitMultipart(raw: Buffer, start: number, end: number, boundary: string | undefined, digest: boolean, depth: number, budget: Budget): MimePart[] | null {
  if (!boundary || boundary.length > 200) return null;
  const delim = Buffer.from(`--${boundary}`, 'utf8');
  const starts: number[] = []; // offset of each part's first byte
  const ends: number[] = []; // offset where each part ends (before the CRLF of the next delimiter)
  let closed = false;
  let pos = start;
  while (pos < end) {
    const at = raw.indexOf(delim, pos);
    if (at === -1 || at >= end) break;
    const lineStart = at === start || raw[at - 1] === 0x0a;
    if (!lineStart) {
      pos = at + 1;
      continue;
    }
    const after = at + delim.length;
    const isClose = raw[after] === 0x2d && raw[after + 1] === 0x2d;
    let k = isClose ? after + 2 : after;
    // transport padding (RFC 2046 §5.1.1) then the line break
    while (k < end && (raw[k] === 0x20 || raw[k] === 0x09)) k++;
    if (!isClose && k < end && raw[k] !== 0x0d && raw[k] !== 0x0a) {
      // "--boundary-more": a longer boundary, not ours
      pos = at + 1;
      continue;
    }
    if (starts.length > ends.length) {
      let partEnd = at;
      if (partEnd > starts[starts.length - 1]! && raw[partEnd - 1] === 0x0a) partEnd--;
      if (partEnd > starts[starts.length - 1]! && raw[partEnd - 1] === 0x0d) partEnd--;
      ends.push(partEnd);
    }
    if (isClose) {
      closed = true;
      break;
    }
    const nl = raw.indexOf(0x0a, k);
    const bodyStart = nl === -1 || nl >= end ? end : nl + 1;
    starts.push(bodyStart);
    pos = bodyStart;
    if (starts.length + budget.parts >= MAX_MIME_PARTS) break;
  }
  if (!closed && starts.length > ends.length) ends.push(end);
  if (starts.length === 0) return null;
  return starts.map((s, idx) => parseEntity(raw, s, Math.max(s, ends[idx]!), digest, depth + 1, budget));
}
