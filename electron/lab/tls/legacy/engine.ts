/**
 * The legacy engine: the server side of TLS 1.0 (RFC 2246) and TLS 1.1 (RFC 4346) with RSA key
 * exchange and RC4, 3DES or AES-CBC, for phones that OpenSSL 3 no longer talks to.
 *
 * Full handshakes only (no session resumption: the ServerHello carries an empty session_id, so
 * no client caches one), no client certificates, no compression, no renegotiation (RFC 5746
 * renegotiation_info is answered on the first handshake, later ClientHellos get a
 * no_renegotiation warning). Every input is bounded: records by RFC 2246 §6.2 limits, the whole
 * handshake by `maxHandshakeBytes`, renegotiation attempts by MAX_RENEGOTIATION_ATTEMPTS.
 */
import { randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { ParsedClientHello } from '../hello.js';
import { MAX_RENEGOTIATION_ATTEMPTS } from '../limits.js';
import { Alert, alertName, versionName } from '../names.js';
import { reasonForClientAlert, type HandshakeReporter, type TlsFailureInfo } from '../report.js';
import { finishedVerifyData, keyBlock, masterSecret } from './prf.js';
import { BadRecordMac, CipherState, keyBlockLength, MAX_CIPHERTEXT_RECORD, MAX_PLAINTEXT_FRAGMENT, splitKeyBlock, TLS10, TLS11 } from './record.js';
import { decryptPremaster } from './rsa.js';
import type { LegacySuite } from './suites.js';
import { clientRandomLine } from '../wire.js';

export { MAX_RENEGOTIATION_ATTEMPTS };
/** Warning alerts in a row the engine ignores; one more gets a fatal unexpected_message. A
 * stream of warnings is how "SSL Death Alert" (CVE-2016-8610) kept a server busy; OpenSSL stops
 * at its fifth warning in a row (MAX_WARN_ALERT_COUNT), and so does this engine. Any other record
 * in between starts the count again. */
export const MAX_WARNING_ALERTS_IN_A_ROW = 4;
/** Largest single handshake message accepted after the ClientHello (a ClientKeyExchange for a
 * 16384-bit key is 2 kB; nothing else the client may send is larger). */
export const MAX_HANDSHAKE_MESSAGE = 16 * 1024;

const CT_CCS = 20;
const CT_ALERT = 21;
const CT_HANDSHAKE = 22;
const CT_APPDATA = 23;

const HS_CLIENT_HELLO = 1;
const HS_SERVER_HELLO = 2;
const HS_CERTIFICATE = 11;
const HS_SERVER_HELLO_DONE = 14;
const HS_CLIENT_KEY_EXCHANGE = 16;
const HS_FINISHED = 20;

export interface LegacyConfig {
  key: KeyObject;
  /** DER certificates: the server's first, then its CA. */
  chain: Buffer[];
  /** Server preference order. */
  suites: readonly LegacySuite[];
  minVersion: number;
  maxVersion: number;
  /** The highest version the listener as a whole speaks (TLS 1.3 when OpenSSL answers other
   * hellos on it): what TLS_FALLBACK_SCSV is compared with (RFC 7507 §3). */
  listenerMaxVersion: number;
  maxHandshakeBytes: number;
  /** ServerHello, Certificate and ServerHelloDone each in its own record (default) or all three
   * in one (what this engine did first; kept so the bench can compare both). */
  serverFlight?: 'record-per-message' | 'one-record';
}

export interface LegacyResult {
  stream: Duplex;
  version: string;
  cipher: string;
}

export class HandshakeFailure extends Error {
  constructor(readonly info: TlsFailureInfo) {
    super(info.description);
  }
}

function handshakeMessage(type: number, body: Buffer): Buffer {
  const h = Buffer.allocUnsafe(4);
  h[0] = type;
  h.writeUIntBE(body.length, 1, 3);
  return Buffer.concat([h, body]);
}

function u16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(n);
  return b;
}

function u24(n: number): Buffer {
  const b = Buffer.allocUnsafe(3);
  b.writeUIntBE(n, 0, 3);
  return b;
}

type State = 'await-cke' | 'await-ccs' | 'await-finished' | 'established' | 'closed';

