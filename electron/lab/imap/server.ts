/**
 * The IMAP listeners (plain on 143, implicit TLS on 993) over one shared set of sessions, so the
 * connection limit covers both. Connections accepted before `open()` wait, so that `lab.start`
 * is always the first event of a session file.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { ListenerAddress } from '../../api.js';
import type { ImapServerOptions } from './options.js';
import { ImapSession, type SessionHost } from './session.js';

export interface ImapServer {
  /** Listen; resolves with the bound address (port 0 picks a free port). Rejects with the listen error. */
  listen(name: 'imap' | 'imaps', port: number, host: string): Promise<ListenerAddress>;
  /** Start serving (connections that arrived earlier are served now). */
  open(): void;
  readonly sessions: ReadonlySet<ImapSession>;
  /** Stop listening, say BYE to every session, wait (bounded) for them to close. */
  close(): Promise<void>;
}

/** How long close() waits for sessions to finish after BYE before giving up on them. */
export const SHUTDOWN_GRACE_MS = 2000;

export function createImapServer(options: ImapServerOptions, connId: () => string): ImapServer {
  const sessions = new Set<ImapSession>();
  const servers: Server[] = [];
  const waiting: Array<[Socket, 'imap' | 'imaps']> = [];
  let opened = false;
  let closing = false;
  const idle: Array<() => void> = [];

  const host: SessionHost = {
    options,
    release(s) {
      sessions.delete(s);
      if (sessions.size === 0) for (const fn of idle.splice(0)) fn();
    },
  };

  function serve(socket: Socket, name: 'imap' | 'imaps'): void {
    if (closing) {
      socket.destroy();
      return;
    }
    const full = sessions.size >= options.limits.maxConnections;
    const variant = options.variants?.pick(socket.remoteAddress ?? '?');
    const session = new ImapSession(connId(), socket, name, variant ? { ...host, options: { ...options, ...variant.imap, variant } } : host);
    sessions.add(session);
    if (full) {
      session.rejected('too-many-connections', `${options.limits.maxConnections} connections are already open`, null);
      session.closeWithBye('server', 'Too many connections to the lab; try again later');
      return;
    }
    if (name === 'imaps') session.startImplicitTls();
    else session.startPlain();
  }

  return {
    sessions,
    listen(name, port, hostAddr) {
      return new Promise((resolve, reject) => {
        const server = createServer({ noDelay: true }, (socket) => {
          if (opened) serve(socket, name);
          else waiting.push([socket, name]);
        });
        server.maxConnections = options.limits.maxConnections * 2; // the kernel-level backstop; the BYE path handles the soft limit
        server.once('error', reject);
        server.listen({ port, host: hostAddr, backlog: 1024 }, () => {
          server.removeListener('error', reject);
          server.on('error', (err) => options.recorder.record({ kind: 'lab.error', where: `imap.listener.${name}`, message: err.message }));
          servers.push(server);
          const addr = server.address();
          if (addr && typeof addr === 'object') resolve({ host: addr.address, port: addr.port });
          else reject(new Error('listener has no address'));
        });
      });
    },
    open() {
      opened = true;
      for (const [socket, name] of waiting.splice(0)) serve(socket, name);
    },
    async close() {
      closing = true;
      const closed = Promise.all(servers.map((s) => new Promise<void>((res) => s.close(() => res()))));
      for (const [socket] of waiting.splice(0)) socket.destroy();
      const drained = new Promise<void>((res) => {
        if (sessions.size === 0) res();
        else idle.push(res);
      });
      for (const s of [...sessions]) s.shutdown();
      await Promise.race([drained, new Promise((res) => setTimeout(res, SHUTDOWN_GRACE_MS).unref())]);
      await closed;
    },
  };
}
