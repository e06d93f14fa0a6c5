/**
 * The TLS 1.0/1.1 pseudo-random function and the secrets derived from it
 * (RFC 2246 §5, §6.3, §7.4.9; unchanged in RFC 4346).
 */
import { createHash, createHmac } from 'node:crypto';

/** P_hash of RFC 2246 §5, also the whole PRF of TLS 1.2 with SHA-256 or the suite's hash
 * (RFC 5246 §5), which the capture decryptor uses. */
export function pHash(alg: 'md5' | 'sha1' | 'sha256' | 'sha384', secret: Buffer, seed: Buffer, length: number): Buffer {
  // RFC 2246 §5: A(0) = seed, A(i) = HMAC(secret, A(i-1)); output HMAC(secret, A(i) + seed)…
  const out: Buffer[] = [];
  let total = 0;
  let a = seed;
  while (total < length) {
    a = createHmac(alg, secret).update(a).digest();
    const chunk = createHmac(alg, secret).update(a).update(seed).digest();
    out.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** PRF(secret, label, seed) = P_MD5(S1, label + seed) XOR P_SHA-1(S2, label + seed), where S1
 * and S2 are the two halves of the secret, sharing the middle byte when its length is odd. */
export function prf10(secret: Buffer, label: string, seed: Buffer, length: number): Buffer {
  const half = Math.ceil(secret.length / 2);
  const s1 = secret.subarray(0, half);
  const s2 = secret.subarray(secret.length - half);
  const ls = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  const a = pHash('md5', s1, ls, length);
  const b = pHash('sha1', s2, ls, length);
  for (let i = 0; i < length; i++) a[i] ^= b[i];
  return a;
}

/** RFC 2246 §8.1: master_secret = PRF(pre_master_secret, "master secret", client_random + server_random)[0..47]. */
export function masterSecret(preMaster: Buffer, clientRandom: Buffer, serverRandom: Buffer): Buffer {
  return prf10(preMaster, 'master secret', Buffer.concat([clientRandom, serverRandom]), 48);
}

/** RFC 2246 §6.3: key_block = PRF(master_secret, "key expansion", server_random + client_random). */
export function keyBlock(master: Buffer, clientRandom: Buffer, serverRandom: Buffer, length: number): Buffer {
  return prf10(master, 'key expansion', Buffer.concat([serverRandom, clientRandom]), length);
}

/** RFC 2246 §7.4.9: verify_data = PRF(master_secret, finished_label, MD5(handshake_messages) + SHA-1(handshake_messages))[0..11]. */
export function finishedVerifyData(master: Buffer, label: 'client finished' | 'server finished', handshakeMessages: Buffer[]): Buffer {
  const md5 = createHash('md5');
  const sha1 = createHash('sha1');
  for (const m of handshakeMessages) {
    md5.update(m);
    sha1.update(m);
  }
  return prf10(master, label, Buffer.concat([md5.digest(), sha1.digest()]), 12);
}
