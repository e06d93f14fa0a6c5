/**
 * Test support for the TLS layer: a throwaway CA and server certificate (openssl), a recorder in
 * a temp dir, and a tiny IMAP-like server that uses the acceptor for implicit TLS and STARTTLS
 * (greeting, CAPABILITY, STARTTLS, LOGOUT, and `TAG OK echo: …` for anything else).
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { LabEvent } from '../../electron/api.js';
import { SessionRecorder } from '../../electron/lab/recorder/recorder.js';
import { createTlsAcceptor } from '../../electron/lab/tls/index.js';
import type { TlsAcceptorOptions } from '../../electron/lab/tls/types.js';
import type { RunResult } from '../support/run.js';
import { tempDir } from '../support/temp.js';

export interface TestPki {
  dir: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  caFile: string;
  otherCaFile: string;
}

let pkiCache: TestPki | undefined;

/** A CA and a server certificate for 127.0.0.1/localhost, made once per test file. */
export function testPki(): TestPki {
  if (pkiCache) return pkiCache;
  const dir = tempDir('mailprobe-tls-pki-');
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  writeFileSync(join(dir, 'ext.cnf'), 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=Mailprobe Test CA', '-sha256']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '30', '-sha256', '-extfile', 'ext.cnf']);
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.pem', '-days', '30', '-subj', '/CN=Some Other CA', '-sha256']);
  pkiCache = {
    dir,
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    certPem: readFileSync(join(dir, 'server.pem'), 'utf8'),
    keyPem: readFileSync(join(dir, 'server.key'), 'utf8'),
    caFile: join(dir, 'ca.pem'),
    otherCaFile: join(dir, 'other.pem'),
  };
  return pkiCache;
}

export interface Harness {
  port: number;
  recorder: SessionRecorder;
  events(): LabEvent[];
  /** Resolves when the connection with this id has ended one way or another. */
  close(): Promise<void>;
  /** Plaintext lines the server received inside TLS. */
  received: string[];
  server: Server;
}

export const GREETING = '* OK Mailprobe TLS harness ready';

/** A server speaking `mode` on each connection through the acceptor. */
export async function startHarness(mode: 'implicit' | 'starttls', opts: Partial<TlsAcceptorOptions> = {}): Promise<Harness> {
  const pki = testPki();
  const dataDir = tempDir('mailprobe-tls-');
  const recorder = new SessionRecorder({ dataDir });
  const events: LabEvent[] = [];
  recorder.subscribe((e) => events.push(e));
  const acceptor = createTlsAcceptor({ identity: { keyPem: pki.keyPem, certPem: pki.certPem, caPem: pki.caPem }, ...opts });
  const received: string[] = [];
  const sockets = new Set<Socket>();
  let n = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const conn = `c${++n}`;
    const secure = (): void => {
      acceptor.accept(socket, { conn, mode, recorder }).then(
        (s) => {
          if (mode === 'implicit') s.stream.write(GREETING + '\r\n');
          serveLines(s.stream, true, received, () => undefined);
        },
        () => undefined,
      );
    };
    if (mode === 'implicit') secure();
    else {
      socket.write(GREETING + '\r\n');
      serveLines(socket, false, received, (rest) => {
        socket.removeAllListeners('data');
        socket.pause();
        socket.write(`${rest} OK Begin TLS negotiation now\r\n`);
        secure();
      });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    recorder,
    events: () => events,
    received,
    server,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      recorder.close();
    },
  };
}

function serveLines(stream: Duplex, tls: boolean, received: string[], onStartTls: (tag: string) => void): void {
  let buf = '';
  stream.on('error', () => undefined);
  const onData = (d: Buffer): void => {
    buf += d.toString('latin1');
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i).replace(/\r$/, '');
      buf = buf.slice(i + 1);
      if (tls) received.push(line);
      const [tag, cmd = ''] = line.split(' ');
      const c = cmd.toUpperCase();
      if (c === 'STARTTLS' && !tls) {
        stream.off('data', onData);
        onStartTls(tag);
        return;
      }
      if (c === 'CAPABILITY') stream.write(`* CAPABILITY IMAP4rev1${tls ? '' : ' STARTTLS'}\r\n${tag} OK done\r\n`);
      else if (c === 'LOGOUT') {
        stream.write(`* BYE\r\n${tag} OK bye\r\n`);
        stream.end();
      } else stream.write(`${tag} OK echo: ${line}\r\n`);
    }
  };
  stream.on('data', onData);
}

/**
 * Run a client that reads a script from stdin: each line is sent once `waitFor` appeared in its
 * output (or the previous line's answer), and stdin is closed last (gnutls-cli exits on EOF).
 * `pauseMs` waits after a send, so the next line arrives in a read of its own (s_client reads
 * its one-letter commands from the start of a read); `env` adds variables (SSLKEYLOGFILE).
 */
