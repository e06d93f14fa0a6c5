/**
 * What SEARCH BODY and TEXT look in: the decoded text of a message, as Dovecot's search does
 * (lib-mail message-search.c, with its message-decoder). Only text/* and message/* parts are
 * searched (an attachment's base64 is not text), each decoded from its Content-Transfer-Encoding
 * (base64, quoted-printable, RFC 2045 §6) and from its charset to Unicode, so "café" is found in
 * "Caf=C3=A9", a word in a base64 text part, and "grüße" in a part in ISO-8859-1; the encoded
 * form itself is not found. The MIME headers of the parts are searched by TEXT, not by BODY
 * (message-search's SKIP_HEADERS); the root header is the caller's.
 *
 * Streaming: the body arrives in chunks (a 20 MB attachment is never held whole). Between two
 * candidate boundary lines ("--" at a line start, found with Buffer.indexOf) the bytes go to the
 * current part as one span, so an attachment costs an indexOf per boundary candidate, not a step
 * per line. Every decoder keeps what a chunk boundary split: a base64 quantum, a quoted-printable
 * escape, a UTF-8 character (TextDecoder with `stream`).
 */
import type { TextDecoder } from 'node:util';
import { charsetDecoder } from '../mailbox/charset.js';
import { hexEscapeAt } from '../mailbox/hex-escape.js';
import { splitFields, headerValue } from '../mailbox/headers.js';
import { MAX_MIME_DEPTH } from '../mailbox/mime.js';
import { parseStructured } from '../mailbox/params.js';
import { TextScanner } from './search-scan.js';

/**
 * Longest line that may still be a boundary delimiter: RFC 2046 §5.1.1 allows 70 characters of
 * boundary, plus "--" before, "--" after and some trailing white space. A longer partial line at
 * the end of a chunk is content.
 */
const MAX_DELIMITER_LINE = 200;
/** Bytes of one part's MIME header kept to read its Content-Type: more is a broken header. */
const MAX_PART_HEADER_BYTES = 64 * 1024;

const LF = 0x0a;
const DASH_LINE = Buffer.from('\n--', 'latin1');

type Encoding = 'base64' | 'quoted-printable' | 'identity';

/** A leaf part's body being searched: its decoders. */
interface TextPart {
  encoding: Encoding;
  charset: TextDecoder;
  /** base64 characters not yet a whole quantum of four. */
  base64Carry: string;
  /** The end of a quoted-printable span that may be the start of an escape ("=", "=4"). */
  qpCarry: string;
}

/** A content type and encoding as a part's header (or the message's root header) gives them. */
export interface PartHeader {
  contentType: string | null;
  transferEncoding: string | null;
}

function encodingOf(cte: string | null): Encoding {
  const e = cte?.trim().toLowerCase();
  return e === 'base64' ? 'base64' : e === 'quoted-printable' ? 'quoted-printable' : 'identity';
}

/** Quoted-printable (RFC 2045 §6.7) decoded: "=XX" a byte, "=" at a line end a soft break; returns the bytes and what may continue an escape. */
function decodeQuotedPrintable(text: string): { bytes: Buffer; carry: string } {
  const out: number[] = [];
  let i = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x3d) {
      out.push(c & 0xff);
      continue;
    }
    // "=" then white space to the line end: a soft line break (RFC 2045 §6.7 rule 5, with the
    // transport padding rule 3 allows).
    let j = i + 1;
    while (j < text.length && (text[j] === ' ' || text[j] === '\t')) j++;
    // A CR at the very end may be the first half of the soft break's CRLF: kept for the next span.
    if (j === text.length - 1 && text[j] === '\r') return { bytes: Buffer.from(out), carry: text.slice(i) };
    if (j < text.length && (text[j] === '\r' || text[j] === '\n')) {
      i = text[j] === '\r' && text[j + 1] === '\n' ? j + 1 : j;
      continue;
    }
    if (j >= text.length || (j === i + 1 && i + 2 >= text.length)) return { bytes: Buffer.from(out), carry: text.slice(i) };
    const escaped = hexEscapeAt(text, i);
    if (escaped >= 0) {
      out.push(escaped);
      i += 2;
    } else out.push(0x3d); // not an escape: the "=" as it is (RFC 2045 §6.7, robustness)
  }
  return { bytes: Buffer.from(out), carry: '' };
}

/**
 * The needle in the decoded text parts of a message body, pushed chunk by chunk. `root` is the
 * message's own Content-Type and Content-Transfer-Encoding; `searchPartHeaders` for TEXT.
 */
