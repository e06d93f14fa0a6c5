/**
 * Response encoding (RFC 3501 §4, §7): strings go out quoted when they are short 7-bit text,
 * as literals otherwise (8-bit, CR/LF, NUL, `"`-heavy or long), NIL for absent values; ENVELOPE
 * and BODYSTRUCTURE are rendered from the mail store's parsed structures.
 */
import type { Envelope, EnvelopeAddress, MimePart } from '../../mailbox/types.js';
import type { StreamedPart } from '../../connection/connection.js';

/** Quoted strings longer than this go out as literals (keeps lines short for small phones). */
export const MAX_QUOTED_BYTES = 1024;

/**
 * A literal's bytes written straight where the response is assembled (a message section read
 * from disk, MessageBody.readInto): a FETCH of many messages is assembled in one buffer per
 * socket write, not in a buffer per message joined afterwards (fetch.ts).
 */
export interface FilledLiteral {
  readonly length: number;
  /** Write the `length` bytes into `dest` at `at`; returns how many were written. */
  fill(dest: Buffer, at: number): number;
}

export const isFilledLiteral = (p: Buffer | StreamedPart | FilledLiteral): p is FilledLiteral => !Buffer.isBuffer(p) && 'fill' in p;

/** A filled literal whose source gave fewer bytes than it announced: the literal's length is on the wire already. */
export class ShortLiteralError extends Error {}

/** part.fill(dest, at), which must give the length announced (a Maildir file is never changed in place; one that was ends the response). */
export function fillLiteral(part: FilledLiteral, dest: Buffer, at: number): number {
  const n = part.fill(dest, at);
  if (n !== part.length) throw new ShortLiteralError(`a literal of ${part.length} bytes got ${n} (its file changed while it was served)`);
  return n;
}

/** The bytes of a filled literal, in a buffer of their own. */
export function filledBytes(part: FilledLiteral): Buffer {
  const out = Buffer.allocUnsafe(part.length);
  fillLiteral(part, out, 0);
  return out;
}

export class ResponseWriter {
  private parts: Array<Buffer | StreamedPart | FilledLiteral> = [];
  private streamed = false;
  private filled = false;
  private pendingText = '';

  /** Protocol text (ASCII by construction). */
  raw(s: string): this {
    this.pendingText += s;
    return this;
  }

  private flushText(): void {
    if (this.pendingText) {
      this.parts.push(Buffer.from(this.pendingText, 'utf8'));
      this.pendingText = '';
    }
  }

  literal(data: Buffer): this {
    this.pendingText += `{${data.length}}\r\n`;
    this.flushText();
    this.parts.push(data);
    return this;
  }

  /** A literal of `length` bytes that are read while the response is sent (a message body on disk). */
  literalStream(length: number, part: StreamedPart): this {
    this.pendingText += `{${length}}\r\n`;
    this.flushText();
    this.parts.push(part);
    this.streamed = true;
    return this;
  }

  /** A literal of `part.length` bytes that are written where the response is assembled (pieces()). */
  literalFilled(part: FilledLiteral): this {
    this.pendingText += `{${part.length}}\r\n`;
    this.flushText();
    this.parts.push(part);
    this.filled = true;
    return this;
  }

  /** string = quoted / literal; chooses the form the bytes allow. */
  string(value: string | Buffer): this {
    // A string of more chars than the limit has at least as many bytes; one within it that
    // passes the test is 7-bit, so its chars are its bytes.
    if (value.length <= MAX_QUOTED_BYTES) {
      const text = typeof value === 'string' ? value : value.toString('latin1');
      if (!NEEDS_LITERAL.test(text)) return this.raw(quote(text));
    }
    return this.literal(typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
  }

  nstring(value: string | Buffer | null | undefined): this {
    if (value === null || value === undefined) return this.raw('NIL');
    return this.string(value);
  }

  number(n: number): this {
    return this.raw(String(n));
  }

  /** The response as one buffer; only for a response without streamed literals. */
  toBuffer(): Buffer {
    this.flushText();
    if (this.streamed) throw new Error('a response with streamed literals has no single buffer; use toParts()');
    const parts = this.filled ? this.parts.map((p) => (isFilledLiteral(p) ? filledBytes(p) : p)) : this.parts;
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts as Buffer[]);
  }

  /** The response as it goes out: bytes, with any streamed literal in place. */
  toParts(): Array<Buffer | StreamedPart> {
    if (!this.streamed) return [this.toBuffer()];
    this.flushText();
    return this.parts.map((p) => (isFilledLiteral(p) ? filledBytes(p) : p));
  }

