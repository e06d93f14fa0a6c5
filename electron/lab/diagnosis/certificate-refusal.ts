/**
 * When a client refused the lab's certificate, and which property of it most likely: shared by
 * the `tls-handshake-failed` and `tls-no-command` rules and the attempt steps.
 *
 * - An alert says it (RFC 5246 §7.2.2): unknown_ca → the client lacks the lab CA
 *   (`client-lacks-ca`); bad_certificate, unsupported_certificate, certificate_unknown,
 *   certificate_expired, certificate_revoked → it holds a CA but refuses this certificate
 *   (`client-rejected-certificate`). Sessions of older versions recorded unknown_ca as
 *   client-rejected-certificate: the alert decides.
 * - Without an alert: a client that offered TLS 1.2 or later and closed after receiving the
 *   certificate — during the handshake (gnutls-cli with TLS 1.3 closes before its Finished), or
 *   right after it without a single command (mbsync and curl check the certificate after the
 *   handshake; mutt asks a person and closes on "reject") — refused it. The seed's Nokia 6233
 *   also sent nothing after a completed handshake, but with TLS 1.0: that stays `tls-no-command`.
 * - Which property: certificate_expired → its dates; a SHA-1 certificate to a TLS 1.2+ client →
 *   the SHA-1 signature (OpenSSL 3, GnuTLS, Node refuse it); the SNI name, or failing that the
 *   address the client connected to, missing from the certificate's names → the name; otherwise,
 *   after the handshake with no alert, most likely trust (the CA is missing or another one).
 */
import type { LabEvent, TlsFailureReason } from '../../api.js';
import type { ConnState } from './conversation.js';
import { TLS12_RANK, versionRank } from './rules/legacy-tls-only.js';

type FailedEvent = Extract<LabEvent, { kind: 'tls.failed' }>;

export type RefusedProperty = 'sha1-signature' | 'name' | 'dates' | 'trust' | 'unknown';

export interface CertificateRefusal {
  reason: Extract<TlsFailureReason, 'client-lacks-ca' | 'client-rejected-certificate'>;
  /** How the client said it: a fatal alert, or a close with none. */
  how: 'alert' | 'closed-during-handshake' | 'closed-after-handshake';
  /** The properties the client most likely refused, most likely first (only for a rejection). */
  refused: RefusedProperty[];
  /** The name the client asked for (SNI), or the lab address it connected to. */
  askedFor?: string;
  certificate?: string;
  certificateNames?: string[];
}

/** "10.0.0.5:993" / "::ffff:10.0.0.5:993" / "[::1]:993" → the address alone. */
export function addressOf(hostPort: string): string {
  const m = /^\[?(.*?)\]?:\d+$/.exec(hostPort);
  const host = m ? m[1] : hostPort;
  return host.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '').toLowerCase();
}

/** The client offered TLS 1.2 or later: it verifies as current stacks do (signature_algorithms exists). */
export function offeredModernTls(conn: ConnState | undefined): boolean {
  const rank = conn?.tlsHello ? versionRank(conn.tlsHello.maxVersion) : undefined;
  return rank !== undefined && rank >= TLS12_RANK;
}

/** TLS established, then the connection ended with no byte from the client inside it, from a client that offered TLS 1.2+. */
export function closedAfterModernHandshake(conn: ConnState): boolean {
  return conn.tlsEstablishedSeq !== undefined && conn.tlsClientBytes === 0 && offeredModernTls(conn);
}

/** …and nothing else explains the close: no fatal TLS error after the handshake (a bad record is
 * protocol-violation's, not a certificate check). Leaving TLS for clear text without a byte
 * inside it is a client giving up on the certificate, not a bad record. */
export function refusedAfterHandshake(conn: ConnState): boolean {
  return closedAfterModernHandshake(conn) && !conn.tlsErrorAfterHandshake;
}

/** A modern client that completed the handshake, sent nothing inside TLS and then spoke in clear: it refused the certificate. */
export function leftTlsForClearText(conn: ConnState | undefined): boolean {
  return conn !== undefined && conn.clearTextAfterHandshake && offeredModernTls(conn);
}

function suspects(conn: ConnState | undefined, alert: string | undefined, certificate: string | undefined, names: string[] | undefined, how: CertificateRefusal['how']): { refused: RefusedProperty[]; askedFor?: string } {
  const refused: RefusedProperty[] = [];
  if (alert === 'certificate_expired') refused.push('dates');
  if (certificate === 'sha1' && offeredModernTls(conn)) refused.push('sha1-signature');
  const askedFor = conn?.tlsHello?.sni?.toLowerCase() ?? conn?.localAddress;
  if (askedFor !== undefined && names !== undefined && !names.includes(askedFor)) refused.push('name');
  if (refused.length === 0) refused.push(how === 'alert' ? 'unknown' : 'trust');
  return { refused, ...(askedFor !== undefined ? { askedFor } : {}) };
}

/** A tls.failed that is a certificate refusal, read with what the connection showed before it. */
export function refusalFromFailure(ev: FailedEvent, conn: ConnState | undefined): CertificateRefusal | undefined {
  const cert = certFields(ev.certificate, ev.certificateNames);
  if (ev.reason === 'client-lacks-ca' || (ev.alert === 'unknown_ca' && ev.alertFrom !== 'server')) {
    return { reason: 'client-lacks-ca', how: 'alert', refused: [], ...cert };
  }
  let how: CertificateRefusal['how'];
  if (ev.reason === 'client-rejected-certificate') how = 'alert';
  // The lab records the certificate on a close only once it had sent it (tls/report.ts).
  else if (ev.reason === 'client-closed' && ev.certificate !== undefined && offeredModernTls(conn)) how = 'closed-during-handshake';
  else return undefined;
  return { reason: 'client-rejected-certificate', how, ...suspects(conn, ev.alert, ev.certificate, ev.certificateNames, how), ...cert };
}

/** A connection that ended right after a modern handshake without a command: a refusal checked after the handshake. */
export function refusalAfterHandshake(conn: ConnState): CertificateRefusal {
  const c = conn.tlsCertificate;
  const how = 'closed-after-handshake';
  return { reason: 'client-rejected-certificate', how, ...suspects(conn, undefined, c?.certificate, c?.names, how), ...certFields(c?.certificate, c?.names) };
}

function certFields(certificate: string | undefined, names: string[] | undefined): Pick<CertificateRefusal, 'certificate' | 'certificateNames'> {
  return { ...(certificate !== undefined ? { certificate } : {}), ...(names !== undefined ? { certificateNames: names } : {}) };
}
