/**
 * SMTP command syntax (RFC 5321 §4.1): the verb and its arguments, and the reverse-path /
 * forward-path with ESMTP parameters of MAIL and RCPT (§4.1.2, RFC 1869 §6).
 */
import { SmtpError } from '../errors.js';

export interface CommandLine {
  /** Upper-case verb ("MAIL"), or "" for an empty line. */
  verb: string;
  /** Everything after the verb and one space, as sent. */
  args: string;
}

export function splitCommand(text: string): CommandLine {
  const m = /^([A-Za-z]+)(?: (.*))?$/s.exec(text);
  if (!m) return { verb: text.trim() === '' ? '' : '?', args: text };
  return { verb: m[1].toUpperCase(), args: m[2] ?? '' };
}

export interface EnvelopePath {
  /** The address without brackets; "" for the null reverse-path `<>`. */
  address: string;
  /** ESMTP parameters by upper-case keyword; a keyword without "=" maps to "". */
  params: Map<string, string>;
  /** What a strict server would refuse: a space after the colon, no angle brackets (QUIRKS.md smtp-mail-from-syntax). */
  lenientForm: boolean;
}

/** A mailbox as RFC 5321 §4.1.2 allows it, loosely: no spaces, no brackets; a source route (`@a,@b:`) is dropped (§4.1.1.3 / Appendix C). */
const ADDRESS = /^(?:@[^,:\s<>]+(?:,@[^,:\s<>]+)*:)?([^\s<>]*)$/;

const PATH_KEYWORD = { FROM: /^FROM:/i, TO: /^TO:/i } as const;

/**
 * Parse `FROM:<a@b> SIZE=10` / `TO:<c@d>`. `keyword` is "FROM" or "TO"; strict accepts only the
 * RFC form, lenient also `FROM: <a@b>` and `FROM:a@b`.
 */
export function parsePath(args: string, keyword: 'FROM' | 'TO', mode: 'strict' | 'lenient'): EnvelopePath {
  const error = keyword === 'FROM' ? 'bad-sender' : 'bad-recipient';
  const syntax = `Syntax: ${keyword === 'FROM' ? 'MAIL FROM:<address>' : 'RCPT TO:<address>'}`;
  const head = PATH_KEYWORD[keyword].exec(args);
  if (!head) throw new SmtpError('syntax', syntax);
  let rest = args.slice(head[0].length);
  let lenientForm = false;
  if (rest.startsWith(' ') || rest.startsWith('\t')) {
    if (mode === 'strict') throw new SmtpError(error);
    lenientForm = true;
    rest = rest.replace(/^[ \t]+/, '');
  }
  let raw: string;
  if (rest.startsWith('<')) {
    const close = rest.indexOf('>');
    if (close < 0) throw new SmtpError(error);
    raw = rest.slice(1, close);
    rest = rest.slice(close + 1);
  } else {
    if (mode === 'strict') throw new SmtpError(error);
    lenientForm = true;
    const sp = rest.search(/[ \t]/);
    raw = sp < 0 ? rest : rest.slice(0, sp);
    rest = sp < 0 ? '' : rest.slice(sp);
  }
  const m = ADDRESS.exec(raw);
  if (!m) throw new SmtpError(error);
  const address = m[1];
  if (address === '' && keyword === 'TO') throw new SmtpError(error);
  if (rest !== '' && !/^[ \t]/.test(rest)) throw new SmtpError(error);
  const params = new Map<string, string>();
  for (const p of rest.trim().split(/[ \t]+/).filter(Boolean)) {
    const eq = p.indexOf('=');
    const key = (eq < 0 ? p : p.slice(0, eq)).toUpperCase();
    if (!/^[A-Z0-9][A-Z0-9-]*$/.test(key)) throw new SmtpError('syntax', `Bad parameter syntax: ${p}`);
    params.set(key, eq < 0 ? '' : p.slice(eq + 1));
  }
  return { address, params, lenientForm };
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A command line is framed as latin1 (one char per byte): an address with a char above U+007F carried 8-bit bytes. */
export function hasEightBit(text: string): boolean {
  return /[\u0080-\u00ff]/.test(text);
}

/**
 * An address as the client meant it: the bytes of a latin1-framed address read as UTF-8
 * (RFC 6531 §3.3 allows UTF-8 in the local part and domain); null when they are not valid UTF-8.
 */
export function utf8Address(latin1: string): string | null {
  if (!hasEightBit(latin1)) return latin1;
  try {
    return STRICT_UTF8.decode(Buffer.from(latin1, 'latin1'));
  } catch {
    return null;
  }
}
