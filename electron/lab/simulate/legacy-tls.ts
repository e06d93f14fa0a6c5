/**
 * A TLS 1.0 client for the simulated legacy devices (scan-to-email boxes, old phones): RSA key
 * exchange and the suites current stacks dropped (3DES, RC4), built from the lab's own record
 * protection, PRF and suite tables (../tls/legacy), since neither node:tls nor OpenSSL 3 can
 * offer them (PEERS.md). RFC 2246 §7.3 full handshake: ClientHello, then the server's
 * ServerHello, Certificate, ServerHelloDone; ClientKeyExchange (the premaster encrypted to the
 * certificate's RSA key, §7.4.7.1), ChangeCipherSpec, Finished; the server's ChangeCipherSpec
 * and Finished, checked. Then a Duplex of application data, so ScriptedClient speaks through it.
 */
import { X509Certificate, constants, publicEncrypt, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { finishedVerifyData, keyBlock, masterSecret } from '../tls/legacy/prf.js';
import { CipherState, MAX_PLAINTEXT_FRAGMENT, TLS10, keyBlockLength, splitKeyBlock } from '../tls/legacy/record.js';
import { legacySuiteById, type LegacySuite } from '../tls/legacy/suites.js';
import { buildClientHello } from './tls-client.js';
import { SimulationError } from './wire.js';

const CHANGE_CIPHER_SPEC = 20;
const ALERT = 21;
const HANDSHAKE = 22;
const APPLICATION_DATA = 23;
const HS_SERVER_HELLO = 2;
const HS_CERTIFICATE = 11;
const HS_SERVER_HELLO_DONE = 14;
const HS_CLIENT_KEY_EXCHANGE = 16;
const HS_FINISHED = 20;

/** How long the handshake may take before the device gives up. */
export const LEGACY_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface LegacyTlsResult {
  stream: Duplex;
  suite: LegacySuite;
}

function handshakeMessage(type: number, body: Buffer): Buffer {
  const h = Buffer.from([type, (body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff]);
  return Buffer.concat([h, body]);
}

function record(type: number, fragment: Buffer): Buffer {
  const h = Buffer.from([type, 0x03, 0x01, (fragment.length >> 8) & 0xff, fragment.length & 0xff]);
  return Buffer.concat([h, fragment]);
}

/** Reads whole records off a socket, in order. */
class RecordReader {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  private ended: Error | null = null;

  constructor(sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.waiting?.();
    });
    sock.on('close', () => {
      this.ended ??= new SimulationError('the server closed the connection during the TLS handshake');
      this.waiting?.();
    });
    sock.on('error', (e) => {
      this.ended = e;
      this.waiting?.();
    });
  }

  /** The next record, or null when none is complete yet (see wait). */
  take(): { type: number; fragment: Buffer } | null {
    if (this.buf.length < 5) return null;
    const len = this.buf.readUInt16BE(3);
    if (this.buf.length < 5 + len) return null;
    const r = { type: this.buf[0], fragment: this.buf.subarray(5, 5 + len) };
    this.buf = this.buf.subarray(5 + len);
    return r;
  }

  async next(until: number): Promise<{ type: number; fragment: Buffer }> {
    for (;;) {
      const r = this.take();
      if (r) return r;
      if (this.ended) throw this.ended;
      const left = until - Date.now();
      if (left <= 0) throw new SimulationError('timed out in the TLS handshake');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(t);
          this.waiting = null;
          resolve();
        };
      });
    }
  }

  /** Hand the rest of the stream to application data. */
  detach(): Buffer {
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    return rest;
  }
}

/**
 * Run a TLS 1.0 handshake over a connected socket (after STARTTLS, or at once on port 465)
 * offering exactly `suites` (IANA values, in the device's order).
 */
