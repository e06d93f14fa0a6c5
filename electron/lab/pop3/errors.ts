/**
 * POP3 refusals as typed values: a command module throws one and the session answers with its
 * line, 1:1. Response codes in brackets are RFC 2449 §8 / RFC 3206 (AUTH, SYS/TEMP, IN-USE).
 */
export type Pop3ErrorKind =
  | 'unknown-command'
  | 'syntax'
  | 'wrong-state'
  | 'no-such-message'
  | 'already-deleted'
  | 'auth-failed'
  | 'plaintext-disallowed'
  | 'user-first'
  | 'apop-unavailable'
  | 'mechanism-unknown'
  | 'auth-cancelled'
  | 'auth-malformed'
  | 'tls-unavailable'
  | 'already-tls'
  | 'line-too-long';

const TEXT: Record<Pop3ErrorKind, string> = {
  'unknown-command': 'Unknown command.',
  syntax: 'Invalid arguments.',
  'wrong-state': 'Not allowed in this state.',
  'no-such-message': 'There is no such message.',
  'already-deleted': 'Message is deleted.',
  'auth-failed': '[AUTH] Authentication failed.',
  'plaintext-disallowed': '[AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.',
  'user-first': 'No username given.',
  'apop-unavailable': 'APOP is not offered: the greeting had no timestamp.',
  'mechanism-unknown': 'Unsupported authentication mechanism.',
  'auth-cancelled': 'Authentication cancelled.',
  'auth-malformed': '[AUTH] Invalid authentication response.',
  'tls-unavailable': 'TLS is not available here.',
  'already-tls': 'TLS is already active.',
  'line-too-long': 'Input line too long.',
};

export class Pop3Error extends Error {
  override name = 'Pop3Error';
  constructor(
    readonly kind: Pop3ErrorKind,
    text?: string,
  ) {
    super(text ?? TEXT[kind]);
  }
}
