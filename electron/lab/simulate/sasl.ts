/**
 * Client side of the SASL mechanisms the simulated phones use, computed exactly as the RFCs say
 * so a real server accepts them: CRAM-MD5 (RFC 2195 §2), DIGEST-MD5 (RFC 2831 §2.1.2), PLAIN
 * (RFC 4616) and LOGIN (draft-murchison-sasl-login).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

/** RFC 2195: base64(user SP hex(HMAC-MD5(password, challenge))). `challengeB64` as the server sent it. */
export function cramMd5Response(user: string, password: string, challengeB64: string): string {
  const challenge = Buffer.from(challengeB64.trim(), 'base64');
  const digest = createHmac('md5', password).update(challenge).digest('hex');
  return Buffer.from(`${user} ${digest}`, 'utf8').toString('base64');
}

/** Parse a DIGEST-MD5 challenge's `key=value` / `key="quoted"` list (RFC 2831 §7.1). */
export function parseDigestChallenge(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /\s*([a-zA-Z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,]*))\s*,?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    if (m[0] === '') break;
    out[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim();
  }
  return out;
}

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest();
const md5hex = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

export interface DigestResult {
  /** base64 of the client's digest-response. */
  response: string;
  /** The rspauth value the server must send back. */
  rspauth: string;
}

/** RFC 2831 §2.1.2: the digest-response to a base64 challenge, with qop=auth, nc=00000001. */
export function digestMd5Response(user: string, password: string, challengeB64: string, host: string, cnonce = randomBytes(12).toString('hex')): DigestResult {
  const ch = parseDigestChallenge(Buffer.from(challengeB64.trim(), 'base64').toString('utf8'));
  const realm = ch.realm ?? '';
  const nonce = ch.nonce ?? '';
  const nc = '00000001';
  const qop = 'auth';
  const digestUri = `imap/${host}`;
  const a1 = Buffer.concat([md5(`${user}:${realm}:${password}`), Buffer.from(`:${nonce}:${cnonce}`)]);
  const ha1 = md5hex(a1);
  const kd = (a2: string) => md5hex(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${md5hex(a2)}`);
  const response = kd(`AUTHENTICATE:${digestUri}`);
  const rspauth = kd(`:${digestUri}`);
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
