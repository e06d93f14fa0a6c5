/**
 * The modern engine: OpenSSL through node:tls. TLS 1.2 and 1.3 as any current server, plus
 * TLS 1.0/1.1 with AES-CBC-SHA at @SECLEVEL=0 (without it OpenSSL 3 refuses SHA-1 signatures:
 * ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM, PEERS.md).
 *
 * The ClientHello was already read by the sniffer; the record tap (record-tap.ts) between the
 * socket and the TLSSocket delivers those bytes first, then the rest of the stream, and reads
 * the record headers going both ways (the alert sent, renegotiation attempts).
 */
import type { Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { TlsFailureReason } from '../../api.js';
import { Alert, ALERTS } from './names.js';
import { constants } from 'node:crypto';
import { MAX_RENEGOTIATION_ATTEMPTS } from './limits.js';
import { RecordTap, type SentAlert } from './record-tap.js';
import { reasonForClientAlert, type HandshakeReporter, type TlsFailureInfo } from './report.js';
import type { TlsIdentity } from './types.js';

export const MODERN_CIPHERS = 'DEFAULT:@SECLEVEL=0';
export const MODERN_MIN_VERSION = 'TLSv1';
export const MODERN_MAX_VERSION = 'TLSv1.3';
/** MODERN_MAX_VERSION as a wire code. */
export const MODERN_MAX_VERSION_CODE = 0x0304;

export function modernContext(identity: TlsIdentity): SecureContext {
  return createSecureContext({
    key: identity.keyPem,
    // The chain: server certificate then the lab CA (a phone that trusts the CA can build it).
    cert: identity.caPem ? `${identity.certPem.trim()}\n${identity.caPem.trim()}\n` : identity.certPem,
    // No trusted CAs: the lab asks no client for a certificate and sends its chain as given
    // above, so it has no use for them; without `ca`, Node loads its whole bundled root store
    // (about 140 certificates) into the first context, some 55 ms of the first TLS handshake.
    ca: [],
    ciphers: MODERN_CIPHERS,
    minVersion: MODERN_MIN_VERSION,
    maxVersion: MODERN_MAX_VERSION,
    honorCipherOrder: true,
    // Client-initiated renegotiation gets a no_renegotiation warning (watchEstablished).
    secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
  });
}

const ALERT_BY_UPPER: Record<string, number> = Object.fromEntries(Object.entries(ALERTS).map(([k, v]) => [v.toUpperCase(), Number(k)]));

/** Map an OpenSSL handshake error (err.code, err.reason) to the lab's failure vocabulary. */
export function classifyOpenSslError(err: NodeJS.ErrnoException & { reason?: string }): TlsFailureInfo {
  const code = err.code ?? '';
  const msg = err.message ?? String(err);
  // Alerts received from the peer: ERR_SSL_TLSV1_ALERT_UNKNOWN_CA, ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE…
  const m = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)$/.exec(code);
  if (m) {
    const alert = ALERT_BY_UPPER[m[1]];
    if (alert !== undefined) return { reason: reasonForClientAlert(alert), alert, alertFrom: 'client', description: `the client sent a fatal ${m[1].toLowerCase()} alert` };
  }
  const server = (reason: TlsFailureReason, alert: number, what: string): TlsFailureInfo => ({ reason, alert, alertFrom: 'server', description: `${what} (${code || msg})` });
  switch (code) {
    case 'ERR_SSL_NO_SHARED_CIPHER':
      return server('no-shared-cipher', Alert.handshakeFailure, 'no cipher suite in common');
    case 'ERR_SSL_UNSUPPORTED_PROTOCOL':
    case 'ERR_SSL_VERSION_TOO_LOW':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_UNKNOWN_PROTOCOL':
      return server('protocol-version', Alert.protocolVersion, 'protocol version not supported');
    case 'ERR_SSL_INAPPROPRIATE_FALLBACK':
      return server('protocol-version', Alert.inappropriateFallback, 'TLS_FALLBACK_SCSV on a downgraded connection');
    case 'ERR_SSL_RECORD_LENGTH_MISMATCH':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
    case 'ERR_SSL_ENCRYPTED_LENGTH_TOO_LONG':
    case 'ERR_SSL_DATA_LENGTH_TOO_LONG':
      return server('malformed', Alert.recordOverflow, 'record too long');
    case 'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC':
    case 'ERR_SSL_BAD_RECORD_MAC':
      return server('malformed', Alert.badRecordMac, 'bad record MAC');
    case 'ECONNRESET':
    case 'EPIPE':
      return { reason: 'client-closed', description: `the client reset the connection (${code})` };
    // ERR_SSL_CIPHER_OPERATION_FAILED: an AEAD record that does not authenticate (GCM,
    // ChaCha20; TLS 1.3 records are encrypted, so only the code tells; tlsfuzzer's
    // fuzzed-ciphertext cases receive bad_record_mac).
    case 'ERR_SSL_DECRYPTION_FAILED':
    case 'ERR_SSL_CIPHER_OPERATION_FAILED':
      return server('malformed', Alert.badRecordMac, 'record did not decrypt');
    case 'ERR_SSL_BAD_KEY_UPDATE': // tlsfuzzer's KeyUpdate cases receive illegal_parameter
      return server('malformed', Alert.illegalParameter, 'malformed KeyUpdate');
    case 'ERR_SSL_UNEXPECTED_MESSAGE':
    case 'ERR_SSL_UNEXPECTED_RECORD':
    case 'ERR_SSL_CCS_RECEIVED_EARLY':
    case 'ERR_SSL_TOO_MANY_WARN_ALERTS':
      return server('malformed', Alert.unexpectedMessage, 'message out of place');
    case 'ERR_SSL_DIGEST_CHECK_FAILED':
    case 'ERR_SSL_BAD_SIGNATURE':
      return server('malformed', Alert.decryptError, 'the client Finished or signature did not verify');
    case 'ERR_SSL_LENGTH_MISMATCH':
    case 'ERR_SSL_LENGTH_TOO_SHORT':
    case 'ERR_SSL_BAD_PACKET':
    case 'ERR_SSL_BAD_LENGTH':
      return server('malformed', Alert.decodeError, 'a message whose lengths do not add up');
    case 'ERR_SSL_EXCESSIVE_MESSAGE_SIZE':
      return server('malformed', Alert.illegalParameter, 'handshake message too large');
    case 'ERR_SSL_NO_SUITABLE_KEY_SHARE':
    case 'ERR_SSL_NO_SHARED_GROUPS':
    case 'ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM':
    case 'ERR_SSL_UNSAFE_LEGACY_RENEGOTIATION_DISABLED':
    case 'ERR_SSL_RENEGOTIATION_MISMATCH':
      return server('no-shared-cipher', Alert.handshakeFailure, 'no parameters in common');
    default:
      // Which alert OpenSSL sent for the rest is not in the error; the record tap reads it when
      // it was plaintext (withSentAlert), and otherwise the event names none rather than a guess.
      if (/^ERR_(SSL|TLS)_/.test(code)) return { reason: 'malformed', description: `rejected by OpenSSL (${code})` };
      return { reason: 'internal', description: msg };
  }
}

