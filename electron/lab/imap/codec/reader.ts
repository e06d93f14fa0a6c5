/**
 * The command parser's cursor (RFC 3501 §9 grammar), go-imap style: command modules pull the
 * arguments they expect (atom, astring, string, list, sequence set…) and every mismatch is a
 * ParseError, answered as a tagged BAD. A command arrives as segments: the text of each line
 * fragment (latin1, one char per byte, literal marker removed) and the literal that followed it,
 * in memory or, when large, in a spool file (../literal-spool.ts) that is complete by the time
 * the command runs.
 */
import { readFileSync } from 'node:fs';
import { ParseError } from '../errors.js';
import type { SpooledLiteral } from '../literal-spool.js';

export interface Segment {
  text: string;
  literal: Buffer | null;
  /** The literal that followed, when it went to a file instead of `literal`. */
  spooled?: SpooledLiteral;
}

/** RFC 3501 atom-specials: "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials. */
const ATOM_SPECIALS = new Set(['(', ')', '{', ' ', '%', '*', '"', '\\', ']']);

function isAtomChar(ch: string, extra: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 0x20 || c === 0x7f) return false;
  if (extra.includes(ch)) return true;
  return !ATOM_SPECIALS.has(ch);
}

export class CommandReader {
  private seg = 0;
  private pos = 0;

  constructor(private readonly segs: Segment[]) {}

  private get text(): string {
    return this.segs[this.seg].text;
  }

  /** A position to come back to (for one-token lookahead, e.g. SEARCH's optional CHARSET). */
  mark(): [number, number] {
    return [this.seg, this.pos];
  }

  reset(m: [number, number]): void {
    [this.seg, this.pos] = m;
  }

  /** The next character of the current line fragment, or '' at its end. */
  peek(): string {
    return this.pos < this.text.length ? this.text[this.pos] : '';
  }

  atLiteral(): boolean {
    return this.pos >= this.text.length && this.hasLiteral();
  }

  atEnd(): boolean {
    return this.pos >= this.text.length && !this.hasLiteral();
  }

  private hasLiteral(): boolean {
    const seg = this.segs[this.seg];
    return seg.literal !== null || seg.spooled !== undefined;
  }

  /** Everything must have been read: trailing garbage is a syntax error. */
  end(): void {
    if (!this.atEnd()) throw new ParseError(`Unexpected extra arguments: ${this.sample()}`);
  }

  private sample(): string {
    return JSON.stringify(this.text.slice(this.pos, this.pos + 30));
  }

  /** A literal's bytes in memory (a spooled one is read back: only APPEND takes a literal past maxArgumentLiteralBytes, and APPEND takes the file). */
  takeLiteral(): Buffer {
    const lit = this.takeMessageLiteral();
    return Buffer.isBuffer(lit) ? lit : readFileSync(lit.path);
  }

  /** A literal as it arrived: in memory, or the spool file of a large one (APPEND hands that to the store). */
  takeMessageLiteral(): Buffer | SpooledLiteral {
    if (!this.atLiteral()) throw new ParseError('Expected a literal');
    const seg = this.segs[this.seg];
    this.seg += 1;
    this.pos = 0;
    return seg.spooled ?? (seg.literal as Buffer);
  }

  expect(ch: string): void {
    if (this.peek() !== ch) throw new ParseError(`Expected ${JSON.stringify(ch)} at ${this.sample() === '""' ? 'end of line' : this.sample()}`);
    this.pos += 1;
  }

  maybe(ch: string): boolean {
    if (this.peek() !== ch) return false;
    this.pos += 1;
    return true;
  }

  sp(): void {
    if (this.peek() !== ' ') throw new ParseError(this.atEnd() || this.atLiteral() ? 'Missing argument' : `Expected a space at ${this.sample()}`);
    this.pos += 1;
  }