export async function legacyTlsConnect(sock: Socket, suites: readonly number[], timeoutMs = LEGACY_HANDSHAKE_TIMEOUT_MS): Promise<LegacyTlsResult> {
  const until = Date.now() + timeoutMs;
  const reader = new RecordReader(sock);
  const hello = buildClientHello(suites);
  const transcript: Buffer[] = [hello.subarray(5)];
  const clientRandom = Buffer.from(hello.subarray(11, 43));
  sock.write(hello);
  let serverRandom: Buffer | undefined;
  let suite: LegacySuite | undefined;
  let certificate: X509Certificate | undefined;
  let hs: Buffer = Buffer.alloc(0);
  for (let done = false; !done; ) {
    const r = await reader.next(until);
    if (r.type === ALERT) throw new SimulationError(`the server sent TLS alert ${r.fragment[1] ?? '?'} during the handshake`);
    if (r.type !== HANDSHAKE) throw new SimulationError(`unexpected TLS record type ${r.type} during the handshake`);
    hs = Buffer.concat([hs, r.fragment]);
    while (hs.length >= 4) {
      const len = (hs[1] << 16) | (hs[2] << 8) | hs[3];
      if (hs.length < 4 + len) break;
      const msg = hs.subarray(0, 4 + len);
      const body = msg.subarray(4);
      transcript.push(Buffer.from(msg));
      hs = hs.subarray(4 + len);
      if (msg[0] === HS_SERVER_HELLO) {
        serverRandom = Buffer.from(body.subarray(2, 34));
        const sid = body[34];
        suite = legacySuiteById(body.readUInt16BE(35 + sid));
        if (!suite) throw new SimulationError(`the server chose suite 0x${body.readUInt16BE(35 + sid).toString(16)}, which the device does not know`);
      } else if (msg[0] === HS_CERTIFICATE) {
        // certificate_list<0..2^24-1>, each ASN.1Cert<1..2^24-1>: the first is the server's.
        const firstLen = (body[3] << 16) | (body[4] << 8) | body[5];
        certificate = new X509Certificate(body.subarray(6, 6 + firstLen));
      } else if (msg[0] === HS_SERVER_HELLO_DONE) {
        done = true;
      }
    }
  }
  if (!serverRandom || !suite || !certificate) throw new SimulationError('the server flight lacked ServerHello or Certificate');
  // RFC 2246 §7.4.7.1: client_version, then 46 random bytes, encrypted with PKCS#1 v1.5.
  const preMaster = Buffer.concat([Buffer.from([0x03, 0x01]), randomBytes(46)]);
  const encrypted = publicEncrypt({ key: certificate.publicKey, padding: constants.RSA_PKCS1_PADDING }, preMaster);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(encrypted.length);
  const cke = handshakeMessage(HS_CLIENT_KEY_EXCHANGE, Buffer.concat([len, encrypted]));
  transcript.push(cke);
  const master = masterSecret(preMaster, clientRandom, serverRandom);
  const keys = splitKeyBlock(suite, keyBlock(master, clientRandom, serverRandom, keyBlockLength(suite)));
  const out = new CipherState(suite, TLS10, keys.clientMac, keys.clientKey, keys.clientIv, true);
  const inn = new CipherState(suite, TLS10, keys.serverMac, keys.serverKey, keys.serverIv, false);
  const finished = handshakeMessage(HS_FINISHED, finishedVerifyData(master, 'client finished', transcript));
  transcript.push(finished);
  sock.write(Buffer.concat([record(HANDSHAKE, cke), record(CHANGE_CIPHER_SPEC, Buffer.from([1])), record(HANDSHAKE, out.seal(HANDSHAKE, finished))]));
  let ccs = false;
  for (;;) {
    const r = await reader.next(until);
    if (r.type === ALERT) throw new SimulationError(`the server sent TLS alert ${r.fragment[1] ?? '?'} after the key exchange`);
    if (r.type === CHANGE_CIPHER_SPEC) {
      ccs = true;
      continue;
    }
    if (r.type !== HANDSHAKE || !ccs) throw new SimulationError(`unexpected TLS record type ${r.type} before the server's Finished`);
    const msg = inn.open(HANDSHAKE, r.fragment);
    const want = handshakeMessage(HS_FINISHED, finishedVerifyData(master, 'server finished', transcript));
    if (!msg.equals(want)) throw new SimulationError('the server\'s Finished did not verify');
    break;
  }
  return { stream: applicationStream(sock, reader, out, inn), suite };
}

/** Application data over the protected records, as a Duplex. */
function applicationStream(sock: Socket, reader: RecordReader, out: CipherState, inn: CipherState): Duplex {
  sock.removeAllListeners('data');
  let pending = reader.detach();
  const duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      const parts: Buffer[] = [];
      for (let o = 0; o < chunk.length; o += MAX_PLAINTEXT_FRAGMENT) parts.push(record(APPLICATION_DATA, out.seal(APPLICATION_DATA, chunk.subarray(o, o + MAX_PLAINTEXT_FRAGMENT))));
      sock.write(Buffer.concat(parts), cb);
    },
    final(cb) {
      // close_notify (RFC 2246 §7.2.1), then the TCP close.
      sock.end(record(ALERT, out.seal(ALERT, Buffer.from([1, 0]))));
      cb();
    },
    destroy(err, cb) {
      sock.destroy();
      cb(err);
    },
  });
  const drain = () => {
    while (pending.length >= 5) {
      const len = pending.readUInt16BE(3);
      if (pending.length < 5 + len) return;
      const type = pending[0];
      const frag = pending.subarray(5, 5 + len);
      pending = pending.subarray(5 + len);
      try {
        const data = inn.open(type, frag);
        if (type === APPLICATION_DATA) duplex.push(Buffer.from(data));
        else if (type === ALERT) duplex.push(null);
      } catch (err) {
        duplex.destroy(err as Error);
        return;
      }
    }
  };
  sock.on('data', (d: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, d]) : d;
    drain();
  });
  sock.on('end', () => duplex.push(null));
  sock.on('close', () => duplex.emit('close'));
  drain();
  return duplex;
}
