/**
 * The TLS acceptor: sniff the ClientHello, record it, pick an engine, run the handshake under a
 * deadline and a byte budget, and hand back a plaintext Duplex (types.ts, TlsAcceptor).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { ServedCertificate } from '../../api.js';
import { chooseCertificate } from './certificate-choice.js';
import { certificateInfo, type CertificateInfo } from './certificate-info.js';
import { chooseEngine } from './choose.js';
import { helloEvent, MAX_CLIENT_HELLO_BYTES, parseClientHello, type ParsedClientHello } from './hello.js';
import { HandshakeFailure, LegacyConnection, type LegacyConfig } from './legacy/engine.js';
import { TLS10, TLS11 } from './legacy/record.js';
import { DEFAULT_LEGACY_SUITE_ORDER, legacySuiteByName, type LegacySuite } from './legacy/suites.js';
import { MODERN_MAX_VERSION_CODE, startModern, modernContext } from './modern.js';
import { Alert } from './names.js';
import { HandshakeReporter, type TlsFailureInfo } from './report.js';
import { TlsHandshakeError, type TlsAcceptContext, type TlsAcceptor, type TlsAcceptorOptions, type TlsIdentity, type TlsSession } from './types.js';

/** A handshake (from accept() to established) that takes longer than this is abandoned. Phones
 * of 2006 needed ~2 s for RSA on slow CPUs; 30 s leaves room for a user tapping "accept
 * certificate" on the phone's prompt. */
export const HANDSHAKE_TIMEOUT_MS = 30_000;
/** Bytes a client may send before its session is established (hello, key exchange, Finished:
 * a few kB in practice). Bounds the memory one connection can hold during the handshake. */
export const MAX_HANDSHAKE_BYTES = 64 * 1024;