  /** 1*ATOM-CHAR, plus `extra` characters the caller allows (e.g. "]" for astring, "%*" for list-mailbox). */
  atom(extra = ''): string {
    const start = this.pos;
    while (this.pos < this.text.length && isAtomChar(this.text[this.pos], extra)) this.pos += 1;
    if (this.pos === start) throw new ParseError(this.atEnd() ? 'Missing argument' : `Expected an atom at ${this.sample()}`);
    return this.text.slice(start, this.pos);
  }

  /** quoted = DQUOTE *QUOTED-CHAR DQUOTE, with \" and \\ escapes. Returns the raw bytes. */
  quoted(): Buffer {
    this.expect('"');
    let out = '';
    for (;;) {
      if (this.pos >= this.text.length) throw new ParseError('Unterminated quoted string');
      const ch = this.text[this.pos++];
      if (ch === '"') break;
      if (ch === '\\') {
        const next = this.text[this.pos++];
        if (next !== '"' && next !== '\\') throw new ParseError('Invalid escape in quoted string');
        out += next;
      } else out += ch;
    }
    return Buffer.from(out, 'latin1');
  }

  /** string = quoted / literal */
  stringBytes(): Buffer {
    if (this.atLiteral()) return this.takeLiteral();
    if (this.peek() === '"') return this.quoted();
    throw new ParseError(`Expected a string at ${this.sample()}`);
  }

  /** astring = 1*ASTRING-CHAR / string, as bytes. */
  astringBytes(): Buffer {
    if (this.atLiteral() || this.peek() === '"') return this.stringBytes();
    return Buffer.from(this.atom(']'), 'latin1');
  }

  /** astring decoded as UTF-8 (user names, passwords, mailbox names). */
  astring(): string {
    return this.astringBytes().toString('utf8');
  }

  /** list-mailbox = 1*list-char / string (list-char adds "%" and "*"). */
  listMailbox(): string {
    if (this.atLiteral() || this.peek() === '"') return this.stringBytes().toString('utf8');
    return Buffer.from(this.atom(']%*'), 'latin1').toString('utf8');
  }

  /** nstring = string / NIL */
  nstring(): Buffer | null {
    if (!this.atLiteral() && this.peek() !== '"') {
      const a = this.atom();
      if (a.toUpperCase() === 'NIL') return null;
      throw new ParseError(`Expected a string or NIL, got ${JSON.stringify(a)}`);
    }
    return this.stringBytes();
  }

  number(): number {
    const start = this.pos;
    while (this.pos < this.text.length && this.text[this.pos] >= '0' && this.text[this.pos] <= '9') this.pos += 1;
    if (this.pos === start) throw new ParseError(`Expected a number at ${this.sample()}`);
    const n = Number(this.text.slice(start, this.pos));
    if (!Number.isSafeInteger(n) || n > 0xffffffff) throw new ParseError('Number out of range');
    return n;
  }

  /** sequence-set characters (RFC 3501 §9): digits, ":", ",", "*"; parsed by seqset.ts. */
  sequenceSet(): string {
    const start = this.pos;
    while (this.pos < this.text.length && /[0-9:,*$]/.test(this.text[this.pos])) this.pos += 1;
    if (this.pos === start) throw new ParseError(`Expected a sequence set at ${this.sample()}`);
    return this.text.slice(start, this.pos);
  }

  /** "(" [item *(SP item)] ")" */
  list<T>(item: () => T): T[] {
    this.expect('(');
    const out: T[] = [];
    if (this.maybe(')')) return out;
    for (;;) {
      out.push(item());
      if (this.maybe(')')) return out;
      this.sp();
    }
  }

  /** The rest of the current line fragment, unparsed (for SASL-IR and similar). */
  restOfLine(): string {
    const r = this.text.slice(this.pos);
    this.pos = this.text.length;
    return r;
  }

  /** Read raw characters while `pred` holds (for fetch-att section specs and the like). */
  takeWhile(pred: (ch: string) => boolean): string {
    const start = this.pos;
    while (this.pos < this.text.length && pred(this.text[this.pos])) this.pos += 1;
    return this.text.slice(start, this.pos);
  }
}
