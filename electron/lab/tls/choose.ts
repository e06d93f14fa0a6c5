/**
 * `--tls auto`: which engine answers this ClientHello (issue 3).
 *
 * Rule: the modern engine (OpenSSL through node:tls) whenever it can complete the handshake,
 * because it is the real-world stack and the only one with TLS 1.2/1.3; the legacy engine when
 * it cannot and the legacy one can. Concretely:
 *  1. an SSLv2-format hello → legacy (the hand-written reader understands it; its version is
 *     at most what the legacy engine speaks in practice);
 *  2. the client offers a suite OpenSSL 3 can negotiate at its highest offered version with an
 *     RSA certificate (DEFAULT:@SECLEVEL=0: AES-CBC-SHA for TLS 1.0/1.1; GCM, ChaCha20,
 *     CBC-SHA256 for 1.2; the TLS 1.3 suites) → modern;
 *  3. otherwise, it offers one of the configured legacy suites (RC4, 3DES, or AES-CBC with an
 *     older version) and at least TLS 1.0 → legacy;
 *  4. otherwise → modern, which refuses with the alert OpenSSL chooses (recorded as tls.failed).
 * So a phone offering RC4/3DES only, or TLS ≤ 1.1 without AES-CBC-SHA, meets the legacy engine.
 */
import type { TlsEngineName } from '../../api.js';
import type { ParsedClientHello } from './hello.js';
import type { TlsEngineChoice } from './types.js';

/** Suites OpenSSL 3.0 offers with 'DEFAULT:@SECLEVEL=0' and an RSA key, TLS 1.0 and 1.1. */
export const MODERN_SUITES_TLS10: ReadonlySet<number> = new Set([0xc014, 0x0039, 0xc013, 0x0033, 0x0035, 0x002f]);
/** …and TLS 1.2 adds these. */
export const MODERN_SUITES_TLS12: ReadonlySet<number> = new Set([
  ...MODERN_SUITES_TLS10,
  0xc030, 0x009f, 0xcca8, 0xccaa, 0xc02f, 0x009e, 0xc028, 0x006b, 0xc027, 0x0067, 0x009d, 0x009c, 0x003d, 0x003c,
]);
export const MODERN_SUITES_TLS13: ReadonlySet<number> = new Set([0x1301, 0x1302, 0x1303]);

export interface EngineDecision {
  engine: TlsEngineName;
  why: string;
}

export function chooseEngine(hello: ParsedClientHello, choice: TlsEngineChoice, legacySuiteIds: readonly number[]): EngineDecision {
  if (choice !== 'auto') return { engine: choice, why: `--tls ${choice}` };
  if (hello.format === 'sslv2') return { engine: 'legacy', why: 'SSLv2-format ClientHello' };
  const offered = new Set(hello.cipherSuites);
  const max = hello.maxVersion;
  const modernOk =
    max >= 0x0301 &&
    ([...MODERN_SUITES_TLS10].some((s) => offered.has(s)) ||
      (max >= 0x0303 && [...MODERN_SUITES_TLS12].some((s) => offered.has(s))) ||
      (max >= 0x0304 && [...MODERN_SUITES_TLS13].some((s) => offered.has(s))));
  if (modernOk) return { engine: 'modern', why: 'the client offers a suite OpenSSL can negotiate' };
  const legacyOk = hello.clientVersion >= 0x0301 && legacySuiteIds.some((s) => offered.has(s));
  if (legacyOk) return { engine: 'legacy', why: 'only legacy suites (RC4/3DES or pre-1.2 without AES-CBC-SHA) are offered' };
  return { engine: 'modern', why: 'no engine shares a suite; OpenSSL refuses' };
}
