/**
 * A small IMAP-like server and client on node:tls (OpenSSL 3) for capturing TLS 1.2 and 1.3:
 * the server greets, echoes each line as `TAG OK echo: …` and says BYE on LOGOUT; the client
 * logs its key log lines (the `keylog` event) and can resume a session.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type ConnectionOptions, type Server, type TlsOptions, type TLSSocket } from 'node:tls';
import { testPki } from '../../tls/harness.js';

export const NODE_GREETING = '* OK node tls peer ready';

export interface NodeTlsServer {
  port: number;
  server: Server;
  close(): Promise<void>;
}

export async function startNodeTlsServer(opts: TlsOptions = {}): Promise<NodeTlsServer> {
  const pki = testPki();
  const sockets = new Set<TLSSocket>();
  const server = createServer({ key: pki.keyPem, cert: pki.certPem, ...opts }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.write(`${NODE_GREETING}\r\n`);
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i).replace(/\r$/, '');
        buf = buf.slice(i + 1);
        const tag = line.split(' ')[0];
        if (/ LOGOUT$/i.test(line)) {
          s.end(`* BYE\r\n${tag} OK bye\r\n`);
          return;
        }
        s.write(`${tag} OK echo: ${line}\r\n`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface ClientRun {
  keyLog: string[];
  session?: Buffer;
  /** What the client received in clear. */
  received: string;
  cipher: string;
  version: string;
  reused: boolean;
}

/** Connect, wait for the greeting, send each line after the previous answer, then LOGOUT. */
export async function runNodeClient(port: number, lines: string[], opts: ConnectionOptions = {}): Promise<ClientRun> {
  const pki = testPki();
  const keyLog: string[] = [];
  let session: Buffer | undefined;
  const s = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.caPem, ...opts });
  s.on('keylog', (l: Buffer) => keyLog.push(l.toString('latin1').trim()));
  s.on('session', (x: Buffer) => (session = x));
  let received = '';
  let wake: () => void = () => undefined;
  s.on('data', (d: Buffer) => {
    received += d.toString('latin1');
    wake();
  });
  const waitFor = async (text: string): Promise<void> => {
    while (!received.includes(text)) await new Promise<void>((r) => (wake = r));
  };
  await once(s, 'secureConnect');
  await waitFor(NODE_GREETING);
  for (const [i, line] of [...lines, 'LOGOUT'].entries()) {
    const tag = `a${i + 1}`;
    s.write(`${tag} ${line}\r\n`);
    await waitFor(`${tag} OK`);
  }
  const cipher = s.getCipher().standardName;
  const version = s.getProtocol() ?? '';
  const reused = s.isSessionReused();
  s.end();
  await once(s, 'close');
  return { keyLog, session, received, cipher, version, reused };
}
