/**
 * DIGEST-MD5 (RFC 2831; moved to Historic by RFC 6331 but still what old phones offer).
 *
 * Server: digest-challenge (realm, nonce, qop="auth", charset=utf-8, algorithm=md5-sess, §2.1.1)
 *   → client: digest-response (§2.1.2), verified here
 *   → server: `rspauth=<hex>` (§2.1.3) as a second challenge
 *   → client: an EMPTY response (§2.1.3, and the way IMAP carries it), then done.
 * A non-empty final response is `unexpected` (QUIRKS.md `digest-final-response-missing`).
 * Only qop=auth is offered: no integrity or confidentiality layer.
 */
import { createHash } from 'node:crypto';
import type { SaslContext, SaslServerMechanism, SaslStep } from './types.js';
import { DUMMY_SECRET, MAX_SASL_RESPONSE_BYTES, decodeUtf8, secretEquals } from './util.js';

/** The service a digest-uri must name by default (RFC 2831 §2.1.2 "digest-uri", IMAP's registered service name); SMTP passes "smtp" (RFC 4954 §4). */
export const DIGEST_SERVICE = 'imap';

export interface ParseDirectivesOptions {
  /**
   * A digest-challenge may repeat `realm` (RFC 2831 §2.1.1), a digest-response repeats nothing
   * (§2.1.2). True lets a repeated directive through, the last one counting (client side).
   */
  allowRepeats?: boolean;
}

/**
 * Parse a comma-separated directive list (RFC 2831 §7.1 `#rule`, §2.1.2). Null when malformed or,
 * unless `allowRepeats`, when a directive repeats.
 */
export function parseDirectives(text: string, opts: ParseDirectivesOptions = {}): Map<string, string> | null {
  const out = new Map<string, string>();
  let i = 0;
  const n = text.length;
  const skipLws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r' || text[i] === '\n')) i++;
  };
  while (i < n) {
    skipLws();
    if (i >= n) break;
    if (text[i] === ',') {
      i++;
      continue;
    }
    const keyStart = i;
    while (i < n && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(text[i]!)) i++;
    const key = text.slice(keyStart, i).toLowerCase();
    if (!key) return null;
    skipLws();
    if (text[i] !== '=') return null;
    i++;
    skipLws();
    let value = '';
    if (text[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const c = text[i]!;
        if (c === '\\' && i + 1 < n) {
          value += text[i + 1];
          i += 2;
        } else if (c === '"') {
          i++;
          closed = true;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) return null;
    } else {
      const start = i;
      while (i < n && text[i] !== ',' && text[i] !== ' ' && text[i] !== '\t') i++;
      value = text.slice(start, i);
    }
    if (out.has(key) && !opts.allowRepeats) return null;
    out.set(key, value);
    skipLws();
    if (i < n && text[i] !== ',') return null;
  }
  return out;
}

const quote = (s: string) => `"${s.replace(/(["\\])/g, '\\$1')}"`;

const md5 = (...parts: Array<string | Buffer>): Buffer => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};

/**
 * RFC 2831 §2.1.2.1: with charset=utf-8, user name, realm and password are hashed in
 * ISO 8859-1 when every character fits, else in UTF-8 (as Cyrus SASL and Dovecot do).
 */
function digestBytes(s: string, utf8: boolean): Buffer {
  if (!utf8 || /^[\u0000-\u00ff]*$/.test(s)) return Buffer.from(s, 'latin1');
  return Buffer.from(s, 'utf8');
}

export interface DigestInputs {
  username: string;
  realm: string;
  password: string;
  nonce: string;
  cnonce: string;
  nc: string;
  qop: string;
  digestUri: string;
  authzid?: string;
  utf8: boolean;
}