/** The plaintext side handed to the protocol layer. */
class LegacyTlsStream extends Duplex {
  constructor(private readonly tls: LegacyConnection) {
    super({ allowHalfOpen: false });
  }
  override _read(): void {
    this.tls.resumeReading();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.tls.writeApplication(chunk, cb);
  }
  override _final(cb: (err?: Error | null) => void): void {
    this.tls.close();
    cb();
  }
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.tls.destroySocket();
    cb(err);
  }
}

export class LegacyConnection {
  private state: State = 'await-cke';
  /** Received bytes not yet framed into records, as the socket delivered them: a record split
   * across chunks is joined once, when all of it is here, not on every chunk. */
  private readonly inbuf: Buffer[] = [];
  private inbufBytes = 0;
  private hsbuf: Buffer = Buffer.alloc(0) as Buffer;
  private readonly transcript: Buffer[] = [];
  private readState?: CipherState;
  private writeState?: CipherState;
  private pendingWrite?: CipherState;
  private readonly version: number;
  private readonly suite: LegacySuite;
  private readonly serverRandom = randomBytes(32);
  private master: Buffer = Buffer.alloc(0) as Buffer;
  private handshakeBytes = 0;
  private renegotiations = 0;
  private warningsInARow = 0;
  private stream?: LegacyTlsStream;
  private resolve!: (r: LegacyResult) => void;
  private reject!: (e: HandshakeFailure) => void;
  readonly result: Promise<LegacyResult>;
  private readonly onData = (d: Buffer): void => this.receive(d);
  private readonly onEnd = (): void => this.peerGone('the client closed the connection');
  private readonly onClose = (): void => this.peerGone('the connection closed');
  private readonly onError = (e: Error): void => this.peerGone(`socket error: ${e.message}`);

  private constructor(
    private readonly socket: Socket,
    private readonly hello: ParsedClientHello,
    private readonly cfg: LegacyConfig,
    private readonly report: HandshakeReporter,
    version: number,
    suite: LegacySuite,
  ) {
    this.version = version;
    this.suite = suite;
    this.result = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    // The acceptor handles the rejection; avoid an unhandled-rejection crash if it is late.
    this.result.catch(() => undefined);
  }

  /**
   * Answer `hello` on `socket`. `rest` is what the client sent after its hello. The promise
   * resolves with the plaintext stream once both Finished messages are exchanged.
   */
  static start(socket: Socket, hello: ParsedClientHello, rest: Buffer, cfg: LegacyConfig, report: HandshakeReporter): LegacyConnection | HandshakeFailure {
    // Version: the highest both speak (RFC 2246 appendix E.1).
    const version = Math.min(hello.clientVersion, cfg.maxVersion);
    if (version < cfg.minVersion) {
      return new HandshakeFailure({
        reason: 'protocol-version',
        alert: Alert.protocolVersion,
        alertFrom: 'server',
        description: `client offers ${versionName(hello.maxVersion)}; the legacy engine speaks ${versionName(cfg.minVersion)}–${versionName(cfg.maxVersion)}`,
      });
    }
    // RFC 7507 §3: a fallback retry below what the server (the whole listener, not just this
    // engine) supports means something between client and server interfered.
    if (hello.cipherSuites.includes(0x5600) && hello.clientVersion < cfg.listenerMaxVersion) {
      return new HandshakeFailure({
        reason: 'protocol-version',
        alert: Alert.inappropriateFallback,
        alertFrom: 'server',
        description: `TLS_FALLBACK_SCSV with ${versionName(hello.clientVersion)} while this listener speaks ${versionName(cfg.listenerMaxVersion)}`,
      });
    }
    if (!hello.compression.includes(0)) {
      return new HandshakeFailure({ reason: 'malformed', alert: Alert.illegalParameter, alertFrom: 'server', description: 'the client does not offer the null compression method' });
    }
    // RFC 5746 §3.6: on an initial handshake renegotiated_connection must be empty.
    if (hello.renegotiationInfo !== undefined && hello.renegotiationInfo.length !== 0) {
      return new HandshakeFailure({ reason: 'malformed', alert: Alert.handshakeFailure, alertFrom: 'server', description: 'non-empty renegotiation_info on an initial handshake' });
    }
    if (hello.trailingInRecord > 0) {
      return new HandshakeFailure({ reason: 'malformed', alert: Alert.unexpectedMessage, alertFrom: 'server', description: 'handshake data after the ClientHello before the server answered' });
    }
    const offered = new Set(hello.cipherSuites);
    const suite = cfg.suites.find((s) => offered.has(s.id));
    if (!suite) {
      return new HandshakeFailure({ reason: 'no-shared-cipher', alert: Alert.handshakeFailure, alertFrom: 'server', description: `none of the legacy suites (${cfg.suites.map((s) => s.name).join(', ')}) is offered` });
    }
    const c = new LegacyConnection(socket, hello, cfg, report, version, suite);
    c.handshakeBytes = hello.consumed;
    c.transcript.push(hello.handshakeMessage);
    socket.on('data', c.onData);
    socket.on('end', c.onEnd);
    socket.on('close', c.onClose);
    socket.on('error', c.onError);
    c.sendServerFlight();
    if (rest.length > 0) c.receive(rest);
    socket.resume();
    return c;
  }

