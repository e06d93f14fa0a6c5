import { constants, createPrivateKey, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { prf10 } from '../../electron/lab/tls/legacy/prf.js';
import { Rc4 } from '../../electron/lab/tls/legacy/rc4.js';
import { BadRecordMac, CipherState, TLS10, TLS11 } from '../../electron/lab/tls/legacy/record.js';
import { decryptPremaster } from '../../electron/lab/tls/legacy/rsa.js';
import { legacySuiteByName } from '../../electron/lab/tls/legacy/suites.js';
import { testPki } from './harness.js';

describe('RC4', () => {
  it('matches the RFC 6229 key stream for the 40-bit key 0102030405', () => {
    const ks = new Rc4(Buffer.from('0102030405', 'hex')).update(Buffer.alloc(16));
    expect(ks.toString('hex')).toBe('b2396305f03dc027ccc3524a0a1118a8');
  });
  it('continues the key stream across calls', () => {
    const a = new Rc4(Buffer.from('key')).update(Buffer.alloc(40));
    const r = new Rc4(Buffer.from('key'));
    expect(Buffer.concat([r.update(Buffer.alloc(13)), r.update(Buffer.alloc(27))]).equals(a)).toBe(true);
  });
});

describe('TLS 1.0 PRF', () => {
  it('is P_MD5 over the first half XOR P_SHA1 over the second half (odd secrets share a byte)', async () => {
    const { createHmac } = await import('node:crypto');
    const p = (alg: string, s: Buffer, seed: Buffer, n: number): Buffer => {
      let a = seed;
      const out: Buffer[] = [];
      while (Buffer.concat(out).length < n) {
        a = createHmac(alg, s).update(a).digest();
        out.push(createHmac(alg, s).update(Buffer.concat([a, seed])).digest());
      }
      return Buffer.concat(out).subarray(0, n);
    };
    const secret = Buffer.from('0123456789abcdef0123456789abcdef01234', 'latin1'); // 37 bytes
    const seed = Buffer.concat([Buffer.from('master secret'), Buffer.alloc(64, 7)]);
    const md5 = p('md5', secret.subarray(0, 19), seed, 48);
    const sha = p('sha1', secret.subarray(18), seed, 48);
    const want = Buffer.from(md5.map((b, i) => b ^ sha[i]));
    expect(prf10(secret, 'master secret', Buffer.alloc(64, 7), 48).equals(want)).toBe(true);
  });
});

describe('RSA premaster decryption (Bleichenbacher-safe)', () => {
  const pki = testPki();
  const key = createPrivateKey(pki.keyPem);
  const pub = createPublicKey(key);
  const pkcs1 = (m: Buffer): Buffer => publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_PADDING }, m);
  const raw = (em: Buffer): Buffer => publicEncrypt({ key: pub, padding: constants.RSA_NO_PADDING }, em);

  it('returns the client premaster when padding, length and version are right', () => {
    const pm = Buffer.concat([Buffer.from([3, 1]), randomBytes(46)]);
    expect(decryptPremaster(key, pkcs1(pm), 0x0301).equals(pm)).toBe(true);
  });

  it('substitutes a fresh random secret for a wrong version, wrong length, bad padding or a short ciphertext', () => {
    const pm = Buffer.concat([Buffer.from([3, 2]), randomBytes(46)]);
    const cases = [
      pkcs1(pm), // version 3.2 while the ClientHello said 3.1
      pkcs1(Buffer.concat([Buffer.from([3, 1]), randomBytes(45)])), // 47 bytes
      raw(Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(256 - 2 - 49, 0xff), Buffer.from([0]), Buffer.from([3, 1]), randomBytes(46)])), // block type 1
      raw(Buffer.concat([Buffer.from([0, 2]), Buffer.alloc(256 - 2 - 49, 0x11), Buffer.from([5]), Buffer.from([3, 1]), randomBytes(46)])), // no zero separator
      Buffer.alloc(255, 1), // shorter than the modulus
      Buffer.alloc(256, 0xff), // larger than the modulus
    ];
    for (const c of cases) {
      const a = decryptPremaster(key, c, 0x0301);
      const b = decryptPremaster(key, c, 0x0301);
      expect(a.length).toBe(48);
      expect(a.equals(b)).toBe(false); // random each time: nothing to compare against
      expect(a.equals(pm)).toBe(false);
    }
  });
});

describe('record protection', () => {
  for (const [name, version] of [
    ['TLS_RSA_WITH_RC4_128_MD5', TLS10],
    ['TLS_RSA_WITH_3DES_EDE_CBC_SHA', TLS10],
    ['TLS_RSA_WITH_AES_128_CBC_SHA', TLS11],
    ['TLS_RSA_WITH_AES_256_CBC_SHA', TLS10],
  ] as const) {
    it(`${name} ${version === TLS10 ? 'TLS 1.0' : 'TLS 1.1'}: round-trips records and rejects a flipped bit with BadRecordMac`, () => {
      const s = legacySuiteByName(name)!;
      const mac = randomBytes(s.macLength);
      const k = randomBytes(s.keyLength);
      const iv = randomBytes(s.blockLength);
      const w = new CipherState(s, version, mac, k, iv, true);
      const r = new CipherState(s, version, mac, k, iv, false);
      for (const msg of ['a1 LOGIN phone secret\r\n', '', 'x'.repeat(1000)]) {
        expect(r.open(23, w.seal(23, Buffer.from(msg))).toString()).toBe(msg);
      }
      const rec = w.seal(23, Buffer.from('a2 SELECT INBOX\r\n'));
      rec[rec.length - 1] ^= 1;
      expect(() => r.open(23, rec)).toThrow(BadRecordMac);
    });
  }
});
