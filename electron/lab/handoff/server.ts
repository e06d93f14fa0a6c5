/**
 * The hand-off HTTP server: the phone's browser fetches the lab CA here, as DER
 * `application/x-x509-ca-cert` with a `.crt` name, the only form the seed's Nokia 6233 accepted.
 *
 * Safety model (DESIGN.md, Principles): the LAN side serves a fixed allow-list of exact paths,
 * compared byte for byte with the raw request target. Nothing is ever read from disk by path, so
 * no spelling of a path (`..`, `%2e%2e`, `%252e`, backslashes, `//`, NUL, absolute URLs) can
 * reach a private key, a session or the control UI: they are simply not in the list. GET and
 * HEAD only; HTTP/1.0 and 1.1; header size, header/request time, idle time and connection count
 * are bounded by the named constants below. Every request, refused or not, is recorded as an
 * `http.request` event before its response is written.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { DeviceInfo } from '../../api.js';
import type { LabCertificates } from '../certs/types.js';
import { deviceFromUserAgent, MAX_USER_AGENT_CHARS } from '../device/user-agent.js';
import type { SessionRecorder } from '../recorder/recorder.js';
import { chooseLanAddress } from './address.js';
import { renderPage, type HandoffSettings } from './page.js';

export const HANDOFF_DEFAULT_PORT = 8080;
/** Request line plus headers; a phone sends well under 2 KiB. Node answers 431 past it. */
export const MAX_HEADER_BYTES = 8 * 1024;
/** Time to receive the headers (slowloris defence). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** Time to receive a whole request. */
export const REQUEST_TIMEOUT_MS = 15_000;
/** How long a kept-alive connection may wait for its next request. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** A socket silent this long is closed, whatever state it is in. */
export const IDLE_TIMEOUT_MS = 20_000;
/** How often Node checks header and request timeouts. */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/** Simultaneous connections; past it new ones are dropped. */
export const MAX_CONNECTIONS = 64;
export const MAX_REQUESTS_PER_SOCKET = 100;
/** Recorded request targets and methods are cut to these lengths. */
export const MAX_RECORDED_PATH_CHARS = 512;
/** Bytes of a malformed request kept in the input.rejected event. */
export const MAX_REJECTED_SAMPLE_BYTES = 256;

export interface HandoffLimits {
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  idleTimeoutMs: number;
  checkIntervalMs: number;
  maxConnections: number;
  maxRequestsPerSocket: number;
}

export const DEFAULT_HANDOFF_LIMITS: HandoffLimits = {
  maxHeaderBytes: MAX_HEADER_BYTES,
  headersTimeoutMs: HEADERS_TIMEOUT_MS,
  requestTimeoutMs: REQUEST_TIMEOUT_MS,
  keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
  idleTimeoutMs: IDLE_TIMEOUT_MS,
  checkIntervalMs: TIMEOUT_CHECK_INTERVAL_MS,
  maxConnections: MAX_CONNECTIONS,
  maxRequestsPerSocket: MAX_REQUESTS_PER_SOCKET,
};

export const CA_CERT_CONTENT_TYPE = 'application/x-x509-ca-cert';
export const PEM_CONTENT_TYPE = 'application/x-pem-file';
/** XHTML-MP for WAP 2.0 browsers that ask for it, text/html for everyone else. */
export const WAP_XHTML_CONTENT_TYPE = 'application/vnd.wap.xhtml+xml; charset=utf-8';
export const HTML_CONTENT_TYPE = 'text/html; charset=utf-8';

export const ALLOWED_METHODS = ['GET', 'HEAD'] as const;

export type ServedName = 'page' | 'ca.crt' | 'ca.cer' | 'ca.pem';

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  served?: ServedName;
  close?: boolean;
}

export interface HandoffServerOptions {
  /** Address to listen on. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** When the port is taken (or needs privileges), listen on a free one instead. Default true. */
  fallbackToFreePort?: boolean;
  recorder: SessionRecorder;
  certs: LabCertificates;
  settings: HandoffSettings;
  /** The address written in the URL when `host` is unspecified (0.0.0.0); defaults to `host`. */
  urlHost?: string;
  limits?: Partial<HandoffLimits>;
  /** Connection ids shared with the lab's other listeners; default "h1", "h2", … */
  connId?: () => string;
}

export interface HandoffServer {
  /** `http://ADDR:PORT/c` (no `:80`): short enough to type on a keypad. */
  url: string;
  host: string;
  port: number;
  /** The wizard changes the account or ports: the next page shows the new settings. */
  update(settings: Partial<HandoffSettings>): void;
  /** After a reissue (the lab's address changed): the CA stays, the page follows. */
  setCertificates(certs: LabCertificates): void;
  close(): Promise<void>;
}

/** The short URL the phone types: no `:80`, IPv6 in brackets. */
export function handoffUrl(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `http://${h}${port === 80 ? '' : `:${port}`}/c`;
}

