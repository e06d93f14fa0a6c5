/**
 * The TLS layer. The IMAP listener calls
 *   const acceptor = createTlsAcceptor({ certificates, engine: options.tls });
 *   const { stream } = await acceptor.accept(socket, { conn, mode: 'implicit' | 'starttls', recorder });
 * and reads/writes plaintext on `stream`, recording it as c2s/s2c with tls: true.
 */
import { createAcceptor } from './acceptor.js';
import type { TlsAcceptor, TlsAcceptorOptions } from './types.js';

export function createTlsAcceptor(opts: TlsAcceptorOptions): TlsAcceptor {
  return createAcceptor(opts);
}

export { HANDSHAKE_TIMEOUT_MS, MAX_HANDSHAKE_BYTES } from './acceptor.js';
export { MAX_CLIENT_HELLO_BYTES, parseClientHello, helloEvent, ja3String, ja4 } from './hello.js';
export type { ParsedClientHello, HelloParseResult } from './hello.js';
export { chooseEngine } from './choose.js';
export { chooseCertificate } from './certificate-choice.js';
export { MAX_RENEGOTIATION_ATTEMPTS } from './limits.js';
export { MAX_WARNING_ALERTS_IN_A_ROW } from './legacy/engine.js';
export { DEFAULT_LEGACY_SUITE_ORDER, LEGACY_SUITES } from './legacy/suites.js';
export { TlsHandshakeError } from './types.js';
export type { TlsAcceptor, TlsAcceptorOptions, TlsAcceptContext, TlsSession, TlsIdentity, TlsEngineChoice } from './types.js';
