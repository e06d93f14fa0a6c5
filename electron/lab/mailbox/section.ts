/**
 * BODY[section] extraction (RFC 3501 §6.4.5). Part numbers address multipart children; a
 * message/rfc822 part's numbers address the parts of the message it encapsulates; a
 * non-multipart message (or part) has a single part 1, its body. A part that does not exist yields an
 * empty Buffer (the IMAP layer sends "" for it).
 */
import type { MimePart, SectionLocation, SectionSpec, StoredMessage } from './types.js';
import { splitFields } from './headers.js';

const EMPTY = Buffer.alloc(0);

/** What sections are cut from. */
export type SectionSource = Pick<StoredMessage, 'size' | 'header' | 'mime' | 'body'>;

/** Find the entity a part path names, or null. */
export function resolvePart(root: MimePart, path: readonly number[]): MimePart | null {
  let cur = root;
  // A leaf's ".1" is the leaf itself, but only once: "1" of a non-multipart message and "2.1" of
  // a leaf part 2 exist, "1.1" and "2.1.1" do not (Dovecot's answers, checked in
  // test/mailbox/dovecot.test.ts).
  let selfStep = false;
  for (let i = 0; i < path.length; i++) {
    const n = path[i]!;
    if (!Number.isInteger(n) || n < 1) return null;
    // Below the top level, a message/rfc822 part is entered: its numbers are its message's parts.
    let container = cur;
    if (i > 0 && cur.message) {
      container = cur.message.root;
      selfStep = false;
    }
    if (container.parts) {
      const next = container.parts[n - 1];
      if (!next) return null;
      cur = next;
      selfStep = false;
    } else if (n === 1 && !selfStep) {
      cur = container;
      selfStep = true;
    } else {
      return null;
    }
  }
  return cur;
}

/** The header fields of [start, end) whose names are (or, with `not`, are not) in `names`, plus the blank line. */
export function headerFields(raw: Buffer, start: number, end: number, names: readonly string[], not: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const chunks: Buffer[] = [];
  for (const f of splitFields(raw, start, end)) {
    if (wanted.has(f.name.toLowerCase()) !== not) {
      const bytes = raw.subarray(f.start, f.end);
      chunks.push(bytes);
      // A last field without a line break still gets one before the blank line.
      if (bytes[bytes.length - 1] !== 0x0a) chunks.push(Buffer.from('\r\n'));
    }
  }
  // The blank line ends the result; for .NOT only when the header had one itself (Dovecot's
  // answers, compared in test/mailbox/dovecot.test.ts).
  const hadBlankLine = end - start >= 1 && raw[end - 1] === 0x0a && (end - start === 1 || raw[end - 2] === 0x0a || (raw[end - 2] === 0x0d && (end - start === 2 || raw[end - 3] === 0x0a)));
  if (!not || hadBlankLine) chunks.push(Buffer.from('\r\n'));
  return Buffer.concat(chunks);
}

/**
 * Where BODY[section] is in the message (RFC 3501 §6.4.5). The whole message, its HEADER and
 * TEXT need only the root header's length, so a message on disk is not parsed for them.
 */
export function locateSection(message: SectionSource, spec: SectionSpec): SectionLocation {
  if (spec.path.length === 0 && (!spec.text || spec.text === 'HEADER' || spec.text === 'TEXT')) {
    if (!spec.text) return { start: 0, end: message.size };
    const headerEnd = message.header.length;
    return spec.text === 'HEADER' ? { start: 0, end: headerEnd } : { start: headerEnd, end: message.size };
  }
  const root = message.mime;
  const part = resolvePart(root, spec.path);
  if (!part) return { bytes: EMPTY };
  if (!spec.text) return { start: part.bodyStart, end: part.bodyEnd };
  if (spec.text === 'MIME') {
    if (spec.path.length === 0) return { bytes: EMPTY }; // RFC 3501: MIME needs a part number
    return { start: part.headerStart, end: part.headerEnd };
  }
  // HEADER, HEADER.FIELDS[.NOT], TEXT: of the message, or of the message a message/rfc822 part holds.
  let msg: MimePart | null = null;
  if (spec.path.length === 0) msg = root;
  else if (part.message) msg = part.message.root;
  if (!msg) return { bytes: EMPTY };
  switch (spec.text) {
    case 'HEADER':
      return { start: msg.headerStart, end: msg.headerEnd };
    case 'TEXT':
      return { start: msg.bodyStart, end: msg.bodyEnd };
    case 'HEADER.FIELDS':
    case 'HEADER.FIELDS.NOT': {
      // Header blocks are small: read just this one.
      const block = spec.path.length === 0 ? message.header : message.body.readSync(msg.headerStart, msg.headerEnd);
      const base = spec.path.length === 0 ? 0 : msg.headerStart;
      return { bytes: headerFields(block, msg.headerStart - base, msg.headerEnd - base, spec.fields ?? [], spec.text === 'HEADER.FIELDS.NOT') };
    }
    default:
      return { bytes: EMPTY };
  }
}

export function extractSection(message: SectionSource, spec: SectionSpec): Buffer {
  const loc = locateSection(message, spec);
  return 'bytes' in loc ? loc.bytes : message.body.readSync(loc.start, loc.end);
}
