/**
 * The listeners of one protocol (plain and implicit TLS: 143/993, 587/465) over one shared set of
 * connections, so that the connection limit covers both. Connections accepted before `open()`
 * wait, so that `lab.start` is always the first event of a session file.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { ListenerAddress } from '../../api.js';
import type { SessionRecorder } from '../recorder/recorder.js';
import type { LabConnection } from './connection.js';

export interface ProtocolListeners<Name extends string, C extends LabConnection> {
  /** Listen; resolves with the bound address (port 0 picks a free port). Rejects with the listen error. */
  listen(name: Name, port: number, host: string): Promise<ListenerAddress>;
  /** Start serving (connections that arrived earlier are served now). */
  open(): void;
  readonly sessions: ReadonlySet<C>;
  /** Stop listening, say goodbye to every session, wait (bounded) for them to close. */
  close(): Promise<void>;
}

/** How long close() waits for sessions to finish after their farewell before giving up on them. */
export const SHUTDOWN_GRACE_MS = 2000;

export interface ListenerSpec<Name extends string, C extends LabConnection> {
  recorder: SessionRecorder;
  maxConnections: number;
  /** The listener names that speak TLS from the first byte (RFC 8314). */
  implicitTls: ReadonlySet<Name>;
  /** A new session on an accepted socket; `release` must be called once when it is gone. */
  create(socket: Socket, name: Name, release: (c: LabConnection) => void): C;
  /** Refuse a session past the connection limit, in the protocol's words. */
  refuse(session: C): void;
}

export function createProtocolListeners<Name extends string, C extends LabConnection>(spec: ListenerSpec<Name, C>): ProtocolListeners<Name, C> {
  const sessions = new Set<C>();
  const servers: Server[] = [];
  const waiting: Array<[Socket, Name]> = [];
  let opened = false;
  let closing = false;
  const idle: Array<() => void> = [];

  const release = (s: LabConnection) => {
    sessions.delete(s as C);
    if (sessions.size === 0) for (const fn of idle.splice(0)) fn();
  };

  function serve(socket: Socket, name: Name): void {
    if (closing) {
      socket.destroy();
      return;
    }
    const full = sessions.size >= spec.maxConnections;
    const session = spec.create(socket, name, release);
    sessions.add(session);
    if (full) {
      session.rejected('too-many-connections', `${spec.maxConnections} connections are already open`, null);
      spec.refuse(session);
      return;
    }
    if (spec.implicitTls.has(name)) session.startImplicitTls();
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
        server.maxConnections = spec.maxConnections * 2; // the kernel-level backstop; the farewell path handles the soft limit
        server.once('error', reject);
        server.listen({ port, host: hostAddr, backlog: 1024 }, () => {
          server.removeListener('error', reject);
          server.on('error', (err) => spec.recorder.record({ kind: 'lab.error', where: `listener.${name}`, message: err.message }));
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
