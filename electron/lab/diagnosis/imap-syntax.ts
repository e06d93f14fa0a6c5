/**
 * Just enough IMAP grammar (RFC 3501 §9) to read framed lines: a client command's tag, name and
 * arguments; a server response's kind; capability lists; FETCH items that carry message bodies.
 * Command names are compared in upper case (the grammar is case-insensitive); tags are kept as
 * sent, since the server echoes them byte for byte.
 */

/** RFC 3501 §9: tag = 1*<any ASTRING-CHAR except "+">; ATOM-CHAR excludes ( ) { SP CTL % * " \ ]. */
const TAG = /^[\x21\x23\x24\x26\x27\x2c-\x5b\x5d-\x7a\x7c\x7e]+$/;
const COMMAND_WORD = /^[A-Za-z][A-Za-z0-9.-]*$/;

/** Commands of RFC 3501 and of the extensions real mail clients use. Others are `X`-prefixed or a violation. */
export const KNOWN_COMMANDS: ReadonlySet<string> = new Set([
  'CAPABILITY', 'NOOP', 'LOGOUT', 'STARTTLS', 'AUTHENTICATE', 'LOGIN',
  'SELECT', 'EXAMINE', 'CREATE', 'DELETE', 'RENAME', 'SUBSCRIBE', 'UNSUBSCRIBE', 'LIST', 'LSUB',
  'STATUS', 'APPEND', 'CHECK', 'CLOSE', 'EXPUNGE', 'SEARCH', 'FETCH', 'STORE', 'COPY', 'MOVE',
  'UID FETCH', 'UID SEARCH', 'UID STORE', 'UID COPY', 'UID MOVE', 'UID EXPUNGE', 'UID SORT', 'UID THREAD',
  'IDLE', 'NAMESPACE', 'ID', 'ENABLE', 'UNSELECT', 'GETQUOTA', 'GETQUOTAROOT', 'SETQUOTA',
  'GETACL', 'SETACL', 'DELETEACL', 'LISTRIGHTS', 'MYRIGHTS', 'COMPRESS', 'SORT', 'THREAD',
  'GETMETADATA', 'SETMETADATA', 'NOTIFY', 'ESEARCH', 'LANGUAGE', 'CONVERSIONS', 'UNAUTHENTICATE',
]);

export type ParsedClientLine =
  | { kind: 'empty' }
  | { kind: 'command'; tag: string; name: string; args: string }
  | { kind: 'invalid'; reason: string };

/** Parse one framed client line in command position. */
export function parseClientLine(text: string): ParsedClientLine {
  if (text === '') return { kind: 'empty' };
  const sp = text.indexOf(' ');
  const tag = sp === -1 ? text : text.slice(0, sp);
  if (!TAG.test(tag)) return { kind: 'invalid', reason: tag === '' ? 'line starts with a space' : 'not a valid tag' };
  if (sp === -1) return { kind: 'invalid', reason: 'tag without a command' };
  let rest = text.slice(sp + 1);
  let sp2 = rest.indexOf(' ');
  let name = (sp2 === -1 ? rest : rest.slice(0, sp2)).toUpperCase();
  if (!COMMAND_WORD.test(name)) return { kind: 'invalid', reason: 'not a command name' };
  if (name === 'UID' && sp2 !== -1) {
    rest = rest.slice(sp2 + 1);
    sp2 = rest.indexOf(' ');
    name = 'UID ' + (sp2 === -1 ? rest : rest.slice(0, sp2)).toUpperCase();
  }
  const args = sp2 === -1 ? '' : rest.slice(sp2 + 1);
  if (!KNOWN_COMMANDS.has(name) && !name.startsWith('X')) return { kind: 'invalid', reason: `unknown command ${name}` };
  if (unbalancedQuotes(args)) return { kind: 'invalid', reason: 'unterminated quoted string' };
  return { kind: 'command', tag, name, args };
}

function unbalancedQuotes(s: string): boolean {
  let inQuote = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inQuote && c === 0x5c) i++;
    else if (c === 0x22) inQuote = !inQuote;
  }
  return inQuote;
}

/**
 * Split arguments into atoms, quoted strings and literal placeholders (enough for LOGIN,
 * AUTHENTICATE, SELECT). `literals` are the command's literal contents, in order.
 */
export function splitArgs(args: string, literals: readonly Buffer[] = []): string[] {
  const out: string[] = [];
  let i = 0;
  let lit = 0;
  while (i < args.length) {
    const c = args[i];
    if (c === ' ') {
      i++;
    } else if (c === '"') {
      let v = '';
      i++;
      while (i < args.length && args[i] !== '"') {
        if (args[i] === '\\' && i + 1 < args.length) i++;
        v += args[i++];
      }
      i++;
      out.push(v);
    } else if (c === '{') {
      const close = args.indexOf('}', i);
      const data = literals[lit++];
      out.push(data ? data.toString('utf8') : '');
      i = close === -1 ? args.length : close + 1;
    } else {
      let j = i;
      let depth = 0;
      while (j < args.length && (args[j] !== ' ' || depth > 0)) {
        if (args[j] === '(' || args[j] === '[') depth++;
        else if (args[j] === ')' || args[j] === ']') depth--;
        j++;
      }
      out.push(args.slice(i, j));
      i = j;
    }
  }
  return out;
}

