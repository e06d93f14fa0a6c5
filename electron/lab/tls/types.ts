/**
 * The TLS layer as the protocol listeners see it. A listener hands over a connected
 * socket (implicit TLS on 993, or after `OK Begin TLS negotiation now` for STARTTLS) and gets
 * back a plaintext Duplex. The acceptor records `tls.hello`, `tls.established` or `tls.failed`
 * itself; the listener records the plaintext it reads and writes as c2s/s2c with `tls: true`.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TlsEngineName } from '../../api.js';
import type { SessionRecorder } from '../recorder/recorder.js';

export type TlsEngineChoice = 'auto' | TlsEngineName;

export interface TlsAcceptContext {
  conn: string;
  mode: 'implicit' | 'starttls';
  recorder: SessionRecorder;
  /**
   * Bytes the listener already read from the socket past the STARTTLS command line (a client
   * that sent its ClientHello without waiting): they are treated as the start of the TLS stream.
   * Alternatively `socket.unshift()` them before calling accept(). The listener must remove its
   * own 'data' listeners from the socket before calling accept().
   */
  initialBytes?: Buffer;
}

export interface TlsSession {
  /** Plaintext side: read what the client sent, write what to send it. */
  stream: Duplex;
  version: string;
  /** IANA suite name. */
  cipher: string;
  engine: TlsEngineName;
}

export interface TlsAcceptor {
  /**
   * Run the server side of a handshake on `socket`. Resolves once the session is established.
   * On failure it records `tls.failed`, destroys the socket and rejects with TlsHandshakeError.
   */
  accept(socket: Socket, ctx: TlsAcceptContext): Promise<TlsSession>;
}

export class TlsHandshakeError extends Error {
  override name = 'TlsHandshakeError';
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

/** The lab's certificate and key, PEM, as the TLS engines need them. */
export interface TlsIdentity {
  keyPem: string;
  certPem: string;
  /** The CA that issued certPem, sent as the chain's second element. */
  caPem?: string;
  /**
   * The same names and key signed with SHA-1, for clients of that era; certPem is then the
   * SHA-256 one. Each connection gets one of the two (certificate-choice.ts); without it every
   * connection gets certPem.
   */
  sha1CertPem?: string;
}

/** What `createTlsAcceptor` takes (electron/lab/tls/index.ts). */
export interface TlsAcceptorOptions {
  /** Key and certificates. Either this or `certificates` (a LabCertificates from certs/). */
  identity?: TlsIdentity;
  certificates?: { serverKeyPem: string; serverCertPem: string; caCertPem?: string; serverSha1CertPem?: string };
  /** `--tls auto|modern|legacy`; default 'auto'. */
  engine?: TlsEngineChoice;
  /** Legacy suites by IANA name in server preference order (default DEFAULT_LEGACY_SUITE_ORDER). */
  legacySuites?: string[];
  /** Versions the legacy engine speaks; default TLSv1–TLSv1.1. */
  legacyMinVersion?: 'TLSv1' | 'TLSv1.1';
  legacyMaxVersion?: 'TLSv1' | 'TLSv1.1';
  /** The legacy engine's first flight: one record per handshake message (default) or one record
   * for all three (bench comparison only). */
  legacyServerFlight?: 'record-per-message' | 'one-record';
  /** From accept() to an established session (default HANDSHAKE_TIMEOUT_MS). */
  handshakeTimeoutMs?: number;
  /** Bytes the client may send before the session is established (default MAX_HANDSHAKE_BYTES). */
  maxHandshakeBytes?: number;
}