  // ───────────────────────── output ─────────────────────────

  private record(type: number, data: Buffer): Buffer {
    const out: Buffer[] = [];
    let off = 0;
    do {
      const piece = data.subarray(off, off + MAX_PLAINTEXT_FRAGMENT);
      off += piece.length;
      const frag = this.writeState ? this.writeState.seal(type, piece) : piece;
      const h = Buffer.allocUnsafe(5);
      h[0] = type;
      h.writeUInt16BE(this.version, 1);
      h.writeUInt16BE(frag.length, 3);
      out.push(h, frag);
    } while (off < data.length);
    return Buffer.concat(out);
  }

  private send(bytes: Buffer, cb?: (err?: Error | null) => void): void {
    if (this.socket.destroyed || !this.socket.writable) {
      cb?.(new Error('TLS connection closed'));
      return;
    }
    this.report.wire.out(bytes);
    this.socket.write(bytes, cb);
  }

  private sendServerFlight(): void {
    const extensions: Buffer[] = [];
    if (this.hello.secureRenegotiation) {
      // RFC 5746 §3.6: renegotiation_info with an empty renegotiated_connection. OpenSSL 3
      // clients refuse a server without it ("unsafe legacy renegotiation disabled").
      extensions.push(Buffer.from([0xff, 0x01, 0x00, 0x01, 0x00]));
    }
    const ext = Buffer.concat(extensions);
    const serverHello = handshakeMessage(
      HS_SERVER_HELLO,
      Buffer.concat([u16(this.version), this.serverRandom, Buffer.from([0]), u16(this.suite.id), Buffer.from([0]), ...(ext.length > 0 ? [u16(ext.length), ext] : [])]),
    );
    // RFC 2246 §7.4.2: the sender's certificate first, each following one certifying the one before.
    const certs = Buffer.concat(this.cfg.chain.flatMap((c) => [u24(c.length), c]));
    const certificate = handshakeMessage(HS_CERTIFICATE, Buffer.concat([u24(certs.length), certs]));
    const done = handshakeMessage(HS_SERVER_HELLO_DONE, Buffer.alloc(0));
    this.transcript.push(serverHello, certificate, done);
    // One message per record, as OpenSSL and GnuTLS send them: some clients (sslscan) read the
    // ServerHello record and then wait for more before parsing the rest. Legal both ways
    // (RFC 2246 §6.2.1); still one socket write, so one TCP segment on loopback either way.
    const flight = this.cfg.serverFlight === 'one-record' ? [this.record(CT_HANDSHAKE, Buffer.concat([serverHello, certificate, done]))] : [serverHello, certificate, done].map((m) => this.record(CT_HANDSHAKE, m));
    this.send(Buffer.concat(flight));
  }

  private sendAlert(level: 1 | 2, code: number): Buffer {
    return this.record(CT_ALERT, Buffer.from([level, code]));
  }

  // ───────────────────────── input ─────────────────────────

