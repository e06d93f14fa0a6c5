/**
 * The TLS layer as the protocol listeners see it (issue 3). A listener hands over a connected
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
}
