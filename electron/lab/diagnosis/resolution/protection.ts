/**
 * How well a configuration protects the password and the mail, and the risk in one sentence.
 * The order is the one the resolution ranks working configurations by (most protected first):
 * TLS with a challenge-response login, TLS with a plain login, challenge-response without TLS,
 * plain without TLS.
 */
import type { ProtectionLevel } from '../../../api.js';

/** Logins that never send the password itself (RFC 2195 CRAM-MD5, RFC 2831 DIGEST-MD5, RFC 1939 §7 APOP). */
export const CHALLENGE_MECHANISMS: ReadonlySet<string> = new Set(['CRAM-MD5', 'DIGEST-MD5', 'APOP']);

export const PROTECTION_ORDER: readonly ProtectionLevel[] = ['tls-challenge', 'tls-plain', 'challenge', 'plain'];

export function protectionOf(security: 'none' | 'starttls' | 'tls', mechanism: string | null): ProtectionLevel {
  const challenge = mechanism !== null && CHALLENGE_MECHANISMS.has(mechanism);
  if (security !== 'none') return challenge ? 'tls-challenge' : 'tls-plain';
  return challenge ? 'challenge' : 'plain';
}

/**
 * Suites and versions a current attacker can break or that RFCs forbid: RC4 (RFC 7465), 3DES
 * (Sweet32; NIST retired it), export and NULL suites; TLS 1.0 and 1.1 (RFC 8996).
 */
export function weakTls(tls: { version: string; cipher: string } | null): string | null {
  if (!tls) return null;
  const weak: string[] = [];
  if (/RC4/i.test(tls.cipher)) weak.push('RC4 is broken and forbidden in TLS (RFC 7465)');
  else if (/3DES|DES_EDE/i.test(tls.cipher)) weak.push('3DES is retired (the Sweet32 attack)');
  else if (/EXPORT|NULL/i.test(tls.cipher)) weak.push('the suite gives no real protection');
  if (/^TLSv1(\.[01])?$/.test(tls.version)) weak.push(`${tls.version} is deprecated (RFC 8996)`);
  return weak.length ? weak.join('; ') : null;
}

export function riskSentence(level: ProtectionLevel, tls: { version: string; cipher: string } | null): string {
  const weak = weakTls(tls);
  switch (level) {
    case 'tls-challenge':
      return weak
        ? `The password never crosses the network and the mail is encrypted, but weakly: ${weak}.`
        : 'The password never crosses the network and the mail is encrypted: the safest setting the phone can use.';
    case 'tls-plain':
      return weak
        ? `The password and the mail are encrypted, but weakly (${weak}), so someone recording the Wi-Fi may recover them.`
        : 'The password is sent inside TLS: safe as long as the phone checks the server certificate (the lab CA or the real server\'s).';
    case 'challenge':
      return 'The password itself never crosses the network, but the mail does, in clear, and the server must keep the password in a recoverable form for CRAM-MD5/DIGEST-MD5.';
    case 'plain':
      return 'The password and the mail cross the network in clear: anyone on the same Wi-Fi or on the way to the server can read them.';
  }
}