  private receive(data: Buffer): void {
    if (this.state === 'closed') return;
    if (this.state !== 'established') {
      this.handshakeBytes += data.length;
      if (this.handshakeBytes > this.cfg.maxHandshakeBytes) {
        this.fatal(Alert.handshakeFailure, 'malformed', `the handshake exceeded ${this.cfg.maxHandshakeBytes} bytes`);
        return;
      }
    }
    this.inbuf.push(data);
    this.inbufBytes += data.length;
    try {
      while (this.inbufBytes >= 5 && (this.state as State) !== 'closed') {
        const head = this.joined(5);
        const type = head[0];
        const ver = head.readUInt16BE(1);
        const len = head.readUInt16BE(3);
        if (type < CT_CCS || type > CT_APPDATA || ver >> 8 !== 3) {
          this.fatal(Alert.unexpectedMessage, 'malformed', `not a TLS record (type ${type}, version 0x${ver.toString(16)})`);
          return;
        }
        if (len > (this.readState ? MAX_CIPHERTEXT_RECORD : MAX_PLAINTEXT_FRAGMENT)) {
          this.fatal(Alert.recordOverflow, 'malformed', `record of ${len} bytes exceeds the limit`);
          return;
        }
        if (this.inbufBytes < 5 + len) break;
        const rec = this.joined(5 + len);
        if (rec.length === 5 + len) this.inbuf.shift();
        else this.inbuf[0] = rec.subarray(5 + len);
        this.inbufBytes -= 5 + len;
        this.handleRecord(type, rec.subarray(5, 5 + len));
      }
    } catch (e) {
      if (e instanceof BadRecordMac) {
        this.fatal(Alert.badRecordMac, 'malformed', `bad record MAC or padding (${e.message})`);
      } else {
        this.fatal(Alert.internalError, 'internal', `internal error: ${(e as Error).message}`);
      }
    }
  }

  /** The first received chunk, joined with the ones after it until it holds `n` bytes
   * (n ≤ inbufBytes). */
  private joined(n: number): Buffer {
    if (this.inbuf[0].length >= n) return this.inbuf[0];
    let k = 0;
    let len = 0;
    while (len < n) len += this.inbuf[k++].length;
    const merged = Buffer.concat(this.inbuf.slice(0, k), len);
    this.inbuf.splice(0, k, merged);
    return merged;
  }

  private handleRecord(type: number, fragment: Buffer): void {
    const data = this.readState ? this.readState.open(type, fragment) : fragment;
    if (type !== CT_ALERT) this.warningsInARow = 0;
    switch (type) {
      case CT_CCS:
        if (this.state !== 'await-ccs' || data.length !== 1 || data[0] !== 1 || this.hsbuf.length > 0) {
          this.fatal(Alert.unexpectedMessage, 'malformed', `unexpected ChangeCipherSpec in state ${this.state}`);
          return;
        }
        this.readState = this.pendingRead;
        this.state = 'await-finished';
        return;
      case CT_ALERT:
        if (data.length !== 2) {
          this.fatal(Alert.decodeError, 'malformed', 'alert record of the wrong length');
          return;
        }
        this.handleAlert(data[0], data[1]);
        return;
      case CT_HANDSHAKE:
        if (data.length === 0) {
          this.fatal(Alert.unexpectedMessage, 'malformed', 'empty handshake record');
          return;
        }
        this.hsbuf = this.hsbuf.length === 0 ? data : Buffer.concat([this.hsbuf, data]);
        while (this.hsbuf.length >= 4 && (this.state as State) !== 'closed') {
          const len = this.hsbuf.readUIntBE(1, 3);
          if (len > MAX_HANDSHAKE_MESSAGE) {
            this.fatal(Alert.illegalParameter, 'malformed', `handshake message of ${len} bytes exceeds ${MAX_HANDSHAKE_MESSAGE}`);
            return;
          }
          if (this.hsbuf.length < 4 + len) break;
          const msg = Buffer.from(this.hsbuf.subarray(0, 4 + len));
          this.hsbuf = this.hsbuf.subarray(4 + len);
          this.handleHandshake(msg);
        }
        return;
      case CT_APPDATA:
        if (this.state !== 'established') {
          this.fatal(Alert.unexpectedMessage, 'malformed', 'application data before the handshake finished');
          return;
        }
        if (data.length > 0 && this.stream && !this.stream.push(data)) this.socket.pause();
        return;
      default:
        return;
    }
  }

