/**
 * A TLS 1.0/1.1 client with RSA key exchange, written on node:crypto and the lab's record
 * primitives, as a 2006 phone speaks it (OpenSSL 3 clients cannot offer RC4 or 3DES). Used by
 * `npm run bench:tls` and by tests that need a handshake to go wrong at one precise step.
 */
import { constants, publicEncrypt, randomBytes, X509Certificate } from 'node:crypto';
import { connect } from 'node:net';
import { finishedVerifyData, keyBlock, masterSecret } from '../../electron/lab/tls/legacy/prf.js';
import { CipherState, keyBlockLength, splitKeyBlock } from '../../electron/lab/tls/legacy/record.js';
import type { LegacySuite } from '../../electron/lab/tls/legacy/suites.js';

const u16 = (v: number): Buffer => Buffer.from([v >> 8, v & 0xff]);
const u24 = (v: number): Buffer => Buffer.from([v >> 16, (v >> 8) & 0xff, v & 0xff]);
const hs = (type: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type]), u24(body.length), body]);
const rec = (type: number, version: number, frag: Buffer): Buffer => Buffer.concat([Buffer.from([type]), u16(version), u16(frag.length), frag]);

export interface PhoneClientOptions {
  /** Send a Finished whose verify_data is wrong (correctly encrypted and MACed). */
  wrongFinished?: boolean;
  /** Every record the server sent, as received (for tests to decode). */
  received?: Buffer[];
}

/** Thrown when the server answers with an alert; `alert` is its description code. */
export class ServerAlert extends Error {
  constructor(readonly alert: number) {
    super(`alert ${alert}`);
  }
}

/**
 * One full TLS 1.0/1.1 RSA handshake: ClientHello (suite + SCSV), RSA-encrypted premaster,
 * ChangeCipherSpec, Finished; waits for the server's Finished, then sends close_notify.
 */
export function legacyHandshake(port: number, suite: LegacySuite, version: number, opts: PhoneClientOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const clientRandom = randomBytes(32);
    const hello = hs(1, Buffer.concat([u16(version), clientRandom, Buffer.from([0]), u16(4), u16(suite.id), u16(0x00ff), Buffer.from([1, 0])]));
    const transcript: Buffer[] = [hello];
    let buf: Buffer = Buffer.alloc(0);
    let hsbuf: Buffer = Buffer.alloc(0);
    let serverRandom: Buffer = Buffer.alloc(0);
    let cert: Buffer | undefined;
    let master: Buffer = Buffer.alloc(0);
    let read: CipherState | undefined;
    let pendingRead: CipherState | undefined;
    let write: CipherState | undefined;
    let done = false;
    const fail = (e: Error): void => {
      if (done) return;
      done = true;
      s.destroy();
      reject(e);
    };
    s.on('error', fail);
    s.on('close', () => fail(new Error('closed before the server Finished')));
    s.setTimeout(5000, () => fail(new Error('no server Finished within 5 s')));
    s.on('connect', () => s.write(rec(22, 0x0301, hello)));
    s.on('data', (d: Buffer) => {
      if (done) return;
      opts.received?.push(d);
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
        const type = buf[0];
        const frag = buf.subarray(5, 5 + buf.readUInt16BE(3));
        buf = buf.subarray(5 + frag.length);
        const data = read ? read.open(type, frag) : frag;
        if (type === 21) return fail(new ServerAlert(data[1]));
        if (type === 20) {
          read = pendingRead;
          continue;
        }
        if (type !== 22) continue;
        hsbuf = Buffer.concat([hsbuf, data]);
        while (hsbuf.length >= 4 && hsbuf.length >= 4 + hsbuf.readUIntBE(1, 3)) {
          const len = hsbuf.readUIntBE(1, 3);
          const msg = hsbuf.subarray(0, 4 + len);
          hsbuf = hsbuf.subarray(4 + len);
          const t = msg[0];
          if (t === 2) serverRandom = Buffer.from(msg.subarray(6, 38));
          if (t === 11) cert = Buffer.from(msg.subarray(10, 10 + msg.readUIntBE(7, 3)));
          if (t === 20) {
            const want = finishedVerifyData(master, 'server finished', transcript);
            if (!want.equals(msg.subarray(4))) return fail(new Error('server Finished did not verify'));
            done = true;
            // close_notify then FIN, as a well-behaved client: gnutls-serv keeps sessions that
            // end in a bare reset around and stalls after a few hundred.
            s.end(rec(21, version, write!.seal(21, Buffer.from([1, 0]))));
            s.setTimeout(0);
            resolve();
            return;
          }
          transcript.push(Buffer.from(msg));
          if (t === 14) {
            const pm = Buffer.concat([u16(version), randomBytes(46)]);
            const key = new X509Certificate(cert!).publicKey;
            const enc = publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, pm);
            const cke = hs(16, Buffer.concat([u16(enc.length), enc]));
            transcript.push(cke);
            master = masterSecret(pm, clientRandom, serverRandom);
            const km = splitKeyBlock(suite, keyBlock(master, clientRandom, serverRandom, keyBlockLength(suite)));
            const zero = Buffer.alloc(suite.blockLength);
            write = new CipherState(suite, version, km.clientMac, km.clientKey, version > 0x0301 ? zero : km.clientIv, true);
            pendingRead = new CipherState(suite, version, km.serverMac, km.serverKey, version > 0x0301 ? zero : km.serverIv, false);
            const verify = finishedVerifyData(master, 'client finished', transcript);
            if (opts.wrongFinished) verify[0] ^= 0xff;
            const fin = hs(20, verify);
            transcript.push(fin);
            s.write(Buffer.concat([rec(22, version, cke), rec(20, version, Buffer.from([1])), rec(22, version, write.seal(22, fin))]));
          }
        }
      }
    });
  });
}