/** The response value and the rspauth value (RFC 2831 §2.1.2.1, §2.1.3) for qop=auth. */
export function digestResponse(p: DigestInputs): { response: string; rspauth: string } {
  const sep = Buffer.from(':');
  const inner = md5(digestBytes(p.username, p.utf8), sep, digestBytes(p.realm, p.utf8), sep, digestBytes(p.password, p.utf8));
  const a1 = p.authzid !== undefined
    ? Buffer.concat([inner, Buffer.from(`:${p.nonce}:${p.cnonce}:`), Buffer.from(p.authzid, 'utf8')])
    : Buffer.concat([inner, Buffer.from(`:${p.nonce}:${p.cnonce}`)]);
  const ha1 = md5(a1).toString('hex');
  const kd = (a2: string) => md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${md5(a2).toString('hex')}`).toString('hex');
  return { response: kd(`AUTHENTICATE:${p.digestUri}`), rspauth: kd(`:${p.digestUri}`) };
}

export class DigestMd5Mechanism implements SaslServerMechanism {
  readonly name = 'DIGEST-MD5';
  private state: 'new' | 'response' | 'final' | 'finished' = 'new';
  private nonce = '';
  private user = '';
  private authzid: string | undefined;

  constructor(private readonly ctx: SaslContext) {}

  /** The challenge text sent first (exported through `start`'s note for the recorder). */
  private challengeText(): string {
    return `realm=${quote(this.ctx.hostname)},nonce=${quote(this.nonce)},qop="auth",charset=utf-8,algorithm=md5-sess`;
  }

  start(initial: Buffer | null): SaslStep {
    if (this.state !== 'new') return this.finish({ type: 'error', reason: 'unexpected', message: 'DIGEST-MD5 already started' });
    // Initial responses exist only for "subsequent authentication" (§2.2), which the lab does not offer.
    // An empty one ("=") says nothing and is taken as none, as for CRAM-MD5.
    if (initial !== null && initial.length > 0) return this.finish({ type: 'error', reason: 'unexpected', message: 'DIGEST-MD5 takes no initial response here' });
    this.nonce = this.ctx.nonce();
    this.state = 'response';
    const text = this.challengeText();
    return { type: 'challenge', data: Buffer.from(text), note: text };
  }

  next(response: Buffer): SaslStep {
    if (this.state === 'response') return this.verify(response);
    if (this.state === 'final') {
      if (response.length !== 0) {
        return this.finish({ type: 'error', reason: 'unexpected', message: 'DIGEST-MD5 expected an empty response after rspauth', user: this.user });
      }
      const done: SaslStep = this.authzid !== undefined ? { type: 'done', user: this.user, authzid: this.authzid } : { type: 'done', user: this.user };
      return this.finish(done);
    }
    return this.finish({ type: 'error', reason: 'unexpected', message: 'DIGEST-MD5 expected no further response' });
  }

  private verify(response: Buffer): SaslStep {
    const malformed = (message: string, user?: string): SaslStep => this.finish({ type: 'error', reason: 'malformed', message, user });
    if (response.length === 0) return malformed('DIGEST-MD5 response is empty');
    if (response.length > MAX_SASL_RESPONSE_BYTES) return malformed('DIGEST-MD5 response longer than 4096 octets');
    const text = decodeUtf8(response);
    if (text === null) return malformed('DIGEST-MD5 response is not UTF-8');
    const d = parseDirectives(text);
    if (!d) return malformed('DIGEST-MD5 response does not parse as directives (or repeats one)');
    const username = d.get('username');
    if (!username) return malformed('DIGEST-MD5 response without username');
    const nonce = d.get('nonce');
    const cnonce = d.get('cnonce');
    const nc = d.get('nc');
    const digestUri = d.get('digest-uri');
    const resp = d.get('response');
    const qop = d.get('qop') ?? 'auth';
    const charset = d.get('charset');
    if (!nonce || !cnonce || !nc || !digestUri || !resp) {
      return malformed('DIGEST-MD5 response lacks nonce, cnonce, nc, digest-uri or response', username);
    }
    if (nonce !== this.nonce) return malformed('DIGEST-MD5 response names another nonce', username);
    if (!/^[0-9a-fA-F]{8}$/.test(nc) || parseInt(nc, 16) !== 1) return malformed(`DIGEST-MD5 nc=${nc}, expected 00000001`, username);
    if (qop !== 'auth') return malformed(`DIGEST-MD5 qop=${qop} was not offered`, username);
    if (charset !== undefined && charset.toLowerCase() !== 'utf-8') return malformed(`DIGEST-MD5 charset=${charset}`, username);
    if (!/^[0-9a-fA-F]{32}$/.test(resp)) return malformed('DIGEST-MD5 response value is not 32 hex digits', username);
    // digest-uri = serv-type "/" host [ "/" serv-name ]: any host is accepted (the phone may know
    // the lab by IP or by name) but the service must be the protocol's (imap, smtp).
    const uriParts = digestUri.split('/');
    const service = this.ctx.service ?? DIGEST_SERVICE;
    if (uriParts.length < 2 || uriParts.length > 3 || !uriParts[1]) return malformed(`DIGEST-MD5 digest-uri "${digestUri}" is not serv-type/host`, username);
    if (uriParts[0]!.toLowerCase() !== service) return malformed(`DIGEST-MD5 digest-uri "${digestUri}" names service ${uriParts[0]}, not ${service}`, username);
    const authzid = d.get('authzid');
    const expected = this.ctx.passwordFor(username);
    const { response: want, rspauth } = digestResponse({
      username,
      realm: d.get('realm') ?? '',
      password: expected ?? DUMMY_SECRET,
      nonce,
      cnonce,
      nc,
      qop,
      digestUri,
      authzid,
      utf8: charset !== undefined,
    });
    const ok = secretEquals(resp.toLowerCase(), want) && expected !== undefined;
    if (!ok) {
      return this.finish({ type: 'error', reason: 'bad-credentials', message: expected === undefined ? `unknown user ${username}` : `wrong password for ${username}`, user: username });
    }
    if (authzid !== undefined && authzid !== '' && authzid !== username) {
      return this.finish({ type: 'error', reason: 'bad-credentials', message: `${username} may not act as ${authzid}`, user: username });
    }
    this.user = username;
    this.authzid = authzid || undefined;
    this.state = 'final';
    const final = `rspauth=${rspauth}`;
    return { type: 'challenge', data: Buffer.from(final), note: final };
  }

  private finish(step: SaslStep): SaslStep {
    this.state = 'finished';
    return step;
  }
}
