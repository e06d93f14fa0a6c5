/**
 * Why the server turned a login down, read from its tagged response to LOGIN or AUTHENTICATE.
 * Only `credentials` means a password was checked and refused (`auth-failed`). The rest are not
 * "check the password": the phone cancelled the exchange itself (`*`, RFC 3501 §6.2.2), the
 * server does not offer the mechanism, it wants TLS first (RFC 5530 PRIVACYREQUIRED), it had a
 * problem of its own (UNAVAILABLE, SERVERBUG, …), or it refused the command line or a SASL
 * response as malformed (BAD) before any password was looked at.
 *
 * Reference reactions (Dovecot 2.3, probed here): `NO [ALERT] Unsupported authentication
 * mechanism.`, `BAD Authentication aborted by client.`, `BAD Invalid base64 data in initial
 * response`, `NO [AUTHENTICATIONFAILED] Authentication failed.`; the lab uses the same codes.
 */
import type { ConnState, ServerItem } from './conversation.js';
import { AUTH_ANSWERED, AUTH_CANCELLED, AUTH_COMMANDS } from './conversation.js';

export type AuthRefusal =
  | 'credentials'
  | 'cancelled'
  | 'unsupported-mechanism'
  | 'privacy-required'
  | 'server-problem'
  | 'refused-command'
  | 'refused-response';

/** RFC 5530 / RFC 3501 codes that say the server did not get as far as the password. */
const SERVER_CODES = new Set(['UNAVAILABLE', 'SERVERBUG', 'LIMIT', 'INUSE', 'CANNOT', 'OVERQUOTA']);

const UNSUPPORTED_MECHANISM = /\b(unsupported|not supported|unknown|unrecognized|invalid)\b[^.]*\bmechanism|\bmechanism\b[^.]*\bnot (supported|available|allowed)\b/i;

/** The first response code of a response text ("[ALERT] …" → "ALERT"), upper case. */
function codeOf(text: string): string | undefined {
  const m = /^\[([A-Za-z-]+)/.exec(text);
  return m ? m[1].toUpperCase() : undefined;
}

/**
 * The refusal a tagged response to LOGIN/AUTHENTICATE on a not yet authenticated connection
 * stands for; null for OK, for other commands, and once authenticated (a second login is
 * `auth-retry-after-success`).
 */
export function authRefusal(item: ServerItem, conn: ConnState): AuthRefusal | null {
  if (item.kind !== 'tagged' || !item.cmd || !AUTH_COMMANDS.has(item.cmd.name) || conn.authenticated) return null;
  if (item.status !== 'NO' && item.status !== 'BAD') return null;
  const cmd = item.cmd;
  if (cmd.marks.has(AUTH_CANCELLED)) return 'cancelled';
  // "[ALERT] Unsupported authentication mechanism." (Dovecot): look past an ALERT code.
  const text = item.text.replace(/^\[ALERT\]\s*/i, '');
  if (cmd.name === 'AUTHENTICATE' && UNSUPPORTED_MECHANISM.test(text)) return 'unsupported-mechanism';
  const code = codeOf(text);
  if (code === 'PRIVACYREQUIRED') return 'privacy-required';
  if (code !== undefined && SERVER_CODES.has(code)) return 'server-problem';
  if (item.status === 'BAD') return cmd.marks.has(AUTH_ANSWERED) ? 'refused-response' : 'refused-command';
  // NO with a credential code (RFC 5530 AUTHENTICATIONFAILED, AUTHORIZATIONFAILED, EXPIRED,
  // CONTACTADMIN) or with none (Cyrus: "NO Login failed: authentication failure").
  return 'credentials';
}
