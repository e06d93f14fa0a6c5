/**
 * BODY[section] extraction (RFC 3501 §6.4.5). Part numbers address multipart children; a
 * message/rfc822 part's numbers address the parts of the message it encapsulates; a
 * non-multipart message (or part) has a single part 1, its body. A part that does not exist yields an
 * empty Buffer (the IMAP layer sends "" for it).
 */
import type { MimePart, SectionSpec, StoredMessage } from './types.js';
import { splitFields } from './headers.js';

const EMPTY = Buffer.alloc(0);

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

export function extractSection(message: Pick<StoredMessage, 'raw' | 'mime'>, spec: SectionSpec): Buffer {
  const raw = message.raw;
  const root = message.mime;
  const part = resolvePart(root, spec.path);
  if (!part) return EMPTY;
  if (!spec.text) {
    if (spec.path.length === 0) return raw;
    return raw.subarray(part.bodyStart, part.bodyEnd);
  }
  if (spec.text === 'MIME') {
    if (spec.path.length === 0) return EMPTY; // RFC 3501: MIME needs a part number
    return raw.subarray(part.headerStart, part.headerEnd);
  }
  // HEADER, HEADER.FIELDS[.NOT], TEXT: of the message, or of the message a message/rfc822 part holds.
  let msg: MimePart | null = null;
  if (spec.path.length === 0) msg = root;
  else if (part.message) msg = part.message.root;
  if (!msg) return EMPTY;
  switch (spec.text) {
    case 'HEADER':
      return raw.subarray(msg.headerStart, msg.headerEnd);
    case 'TEXT':
      return raw.subarray(msg.bodyStart, msg.bodyEnd);
    case 'HEADER.FIELDS':
      return headerFields(raw, msg.headerStart, msg.headerEnd, spec.fields ?? [], false);
    case 'HEADER.FIELDS.NOT':
      return headerFields(raw, msg.headerStart, msg.headerEnd, spec.fields ?? [], true);
    default:
      return EMPTY;
  }
}
