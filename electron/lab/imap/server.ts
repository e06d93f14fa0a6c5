/**
 * The IMAP listeners (plain on 143, implicit TLS on 993) over one shared set of sessions, so the
 * connection limit covers both (../connection/listeners.ts).
 */
import { createProtocolListeners, type ProtocolListeners } from '../connection/listeners.js';
import type { ImapServerOptions } from './options.js';
import { ImapSession } from './session.js';

export { SHUTDOWN_GRACE_MS } from '../connection/listeners.js';

export type ImapServer = ProtocolListeners<'imap' | 'imaps', ImapSession>;

export function createImapServer(options: ImapServerOptions, connId: () => string): ImapServer {
  return createProtocolListeners<'imap' | 'imaps', ImapSession>({
    recorder: options.recorder,
    maxConnections: options.limits.maxConnections,
    implicitTls: new Set(['imaps']),
    create: (socket, name, release) => {
      // The server variant this phone gets on this connection (variants.ts), when variants are on.
      const variant = options.variants?.pick(socket.remoteAddress ?? '?');
      return new ImapSession(connId(), socket, name, variant ? { ...options, ...variant.imap, variant } : options, release);
    },
    refuse: (session) => session.closeWithBye('server', 'Too many connections to the lab; try again later'),
  });
}