  private pendingRead?: CipherState;

  private handleHandshake(msg: Buffer): void {
    const type = msg[0];
    const body = msg.subarray(4);
    if (this.state === 'established') {
      if (type === HS_CLIENT_HELLO) {
        // RFC 5746 §4.4 / RFC 5246 §7.2.2: refuse renegotiation with a warning.
        this.renegotiations += 1;
        this.report.renegotiationRefused(this.renegotiations, msg.length);
        if (this.renegotiations > MAX_RENEGOTIATION_ATTEMPTS) {
          this.fatal(Alert.noRenegotiation, 'malformed', `more than ${MAX_RENEGOTIATION_ATTEMPTS} renegotiation attempts`);
          return;
        }
        this.send(this.sendAlert(1, Alert.noRenegotiation));
        return;
      }
      this.fatal(Alert.unexpectedMessage, 'malformed', `unexpected handshake message ${type} after the handshake`);
      return;
    }
    if (this.state === 'await-cke' && type === HS_CLIENT_KEY_EXCHANGE) {
      // RFC 2246 §7.4.7.1 / RFC 4346 §7.4.7.1: in TLS the EncryptedPreMasterSecret is a vector
      // with a 2-byte length (only SSL 3.0 omits it, and this engine does not speak SSL 3.0). A
      // prefix that disagrees with the body is a framing error, public before any secret is
      // touched: decode_error at once. Everything after the prefix (ciphertext length, padding,
      // version bytes) goes through the Bleichenbacher-safe path and fails only at Finished.
      if (body.length < 2 || body.readUInt16BE(0) !== body.length - 2) {
        const what = body.length < 2 ? `a ${body.length}-byte ClientKeyExchange has no length prefix` : `ClientKeyExchange length prefix ${body.readUInt16BE(0)} does not match its ${body.length - 2}-byte body`;
        this.fatal(Alert.decodeError, 'malformed', what);
        return;
      }
      this.transcript.push(msg);
      const pre = decryptPremaster(this.cfg.key, body.subarray(2), this.hello.clientVersion);
      this.master = masterSecret(pre, this.hello.random, this.serverRandom);
      // What a capture needs to be decrypted (Wireshark reads CLIENT_RANDOM lines); recorded
      // as a secret, redacted in every export.
      this.report.wire.keylog(clientRandomLine(this.hello.random, this.master));
      const km = splitKeyBlock(this.suite, keyBlock(this.master, this.hello.random, this.serverRandom, keyBlockLength(this.suite)));
      const ivC = this.version >= TLS11 ? Buffer.alloc(this.suite.blockLength) : km.clientIv;
      const ivS = this.version >= TLS11 ? Buffer.alloc(this.suite.blockLength) : km.serverIv;
      this.pendingRead = new CipherState(this.suite, this.version, km.clientMac, km.clientKey, ivC, false);
      this.pendingWrite = new CipherState(this.suite, this.version, km.serverMac, km.serverKey, ivS, true);
      this.state = 'await-ccs';
      return;
    }
    if (this.state === 'await-finished' && type === HS_FINISHED) {
      const want = finishedVerifyData(this.master, 'client finished', this.transcript);
      if (body.length !== 12 || !timingSafeEqual(body, want)) {
        this.fatal(Alert.decryptError, 'malformed', 'the client Finished did not verify');
        return;
      }
      this.transcript.push(msg);
      const serverFinished = handshakeMessage(HS_FINISHED, finishedVerifyData(this.master, 'server finished', this.transcript));
      this.state = 'established';
      this.stream = new LegacyTlsStream(this);
      this.report.established(versionName(this.version), this.suite.name, 'legacy');
      const ccs = this.record(CT_CCS, Buffer.from([1]));
      this.writeState = this.pendingWrite;
      this.send(Buffer.concat([ccs, this.record(CT_HANDSHAKE, serverFinished)]));
      this.resolve({ stream: this.stream, version: versionName(this.version), cipher: this.suite.name });
      return;
    }
    this.fatal(Alert.unexpectedMessage, 'malformed', `unexpected handshake message ${type} in state ${this.state}`);
  }