export interface ModernHandle {
  result: Promise<{ stream: TLSSocket; version: string; cipher: string }>;
  abort(info: TlsFailureInfo): void;
}

/** The alert a failure names: the one the tap read off the wire when it travelled in plaintext;
 * OpenSSL's error code otherwise (an encrypted alert cannot be read, only mapped). */
function withSentAlert(info: TlsFailureInfo, sent: SentAlert | undefined): TlsFailureInfo {
  if (info.alertFrom === 'client' || !sent) return info;
  if (!sent.encrypted && sent.code !== undefined) return { ...info, alert: sent.code, alertFrom: 'server' };
  return info.alert === undefined ? { ...info, description: `${info.description}; the lab sent an encrypted alert` } : info;
}

/** node:tls errors that are TLS-level (an alert sent or received), not a socket reset. */
function isTlsError(err: NodeJS.ErrnoException): boolean {
  return /^ERR_(SSL|TLS)_/.test(err.code ?? '');
}

/** Start the handshake on `socket`; `raw` is every byte already read from it. */
export function startModern(socket: Socket, raw: Buffer, context: SecureContext, report: HandshakeReporter): ModernHandle {
  socket.pause();
  const tap = new RecordTap(socket, raw, (chunk) => report.wire.out(chunk));
  const tlsSocket = new TLSSocket(tap as unknown as Socket, { isServer: true, secureContext: context, requestCert: false });
  // OpenSSL's key log callback (SSL_CTX_set_keylog_callback): CLIENT_RANDOM for TLS ≤ 1.2, the
  // five traffic secrets of TLS 1.3, each as OpenSSL derives it, before the records it protects.
  tlsSocket.on('keylog', (line: Buffer) => report.wire.keylog(line.toString('latin1')));
  let settled = false;
  let fail!: (info: TlsFailureInfo) => void;
  const result = new Promise<{ stream: TLSSocket; version: string; cipher: string }>((resolve, reject) => {
    fail = (info: TlsFailureInfo): void => {
      if (settled) return;
      settled = true;
      report.failed(withSentAlert(info, tap.sentAlert));
      tlsSocket.destroy();
      tap.destroy();
      reject(Object.assign(new Error(info.description), { info }));
    };
    tlsSocket.once('secure', () => {
      if (settled) return;
      settled = true;
      const version = tlsSocket.getProtocol() ?? 'unknown';
      const cipher = tlsSocket.getCipher()?.standardName ?? 'unknown';
      report.established(version, cipher, 'modern');
      tlsSocket.off('error', onError);
      tlsSocket.off('close', onClose);
      // From here the protocol layer owns the stream and its errors; this no-op only keeps a
      // reset arriving before it attached its handler from becoming an uncaught exception.
      tlsSocket.on('error', () => undefined);
      watchEstablished(tlsSocket, tap, version, report);
      resolve({ stream: tlsSocket, version, cipher });
    });
    // The alert OpenSSL wrote reaches the tap in the same turn; read it after that turn.
    const onError = (err: Error): void => void setImmediate(() => fail(classifyOpenSslError(err as NodeJS.ErrnoException)));
    const onClose = (): void => fail({ reason: 'client-closed', description: 'the client closed the connection during the handshake' });
    tlsSocket.on('error', onError);
    tlsSocket.on('close', onClose);
  });
  result.catch(() => undefined);
  return { result, abort: (info: TlsFailureInfo) => fail(info) };
}

