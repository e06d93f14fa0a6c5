/** The POP3 listeners (STLS on 110, implicit TLS on 995, RFC 8314) over one shared set of sessions (../connection/listeners.ts). */
import { createProtocolListeners, type ProtocolListeners } from '../connection/listeners.js';
import { MailboxChanger } from './mailbox-change.js';
import type { Pop3ServerOptions, Pop3SessionOptions } from './options.js';
import { Pop3Session } from './session.js';

export type Pop3Server = ProtocolListeners<'pop3' | 'pop3s', Pop3Session>;

export function createPop3Server(server: Pop3ServerOptions, connId: () => string): Pop3Server {
  const options: Pop3SessionOptions = { ...server, changer: new MailboxChanger(server.mailboxChange, server.store, server.recorder, server.hostname, server.limits.maxMailboxChanges) };
  return createProtocolListeners<'pop3' | 'pop3s', Pop3Session>({
    recorder: options.recorder,
    maxConnections: options.limits.maxConnections,
    implicitTls: new Set(['pop3s']),
    create: (socket, name, release) => new Pop3Session(connId(), socket, name, options, release),
    refuse: (session) => session.closeWith('server', '[SYS/TEMP] Too many connections to the lab; try again later.'),
  });
}
