/**
 * Just enough SMTP grammar (RFC 5321 §4.1, §4.2) to read framed lines: a client command's verb
 * and arguments, a server reply line's code and continuation mark, EHLO keywords (RFC 5321
 * §4.1.1.1), MAIL/RCPT paths and parameters (§4.1.2), and enhanced status codes (RFC 3463).
 * Verbs and keywords are compared in upper case (the grammar is case-insensitive).
 */

/** The verbs of RFC 5321 and of the extensions submission clients use; others are reported as such. */
export const KNOWN_VERBS: ReadonlySet<string> = new Set([
  'EHLO', 'HELO', 'MAIL', 'RCPT', 'DATA', 'RSET', 'NOOP', 'QUIT', 'VRFY', 'EXPN', 'HELP',
  'STARTTLS', 'AUTH', 'BDAT', 'ETRN', 'TURN', 'ATRN', 'SEND', 'SOML', 'SAML', 'XCLIENT', 'XFORWARD',
]);

export interface ParsedCommand {
  /** Upper case: "MAIL", "EHLO", … (the first word, whatever it is). */
  verb: string;
  /** Everything after the verb and one space. */
  args: string;
}

export function parseCommand(text: string): ParsedCommand {
  const m = /^(\S*)(?: (.*))?$/s.exec(text);
  return { verb: (m?.[1] ?? '').toUpperCase(), args: m?.[2] ?? '' };
}

export interface ReplyLine {
  code: number;
  /** true for `250-…`: more lines of the same reply follow. */
  more: boolean;
  text: string;
}

/** A server reply line `NNN-text` / `NNN text` / `NNN`; null when it is not one. */
export function parseReplyLine(text: string): ReplyLine | null {
  const m = /^([2-5][0-9][0-9])(?:([ -])(.*))?$/s.exec(text);
  if (!m) return null;
  return { code: Number(m[1]), more: m[2] === '-', text: m[3] ?? '' };
}

/** RFC 3463 `class.subject.detail` at the start of a reply text (RFC 2034), e.g. "5.7.8". */
export function enhancedCode(text: string): string | undefined {
  return /^([245]\.\d{1,3}\.\d{1,3})(?:\s|$)/.exec(text)?.[1];
}

/** The SMTP extensions of an EHLO reply: keyword (upper case) → its parameters. */
export interface Extensions {
  keywords: Map<string, string>;
  /** Mechanisms of the `AUTH` line. */
  auth: string[];
  /** The pre-standard `AUTH=LOGIN PLAIN` line was offered (Postfix `broken_sasl_auth_clients`). */
  legacyAuthLine: boolean;
  /** SIZE's declared maximum in bytes (RFC 1870), 0 = no limit announced. */
  sizeLimit?: number;
}

/** The lines of a 250 reply to EHLO after the first (the greeting line names the server). */
export function parseExtensions(lines: readonly string[]): Extensions {
  const ext: Extensions = { keywords: new Map(), auth: [], legacyAuthLine: false };
  for (const l of lines.slice(1)) {
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*)(=| |$)(.*)$/.exec(l.trim());
    if (!m) continue;
    const kw = m[1].toUpperCase();
    const params = m[3].trim();
    if (kw === 'AUTH' && m[2] === '=') {
      ext.legacyAuthLine = true;
      for (const mech of params.split(/\s+/).filter(Boolean)) if (!ext.auth.includes(mech.toUpperCase())) ext.auth.push(mech.toUpperCase());
      continue;
    }
    ext.keywords.set(kw, params);
    if (kw === 'AUTH') for (const mech of params.split(/\s+/).filter(Boolean)) if (!ext.auth.includes(mech.toUpperCase())) ext.auth.push(mech.toUpperCase());
    if (kw === 'SIZE' && /^\d+$/.test(params)) ext.sizeLimit = Number(params);
  }
  return ext;
}

/** A MAIL FROM / RCPT TO argument as sent, with what a strict parser (Postfix `strict_rfc821_envelopes`) would object to. */
export interface PathArg {
  /** The address between the brackets (or the bare word), "" for the null sender `<>`. */
  address: string;
  /** ESMTP parameters after the path: keyword (upper case) → value. */
  params: Map<string, string>;
  problems: string[];
}

/** Parse `FROM:<a@b> SIZE=10` (or `TO:…`); `prefix` is "FROM" or "TO". Null when the prefix is missing. */
export function parsePathArg(args: string, prefix: 'FROM' | 'TO'): PathArg | null {
  const m = new RegExp(`^${prefix}\\s*:(\\s*)(.*)$`, 'is').exec(args);
  if (!m) return null;
  const problems: string[] = [];
  if (/^\s+:/.test(args.slice(prefix.length))) problems.push(`a space before the colon`);
  if (m[1].length > 0) problems.push('a space after the colon');
  let rest = m[2];
  let address: string;
  if (rest.startsWith('<')) {
    const close = rest.indexOf('>');
    if (close === -1) {
      problems.push('no closing angle bracket');
      address = rest.slice(1).split(/\s/)[0];
      rest = '';
    } else {
      address = rest.slice(1, close);
      rest = rest.slice(close + 1);
    }
  } else {
    problems.push('no angle brackets around the address');
    const sp = rest.search(/\s/);
    address = sp === -1 ? rest : rest.slice(0, sp);
    rest = sp === -1 ? '' : rest.slice(sp);
  }
  if (rest !== '' && !/^ /.test(rest)) problems.push('no space before the parameters');
  const params = new Map<string, string>();
  for (const p of rest.trim().split(/\s+/).filter(Boolean)) {
    const eq = p.indexOf('=');
    params.set((eq === -1 ? p : p.slice(0, eq)).toUpperCase(), eq === -1 ? '' : p.slice(eq + 1));
  }
  return { address, params, problems };
}

/** The EHLO keyword that announces a MAIL/RCPT parameter (RFC 1870, 6152, 4954, 6531, 3461). */
export const PARAM_EXTENSION: Readonly<Record<string, string>> = {
  SIZE: 'SIZE',
  BODY: '8BITMIME',
  AUTH: 'AUTH',
  SMTPUTF8: 'SMTPUTF8',
  RET: 'DSN',
  ENVID: 'DSN',
  NOTIFY: 'DSN',
  ORCPT: 'DSN',
  REQUIRETLS: 'REQUIRETLS',
};