export class DecodedBodyScanner {
  private readonly text: TextScanner;
  /** Delimiters in force, outermost first ("--" + boundary). */
  private readonly delimiters: string[] = [];
  private state: 'header' | 'body' | 'skip' = 'skip';
  private part: TextPart | null = null;
  private headerBytes: Buffer[] = [];
  private headerSize = 0;
  private depth = 0;
  /** Bytes held back: a partial line that may still be a delimiter, or a partial header line. */
  private carry: Buffer = Buffer.alloc(0);
  /** The next byte starts a line (the body starts at a line start). */
  private atLineStart = true;

  constructor(
    needle: string,
    root: PartHeader,
    private readonly searchPartHeaders = false,
  ) {
    this.text = new TextScanner(needle);
    this.enter(root, false);
  }

  private get found(): boolean {
    return this.text.seen;
  }

  /** The next bytes of the body; true once the needle has been seen. */
  push(chunk: Uint8Array): boolean {
    if (this.found) return true;
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.carry = Buffer.alloc(0);
    this.consume(data, false);
    return this.found;
  }

  /** The body ended: whether the needle was seen. */
  end(): boolean {
    if (this.found) return true;
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    this.consume(rest, true);
    this.finishPart();
    return this.found;
  }

  private consume(data: Buffer, last: boolean): void {
    let pos = 0;
    while (pos < data.length && !this.found) {
      // The next line that starts with "--": the only lines that may be delimiters.
      let dash: number;
      if (this.atLineStart && data[pos] === 0x2d && data[pos + 1] === 0x2d) dash = pos;
      else {
        const at = data.indexOf(DASH_LINE, pos);
        dash = at < 0 ? -1 : at + 1;
      }
      if (dash < 0 || this.delimiters.length === 0) {
        // No delimiter before the end of what we have: hold back a last partial line that could
        // still become one ("-", "--bound" cut by the chunk), give the rest to the part.
        const lastLf = data.lastIndexOf(LF);
        const tailStart = lastLf < pos ? pos : lastLf + 1;
        const tail = data.subarray(tailStart);
        const mayBeDelimiter = !last && this.delimiters.length > 0 && tail.length < MAX_DELIMITER_LINE && (tail.length < 2 ? tail.every((b) => b === 0x2d) : tail[0] === 0x2d && tail[1] === 0x2d);
        const partialHeaderLine = !last && this.state === 'header' && tail.length > 0;
        if (mayBeDelimiter || partialHeaderLine) {
          this.content(data.subarray(pos, tailStart));
          this.carry = Buffer.from(tail);
          this.atLineStart = true;
        } else {
          this.content(data.subarray(pos));
          this.atLineStart = data.length > pos ? data[data.length - 1] === LF : this.atLineStart;
        }
        return;
      }
      const lineEnd = data.indexOf(LF, dash);
      if (lineEnd < 0 && !last) {
        // The "--" line is cut by the chunk: wait for its end (bounded: a long one is content).
        if (data.length - dash < MAX_DELIMITER_LINE) {
          this.content(data.subarray(pos, dash));
          this.carry = Buffer.from(data.subarray(dash));
          this.atLineStart = true;
          return;
        }
      }
      const end = lineEnd < 0 ? data.length : lineEnd;
      const next = lineEnd < 0 ? data.length : lineEnd + 1;
      // What comes before the "--" line first (a part header there may bring a new boundary). A
      // body's last line break is held back: before a delimiter it belongs to the delimiter
      // (RFC 2046 §5.1.1), not to the part.
      let held = dash;
      if (this.state === 'body') {
        if (held > pos && data[held - 1] === LF) held--;
        if (held > pos && data[held - 1] === 0x0d) held--;
      }
      this.content(data.subarray(pos, held));
      const kind = this.delimiterKind(data.toString('latin1', dash, end));
      if (kind === null) {
        // Content that happens to start with "--" (a signature separator "-- ", a horizontal rule).
        this.content(data.subarray(held, next));
        pos = next;
        this.atLineStart = lineEnd >= 0;
        continue;
      }
      this.delimiter(kind);
      pos = lineEnd < 0 ? data.length : lineEnd + 1;
      this.atLineStart = true;
    }
  }

  /** Which delimiter a "--" line is: the index of its boundary, and whether it closes; null for content. */
  private delimiterKind(line: string): { level: number; close: boolean } | null {
    const t = line.replace(/[ \t\r]+$/, '');
    for (let level = this.delimiters.length - 1; level >= 0; level--) {
      const d = this.delimiters[level]!;
      if (t === d) return { level, close: false };
      if (t === `${d}--`) return { level, close: true };
    }
    return null;
  }

