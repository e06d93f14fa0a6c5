/**
 * Browser mode (`mailprobe lab --ui`, `mailprobe start` without Electron): the built wizard and
 * the same API as the Electron bridge, on loopback only, guarded by a per-run token.
 *
 *   GET  /, /assets/…            the page (public build output; Host still checked)
 *   POST /api/<method>           JSON params → JSON result or ApiError; token in x-mailprobe-token
 *   GET  /api/stream?token=…     Server-Sent Events: ApiStreamMessage per `data:` line
 *   GET  /download/report?token=…&file=report.pdf   the exported PDF
 *
 * Refused requests (no token, a foreign Origin, a foreign Host: DNS rebinding) get 401/403 and
 * are recorded in the session as `input.rejected` (what: "control-refused").
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { ApiError, ApiMethod, ApiStreamMessage } from '../../api.js';
import { API_METHODS } from '../../api.js';
import type { LabOptions, RunningLab } from '../lab-types.js';
import { defaultDataDir } from '../paths.js';
import { loadEngineDeps, type EngineDeps } from './deps.js';
import { Engine, apiError, isApiError } from './engine.js';
import { CSP_HEADER, TOKEN_BYTES, TOKEN_HEADER, checkRequest, isLoopbackHost } from './policy.js';
import { defaultRendererDir } from '../package-root.js';

/** Largest API request body accepted. */
export const MAX_BODY_BYTES = 64 * 1024;
/** SSE comment sent this often so proxies and sleeping laptops notice a dead stream. */
export const SSE_HEARTBEAT_MS = 15_000;

export interface ControlServerOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Loopback only: 127.0.0.1 (default), ::1 or localhost. */
  host?: string;
  /** A lab already running (`mailprobe lab --ui`): the wizard shows it. */
  lab?: RunningLab;
  dataDir?: string;
  rendererDir?: string;
  /** Engine modules; loaded from the build when omitted. */
  deps?: EngineDeps;
  labDefaults?: Partial<LabOptions>;
  /** Demo pacing and batching overrides (tests). */
  demoPauseMs?: number;
  batchMs?: number;
}

