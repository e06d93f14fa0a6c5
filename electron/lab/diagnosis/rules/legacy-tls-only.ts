/**
 * `legacy-tls-only`: the ClientHello's highest version is TLS 1.1 or lower, or it offers only
 * RC4, 3DES or export suites. Lists what it offered.
 *
 * Wire signature: a `tls.hello` event; the Nokia 6233 negotiated TLSv1 RC4-MD5 with Cyrus
 * (seed). Current Dovecot (TLS 1.2 minimum since 2.3.15) and OpenSSL 3 defaults refuse it.
 */
import type { Rule, RuleMeta } from './types.js';

/** Version names as tls.hello reports them, ordered. */
const VERSION_RANK: Record<string, number> = {
  SSLv2: 0, SSLv3: 1, TLSv1: 2, 'TLSv1.0': 2, 'TLSv1.1': 3, 'TLSv1.2': 4, 'TLSv1.3': 5,
};

/** Signalling values, not real suites (RFC 5746, RFC 7507). */
const SIGNALS = /^(TLS_EMPTY_RENEGOTIATION_INFO_SCSV|TLS_FALLBACK_SCSV|GREASE)$/;
const WEAK = /(RC4|3DES|DES_CBC|DES40|EXPORT|_NULL_|WITH_NULL)/;

/** The rank of a version name of tls.hello (TLSv1.2 → 4), undefined for one it does not know. */
export function versionRank(maxVersion: string): number | undefined {
  return VERSION_RANK[maxVersion] ?? VERSION_RANK[maxVersion.replace(/^TLS ?/, 'TLSv')];
}

export const TLS12_RANK = VERSION_RANK['TLSv1.2'];

export function isLegacyOnly(maxVersion: string, suites: readonly string[]): { oldVersion: boolean; weakSuitesOnly: boolean } {
  const rank = versionRank(maxVersion) ?? 99;
  const real = suites.filter((s) => !SIGNALS.test(s));
  return { oldVersion: rank <= 3, weakSuitesOnly: real.length > 0 && real.every((s) => WEAK.test(s)) };
}

export const meta: RuleMeta = {
  id: 'legacy-tls-only',
  area: 'TLS and certificates',
  severity: { warning: 'a ClientHello that current servers refuse' },
  signature: "The ClientHello's highest version is TLS 1.1 or lower, or every real suite it offers is RC4, 3DES, DES, export or NULL; lists what it offered.",
  source: 'The reference case: the 6233 negotiated TLSv1 with RC4-MD5. Dovecot has required TLS 1.2 by default since 2.3.15, and OpenSSL 3 refuses these suites at its default security level.',
  example: { maxVersion: 'TLSv1', weakSuitesOnly: false, cipherSuites: ['TLS_RSA_WITH_RC4_128_MD5', 'TLS_RSA_WITH_RC4_128_SHA', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'TLS_RSA_WITH_AES_128_CBC_SHA'] },
};

export function legacyTlsOnlyRule(): Rule {
  return {
    id: 'legacy-tls-only',
    onEvent(ev, _conn, host) {
      if (ev.kind !== 'tls.hello') return;
      const { oldVersion, weakSuitesOnly } = isLegacyOnly(ev.maxVersion, ev.cipherSuites);
      if (!oldVersion && !weakSuitesOnly) return;
      host.store.report({
        id: 'legacy-tls-only',
        severity: 'warning',
        conn: ev.conn,
        evidence: [ev.seq],
        update(d) {
          d.maxVersion = ev.maxVersion;
          d.cipherSuites = ev.cipherSuites.slice(0, 40);
          d.oldVersion = oldVersion;
          d.weakSuitesOnly = weakSuitesOnly;
          if (ev.sni) d.sni = ev.sni;
          // The advice names the protocols the phone tried TLS on: plaintext IMAP is no answer
          // for a phone whose trouble is sending.
          const protocol = host.smtp(ev.conn) ? 'SMTP' : host.pop3(ev.conn) ? 'POP3' : 'IMAP';
          const protocols = Array.isArray(d.protocols) ? (d.protocols as string[]) : [];
          if (!protocols.includes(protocol)) d.protocols = [...protocols, protocol];
        },
      });
    },
  };
}