  private delimiter({ level, close }: { level: number; close: boolean }): void {
    // A part whose header ran up to the delimiter (no empty line, no body) is an empty part.
    if (this.state === 'header') this.headerDone();
    this.finishPart();
    this.delimiters.length = close ? level : level + 1;
    this.depth = this.delimiters.length;
    if (close) {
      this.state = 'skip'; // the epilogue
      return;
    }
    this.state = 'header';
    this.headerBytes = [];
    this.headerSize = 0;
  }

  /** Bytes of the current entity's header or body. */
  private content(bytes: Buffer): void {
    let rest = bytes;
    while (rest.length > 0 && !this.found) {
      if (this.state === 'skip') return;
      if (this.state === 'body') {
        this.bodyText(rest);
        return;
      }
      // The header: line by line, to its empty line.
      const lf = rest.indexOf(LF);
      const line = lf < 0 ? rest : rest.subarray(0, lf + 1);
      rest = lf < 0 ? Buffer.alloc(0) : rest.subarray(lf + 1);
      if (line.length === 1 || (line.length === 2 && line[0] === 0x0d)) {
        this.headerDone();
        continue;
      }
      if (this.searchPartHeaders) this.text.push(line.toString('utf8'));
      if (this.headerSize < MAX_PART_HEADER_BYTES) {
        this.headerBytes.push(line);
        this.headerSize += line.length;
      }
    }
  }

  private headerDone(): void {
    const raw = Buffer.concat(this.headerBytes);
    this.headerBytes = [];
    this.headerSize = 0;
    const headers = splitFields(raw, 0, raw.length).map((f) => [f.name, f.value] as const);
    this.enter({ contentType: headerValue(headers, 'Content-Type'), transferEncoding: headerValue(headers, 'Content-Transfer-Encoding') }, true);
  }

  /** Start the body of an entity with this header: a multipart's preamble, an embedded message's header, or a leaf. */
  private enter(h: PartHeader, nested: boolean): void {
    const ct = h.contentType ? parseStructured(h.contentType) : null;
    const type = ct?.value ?? 'text/plain';
    const boundary = ct?.params.boundary;
    if (type.startsWith('multipart/') && boundary && this.depth < MAX_MIME_DEPTH) {
      this.delimiters.push(`--${boundary}`);
      this.depth += 1;
      this.state = 'skip'; // the preamble
      return;
    }
    if (nested && type === 'message/rfc822' && encodingOf(h.transferEncoding) === 'identity' && this.depth < MAX_MIME_DEPTH) {
      // An attached message: its header is a MIME header (TEXT only), its body parts are searched by their own types.
      this.depth += 1;
      this.state = 'header';
      this.headerBytes = [];
      this.headerSize = 0;
      return;
    }
    if (!type.startsWith('text/') && !type.startsWith('message/')) {
      this.state = 'skip'; // an attachment, an image: not text
      return;
    }
    this.part = { encoding: encodingOf(h.transferEncoding), charset: charsetDecoder(ct?.params.charset), base64Carry: '', qpCarry: '' };
    this.state = 'body';
  }

  private bodyText(bytes: Buffer): void {
    const p = this.part;
    if (!p) return;
    let decoded: Buffer;
    if (p.encoding === 'base64') {
      const chars = p.base64Carry + bytes.toString('latin1').replace(/[^A-Za-z0-9+/]/g, '');
      const whole = chars.length - (chars.length % 4);
      p.base64Carry = chars.slice(whole);
      decoded = Buffer.from(chars.slice(0, whole), 'base64');
    } else if (p.encoding === 'quoted-printable') {
      const { bytes: out, carry } = decodeQuotedPrintable(p.qpCarry + bytes.toString('latin1'));
      p.qpCarry = carry;
      decoded = out;
    } else decoded = bytes;
    if (decoded.length > 0) this.text.push(p.charset.decode(decoded, { stream: true }));
  }

  private finishPart(): void {
    const p = this.part;
    if (!p) return;
    this.part = null;
    let tail = '';
    if (p.encoding === 'base64' && p.base64Carry) tail = p.charset.decode(Buffer.from(p.base64Carry, 'base64'), { stream: true });
    if (p.encoding === 'quoted-printable' && p.qpCarry) tail = p.charset.decode(Buffer.from(p.qpCarry, 'latin1'), { stream: true });
    tail += p.charset.decode();
    if (tail) this.text.push(tail);
    // Parts are separate texts: a match does not run from one into the next.
    this.text.breakText();
  }
}
