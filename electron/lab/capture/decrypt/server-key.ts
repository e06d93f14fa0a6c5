/**
 * The server's RSA private key for `--server-key key.pem` (PKCS#1 `BEGIN RSA PRIVATE KEY` or
 * PKCS#8 `BEGIN PRIVATE KEY`), and which of several keys belongs to a certificate.
 */
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';

export class ServerKeyError extends Error {
  override name = 'ServerKeyError';
}

/** Every RSA private key in a PEM text (a file may hold a key and its certificate chain). */
export function loadServerKeys(pem: string | Buffer): KeyObject[] {
  const text = typeof pem === 'string' ? pem : pem.toString('utf8');
  const blocks = text.match(/-----BEGIN (RSA |ENCRYPTED )?PRIVATE KEY-----[\s\S]*?-----END (RSA |ENCRYPTED )?PRIVATE KEY-----/g) ?? [];
  if (blocks.length === 0) throw new ServerKeyError('no PEM private key (BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY) in the file');
  return blocks.map((block) => {
    if (block.includes('ENCRYPTED')) throw new ServerKeyError('the private key is encrypted with a passphrase: decrypt it first (openssl pkey -in key.pem -out plain.pem)');
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: block, format: 'pem' });
    } catch (e) {
      throw new ServerKeyError(`unreadable private key: ${(e as Error).message}`);
    }
    if (key.asymmetricKeyType !== 'rsa') throw new ServerKeyError(`the key is ${key.asymmetricKeyType ?? 'not asymmetric'}, not RSA: only RSA key exchange can be decrypted with a server key`);
    return key;
  });
}

/** The first RSA private key in a PEM text. */
export function loadServerKey(pem: string | Buffer): KeyObject {
  return loadServerKeys(pem)[0];
}

function modulusOf(key: KeyObject): string | undefined {
  const pub = key.type === 'public' ? key : createPublicKey(key);
  const jwk = pub.export({ format: 'jwk' });
  return typeof jwk.n === 'string' ? jwk.n : undefined;
}

/** The key whose public half is in the certificate (DER), if any. */
export function keyForCertificate(keys: readonly KeyObject[], certificateDer: Buffer): KeyObject | undefined {
  let n: string | undefined;
  try {
    n = modulusOf(new X509Certificate(certificateDer).publicKey);
  } catch {
    return undefined;
  }
  if (n === undefined) return undefined;
  return keys.find((k) => modulusOf(k) === n);
}