export interface ControlServer {
  /** The page URL with the token: what `ready` prints as uiUrl. */
  url: string;
  token: string;
  port: number;
  engine: Engine;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const STATUS: Record<ApiError['error']['code'], number> = {
  'bad-request': 400,
  unauthorized: 401,
  'not-found': 404,
  conflict: 409,
  internal: 500,
};

function tokenEquals(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CSP_HEADER);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        // Answer 413 at once and discard the rest (destroying the socket would lose the answer).
        reject(Object.assign(new Error(`request body larger than ${MAX_BODY_BYTES} bytes`), { tooLarge: true }));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startControlServer(opts: ControlServerOptions = {}): Promise<ControlServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) throw new Error(`the control server listens on loopback only, not '${host}'`);
  const token = randomBytes(TOKEN_BYTES).toString('hex');
  const rendererDir = opts.rendererDir ?? defaultRendererDir();
  const engine = new Engine({
    mode: 'browser',
    dataDir: opts.dataDir ?? opts.lab?.options.dataDir ?? defaultDataDir(),
    deps: opts.deps ?? (await loadEngineDeps()),
    lab: opts.lab,
    labDefaults: opts.labDefaults,
    demoPauseMs: opts.demoPauseMs,
    batchMs: opts.batchMs,
  });
  const streams = new Set<ServerResponse>();
  let port = 0;

  const refuse = (req: IncomingMessage, res: ServerResponse, status: 401 | 403 | 404, reason: string): void => {
    engine.recordRefusal({
      status,
      reason,
      method: req.method ?? '?',
      path: (req.url ?? '').split('?')[0],
      remote: req.socket.remoteAddress ? `${req.socket.remoteAddress}:${req.socket.remotePort}` : undefined,
      origin: req.headers.origin,
      host: req.headers.host,
    });
    sendJson(res, status, apiError(status === 401 ? 'unauthorized' : status === 404 ? 'not-found' : 'unauthorized', reason));
  };

  const serveStatic = (res: ServerResponse, pathname: string): void => {
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
    const file = normalize(join(rendererDir, rel));
    if (!file.startsWith(normalize(rendererDir) + sep) || !existsSync(file) || !statSync(file).isFile()) {
      if (pathname === '/') {
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`The wizard is not built: run  npm run build:web  (looked in ${rendererDir})\n`);
        return;
      }
      sendJson(res, 404, apiError('not-found', `no such file: ${pathname}`));
      return;
    }
    // Hashed assets never change; the page itself is revalidated so a rebuild shows at once.
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      'Content-Length': statSync(file).size,
    });
    createReadStream(file).pipe(res);
  };

  const serveStream = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write(': mailprobe\n\n');
    streams.add(res);
    const send = (msg: ApiStreamMessage): void => {
      if (!res.writableEnded) res.write(`data: ${JSON.stringify(msg)}\n\n`);
    };
    const unsubscribe = engine.subscribe(send);
    const beat = setInterval(() => res.write(': keep-alive\n\n'), SSE_HEARTBEAT_MS);
    beat.unref();
    req.on('close', () => {
      clearInterval(beat);
      unsubscribe();
      streams.delete(res);
    });
  };

  const serveApi = async (req: IncomingMessage, res: ServerResponse, method: string): Promise<void> => {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      sendJson(res, 405, apiError('bad-request', 'API calls are POST'));
      return;
    }
    if (!(API_METHODS as readonly string[]).includes(method)) {
      sendJson(res, 404, apiError('not-found', `unknown method '${method}'`));
      return;
    }
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      sendJson(res, 415, apiError('bad-request', 'API calls send application/json'));
      return;
    }
    let params: unknown;
    try {
      const body = await readBody(req);
      params = body.trim() === '' ? {} : JSON.parse(body);
    } catch (err) {
      const tooLarge = (err as { tooLarge?: boolean }).tooLarge;
      if (tooLarge) res.setHeader('Connection', 'close');
      sendJson(res, tooLarge ? 413 : 400, apiError('bad-request', (err as Error).message));
      return;
    }
    if (!params || typeof params !== 'object' || Array.isArray(params)) {
      sendJson(res, 400, apiError('bad-request', 'params must be a JSON object'));
      return;
    }
    const result = await engine.call(method as ApiMethod, params as never);
    if (isApiError(result)) {
      sendJson(res, STATUS[result.error.code] ?? 500, result);
      return;
    }
    if (method === 'report.export') {
      const file = (result as { file: string }).file;
      const name = file.split(/[\\/]/).pop();
      Object.assign(result as object, { downloadUrl: `/download/report?file=${encodeURIComponent(name ?? '')}&token=${token}` });
    }
    sendJson(res, 200, result);
  };

  const serveDownload = (res: ServerResponse, url: URL): void => {
    const name = url.searchParams.get('file') ?? 'report.pdf';
    const dir = engine.currentSessionDir();
    if (!/^report(-with-secrets)?\.pdf$/.test(name) || !dir || !existsSync(join(dir, name))) {
      sendJson(res, 404, apiError('not-found', 'no exported report: export it first'));
      return;
    }
    const file = join(dir, name);
    res.writeHead(200, {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="mailprobe-${dir.split(/[\\/]/).pop()}-${name}"`,
      'Content-Length': statSync(file).size,
      'Cache-Control': 'no-store',
    });
    createReadStream(file).pipe(res);
  };

  const server = createServer((req, res) => {
    securityHeaders(res);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const pathname = url.pathname;
    const isApi = pathname.startsWith('/api/');
    const isDownload = pathname === '/download/report';
    const needsToken = isApi || isDownload;
    const headerToken = req.headers[TOKEN_HEADER];
    const presented = typeof headerToken === 'string' ? headerToken : (url.searchParams.get('token') ?? undefined);
    // EventSource and downloads cannot set headers: the token rides in the query there only.
    const tokenFromQueryAllowed = pathname === '/api/stream' || isDownload;
    const verdict = checkRequest(
      { host: req.headers.host, origin: req.headers.origin, token: typeof headerToken === 'string' || tokenFromQueryAllowed ? presented : undefined },
      port,
      token,
      needsToken,
      tokenEquals,
    );
    if (!verdict.ok) {
      refuse(req, res, verdict.status, verdict.reason);
      return;
    }
    try {
      if (pathname === '/api/stream') {
        if (req.method !== 'GET') {
          sendJson(res, 405, apiError('bad-request', 'the stream is GET'));
          return;
        }
        serveStream(req, res);
      } else if (isApi) {
        serveApi(req, res, pathname.slice('/api/'.length)).catch((err: Error) => {
          if (!res.headersSent) sendJson(res, 500, apiError('internal', err.message));
          else res.destroy();
        });
      } else if (isDownload) {
        serveDownload(res, url);
      } else if (req.method === 'GET' || req.method === 'HEAD') {
        serveStatic(res, pathname);
      } else {
        sendJson(res, 405, apiError('bad-request', `${req.method} not allowed here`));
      }
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, apiError('internal', (err as Error).message));
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host === '::1' ? '[::1]' : host === 'localhost' ? 'localhost' : '127.0.0.1';
  // The Host check accepts 127.0.0.1 and localhost; an IPv6 listener is reached as localhost.
  const url = `http://${shownHost === '[::1]' ? 'localhost' : shownHost}:${port}/?token=${token}`;

  let closed = false;
  return {
    url,
    token,
    port,
    engine,
    async close() {
      if (closed) return;
      closed = true;
      for (const res of streams) res.end();
      await engine.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
