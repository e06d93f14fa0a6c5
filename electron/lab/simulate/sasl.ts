/**
 * Client side of the SASL mechanisms the simulated phones use, computed exactly as the RFCs say
 * so a real server accepts them: CRAM-MD5 (RFC 2195 §2), DIGEST-MD5 (RFC 2831 §2.1.2), PLAIN
 * (RFC 4616) and LOGIN (draft-murchison-sasl-login).
 */
import { randomBytes } from 'node:crypto';
import { DIGEST_SERVICE, cramDigest, digestResponse, parseDirectives } from '../sasl/index.js';

/** RFC 2195: base64(user SP hex(HMAC-MD5(password, challenge))). `challengeB64` as the server sent it. */
export function cramMd5Response(user: string, password: string, challengeB64: string): string {
  const digest = cramDigest(password, Buffer.from(challengeB64.trim(), 'base64'));
  return Buffer.from(`${user} ${digest}`, 'utf8').toString('base64');
}

/**
 * Parse a DIGEST-MD5 challenge's `key=value` / `key="quoted"` list (RFC 2831 §7.1) with the lab's
 * own parser; `realm` may repeat in a challenge (§2.1.1), the last one counts. Empty when the
 * challenge does not parse: the response then names no nonce and the server refuses it.
 */
export function parseDigestChallenge(text: string): Record<string, string> {
  return Object.fromEntries(parseDirectives(text, { allowRepeats: true }) ?? []);
}

export interface DigestResult {
  /** base64 of the client's digest-response. */
  response: string;
  /** The rspauth value the server must send back. */
  rspauth: string;
}

/**
 * RFC 2831 §2.1.2: the digest-response to a base64 challenge, with qop=auth, nc=00000001.
 * `service` names the protocol in digest-uri: "imap", or "smtp" (RFC 4954 §4).
 */
export function digestMd5Response(user: string, password: string, challengeB64: string, host: string, cnonce = randomBytes(12).toString('hex'), service = DIGEST_SERVICE): DigestResult {
  const ch = parseDigestChallenge(Buffer.from(challengeB64.trim(), 'base64').toString('utf8'));
  const realm = ch.realm ?? '';
  const nonce = ch.nonce ?? '';
  const nc = '00000001';
  const qop = 'auth';
  const digestUri = `${service}/${host}`;
  // charset=utf-8 is sent, so the credentials are hashed as §2.1.2.1 says for it.
  const { response, rspauth } = digestResponse({ username: user, realm, password, nonce, cnonce, nc, qop, digestUri, utf8: true });
  const fields = [
    `charset=utf-8`,
    `username="${user}"`,
    `realm="${realm}"`,
    `nonce="${nonce}"`,
    `nc=${nc}`,
    `cnonce="${cnonce}"`,
    `digest-uri="${digestUri}"`,
    `response=${response}`,
    `qop=${qop}`,
  ];
  return { response: Buffer.from(fields.join(','), 'utf8').toString('base64'), rspauth };
}

export function plainInitial(user: string, password: string): string {
  return Buffer.from(`\0${user}\0${password}`, 'utf8').toString('base64');
}

export function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
