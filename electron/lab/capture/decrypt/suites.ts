/**
 * Cipher suites the capture decryptor knows: their key exchange (which secret can open them),
 * record protection and PRF hash. The RSA suites of the lab's legacy engine come from its table
 * (tls/legacy/suites.ts), so both agree on key and MAC sizes.
 */
import { cipherSuiteName } from '../../tls/names.js';
import { legacySuiteById } from '../../tls/legacy/suites.js';

export type KeyExchange = 'rsa' | 'dhe' | 'ecdhe' | 'tls13';
export type BulkCipher = 'rc4' | 'des-ede3-cbc' | 'aes-128-cbc' | 'aes-256-cbc' | 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
export type MacHash = 'md5' | 'sha1' | 'sha256' | 'sha384';

export interface DecryptSuite {
  id: number;
  name: string;
  kx: KeyExchange;
  cipher: BulkCipher;
  /** 'stream' (RC4), 'cbc' (MAC-then-encrypt, RFC 5246 §6.2.3.2) or 'aead' (§6.2.3.3). */
  kind: 'stream' | 'cbc' | 'aead';
  keyLength: number;
  /** CBC block size; for AEAD the implicit IV from the key block (4 for GCM, RFC 5288 §3; 12 for
   * ChaCha20, RFC 7905 §2). */
  ivLength: number;
  /** HMAC hash for MAC-then-encrypt suites; unused for AEAD. */
  mac: MacHash;
  macLength: number;
  /** TLS 1.2 PRF hash (RFC 5246 §5) and TLS 1.3 HKDF hash. */
  prfHash: 'sha256' | 'sha384';
}

const HASH_LEN: Record<MacHash, number> = { md5: 16, sha1: 20, sha256: 32, sha384: 48 };
const CIPHERS: Record<BulkCipher, { kind: DecryptSuite['kind']; keyLength: number; ivLength: number }> = {
  rc4: { kind: 'stream', keyLength: 16, ivLength: 0 },
  'des-ede3-cbc': { kind: 'cbc', keyLength: 24, ivLength: 8 },
  'aes-128-cbc': { kind: 'cbc', keyLength: 16, ivLength: 16 },
  'aes-256-cbc': { kind: 'cbc', keyLength: 32, ivLength: 16 },
  'aes-128-gcm': { kind: 'aead', keyLength: 16, ivLength: 4 },
  'aes-256-gcm': { kind: 'aead', keyLength: 32, ivLength: 4 },
  'chacha20-poly1305': { kind: 'aead', keyLength: 32, ivLength: 12 },
};

function suite(id: number, kx: KeyExchange, cipher: BulkCipher, mac: MacHash, prfHash: 'sha256' | 'sha384' = 'sha256'): DecryptSuite {
  const c = CIPHERS[cipher];
  const legacy = legacySuiteById(id);
  const s: DecryptSuite = {
    id,
    name: cipherSuiteName(id),
    kx,
    cipher,
    kind: c.kind,
    keyLength: c.keyLength,
    ivLength: kx === 'tls13' && c.kind === 'aead' ? 12 : c.ivLength,
    mac,
    macLength: c.kind === 'aead' ? 0 : HASH_LEN[mac],
    prfHash,
  };
  if (legacy && (legacy.keyLength !== s.keyLength || legacy.macLength !== s.macLength || legacy.blockLength !== s.ivLength)) {
    throw new Error(`suite table disagrees with the legacy engine on ${legacy.name}`);
  }
  return s;
}

const TABLE: DecryptSuite[] = [
  // RSA key exchange (RFC 5246 appendix A.5, RFC 5288, RFC 6101 appendix A.6)
  suite(0x0004, 'rsa', 'rc4', 'md5'),
  suite(0x0005, 'rsa', 'rc4', 'sha1'),
  suite(0x000a, 'rsa', 'des-ede3-cbc', 'sha1'),
  suite(0x002f, 'rsa', 'aes-128-cbc', 'sha1'),
  suite(0x0035, 'rsa', 'aes-256-cbc', 'sha1'),
  suite(0x003c, 'rsa', 'aes-128-cbc', 'sha256'),
  suite(0x003d, 'rsa', 'aes-256-cbc', 'sha256'),
  suite(0x009c, 'rsa', 'aes-128-gcm', 'sha256'),
  suite(0x009d, 'rsa', 'aes-256-gcm', 'sha384', 'sha384'),
  // DHE (RFC 5246, RFC 5288, RFC 7905): only a key log opens these
  suite(0x0016, 'dhe', 'des-ede3-cbc', 'sha1'),
  suite(0x0033, 'dhe', 'aes-128-cbc', 'sha1'),
  suite(0x0039, 'dhe', 'aes-256-cbc', 'sha1'),
  suite(0x0067, 'dhe', 'aes-128-cbc', 'sha256'),
  suite(0x006b, 'dhe', 'aes-256-cbc', 'sha256'),
  suite(0x009e, 'dhe', 'aes-128-gcm', 'sha256'),
  suite(0x009f, 'dhe', 'aes-256-gcm', 'sha384', 'sha384'),
  suite(0xccaa, 'dhe', 'chacha20-poly1305', 'sha256'),
  // ECDHE (RFC 8422, RFC 5289, RFC 7905)
  suite(0xc007, 'ecdhe', 'rc4', 'sha1'),
  suite(0xc008, 'ecdhe', 'des-ede3-cbc', 'sha1'),
  suite(0xc009, 'ecdhe', 'aes-128-cbc', 'sha1'),
  suite(0xc00a, 'ecdhe', 'aes-256-cbc', 'sha1'),
  suite(0xc011, 'ecdhe', 'rc4', 'sha1'),
  suite(0xc012, 'ecdhe', 'des-ede3-cbc', 'sha1'),
  suite(0xc013, 'ecdhe', 'aes-128-cbc', 'sha1'),
  suite(0xc014, 'ecdhe', 'aes-256-cbc', 'sha1'),
  suite(0xc023, 'ecdhe', 'aes-128-cbc', 'sha256'),
  suite(0xc024, 'ecdhe', 'aes-256-cbc', 'sha384', 'sha384'),
  suite(0xc027, 'ecdhe', 'aes-128-cbc', 'sha256'),
  suite(0xc028, 'ecdhe', 'aes-256-cbc', 'sha384', 'sha384'),
  suite(0xc02b, 'ecdhe', 'aes-128-gcm', 'sha256'),
  suite(0xc02c, 'ecdhe', 'aes-256-gcm', 'sha384', 'sha384'),
  suite(0xc02f, 'ecdhe', 'aes-128-gcm', 'sha256'),
  suite(0xc030, 'ecdhe', 'aes-256-gcm', 'sha384', 'sha384'),
  suite(0xcca8, 'ecdhe', 'chacha20-poly1305', 'sha256'),
  suite(0xcca9, 'ecdhe', 'chacha20-poly1305', 'sha256'),
  // TLS 1.3 (RFC 8446 §B.4)
  suite(0x1301, 'tls13', 'aes-128-gcm', 'sha256'),
  suite(0x1302, 'tls13', 'aes-256-gcm', 'sha384', 'sha384'),
  suite(0x1303, 'tls13', 'chacha20-poly1305', 'sha256'),
];

const BY_ID = new Map(TABLE.map((s) => [s.id, s]));

export function decryptSuiteById(id: number): DecryptSuite | undefined {
  return BY_ID.get(id);
}

export const DECRYPT_SUITES: readonly DecryptSuite[] = TABLE;
