/** Client halves of CRAM-MD5 and DIGEST-MD5, as a phone computes them (for scripted replays). */
import { cramDigest, digestResponse, parseDirectives } from '../../electron/lab/sasl/index.js';

export function cramResponse(user: string, password: string, challengeB64: string): string {
  const challenge = Buffer.from(challengeB64, 'base64').toString('utf8');
  return Buffer.from(`${user} ${cramDigest(password, challenge)}`).toString('base64');
}

/** The DIGEST-MD5 client response to a challenge, and the rspauth the server must send back. */
export function digestClientResponse(user: string, password: string, challengeB64: string, host = 'mail.lab'): { b64: string; rspauth: string } {
  const d = parseDirectives(Buffer.from(challengeB64, 'base64').toString('utf8'));
  if (!d) throw new Error('unparsable DIGEST-MD5 challenge');
  const realm = d.get('realm') ?? '';
  const nonce = d.get('nonce') ?? '';
  const cnonce = 'OA6MHXh6VqTrRk';
  const nc = '00000001';
  const digestUri = `imap/${host}`;
  const { response, rspauth } = digestResponse({ username: user, realm, password, nonce, cnonce, nc, qop: 'auth', digestUri, utf8: true });
  const text = `charset=utf-8,username="${user}",realm="${realm}",nonce="${nonce}",nc=${nc},cnonce="${cnonce}",digest-uri="${digestUri}",response=${response},qop=auth`;
  return { b64: Buffer.from(text).toString('base64'), rspauth };
}
