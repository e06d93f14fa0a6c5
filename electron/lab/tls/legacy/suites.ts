/**
 * The suites the legacy engine speaks: RSA key exchange only (what 2000s phones offer and what
 * needs no ServerKeyExchange signature), with the record protection of RFC 2246 §6.2.3.
 */
export interface LegacySuite {
  id: number;
  name: string;
  cipher: 'rc4' | 'des-ede3-cbc' | 'aes-128-cbc' | 'aes-256-cbc';
  keyLength: number;
  /** Block size (0 for the stream cipher). */
  blockLength: number;
  mac: 'md5' | 'sha1';
  macLength: number;
}

export const LEGACY_SUITES: readonly LegacySuite[] = [
  { id: 0x0004, name: 'TLS_RSA_WITH_RC4_128_MD5', cipher: 'rc4', keyLength: 16, blockLength: 0, mac: 'md5', macLength: 16 },
  { id: 0x0005, name: 'TLS_RSA_WITH_RC4_128_SHA', cipher: 'rc4', keyLength: 16, blockLength: 0, mac: 'sha1', macLength: 20 },
  { id: 0x000a, name: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', cipher: 'des-ede3-cbc', keyLength: 24, blockLength: 8, mac: 'sha1', macLength: 20 },
  { id: 0x002f, name: 'TLS_RSA_WITH_AES_128_CBC_SHA', cipher: 'aes-128-cbc', keyLength: 16, blockLength: 16, mac: 'sha1', macLength: 20 },
  { id: 0x0035, name: 'TLS_RSA_WITH_AES_256_CBC_SHA', cipher: 'aes-256-cbc', keyLength: 32, blockLength: 16, mac: 'sha1', macLength: 20 },
];

/**
 * Default server preference: AES first (the strongest the phone offers), then 3DES, then RC4.
 * The lab's job is to let the phone connect and to show what it chose to offer; a technician who
 * wants to reproduce the seed's RC4-MD5 exactly configures the order (`legacySuites`).
 */
export const DEFAULT_LEGACY_SUITE_ORDER: readonly string[] = [
  'TLS_RSA_WITH_AES_128_CBC_SHA',
  'TLS_RSA_WITH_AES_256_CBC_SHA',
  'TLS_RSA_WITH_3DES_EDE_CBC_SHA',
  'TLS_RSA_WITH_RC4_128_SHA',
  'TLS_RSA_WITH_RC4_128_MD5',
];

export function legacySuiteByName(name: string): LegacySuite | undefined {
  return LEGACY_SUITES.find((s) => s.name === name);
}

export function legacySuiteById(id: number): LegacySuite | undefined {
  return LEGACY_SUITES.find((s) => s.id === id);
}