  private handleAlert(level: number, code: number): void {
    if (code === Alert.closeNotify) {
      if (this.state === 'established') {
        this.stream?.push(null);
        return;
      }
      this.failHandshake({ reason: 'client-closed', alert: code, alertFrom: 'client', description: 'the client sent close_notify during the handshake' }, undefined);
      return;
    }
    if (level === 1) {
      this.warningsInARow += 1;
      if (this.warningsInARow > MAX_WARNING_ALERTS_IN_A_ROW) {
        this.fatal(Alert.unexpectedMessage, 'malformed', `more than ${MAX_WARNING_ALERTS_IN_A_ROW} warning alerts in a row (last: ${alertName(code)})`);
      }
      return; // a warning on its own: nothing to do
    }
    if (this.state === 'established') {
      this.report.failedAfterHandshake({ reason: 'client-closed', alert: code, alertFrom: 'client', description: `the client sent a fatal ${alertName(code)} alert` });
      this.stream?.push(null);
      this.destroySocket();
      this.state = 'closed';
      return;
    }
    this.failHandshake({ reason: reasonForClientAlert(code), alert: code, alertFrom: 'client', description: `the client sent a fatal ${alertName(code)} alert` }, undefined);
  }

  /** Send a fatal alert and close; during the handshake, report the failure first. */
  private fatal(code: number, reason: TlsFailureInfo['reason'], description: string): void {
    if (this.state === 'closed') return;
    if (this.state !== 'established') {
      this.failHandshake({ reason, alert: code, alertFrom: 'server', description }, code);
      return;
    }
    this.report.failedAfterHandshake({ reason, alert: code, alertFrom: 'server', description });
    this.state = 'closed';
    this.detach();
    this.endWith(this.sendAlert(2, code));
    this.stream?.push(null);
  }

  private failHandshake(info: TlsFailureInfo, sendCode: number | undefined): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.detach();
    this.report.failed(info);
    if (sendCode !== undefined) this.endWith(this.sendAlert(2, sendCode));
    else this.socket.destroy();
    this.reject(new HandshakeFailure(info));
  }

  /** Abort from outside (handshake timeout). */
  abort(info: TlsFailureInfo): void {
    this.failHandshake(info, undefined);
  }

  private endWith(bytes: Buffer): void {
    if (this.socket.destroyed) return;
    this.report.wire.out(bytes);
    this.socket.end(bytes, () => this.socket.destroy());
    // A peer that never reads must not keep the socket open.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onClose);
    this.socket.off('error', this.onError);
    this.socket.on('error', () => undefined);
    this.socket.resume();
  }

  private peerGone(description: string): void {
    if (this.state === 'closed') return;
    if (this.state === 'established') {
      this.state = 'closed';
      this.detach();
      this.stream?.push(null);
      this.stream?.destroy();
      return;
    }
    this.failHandshake({ reason: 'client-closed', description: `${description} during the handshake` }, undefined);
  }

  // ───────────────────────── called by the stream ─────────────────────────

  resumeReading(): void {
    if (this.state === 'established' && this.socket.isPaused()) this.socket.resume();
  }

  writeApplication(chunk: Buffer, cb: (err?: Error | null) => void): void {
    if (this.state !== 'established') {
      cb(new Error('TLS connection closed'));
      return;
    }
    this.send(this.record(CT_APPDATA, chunk), cb);
  }

  /** Our close_notify (RFC 2246 §7.2.1), then FIN. */
  close(): void {
    if (this.state !== 'established') return;
    this.state = 'closed';
    this.detach();
    // Once the socket is gone, so is the stream ('close' for the protocol layer), whether or
    // not the client answered with its own close_notify.
    this.socket.once('close', () => {
      this.stream?.push(null);
      this.stream?.destroy();
    });
    this.endWith(this.sendAlert(1, Alert.closeNotify));
  }

  destroySocket(): void {
    if (this.state === 'established') {
      this.state = 'closed';
      this.detach();
    }
    this.socket.destroy();
  }
}

export { TLS10, TLS11 };
