/**
 * The SMTP listeners (submission with STARTTLS on 587, implicit TLS on 465, RFC 8314) over one
 * shared set of sessions and one message spool (../connection/listeners.ts).
 */
import { createProtocolListeners, type ProtocolListeners } from '../connection/listeners.js';
import type { SmtpServerOptions } from './options.js';
import { SmtpSession } from './session.js';
import { MessageSpool } from './spool.js';

export type SmtpServer = ProtocolListeners<'smtp' | 'smtps', SmtpSession> & { readonly spool: MessageSpool };

export function createSmtpServer(options: SmtpServerOptions, connId: () => string): SmtpServer {
  const spool = new MessageSpool(options.spoolDir, options.store, options.limits);
  const listeners = createProtocolListeners<'smtp' | 'smtps', SmtpSession>({
    recorder: options.recorder,
    maxConnections: options.limits.maxConnections,
    implicitTls: new Set(['smtps']),
    create: (socket, name, release) => new SmtpSession(connId(), socket, name, options, spool, release),
    refuse: (session) => session.closeWith('server', 'Too many connections to the lab; try again later'),
  });
  const closeListeners = listeners.close.bind(listeners);
  return Object.assign(listeners, {
    spool,
    // Message files still being created in the background are finished (or removed) first.
    close: async () => {
      await closeListeners();
      await spool.settled();
      spool.tidy();
    },
  });
}
