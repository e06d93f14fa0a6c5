/**
 * The TLS decryption of captured streams, as agreed with ../decrypt/ (which implements it):
 * reassembled TCP bytes of one direction in, plaintext or a status out. Loaded at run time so
 * the reader works (and says "no-secret") where that module is not part of the build.
 */
import type { KeyObject } from 'node:crypto';

export interface CaptureSecrets {
  /** NSS key log lines (--keylog FILE and the capture's own Decryption Secrets Blocks). */
  keyLog: string[];
  /** RSA private keys of the server (--server-key), for RSA key exchange. */
  serverKeys: KeyObject[];
}

export type TlsDirection = 'c2s' | 's2c';

export type DecryptOutput =
  | { kind: 'plaintext'; direction: TlsDirection; bytes: Buffer; timestampMs: number }
  | { kind: 'status'; state: 'decrypting' | 'no-secret' | 'unsupported' | 'lost-sync'; detail: string };

export interface TlsConnectionDecryptor {
  /** Feed reassembled TCP payload of one direction, in order, starting at the first TLS byte. */
  push(direction: TlsDirection, bytes: Buffer, timestampMs: number): DecryptOutput[];
  /** A gap of `bytes` missing bytes in that direction. */
  gap(direction: TlsDirection, bytes: number): DecryptOutput[];
}

export type DecryptorFactory = (secrets: CaptureSecrets) => TlsConnectionDecryptor;

/** Without the decryption module: every connection is undecryptable, said once. */
export const noSecretDecryptor: DecryptorFactory = () => {
  let said = false;
  const status = (): DecryptOutput[] => {
    if (said) return [];
    said = true;
    return [{ kind: 'status', state: 'no-secret', detail: 'TLS decryption is not available in this build' }];
  };
  return { push: status, gap: status };
};

/** The decryption module's factory, or the no-secret fallback when it is absent. */
export async function loadDecryptorFactory(): Promise<DecryptorFactory> {
  // A variable specifier: the build must not require the module to exist.
  const specifier = '../decrypt/index.js';
  try {
    const mod = (await import(specifier)) as { createTlsDecryptor?: DecryptorFactory };
    if (typeof mod.createTlsDecryptor === 'function') return mod.createTlsDecryptor;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }
  return noSecretDecryptor;
}
