/**
 * The modern engine: OpenSSL through node:tls. TLS 1.2 and 1.3 as any current server, plus
 * TLS 1.0/1.1 with AES-CBC-SHA at @SECLEVEL=0 (without it OpenSSL 3 refuses SHA-1 signatures:
 * ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM, PEERS.md).
 *
 * The ClientHello was already read by the sniffer; those bytes are put back with
 * `socket.unshift()` before the TLSSocket wraps the socket (Node's TLSSocket feeds a wrapped
 * socket's already-buffered data to OpenSSL first).
 */
import type { Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { TlsFailureReason } from '../../api.js';
import { Alert, ALERTS } from './names.js';
import { reasonForClientAlert, type HandshakeReporter, type TlsFailureInfo } from './report.js';
import type { TlsIdentity } from './types.js';

export const MODERN_CIPHERS = 'DEFAULT:@SECLEVEL=0';
export const MODERN_MIN_VERSION = 'TLSv1';

export function modernContext(identity: TlsIdentity): SecureContext {
  return createSecureContext({
    key: identity.keyPem,
    // The chain: server certificate then the lab CA (a phone that trusts the CA can build it).
    cert: identity.caPem ? `${identity.certPem.trim()}\n${identity.caPem.trim()}\n` : identity.certPem,
    ciphers: MODERN_CIPHERS,
    minVersion: MODERN_MIN_VERSION,
    maxVersion: 'TLSv1.3',
    honorCipherOrder: true,
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
    default:
      if (/^ERR_SSL_/.test(code)) return server('malformed', Alert.decodeError, 'handshake rejected by OpenSSL');
      return { reason: 'internal', description: msg };
  }
}

export interface ModernHandle {
  result: Promise<{ stream: TLSSocket; version: string; cipher: string }>;
  abort(info: TlsFailureInfo): void;
}

/** Start the handshake on `socket`; `raw` is every byte already read from it. */
export function startModern(socket: Socket, raw: Buffer, context: SecureContext, report: HandshakeReporter): ModernHandle {
  socket.pause();
  if (raw.length > 0) socket.unshift(raw);
  const tlsSocket = new TLSSocket(socket, { isServer: true, secureContext: context, requestCert: false });
  let settled = false;
  let rejectFn!: (e: Error) => void;
  const result = new Promise<{ stream: TLSSocket; version: string; cipher: string }>((resolve, reject) => {
    rejectFn = reject;
    const fail = (info: TlsFailureInfo): void => {
      if (settled) return;
      settled = true;
      report.failed(info);
      tlsSocket.destroy();
      socket.destroy();
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
      resolve({ stream: tlsSocket, version, cipher });
    });
    const onError = (err: Error): void => fail(classifyOpenSslError(err as NodeJS.ErrnoException));
    const onClose = (): void => fail({ reason: 'client-closed', description: 'the client closed the connection during the handshake' });
    tlsSocket.on('error', onError);
    tlsSocket.on('close', onClose);
  });
  result.catch(() => undefined);
  return {
    result,
    abort(info: TlsFailureInfo): void {
      if (settled) return;
      settled = true;
      report.failed(info);
      tlsSocket.destroy();
      socket.destroy();
      rejectFn(Object.assign(new Error(info.description), { info }));
    },
  };
}
