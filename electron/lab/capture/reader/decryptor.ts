/**
 * The TLS decryption of captured streams (../decrypt/): reassembled TCP bytes of one
 * direction in, plaintext or a status out, one decryptor per connection, all sharing the
 * capture's secrets (key log lines from --keylog and the capture's Decryption Secrets Blocks,
 * RSA server keys from --server-key).
 */
import { createTlsDecryptor, type CaptureSecrets, type TlsConnectionDecryptor } from '../decrypt/index.js';

export type { CaptureSecrets, DecryptOutput, TlsConnectionDecryptor } from '../decrypt/index.js';
export type TlsDirection = 'c2s' | 's2c';
export type DecryptorFactory = (secrets: CaptureSecrets) => TlsConnectionDecryptor;

export const defaultDecryptorFactory: DecryptorFactory = createTlsDecryptor;
