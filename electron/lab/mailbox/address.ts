/**
 * RFC 5322 §3.4 address lists (with the obsolete forms of §4.4 that old phones and mailers
 * still write) turned into IMAP ENVELOPE addresses (RFC 3501 §7.4.2): groups become a start
 * marker (mailbox = group name, host = null) and an end marker (all null). Display names keep
 * encoded-words as written; quoted strings lose their quotes and escapes. A missing local part
 * or domain becomes "MISSING_MAILBOX" / "MISSING_DOMAIN", as Dovecot writes it, so that a
 * broken address is never mistaken for a group marker.
 */
import type { EnvelopeAddress } from './types.js';

type Token =
  | { t: 'word'; v: string; quoted: boolean }
  | { t: 'comment'; v: string }
  | { t: 'special'; v: string }
  | { t: 'dlit'; v: string };

/** Longest address header value parsed; the rest is ignored (a limit, not a feature). */
export const MAX_ADDRESS_HEADER_CHARS = 64 * 1024;

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = Math.min(s.length, MAX_ADDRESS_HEADER_CHARS);
  while (i < n) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '"') {
      let v = '';
      i++;
      while (i < n && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < n) i++;
        v += s[i];
        i++;
      }
      i++;
      out.push({ t: 'word', v, quoted: true });
    } else if (c === '(') {
      let depth = 1;
      let v = '';
      i++;
      while (i < n && depth > 0) {
        const d = s[i]!;
        if (d === '\\' && i + 1 < n) {
          v += s[i + 1];
          i += 2;
          continue;
        }
        if (d === '(') depth++;
        else if (d === ')') depth--;
        if (depth > 0) v += d;
        i++;
      }
      out.push({ t: 'comment', v: v.trim() });
    } else if (c === '[') {
      const end = s.indexOf(']', i);
      const stop = end === -1 ? n : Math.min(end + 1, n);
      out.push({ t: 'dlit', v: s.slice(i, stop) });
      i = stop;
    } else if ('<>@,;:.'.includes(c)) {
      out.push({ t: 'special', v: c });
      i++;
    } else {
      const start = i;
      while (i < n && !' \t\r\n"()[<>@,;:.'.includes(s[i]!)) i++;
      if (i === start) i++; // a stray character such as ']'
      out.push({ t: 'word', v: s.slice(start, i), quoted: false });
    }
  }
  return out;
}

/** Phrase text: words joined by one space, dots attached ("John Q. Public"). */
function phraseText(tokens: Token[]): string | null {
  let out = '';
  for (const tok of tokens) {
    if (tok.t === 'word') out += (out ? ' ' : '') + tok.v;
    else if (tok.t === 'special' && tok.v === '.') out += '.';
  }
  out = out.trim();
  return out === '' ? null : out;
}

/** Local part or domain text: atoms, quoted strings, dots and domain literals, no spaces. */
function dottedText(tokens: Token[]): string {
  let out = '';
  for (const tok of tokens) {
    if (tok.t === 'word' || tok.t === 'dlit') out += tok.v;
    else if (tok.t === 'special' && tok.v === '.') out += '.';
  }
  return out;
}

function mailboxFrom(tokens: Token[]): EnvelopeAddress | null {
  const significant = tokens.filter((t) => t.t !== 'comment');
  if (significant.length === 0) return null;
  const lt = tokens.findIndex((t) => t.t === 'special' && t.v === '<');
  let name: string | null = null;
  let adl: string | null = null;
  let spec: Token[];
  if (lt >= 0) {
    name = phraseText(tokens.slice(0, lt));
    let gt = tokens.findIndex((t, idx) => idx > lt && t.t === 'special' && t.v === '>');
    if (gt === -1) gt = tokens.length;
    spec = tokens.slice(lt + 1, gt).filter((t) => t.t !== 'comment');
    // obs-route: "@host1,@host2:" before the addr-spec (RFC 5322 §4.4)
    const colon = spec.findIndex((t) => t.t === 'special' && t.v === ':');
    if (colon >= 0 && spec[0]?.t === 'special' && spec[0].v === '@') {
      adl = spec
        .slice(0, colon)
        .map((t) => (t.t === 'special' ? t.v : t.v))
        .join('');
      spec = spec.slice(colon + 1);
    }
  } else {
    spec = significant;
  }
  // A comment after the address names it ("max@example.com (Max Mustermann)"); one before it
  // does not, as Dovecot reads it.
  const lastSignificant = tokens.reduce((acc, t, idx) => (t.t !== 'comment' ? idx : acc), -1);
  const trailing = tokens.slice(lastSignificant + 1).filter((t): t is Extract<Token, { t: 'comment' }> => t.t === 'comment').map((t) => t.v).filter(Boolean);
  if (name === null && trailing.length > 0) name = trailing[trailing.length - 1]!;
  const at = spec.map((t) => t.t === 'special' && t.v === '@').lastIndexOf(true);
  const local = dottedText(at >= 0 ? spec.slice(0, at) : spec);
  const domain = at >= 0 ? dottedText(spec.slice(at + 1)) : '';
  if (!local && !domain && name === null) return null;
  return { name, adl, mailbox: local || 'MISSING_MAILBOX', host: domain || 'MISSING_DOMAIN' };
}

/** Parse an address-list header value; null when it holds no address (RFC 3501: NIL). */
export function parseAddressList(value: string | null): EnvelopeAddress[] | null {
  if (value === null) return null;
  const tokens = tokenize(value);
  const out: EnvelopeAddress[] = [];
  let inGroup = false;
  let item: Token[] = [];
  let inAngle = false;
  const endItem = () => {
    const a = mailboxFrom(item);
    if (a) out.push(a);
    item = [];
  };
  for (const tok of tokens) {
    if (tok.t === 'special' && tok.v === '<') inAngle = true;
    if (tok.t === 'special' && tok.v === '>') inAngle = false;
    if (!inAngle && tok.t === 'special' && tok.v === ',') {
      endItem();
    } else if (!inAngle && tok.t === 'special' && tok.v === ':' && !inGroup && !item.some((t) => t.t === 'special' && (t.v === '@' || t.v === '<'))) {
      out.push({ name: null, adl: null, mailbox: phraseText(item) ?? '', host: null });
      item = [];
      inGroup = true;
    } else if (!inAngle && tok.t === 'special' && tok.v === ';' && inGroup) {
      endItem();
      out.push({ name: null, adl: null, mailbox: null, host: null });
      inGroup = false;
    } else {
      item.push(tok);
    }
  }
  endItem();
  if (inGroup) out.push({ name: null, adl: null, mailbox: null, host: null });
  return out.length > 0 ? out : null;
}