/**
 * After the handshake. A server-side TLSSocket made without a tls.Server never gets "control
 * released", so node:tls reports fatal errors (bad_record_mac, an alert from the client…) only
 * through its internal `_tlsError` event and leaves the connection open: close it at once and
 * record what happened. Client renegotiation is refused by OpenSSL (SSL_OP_NO_RENEGOTIATION: a
 * no_renegotiation warning, RFC 5746 §4.4); each attempt is recorded, and the connection is
 * closed after MAX_RENEGOTIATION_ATTEMPTS, as in the legacy engine.
 */
function watchEstablished(tlsSocket: TLSSocket, tap: RecordTap, version: string, report: HandshakeReporter): void {
  let closed = false;
  tlsSocket.on('_tlsError', (err: NodeJS.ErrnoException) => {
    if (closed) return;
    closed = true;
    const info = isTlsError(err) ? classifyOpenSslError(err) : undefined;
    // A client's fatal alert now ends a session that worked: the client closed it.
    if (info?.alertFrom === 'client') info.reason = 'client-closed';
    // OpenSSL hands its alert to the stream after this callback returns: close once it has.
    setImmediate(() => {
      if (info) report.failedAfterHandshake(withSentAlert(info, tap.sentAlert));
      tlsSocket.destroy();
      tap.destroy();
    });
  });
  if (version === 'TLSv1.3') return;
  let attempts = 0;
  tap.watchRenegotiation = true;
  tap.onRenegotiationRecord = () => {
    if (closed) return;
    attempts += 1;
    report.renegotiationRefused(attempts);
    if (attempts > MAX_RENEGOTIATION_ATTEMPTS) {
      closed = true;
      report.failedAfterHandshake({ reason: 'malformed', description: `more than ${MAX_RENEGOTIATION_ATTEMPTS} renegotiation attempts; connection closed` });
      tlsSocket.destroy();
      tap.destroy();
    }
  };
}
