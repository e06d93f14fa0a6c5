/**
 * The IMAP listeners (plain on 143, implicit TLS on 993) over one shared set of sessions, so the
 * connection limit covers both (../connection/listeners.ts).
 */
import { createProtocolListeners, type ProtocolListeners } from '../connection/listeners.js';
import { LiteralSpoolBudget } from './literal-spool.js';
import type { ImapServerOptions } from './options.js';
import { ImapSession } from './session.js';

export { SHUTDOWN_GRACE_MS } from '../connection/listeners.js';

export type ImapServer = ProtocolListeners<'imap' | 'imaps', ImapSession>;

export function createImapServer(given: ImapServerOptions, connId: () => string): ImapServer {
  // One count of spooled bytes for every connection of both listeners: the cap is lab-wide.
  const options = { ...given, literalSpoolBudget: given.literalSpoolBudget ?? new LiteralSpoolBudget(given.limits.maxSpooledLiteralBytes) };
  return createProtocolListeners<'imap' | 'imaps', ImapSession>({
    recorder: options.recorder,
    maxConnections: options.limits.maxConnections,
    implicitTls: new Set(['imaps']),
    create: (socket, name, release) => {
      // `--variants auto`: this connection's behaviour comes from the phone's rotation (variants.ts).
      const variant = options.variants?.pick(socket.remoteAddress ?? '?');
      return new ImapSession(connId(), socket, name, variant ? { ...options, ...variant.imap, variant } : options, release);
    },
    refuse: (session) => session.closeWithBye('server', 'Too many connections to the lab; try again later'),
  });
}