  /** The response's pieces as they were written, nothing joined: protocol text, literals, streamed and filled ones. */
  pieces(): Array<Buffer | StreamedPart | FilledLiteral> {
    this.flushText();
    return this.parts;
  }
}

/** What a quoted string cannot carry (RFC 3501 §9 QUOTED-CHAR): CR, LF, NUL, 8-bit (and DEL). */
const NEEDS_LITERAL = /[\0\r\n\x7f-\uffff]/;

/** A 7-bit string as an IMAP quoted string. */
export function quote(s: string): string {
  return '"' + s.replace(/[\\"]/g, '\\$&') + '"';
}

/** A string for a response line: quoted when it can be, else a literal. */
export function stringBytes(value: string | Buffer): Buffer {
  return new ResponseWriter().string(value).toBuffer();
}

function addresses(w: ResponseWriter, list: EnvelopeAddress[] | null): void {
  if (!list || list.length === 0) {
    w.raw('NIL');
    return;
  }
  w.raw('(');
  for (const a of list) {
    w.raw('(').nstring(a.name).raw(' ').nstring(a.adl).raw(' ').nstring(a.mailbox).raw(' ').nstring(a.host).raw(')');
  }
  w.raw(')');
}

/** RFC 3501 §7.4.2 ENVELOPE: sender and reply-to default to from when absent. */
export function writeEnvelope(w: ResponseWriter, env: Envelope): void {
  const from = env.from;
  w.raw('(').nstring(env.date).raw(' ').nstring(env.subject).raw(' ');
  addresses(w, from);
  w.raw(' ');
  addresses(w, env.sender && env.sender.length ? env.sender : from);
  w.raw(' ');
  addresses(w, env.replyTo && env.replyTo.length ? env.replyTo : from);
  w.raw(' ');
  addresses(w, env.to);
  w.raw(' ');
  addresses(w, env.cc);
  w.raw(' ');
  addresses(w, env.bcc);
  w.raw(' ').nstring(env.inReplyTo).raw(' ').nstring(env.messageId).raw(')');
}

function params(w: ResponseWriter, p: Record<string, string> | undefined): void {
  const keys = p ? Object.keys(p) : [];
  if (!p || keys.length === 0) {
    w.raw('NIL');
    return;
  }
  w.raw('(');
  keys.forEach((k, i) => {
    if (i) w.raw(' ');
    w.string(k.toUpperCase()).raw(' ').string(p[k]);
  });
  w.raw(')');
}

function disposition(w: ResponseWriter, d: MimePart['disposition']): void {
  if (!d) {
    w.raw('NIL');
    return;
  }
  w.raw('(').string(d.type.toUpperCase()).raw(' ');
  params(w, d.params);
  w.raw(')');
}

function language(w: ResponseWriter, l: string[] | null): void {
  if (!l || l.length === 0) w.raw('NIL');
  else if (l.length === 1) w.string(l[0]);
  else {
    w.raw('(');
    l.forEach((x, i) => {
      if (i) w.raw(' ');
      w.string(x);
    });
    w.raw(')');
  }
}

/**
 * RFC 3501 §7.4.2 BODYSTRUCTURE (extended = true) or BODY (extended = false).
 * Types and subtypes go out upper case, as Cyrus and Dovecot send them.
 */
export function writeBodyStructure(w: ResponseWriter, part: MimePart, extended: boolean): void {
  if (part.parts && part.parts.length > 0) {
    w.raw('(');
    for (const child of part.parts) writeBodyStructure(w, child, extended);
    w.raw(' ').string(part.subtype.toUpperCase());
    if (extended) {
      w.raw(' ');
      params(w, part.params);
      w.raw(' ');
      disposition(w, part.disposition);
      w.raw(' ');
      language(w, part.language);
      w.raw(' ').nstring(part.location);
    }
    w.raw(')');
    return;
  }
  w.raw('(').string(part.type.toUpperCase()).raw(' ').string(part.subtype.toUpperCase()).raw(' ');
  params(w, part.params);
  w.raw(' ').nstring(part.id).raw(' ').nstring(part.description).raw(' ').string(part.encoding.toUpperCase());
  w.raw(' ').number(part.size);
  if (part.type === 'message' && part.subtype === 'rfc822' && part.message) {
    w.raw(' ');
    writeEnvelope(w, part.message.envelope);
    w.raw(' ');
    writeBodyStructure(w, part.message.root, extended);
    w.raw(' ').number(part.lines);
  } else if (part.type === 'text') {
    w.raw(' ').number(part.lines);
  }
  if (extended) {
    w.raw(' ').nstring(part.md5).raw(' ');
    disposition(w, part.disposition);
    w.raw(' ');
    language(w, part.language);
    w.raw(' ').nstring(part.location);
  }
  w.raw(')');
}