function textReply(status: number, text: string, extra: Record<string, string> = {}, close = false): Reply {
  return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...extra }, body: Buffer.from(text + '\n', 'utf8'), close };
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large', 505: 'HTTP Version Not Supported' };

function remoteOf(s: Socket): string {
  const a = s.remoteAddress ?? '?';
  return `${a.includes(':') ? `[${a}]` : a}:${s.remotePort ?? 0}`;
}

export async function startHandoffServer(opts: HandoffServerOptions): Promise<HandoffServer> {
  const limits: HandoffLimits = { ...DEFAULT_HANDOFF_LIMITS, ...opts.limits };
  const recorder = opts.recorder;
  let settings: HandoffSettings = { ...opts.settings };
  let certs = opts.certs;
  let counter = 0;
  const nextConnId = opts.connId ?? (() => `h${++counter}`);

  interface ConnState {
    id: string;
    clientEnded: boolean;
    timedOut: boolean;
    errored: boolean;
    stopping: boolean;
  }
  const conns = new Map<Socket, ConnState>();

  // The routes: exact raw request targets (before '?'), nothing else. A Map, so '/__proto__' is just absent.
  const routes = new Map<string, (req: IncomingMessage) => Reply>([
    ['/', page],
    ['/c', page],
    ['/ca.crt', () => der('ca.crt')],
    ['/ca.cer', () => der('ca.cer')],
    ['/ca.pem', pem],
  ]);

  function page(req: IncomingMessage): Reply {
    const accept = String(req.headers.accept ?? '');
    const type = /application\/vnd\.wap\.xhtml\+xml/i.test(accept) ? WAP_XHTML_CONTENT_TYPE : HTML_CONTENT_TYPE;
    return { status: 200, headers: { 'Content-Type': type }, body: Buffer.from(renderPage(settings, certs), 'utf8'), served: 'page' };
  }
  function der(served: 'ca.crt' | 'ca.cer'): Reply {
    // No Content-Disposition: a phone given "attachment" may save the file instead of installing it.
    return { status: 200, headers: { 'Content-Type': CA_CERT_CONTENT_TYPE }, body: certs.caCertDer, served };
  }
  function pem(): Reply {
    return {
      status: 200,
      headers: { 'Content-Type': PEM_CONTENT_TYPE, 'Content-Disposition': 'attachment; filename="mailprobe-lab-ca.pem"' },
      body: Buffer.from(certs.caCertPem, 'utf8'),
      served: 'ca.pem',
    };
  }

  function route(req: IncomingMessage): Reply {
    const method = req.method ?? '';
    if (!(ALLOWED_METHODS as readonly string[]).includes(method)) {
      // The body of a POST is never read: answer and close.
      return textReply(405, 'Method not allowed', { Allow: ALLOWED_METHODS.join(', ') }, true);
    }
    const target = req.url ?? '';
    if (!target.startsWith('/')) return textReply(400, 'Bad request', {}, true); // absolute-form, '*', junk
    const hasBody = (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
    if (hasBody) return textReply(400, 'GET and HEAD take no body', {}, true);
    const q = target.indexOf('?');
    const path = q === -1 ? target : target.slice(0, q);
    const handler = routes.get(path);
    if (!handler) return textReply(404, 'Not found');
    return handler(req);
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const st = conns.get(socket);
    const ua = typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, MAX_USER_AGENT_CHARS) : undefined;
    let reply: Reply;
    try {
      reply = route(req);
    } catch (err) {
      recorder.record({ kind: 'lab.error', conn: st?.id, where: 'handoff.request', message: (err as Error).message, stack: (err as Error).stack });
      reply = textReply(500, 'Internal error', {}, true);
    }
    let device: DeviceInfo | undefined;
    try {
      device = deviceFromUserAgent(ua);
    } catch {
      device = undefined; // a User-Agent must never break the hand-off
    }
    const head = req.method === 'HEAD';
    recorder.record({
      kind: 'http.request',
      conn: st?.id,
      method: (req.method ?? '').slice(0, 16),
      path: (req.url ?? '').slice(0, MAX_RECORDED_PATH_CHARS),
      status: reply.status,
      ...(ua !== undefined ? { userAgent: ua } : {}),
      ...(device ? { device } : {}),
      ...(reply.served ? { served: reply.served } : {}),
      bytes: head ? 0 : reply.body.length,
      remote: remoteOf(socket),
    });
    recorder.flush(); // the event is on disk before the phone sees the answer
    const headers: Record<string, string> = {
      ...reply.headers,
      'Content-Length': String(reply.body.length),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    };
    if (reply.close) headers.Connection = 'close';
    res.writeHead(reply.status, headers);
    res.end(head ? undefined : reply.body);
  }

  const server: Server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
      // Old WAP stacks and gateways sometimes omit Host in HTTP/1.1; nothing here depends on it.
      requireHostHeader: false,
      noDelay: true,
    },
    onRequest,
  );
  server.maxConnections = limits.maxConnections;
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  server.setTimeout(limits.idleTimeoutMs, (socket: Socket) => {
    const st = conns.get(socket);
    if (st) st.timedOut = true;
    socket.destroy();
  });

  server.on('connection', (socket: Socket) => {
    const st: ConnState = { id: nextConnId(), clientEnded: false, timedOut: false, errored: false, stopping: false };
    conns.set(socket, st);
    recorder.record({
      kind: 'conn.open',
      conn: st.id,
      proto: 'http',
      remote: remoteOf(socket),
      local: `${socket.localAddress}:${socket.localPort}`,
      port: socket.localPort ?? 0,
    });
    socket.on('end', () => (st.clientEnded = true));
    socket.on('error', () => (st.errored = true));
    socket.on('close', () => {
      conns.delete(socket);
      const by = st.stopping ? 'lab-stop' : st.timedOut ? 'timeout' : st.errored ? 'error' : st.clientEnded ? 'client' : 'server';
      recorder.record({ kind: 'conn.close', conn: st.id, by, bytesIn: socket.bytesRead, bytesOut: socket.bytesWritten });
    });
  });

  server.on('drop', (data?: { remoteAddress?: string; remotePort?: number }) => {
    recorder.record({
      kind: 'input.rejected',
      what: 'http-too-many-connections',
      detail: `connection from ${data?.remoteAddress ?? '?'}:${data?.remotePort ?? 0} dropped: ${limits.maxConnections} already open`,
    });
  });

  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => {
    const st = conns.get(socket);
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_INVALID_VERSION' ? 505 : 400;
    if (status === 408 && st) st.timedOut = true;
    const sample = err.rawPacket?.subarray(0, MAX_REJECTED_SAMPLE_BYTES);
    recorder.record({
      kind: 'input.rejected',
      conn: st?.id,
      what: status === 431 ? 'http-headers-too-large' : status === 408 ? 'http-timeout' : 'http-malformed',
      detail: `${err.code ?? 'error'}: ${err.message}`.slice(0, 200),
      ...(sample && sample.length > 0 ? { sampleB64: sample.toString('base64') } : {}),
      ...(err.rawPacket ? { bytes: err.rawPacket.length } : {}),
    });
    recorder.flush();
    const body = `${STATUS_TEXT[status] ?? 'Bad Request'}\n`;
    socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Bad Request'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    socket.destroySoon();
  });

  // CONNECT and Upgrade requests: Node hands them over raw; refuse them like any other method.
  const refuseRaw = (req: IncomingMessage, socket: Socket, status: 405 | 400) => {
    const st = conns.get(socket);
    recorder.record({
      kind: 'http.request',
      conn: st?.id,
      method: (req.method ?? '').slice(0, 16),
      path: (req.url ?? '').slice(0, MAX_RECORDED_PATH_CHARS),
      status,
      ...(typeof req.headers['user-agent'] === 'string' ? { userAgent: req.headers['user-agent'].slice(0, MAX_USER_AGENT_CHARS) } : {}),
      bytes: 0,
      remote: remoteOf(socket),
    });
    recorder.flush();
    const text = status === 405 ? 'Method Not Allowed' : 'Bad Request';
    socket.end(`HTTP/1.1 ${status} ${text}\r\nAllow: ${ALLOWED_METHODS.join(', ')}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroySoon();
  };
  server.on('connect', (req: IncomingMessage, socket: Socket) => refuseRaw(req, socket, 405));
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => refuseRaw(req, socket, req.method === 'GET' || req.method === 'HEAD' ? 400 : 405));

  const port = await listen(server, opts.host, opts.port, opts.fallbackToFreePort ?? true);
  // After listening, an accept error (EMFILE…) must be recorded, never crash the lab.
  server.on('error', (err: Error) => {
    recorder.record({ kind: 'lab.error', where: 'handoff.server', message: err.message, stack: err.stack });
  });
  // Listening everywhere still needs a concrete address for the phone to type.
  const unspecified = opts.host === '0.0.0.0' || opts.host === '::' || opts.host === '';
  const urlHost = opts.urlHost ?? (unspecified ? chooseLanAddress().address : opts.host);
  let closed: Promise<void> | undefined;

  return {
    url: handoffUrl(urlHost, port),
    host: urlHost,
    port,
    update(next: Partial<HandoffSettings>) {
      settings = { ...settings, ...next };
    },
    setCertificates(next: LabCertificates) {
      certs = next;
    },
    close() {
      // Resolve only once every connection has recorded its conn.close (socket 'close' can come
      // after the server's own close callback).
      closed ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        const socketsClosed = [...conns].map(([socket, st]) => {
          st.stopping = true;
          const done = new Promise<void>((resolve) => socket.once('close', () => resolve()));
          socket.destroy();
          return done;
        });
        await Promise.all([serverClosed, ...socketsClosed]);
      })();
      return closed;
    },
  };
}

function listenOnce(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

async function listen(server: Server, host: string, port: number, fallback: boolean): Promise<number> {
  try {
    return await listenOnce(server, host, port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (fallback && port !== 0 && (code === 'EADDRINUSE' || code === 'EACCES')) return listenOnce(server, host, 0);
    throw err;
  }
}
