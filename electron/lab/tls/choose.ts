/**
 * `--tls auto`: which engine answers this ClientHello.
 *
 * Rule: the modern engine (OpenSSL through node:tls) whenever it can complete the handshake,
 * because it is the real-world stack and the only one with TLS 1.2/1.3; the legacy engine when
 * it cannot and the legacy one can. Concretely:
 *  1. an SSLv2-format hello → legacy (the hand-written reader understands it; its version is
 *     at most what the legacy engine speaks in practice);
 *  2. the client offers a suite OpenSSL 3 really negotiates at its highest offered version with
 *     the lab's RSA certificate and no DH parameters (DEFAULT:@SECLEVEL=0: ECDHE-RSA and RSA
 *     AES-CBC-SHA from TLS 1.0; GCM, ChaCha20, CBC-SHA256 from 1.2; the TLS 1.3 suites), and for
 *     an ECDHE or TLS 1.3 suite a group OpenSSL shares → modern. DHE suites do not count: the
 *     modern context has no DH parameters, so OpenSSL never selects them;
 *  3. otherwise, it offers one of the configured legacy suites (RC4, 3DES, or AES-CBC with an
 *     older version) and at least TLS 1.0 → legacy;
 *  4. otherwise → modern, which refuses with the alert OpenSSL chooses (recorded as tls.failed).
 * So a phone offering RC4/3DES only, or TLS ≤ 1.1 without AES-CBC-SHA, meets the legacy engine.
 */
import type { TlsEngineName } from '../../api.js';
import type { ParsedClientHello } from './hello.js';
import type { TlsEngineChoice } from './types.js';

/** RSA key exchange suites OpenSSL 3.0 selects with 'DEFAULT:@SECLEVEL=0', TLS 1.0 and later
 * (`openssl ciphers -V -s -tls1 'DEFAULT:@SECLEVEL=0'`, RSA authentication, DHE left out). */
export const MODERN_RSA_SUITES_TLS10: ReadonlySet<number> = new Set([0x0035, 0x002f]);
/** ECDHE-RSA suites from TLS 1.0: they also need a shared group. */
export const MODERN_ECDHE_SUITES_TLS10: ReadonlySet<number> = new Set([0xc014, 0xc013]);
/** …and TLS 1.2 adds these. */
export const MODERN_RSA_SUITES_TLS12: ReadonlySet<number> = new Set([...MODERN_RSA_SUITES_TLS10, 0x009d, 0x009c, 0x003d, 0x003c]);
export const MODERN_ECDHE_SUITES_TLS12: ReadonlySet<number> = new Set([...MODERN_ECDHE_SUITES_TLS10, 0xc030, 0xcca8, 0xc02f, 0xc028, 0xc027]);
export const MODERN_SUITES_TLS13: ReadonlySet<number> = new Set([0x1301, 0x1302, 0x1303]);
/** Groups OpenSSL 3.0 offers by default for ECDHE (TLS 1.0–1.2): x25519, P-256, x448, P-521, P-384. */
export const MODERN_EC_GROUPS: ReadonlySet<number> = new Set([29, 23, 30, 25, 24]);
/** …and for TLS 1.3 key shares also the RFC 7919 finite-field groups. */
export const MODERN_TLS13_GROUPS: ReadonlySet<number> = new Set([...MODERN_EC_GROUPS, 256, 257, 258, 259, 260]);

/** The highest version below TLS 1.3 the client offers: from supported_versions when it sent
 * one (RFC 8446 §4.2.1: then only those), else client_version (capped at 1.2). */
function highestBelowTls13(hello: ParsedClientHello): number {
  if (hello.supportedVersions === undefined) return Math.min(hello.maxVersion, 0x0303);
  const older = hello.supportedVersions.filter((v) => v >= 0x0300 && v <= 0x0303);
  return older.length > 0 ? Math.max(...older) : 0;
}

/** What OpenSSL (the modern engine) can negotiate with this hello, by its own rules. */
export function modernCanNegotiate(hello: ParsedClientHello): boolean {
  const max = hello.maxVersion;
  if (max < 0x0301) return false;
  const offered = (set: ReadonlySet<number>): boolean => hello.cipherSuites.some((s) => set.has(s));
  // OpenSSL 3 selects no ECDHE suite for a hello without supported_groups (RFC 8422 §4 would
  // allow P-256; seen on loopback), nor one whose groups it does not share.
  const sharesGroup = (set: ReadonlySet<number>): boolean => hello.groups !== undefined && hello.groups.some((g) => set.has(g));
  if (max >= 0x0304 && offered(MODERN_SUITES_TLS13) && sharesGroup(MODERN_TLS13_GROUPS)) return true;
  const below13 = highestBelowTls13(hello);
  if (below13 < 0x0301) return false;
  const tls12 = below13 === 0x0303;
  const rsa = tls12 ? MODERN_RSA_SUITES_TLS12 : MODERN_RSA_SUITES_TLS10;
  const ecdhe = tls12 ? MODERN_ECDHE_SUITES_TLS12 : MODERN_ECDHE_SUITES_TLS10;
  return offered(rsa) || (offered(ecdhe) && sharesGroup(MODERN_EC_GROUPS));
}

export interface EngineDecision {
  engine: TlsEngineName;
  why: string;
}

export function chooseEngine(hello: ParsedClientHello, choice: TlsEngineChoice, legacySuiteIds: readonly number[]): EngineDecision {
  if (choice !== 'auto') return { engine: choice, why: `--tls ${choice}` };
  if (hello.format === 'sslv2') return { engine: 'legacy', why: 'SSLv2-format ClientHello' };
  if (modernCanNegotiate(hello)) return { engine: 'modern', why: 'the client offers a suite OpenSSL can negotiate' };
  const offered = new Set(hello.cipherSuites);
  const legacyOk = hello.clientVersion >= 0x0301 && legacySuiteIds.some((s) => offered.has(s));
  if (legacyOk) return { engine: 'legacy', why: 'only legacy suites (RC4/3DES or pre-1.2 without AES-CBC-SHA) are offered' };
  return { engine: 'modern', why: 'no engine shares a suite; OpenSSL refuses' };
}