function pemBlocks(pem: string): Buffer[] {
  const out: Buffer[] = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  for (let m = re.exec(pem); m; m = re.exec(pem)) out.push(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
  return out;
}

function identityFrom(opts: TlsAcceptorOptions): TlsIdentity {
  if (opts.identity) return opts.identity;
  if (opts.certificates) {
    const c = opts.certificates;
    return { keyPem: c.serverKeyPem, certPem: c.serverCertPem, caPem: c.caCertPem, sha1CertPem: c.serverSha1CertPem };
  }
  throw new TypeError('createTlsAcceptor: `identity` or `certificates` is required');
}

const VERSION_CODES = { TLSv1: TLS10, 'TLSv1.1': TLS11 } as const;

/** One server certificate as both engines serve it. */
interface ServedIdentity {
  info: CertificateInfo;
  readonly modern: SecureContext;
  legacy: LegacyConfig | null;
}

class Acceptor implements TlsAcceptor {
  /** The primary certificate first, then the SHA-1 one when given. */
  private readonly identities: ServedIdentity[];
  private readonly legacyWhyNot?: string;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly suites: readonly LegacySuite[];

  constructor(private readonly opts: TlsAcceptorOptions) {
    const id = identityFrom(opts);
    this.timeoutMs = opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    this.maxBytes = opts.maxHandshakeBytes ?? MAX_HANDSHAKE_BYTES;
    const names = opts.legacySuites ?? DEFAULT_LEGACY_SUITE_ORDER;
    this.suites = names.map((n) => {
      const s = legacySuiteByName(n);
      if (!s) throw new TypeError(`unknown legacy suite ${n}`);
      return s;
    });
    const key = createPrivateKey(id.keyPem);
    // The legacy engine does RSA key exchange only; an ECDSA lab certificate rules it out.
    if (key.asymmetricKeyType !== 'rsa') this.legacyWhyNot = `the lab key is ${key.asymmetricKeyType}, the legacy engine needs RSA`;
    const serve = (certPem: string): ServedIdentity => {
      const chain = pemBlocks(certPem);
      if (chain.length === 0) throw new TypeError('createTlsAcceptor: no certificate in certPem');
      new X509Certificate(chain[0]); // fail now, not on the first phone, if it is unreadable
      for (const ca of pemBlocks(id.caPem ?? '')) if (!chain.some((c) => c.equals(ca))) chain.push(ca);
      let modern: SecureContext | undefined;
      return {
        info: certificateInfo(chain[0]),
        // Made for the first client the modern engine serves this certificate to, not when the
        // lab starts: an OpenSSL context parses the key again (a good part of a start, twice).
        get modern() {
          return (modern ??= modernContext({ ...id, certPem }));
        },
        legacy: this.legacyWhyNot
          ? null
          : {
              key,
              chain,
              suites: this.suites,
              minVersion: VERSION_CODES[opts.legacyMinVersion ?? 'TLSv1'],
              maxVersion: VERSION_CODES[opts.legacyMaxVersion ?? 'TLSv1.1'],
              listenerMaxVersion: (opts.engine ?? 'auto') === 'legacy' ? VERSION_CODES[opts.legacyMaxVersion ?? 'TLSv1.1'] : MODERN_MAX_VERSION_CODE,
              maxHandshakeBytes: this.maxBytes,
              serverFlight: opts.legacyServerFlight,
            },
      };
    };
    this.identities = [serve(id.certPem), ...(id.sha1CertPem ? [serve(id.sha1CertPem)] : [])];
  }

  /** The certificate the rule (certificate-choice.ts) asks for, or the primary one if it is not here. */
  private identityFor(wanted: ServedCertificate): ServedIdentity {
    return this.identities.find((i) => i.info.certificate === wanted) ?? this.identities[0];
  }

  accept(socket: Socket, ctx: TlsAcceptContext): Promise<TlsSession> {
    const report = new HandshakeReporter(ctx.recorder, ctx.conn, ctx.mode);
    // From here every byte either way is TLS: recorded raw for the capture export (wire.ts).
    if (ctx.initialBytes && ctx.initialBytes.length > 0) report.wire.in(ctx.initialBytes);
    report.wire.watch(socket);
    return new Promise<TlsSession>((resolve, reject) => {
      let abortEngine: ((info: TlsFailureInfo) => void) | null = null;
      let finished = false;
      const failNow = (info: TlsFailureInfo, alert?: number): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        cleanupSniff();
        report.failed(info);
        if (alert !== undefined && !socket.destroyed && socket.writable) {
          // A fatal alert in a TLS 1.0 record: every version of the era can read it.
          const record = Buffer.from([21, 3, 1, 0, 2, 2, alert]);
          report.wire.out(record);
          socket.end(record, () => socket.destroy());
          setTimeout(() => socket.destroy(), 2000).unref();
        } else {
          socket.destroy();
        }
        reject(new TlsHandshakeError(info.reason, info.description));
      };
      const engineFailed = (info: TlsFailureInfo): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        reject(new TlsHandshakeError(info.reason, info.description));
      };
      const timer = setTimeout(() => {
        const info: TlsFailureInfo = { reason: 'timeout', description: `no TLS session within ${this.timeoutMs} ms` };
        if (abortEngine) {
          abortEngine(info);
          engineFailed(info);
        } else failNow(info);
      }, this.timeoutMs);
      timer.unref?.();

      // ── sniff the ClientHello ──
      let raw: Buffer = ctx.initialBytes && ctx.initialBytes.length > 0 ? Buffer.from(ctx.initialBytes) : Buffer.alloc(0);
      const onData = (d: Buffer): void => {
        raw = raw.length === 0 ? d : Buffer.concat([raw, d]);
        examine();
      };
      const onEnd = (): void => failNow({ reason: 'client-closed', description: raw.length === 0 ? 'the client closed before sending a ClientHello' : `the client closed after ${raw.length} bytes of an incomplete ClientHello` });
      const onError = (e: Error): void => failNow({ reason: 'client-closed', description: `socket error before the ClientHello: ${e.message}` });
      const cleanupSniff = (): void => {
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('close', onEnd);
        socket.off('error', onError);
      };
      const examine = (): void => {
        if (finished) return;
        const r = parseClientHello(raw, { maxHelloBytes: Math.min(this.maxBytes, MAX_CLIENT_HELLO_BYTES) });
        if (r.status === 'need-more') {
          if (raw.length > this.maxBytes) {
            failNow({ reason: 'malformed', alert: Alert.handshakeFailure, alertFrom: 'server', description: `the handshake exceeded ${this.maxBytes} bytes without a complete ClientHello` }, Alert.handshakeFailure);
          }
          return;
        }
        if (r.status === 'error') {
          const sendAlert = r.failure !== 'not-tls';
          failNow({ reason: 'malformed', ...(sendAlert ? { alert: r.alert, alertFrom: 'server' as const } : {}), description: r.description }, sendAlert ? r.alert : undefined);
          return;
        }
        cleanupSniff();
        socket.on('error', () => undefined); // errors after this point belong to the engine
        this.dispatch(socket, ctx, report, r.hello, raw, (info) => engineFailed(info), (s) => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          resolve(s);
        }, (abort) => (abortEngine = abort));
      };
      socket.on('data', onData);
      socket.on('end', onEnd);
      socket.on('close', onEnd);
      socket.on('error', onError);
      if (raw.length > 0) examine();
      if (!finished) socket.resume();
    });
  }

  private dispatch(
    socket: Socket,
    ctx: TlsAcceptContext,
    report: HandshakeReporter,
    hello: ParsedClientHello,
    raw: Buffer,
    failed: (info: TlsFailureInfo) => void,
    done: (s: TlsSession) => void,
    setAbort: (abort: (info: TlsFailureInfo) => void) => void,
  ): void {
    socket.pause();
    ctx.recorder.record(helloEvent(ctx.conn, hello));
    ctx.recorder.flush();
    const decision = chooseEngine(hello, this.opts.engine ?? 'auto', this.suites.map((s) => s.id));
    const identity = this.identityFor(chooseCertificate(hello).certificate);
    report.served = identity.info;
    const writtenBefore = socket.bytesWritten;
    report.certificateSent = () => socket.bytesWritten > writtenBefore;
    if (decision.engine === 'legacy') {
      const legacy = identity.legacy;
      if (!legacy) {
        const info: TlsFailureInfo = { reason: 'internal', alert: Alert.handshakeFailure, alertFrom: 'server', description: this.legacyWhyNot ?? 'legacy engine unavailable' };
        report.failed(info);
        const record = Buffer.from([21, 3, 1, 0, 2, 2, Alert.handshakeFailure]);
        report.wire.out(record);
        socket.end(record, () => socket.destroy());
        failed(info);
        return;
      }
      const started = LegacyConnection.start(socket, hello, raw.subarray(hello.consumed), legacy, report);
      if (started instanceof HandshakeFailure) {
        report.failed(started.info);
        const version = Math.max(0x0300, Math.min(hello.clientVersion, legacy.maxVersion));
        const alert = started.info.alert ?? Alert.handshakeFailure;
        const record = Buffer.from([21, version >> 8, version & 0xff, 0, 2, 2, alert]);
        report.wire.out(record);
        socket.end(record, () => socket.destroy());
        setTimeout(() => socket.destroy(), 2000).unref();
        failed(started.info);
        return;
      }
      setAbort((info) => started.abort(info));
      started.result.then(
        (r) => done({ stream: r.stream, version: r.version, cipher: r.cipher, engine: 'legacy' }),
        (e: HandshakeFailure) => failed(e.info),
      );
      return;
    }
    const m = startModern(socket, raw, identity.modern, report);
    setAbort((info) => m.abort(info));
    m.result.then(
      (r) => done({ stream: r.stream, version: r.version, cipher: r.cipher, engine: 'modern' }),
      (e: Error & { info?: TlsFailureInfo }) => failed(e.info ?? { reason: 'internal', description: e.message }),
    );
  }
}

export function createAcceptor(opts: TlsAcceptorOptions): TlsAcceptor {
  return new Acceptor(opts);
}