export type ParsedServerLine =
  | { kind: 'continuation'; text: string }
  | { kind: 'untagged'; name: string; num?: number; text: string }
  | { kind: 'tagged'; tag: string; status: string; text: string }
  | { kind: 'invalid' };

/** Parse one framed server line (RFC 3501 §7). `name` is upper case: OK, BYE, CAPABILITY, FETCH, EXISTS… */
export function parseServerLine(text: string): ParsedServerLine {
  if (text.startsWith('+')) return { kind: 'continuation', text: text.slice(text.startsWith('+ ') ? 2 : 1) };
  const sp = text.indexOf(' ');
  if (sp <= 0) return { kind: 'invalid' };
  const head = text.slice(0, sp);
  const rest = text.slice(sp + 1);
  const sp2 = rest.indexOf(' ');
  const word = (sp2 === -1 ? rest : rest.slice(0, sp2)).toUpperCase();
  const after = sp2 === -1 ? '' : rest.slice(sp2 + 1);
  if (head === '*') {
    if (/^\d+$/.test(word)) {
      const sp3 = after.indexOf(' ');
      return { kind: 'untagged', num: Number(word), name: (sp3 === -1 ? after : after.slice(0, sp3)).toUpperCase(), text: sp3 === -1 ? '' : after.slice(sp3 + 1) };
    }
    return { kind: 'untagged', name: word, text: after };
  }
  return { kind: 'tagged', tag: head, status: word, text: after };
}

/** Capabilities named by `* CAPABILITY …` or a `[CAPABILITY …]` response code, upper case; null if none. */
export function capabilitiesIn(resp: ParsedServerLine): string[] | null {
  if (resp.kind === 'untagged' && resp.name === 'CAPABILITY') return resp.text.toUpperCase().split(' ').filter(Boolean);
  if (resp.kind === 'untagged' || resp.kind === 'tagged') {
    const m = /^\[CAPABILITY ([^\]]*)\]/i.exec(resp.text);
    if (m) return m[1].toUpperCase().split(' ').filter(Boolean);
  }
  return null;
}

/**
 * FETCH data items that transfer message bodies rather than headers or structure:
 * RFC822, RFC822.TEXT, BODY[] / BODY[TEXT] / BODY[1.2] (with or without .PEEK and a <partial>).
 * RFC822.HEADER, RFC822.SIZE, BODY[HEADER…], BODY[n.MIME] and BODYSTRUCTURE are not bodies.
 */
const FETCH_BODY_ITEM = /(?:^|[\s(])(RFC822(?:\.TEXT)?|BODY(?:\.PEEK)?\[([^\]]*)\](?:<(\d+)(?:\.(\d+))?>)?)(?=[\s)]|$)/gi;

export interface BodyItem {
  item: string;
  section: string;
  /** Partial fetch <offset.length> (RFC 3501 §6.4.5), e.g. Symbian's 20480-byte chunks. */
  partial?: { offset: number; length: number };
}

export function isBodySection(section: string): boolean {
  const s = section.toUpperCase();
  if (s === '' || s === 'TEXT') return true;
  // "1", "1.2", "2.TEXT": a part; "1.MIME" and "…HEADER…" are not bodies.
  return /^\d+(\.\d+)*(\.TEXT)?$/.test(s);
}

/** Body items requested by a FETCH/UID FETCH command's arguments. */
export function bodyItemsRequested(args: string): BodyItem[] {
  const out: BodyItem[] = [];
  FETCH_BODY_ITEM.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = FETCH_BODY_ITEM.exec(args))) {
    const item = m[1].toUpperCase();
    const section = m[2] ?? '';
    if (m[2] !== undefined && !isBodySection(section)) continue;
    const bi: BodyItem = { item, section: section.toUpperCase() };
    if (m[3] !== undefined && m[4] !== undefined) bi.partial = { offset: Number(m[3]), length: Number(m[4]) };
    out.push(bi);
  }
  return out;
}

/** Does the text before a server literal name a body item ("… BODY[] {1234}", "… RFC822 {99}")? */
export function literalIsBody(before: string): boolean {
  const m = /(RFC822(?:\.TEXT|\.HEADER)?|BODY\[([^\]]*)\](?:<\d+>)?)\s*$/i.exec(before);
  if (!m) return false;
  if (m[2] !== undefined) return isBodySection(m[2]);
  return m[1].toUpperCase() !== 'RFC822.HEADER';
}

/** Decode a SASL base64 payload to text for reading challenges (rspauth=, Username:); null if not base64. */
export function decodeSasl(b64: string): string | null {
  const s = b64.trim();
  if (s === '' || s === '=') return '';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return null;
  return Buffer.from(s, 'base64').toString('latin1');
}
