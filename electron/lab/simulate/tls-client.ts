/**
 * The TLS side of the simulated Nokia 6233 on port 993 (seed):
 *  - without the lab CA: a TLS 1.0 ClientHello as Symbian/Series 40 sent it (RC4-MD5 first, no
 *    extensions, no SNI), read the server's flight up to ServerHelloDone, then a fatal
 *    unknown_ca alert (RFC 2246 §7.2: alert 48) and close — no key exchange needed;
 *  - with the CA installed: a completed TLS 1.0 handshake and then nothing, through gnutls-cli
 *    (the only stack here that still negotiates RC4-MD5, PEERS.md) when present, else node:tls
 *    with AES128-SHA at TLS 1.0 and @SECLEVEL=0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { SimulationError } from './wire.js';

/** IANA values of the suites the Nokia offers, in its order (QUIRKS.md, Device facts). */
export const NOKIA_SUITES: ReadonlyArray<[number, string]> = [
  [0x0004, 'TLS_RSA_WITH_RC4_128_MD5'],
  [0x0005, 'TLS_RSA_WITH_RC4_128_SHA'],
  [0x002f, 'TLS_RSA_WITH_AES_128_CBC_SHA'],
  [0x0035, 'TLS_RSA_WITH_AES_256_CBC_SHA'],
  [0x000a, 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'],
];

const TLS10 = [0x03, 0x01];
export const ALERT_UNKNOWN_CA = 48;

/** A TLS 1.0 ClientHello record (RFC 2246 §7.4.1.2): no session id, null compression, no extensions. */
export function buildClientHello(suites: readonly number[] = NOKIA_SUITES.map(([v]) => v)): Buffer {
  const random = randomBytes(32);
  random.writeUInt32BE(Math.floor(Date.now() / 1000), 0);
  const suiteBytes = Buffer.alloc(2 + suites.length * 2);
  suiteBytes.writeUInt16BE(suites.length * 2, 0);
  suites.forEach((s, i) => suiteBytes.writeUInt16BE(s, 2 + i * 2));
  const body = Buffer.concat([Buffer.from(TLS10), random, Buffer.from([0]), suiteBytes, Buffer.from([1, 0])]);
  const hs = Buffer.concat([Buffer.from([1, (body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
  return Buffer.concat([Buffer.from([0x16, ...TLS10, (hs.length >> 8) & 0xff, hs.length & 0xff]), hs]);
}

/** A fatal alert record (level 2) with the given description. */
export function buildAlert(description: number): Buffer {
  return Buffer.from([0x15, ...TLS10, 0x00, 0x02, 0x02, description]);
}

export interface ServerFlight {
  /** Handshake message types seen, in order (2 ServerHello, 11 Certificate, 14 ServerHelloDone). */
  handshakeTypes: number[];
  /** The suite the server chose in its ServerHello. */
  cipherSuite?: number;
  /** An alert the server sent instead (no shared cipher, protocol version…). */
  serverAlert?: number;
}

/** Parse TLS records from `buf` (as far as complete), collecting handshake message types. */
export function parseServerFlight(buf: Buffer, flight: ServerFlight = { handshakeTypes: [] }): { flight: ServerFlight; done: boolean } {
  let pos = 0;
  let hsBuf = Buffer.alloc(0);
  while (pos + 5 <= buf.length) {
    const type = buf[pos];
    const len = buf.readUInt16BE(pos + 3);
    if (pos + 5 + len > buf.length) break;
    const frag = buf.subarray(pos + 5, pos + 5 + len);
    pos += 5 + len;
    if (type === 0x15 && frag.length >= 2) {
      flight.serverAlert = frag[1];
      return { flight, done: true };
    }
    if (type !== 0x16) continue;
    hsBuf = Buffer.concat([hsBuf, frag]);
    while (hsBuf.length >= 4) {
      const mlen = (hsBuf[1] << 16) | (hsBuf[2] << 8) | hsBuf[3];
      if (hsBuf.length < 4 + mlen) break;
      const mtype = hsBuf[0];
      flight.handshakeTypes.push(mtype);
      if (mtype === 2 && mlen >= 38) {
        const sidLen = hsBuf[4 + 34];
        flight.cipherSuite = hsBuf.readUInt16BE(4 + 35 + sidLen);
      }
      hsBuf = hsBuf.subarray(4 + mlen);
      if (mtype === 14) return { flight, done: true };
    }
  }
  return { flight, done: false };
}

export interface RejectResult {
  flight: ServerFlight;
  /** What the phone did: sent unknown_ca, or found the server already gave up. */
  outcome: 'sent-unknown-ca' | 'server-alert' | 'server-closed';
}

/** ClientHello, wait for ServerHelloDone, send a fatal unknown_ca alert, close (seed: no CA installed). */
export async function helloThenRejectCertificate(host: string, port: number, opts: { signal?: AbortSignal; timeoutMs?: number; onLine?: (l: string) => void } = {}): Promise<RejectResult> {
  const sock = netConnect({ host, port });
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return await new Promise<RejectResult>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (r: RejectResult | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (r instanceof Error) {
        sock.destroy();
        reject(r);
      } else {
        sock.end();
        setTimeout(() => sock.destroy(), 200).unref();
        resolve(r);
      }
    };
    const timer = setTimeout(() => finish(new SimulationError('timed out waiting for the server\'s TLS handshake')), timeoutMs);
    opts.signal?.addEventListener('abort', () => finish(new SimulationError('aborted')), { once: true });
    sock.once('connect', () => {
      opts.onLine?.('C: TLS 1.0 ClientHello (RC4-MD5, RC4-SHA, AES128-SHA, AES256-SHA, DES-CBC3-SHA; no extensions)');
      sock.write(buildClientHello());
    });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const { flight, done } = parseServerFlight(buf);
      if (!done) return;
      if (flight.serverAlert !== undefined) {
        opts.onLine?.(`S: TLS alert ${flight.serverAlert}`);
        finish({ flight, outcome: 'server-alert' });
        return;
      }
      opts.onLine?.(`S: ServerHello … ServerHelloDone (suite 0x${(flight.cipherSuite ?? 0).toString(16).padStart(4, '0')})`);
      opts.onLine?.('C: TLS alert fatal unknown_ca');
      sock.write(buildAlert(ALERT_UNKNOWN_CA), () => finish({ flight, outcome: 'sent-unknown-ca' }));
    });
    sock.on('error', (err) => finish(err));
    sock.on('close', () => finish({ flight: parseServerFlight(buf).flight, outcome: 'server-closed' }));
  });
}

/** gnutls-cli priority for the suite the Nokia 6233 negotiated with Cyrus (seed: "TLSv1 with cipher RC4-MD5"; PEERS.md). */
export const GNUTLS_NOKIA_PRIORITY = 'NONE:+VERS-TLS1.0:+ARCFOUR-128:+MD5:+RSA:+COMP-NULL:+SIGN-ALL:+CTYPE-X509';

export function gnutlsAvailable(): boolean {
  const r = spawnSync('gnutls-cli', ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

export interface SilentTlsResult {
  transport: 'gnutls-cli' | 'node:tls';
  /** The negotiated suite as the transport names it, e.g. "(TLS1.0)-(RSA)-(ARCFOUR-128)-(MD5)" or "AES128-SHA". */
  cipher?: string;
  greeting?: string;
}

/** Complete a TLS 1.0 handshake, read the greeting, and close without a single command (seed, CA installed). */
export async function handshakeThenSilence(host: string, port: number, opts: { signal?: AbortSignal; timeoutMs?: number; transport?: 'gnutls-cli' | 'node:tls'; onLine?: (l: string) => void } = {}): Promise<SilentTlsResult> {
  const transport = opts.transport ?? (gnutlsAvailable() ? 'gnutls-cli' : 'node:tls');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  if (transport === 'node:tls') {
    const sock = tlsConnect({ host, port, minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'AES128-SHA:@SECLEVEL=0', rejectUnauthorized: false });
    return await new Promise<SilentTlsResult>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new SimulationError('timed out waiting for the TLS greeting'));
      }, timeoutMs);
      opts.signal?.addEventListener('abort', () => sock.destroy(), { once: true });
      sock.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        const lf = buf.indexOf('\r\n');
        if (lf === -1) return;
        clearTimeout(timer);
        const greeting = buf.slice(0, lf);
        opts.onLine?.(`S: ${greeting}`);
        const cipher = sock.getCipher()?.standardName ?? sock.getCipher()?.name;
        sock.end();
        resolve({ transport, cipher, greeting });
      });
      sock.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }
  const child = spawn('gnutls-cli', ['--insecure', `--priority=${GNUTLS_NOKIA_PRIORITY}`, '-p', String(port), host], { stdio: ['pipe', 'pipe', 'pipe'] });
  return await new Promise<SilentTlsResult>((resolve, reject) => {
    let out = '';
    let err = '';
    let greeting: string | undefined;
    let done = false;
    const timer = setTimeout(() => finish(new SimulationError(`gnutls-cli: no greeting within ${timeoutMs} ms: ${err.trim().split('\n').pop() ?? ''}`)), timeoutMs);
    const finish = (e?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (e) {
        child.kill();
        reject(e);
        return;
      }
      // Closing stdin makes gnutls-cli send close_notify and exit: the phone hangs up, no command sent.
      child.stdin.end();
      const killer = setTimeout(() => child.kill(), 3000);
      child.once('exit', () => {
        clearTimeout(killer);
        const m = /Description:\s*(.+)/.exec(out + err);
        resolve({ transport: 'gnutls-cli', cipher: m?.[1]?.trim(), greeting });
      });
    };
    opts.signal?.addEventListener('abort', () => finish(new SimulationError('aborted')), { once: true });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      const m = /^(\* (OK|BYE|PREAUTH)[^\r\n]*)/m.exec(out);
      if (m && greeting === undefined) {
        greeting = m[1];
        opts.onLine?.(`S: ${greeting}`);
        finish();
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString('latin1');
    });
    child.on('error', (e) => finish(e));
    child.on('exit', (code) => {
      if (!done) finish(new SimulationError(`gnutls-cli exited with ${code}: ${(err || out).trim().split('\n').slice(-2).join(' ')}`));
    });
  });
}