export function runInteractive(cmd: string, args: string[], steps: Array<{ waitFor: string | RegExp; send?: string; pauseMs?: number }>, timeoutMs = 10_000, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    let step = 0;
    let pausing = false;
    const advance = (): void => {
      if (pausing) return;
      while (step < steps.length) {
        const s = steps[step];
        const hit = typeof s.waitFor === 'string' ? stdout.includes(s.waitFor) : s.waitFor.test(stdout);
        if (!hit) return;
        step += 1;
        if (s.send !== undefined) child.stdin.write(s.send);
        if (s.pauseMs) {
          pausing = true;
          setTimeout(() => {
            pausing = false;
            advance();
          }, s.pauseMs);
          return;
        }
      }
      child.stdin.end();
    };
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('latin1');
      advance();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
    child.stdin.on('error', () => undefined);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    advance(); // a first step with waitFor '' is sent at once (clients that print nothing first)
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A man in the middle between a client and the lab on `target`: what the lab sends passes as it
 * comes; what the client sends goes to the handler `fromClient` makes for each connection, which
 * writes it on to the lab (whole, altered or in pieces).
 */
export async function startRelay(target: number, fromClient: (toLab: Socket) => (d: Buffer) => void): Promise<{ port: number; server: Server }> {
  const server = createServer((c: Socket) => {
    const u = connect(target, '127.0.0.1');
    c.on('data', fromClient(u));
    u.on('data', (d) => c.write(d));
    u.on('end', () => c.end());
    c.on('end', () => u.end());
    u.on('error', () => c.destroy());
    c.on('error', () => u.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, server };
}

/** Wait until an event matching `pred` was recorded (or fail after `ms`). */
export async function waitForEvent(h: { events(): LabEvent[] }, pred: (e: LabEvent) => boolean, ms = 5000): Promise<LabEvent> {
  const end = Date.now() + ms;
  for (;;) {
    const e = h.events().find(pred);
    if (e) return e;
    if (Date.now() > end) throw new Error(`no matching event in ${ms} ms; got ${h.events().map((x) => x.kind).join(', ')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The RSA key-exchange suites of the 2006 phones (IANA name) and gnutls priority items for each. */
export const GNUTLS_SUITES = [
  ['TLS_RSA_WITH_RC4_128_MD5', '+ARCFOUR-128:+MD5'],
  ['TLS_RSA_WITH_RC4_128_SHA', '+ARCFOUR-128:+SHA1'],
  ['TLS_RSA_WITH_3DES_EDE_CBC_SHA', '+3DES-CBC:+SHA1'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA', '+AES-128-CBC:+SHA1'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA', '+AES-256-CBC:+SHA1'],
] as const;

export function gnutlsPriority(vers: string, suite: string): string {
  return `NONE:+${vers}:${suite}:+RSA:+COMP-NULL:+SIGN-ALL:+CTYPE-X509`;
}

/** gnutls-cli through one NOOP and LOGOUT; typing starts only after the greeting / handshake. */
export function gnutlsSession(port: number, priority: string, starttls: boolean, extra: string[] = []) {
  const pki = testPki();
  const args = ['--x509cafile', pki.caFile, '-p', String(port), '--priority', priority, ...(starttls ? ['--starttls-proto=imap'] : []), ...extra, 'localhost'];
  return runInteractive('gnutls-cli', args, [
    { waitFor: starttls ? 'Simple Client Mode' : GREETING, send: 'a1 NOOP\r\n' },
    { waitFor: 'a1 OK', send: 'a2 LOGOUT\r\n' },
    { waitFor: 'a2 OK' },
  ]);
}

export interface RawResult {
  data: Buffer;
  closedByServer: boolean;
}

/** Send bytes, then collect what the server answers until it closes (or `ms` pass). */
export function raw(port: number, chunks: Buffer[], ms = 3000, endAfter = false, until?: (data: Buffer) => boolean): Promise<RawResult> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let done = false;
    const finish = (closedByServer: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(t);
      s.destroy();
      resolve({ data: Buffer.concat(got), closedByServer });
    };
    const t = setTimeout(() => finish(false), ms);
    s.on('data', (d) => {
      got.push(d);
      if (until?.(Buffer.concat(got))) finish(false);
    });
    s.on('end', () => finish(true));
    s.on('close', () => finish(true));
    s.on('error', () => finish(true));
    s.on('connect', () => {
      for (const c of chunks) s.write(c);
      if (endAfter) s.end();
    });
  });
}

/** The fatal alert records in a server answer: [level, description] pairs. */
export function alerts(data: Buffer): number[] {
  const out: number[] = [];
  for (let o = 0; o + 5 <= data.length; ) {
    const len = data.readUInt16BE(o + 3);
    if (data[o] === 21 && len === 2) out.push(data[o + 6]);
    o += 5 + len;
  }
  return out;
}

/** The tls.failed of a connection opened after event index `from` (earlier ones may still be
 * settling in the background). */
export function failedFor(h: Harness, from: number): Promise<LabEvent> {
  const old = new Set(h.events().slice(0, from).map((e) => e.conn));
  return waitForEvent({ events: () => h.events().slice(from) }, (e) => e.kind === 'tls.failed' && !old.has(e.conn));
}


/**
 * A man in the middle between gnutls-cli and the lab that flips one bit in the client's first
 * encrypted record of the given content type (22: its Finished; 23: its first command).
 */
export function bitFlipProxy(target: number, contentType: 22 | 23): Promise<{ port: number; server: Server }> {
  return startRelay(target, (u) => {
    let buf = Buffer.alloc(0);
    let sawCcs = false;
    let flipped = false;
    return (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
        const len = buf.readUInt16BE(3);
        const rec = Buffer.from(buf.subarray(0, 5 + len));
        buf = buf.subarray(5 + len);
        if (rec[0] === 20) sawCcs = true;
        if (sawCcs && !flipped && rec[0] === contentType) {
          rec[rec.length - 1] ^= 0x01;
          flipped = true;
        }
        u.write(rec);
      }
    };
  });
}

