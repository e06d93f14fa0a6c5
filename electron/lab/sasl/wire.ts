/**
 * What every protocol's SASL exchange needs around the pure mechanisms: the base64 of client
 * responses (IMAP AUTHENTICATE, RFC 3501 §6.2.2; SMTP AUTH, RFC 4954 §4; POP3 AUTH, RFC 5034)
 * and the lab account as a SaslContext.
 */
import { randomBytes } from 'node:crypto';
import type { SaslContext } from './types.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A client response or initial response, base64-decoded; null when it is not base64. */
export function decodeSaslResponse(text: string): Buffer | null {
  const t = text.trim();
  if (!BASE64.test(t) || t.length % 4 === 1) return null;
  return Buffer.from(t, 'base64');
}

/** The lab's one account as a SaslContext; `service` is DIGEST-MD5's digest-uri service ("imap", "smtp"). */
export function accountSaslContext(account: { user: string; password: string }, hostname: string, service?: string): SaslContext {
  return {
    passwordFor: (user) => (user.toLowerCase() === account.user.toLowerCase() ? account.password : undefined),
    hostname,
    nonce: () => randomBytes(16).toString('base64'),
    now: () => new Date(),
    ...(service ? { service } : {}),
  };
}
