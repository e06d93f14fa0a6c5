/**
 * One place that turns handshake outcomes into events, exactly once per connection:
 * `tls.hello`, then `tls.established` or `tls.failed`. Each is flushed to the session file
 * before the bytes it explains go on the wire (recorder rule, COMMON.md).
 */
import type { TlsEngineName, TlsFailureReason } from '../../api.js';
import type { SessionRecorder } from '../recorder/recorder.js';
import type { CertificateInfo } from './certificate-info.js';
import { alertName } from './names.js';
import { WireRecorder } from './wire.js';

export interface TlsFailureInfo {
  reason: TlsFailureReason;
  /** Alert code, when one was sent or received. */
  alert?: number;
  alertFrom?: 'client' | 'server';
  description: string;
}

/**
 * What a client's fatal alert during the handshake says about the failure. RFC 5246 §7.2.2:
 * unknown_ca means no trusted CA was found for the chain (the client lacks the lab CA); the
 * others mean it found one but refused this certificate (its algorithm, name or dates).
 */
export function reasonForClientAlert(alert: number): TlsFailureReason {
  switch (alert) {
    case 48: // unknown_ca
      return 'client-lacks-ca';
    case 42: // bad_certificate
    case 43: // unsupported_certificate
    case 44: // certificate_revoked
    case 45: // certificate_expired
    case 46: // certificate_unknown
      return 'client-rejected-certificate';
    case 70: // protocol_version
    case 86: // inappropriate_fallback
      return 'protocol-version';
    case 40: // handshake_failure
    case 71: // insufficient_security
      return 'no-shared-cipher';
    case 0: // close_notify
    case 90: // user_canceled
      return 'client-closed';
    default:
      return 'malformed';
  }
}

/** Failures that happen only once the client has the certificate. */
export function isCertificateReason(reason: TlsFailureReason): boolean {
  return reason === 'client-lacks-ca' || reason === 'client-rejected-certificate';
}

export class HandshakeReporter {
  private settled = false;
  /** The server certificate chosen for this connection (set by the acceptor before any engine runs). */
  served?: CertificateInfo;
  /** Whether the server's first flight (which carries the certificate) has gone out: a client
   * that closes after it may have refused the certificate without an alert (GnuTLS does). */
  certificateSent?: () => boolean;

  /** The connection's raw bytes and key log lines (wire.ts). */
  readonly wire: WireRecorder;

  constructor(
    readonly recorder: SessionRecorder,
    readonly conn: string,
    readonly mode: 'implicit' | 'starttls',
  ) {
    this.wire = new WireRecorder(recorder, conn);
  }

  get done(): boolean {
    return this.settled;
  }

  /** Record tls.failed (first outcome only) and flush. Returns false if already settled. */
  failed(info: TlsFailureInfo): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.recordFailure(info, false);
    return true;
  }

  /** A fatal TLS error on an established session (the connection is closing): `tls.failed`
   * with `afterHandshake`, after the `tls.established` it follows. */
  failedAfterHandshake(info: TlsFailureInfo): void {
    this.recordFailure(info, true);
  }

  private recordFailure(info: TlsFailureInfo, afterHandshake: boolean): void {
    this.recorder.record({
      kind: 'tls.failed',
      conn: this.conn,
      reason: info.reason,
      ...(info.alert !== undefined ? { alert: alertName(info.alert), alertFrom: info.alertFrom ?? 'server' } : {}),
      description: info.description,
      ...(afterHandshake ? { afterHandshake: true as const } : {}),
      ...(!afterHandshake && (isCertificateReason(info.reason) || (info.reason === 'client-closed' && this.certificateSent?.())) ? this.servedFields() : {}),
    });
    this.recorder.flush();
  }

  /** A client-initiated renegotiation refused with a no_renegotiation warning (RFC 5746 §4.4). */
  renegotiationRefused(attempt: number, bytes?: number): void {
    this.recorder.record({
      kind: 'input.rejected',
      conn: this.conn,
      what: 'tls-renegotiation',
      detail: `client-initiated renegotiation refused with a no_renegotiation warning (attempt ${attempt})`,
      ...(bytes !== undefined ? { bytes } : {}),
    });
    this.recorder.flush();
  }

  established(version: string, cipher: string, engine: TlsEngineName): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.recorder.record({ kind: 'tls.established', conn: this.conn, version, cipher, engine, mode: this.mode, ...this.servedFields() });
    this.recorder.flush();
    return true;
  }

  private servedFields(): { certificate?: CertificateInfo['certificate']; certificateNames?: string[] } {
    if (!this.served) return {};
    return { ...(this.served.certificate ? { certificate: this.served.certificate } : {}), certificateNames: this.served.names };
  }
}
