/**
 * A pass-through between the TCP socket and node:tls that reads TLS record headers in both
 * directions (RFC 5246 §6.2: type, version, length; the content stays untouched). OpenSSL tells
 * Node neither which alert it sent nor that it refused a renegotiation; the records say both:
 *  - an alert record the server sends before its ChangeCipherSpec is plaintext, so its two bytes
 *    are the alert really sent (later ones are encrypted: only their existence is known);
 *  - a handshake record from the client once a TLS ≤ 1.2 session is established can only be a
 *    renegotiation ClientHello (the client sends no other handshake message after Finished, and
 *    the outer content type stays visible in TLS ≤ 1.2; TLS 1.3 has no renegotiation).
 * Cost: node:tls then runs over a JS stream instead of the socket's own handle; only headers are
 * parsed, no payload is copied (the session record of the raw bytes encodes each chunk once). `npm run bench:tls` measures the modern engine against openssl
 * s_server in the same run.
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

const CT_CCS = 20;
const CT_ALERT = 21;
const CT_HANDSHAKE = 22;

/** Reads record boundaries from a byte stream given in arbitrary chunks. */
class RecordReader {
  private header = Buffer.alloc(5);
  private headerHave = 0;
  private bodyLeft = 0;
  private bodyPrefix: number[] = [];
  private type = 0;
  private length = 0;

  constructor(private readonly onRecord: (type: number, length: number, firstBytes: readonly number[]) => void) {}

  feed(chunk: Buffer): void {
    let o = 0;
    while (o < chunk.length) {
      if (this.headerHave < 5) {
        const n = Math.min(5 - this.headerHave, chunk.length - o);
        chunk.copy(this.header, this.headerHave, o, o + n);
        this.headerHave += n;
        o += n;
        if (this.headerHave < 5) return;
        this.type = this.header[0];
        this.length = this.header.readUInt16BE(3);
        this.bodyLeft = this.length;
        this.bodyPrefix = [];
        if (this.bodyLeft === 0) this.end();
        continue;
      }
      const n = Math.min(this.bodyLeft, chunk.length - o);
      for (let i = 0; i < n && this.bodyPrefix.length < 2; i++) this.bodyPrefix.push(chunk[o + i]);
      this.bodyLeft -= n;
      o += n;
      if (this.bodyLeft === 0) this.end();
    }
  }

  private end(): void {
    this.headerHave = 0;
    this.onRecord(this.type, this.length, this.bodyPrefix);
  }
}

export interface SentAlert {
  /** Alert description code, when it travelled in plaintext. */
  code?: number;
  level?: number;
  encrypted: boolean;
}

export class RecordTap extends Duplex {
  private serverSentCcs = false;
  /** The first alert the server sent on this connection. */
  sentAlert?: SentAlert;
  /** Called for each client handshake record once `established` is set (TLS ≤ 1.2). */
  onRenegotiationRecord?: () => void;
  /** Set when the session is established with a version that has renegotiation (≤ TLS 1.2). */
  watchRenegotiation = false;
  private readonly fromClient = new RecordReader((type) => {
    if (type === CT_HANDSHAKE && this.watchRenegotiation) this.onRenegotiationRecord?.();
  });
  private readonly toClient = new RecordReader((type, length, first) => {
    if (type === CT_CCS) this.serverSentCcs = true;
    if (type !== CT_ALERT || this.sentAlert) return;
    this.sentAlert = !this.serverSentCcs && length === 2 ? { level: first[0], code: first[1], encrypted: false } : { encrypted: true };
  });

  /**
   * `raw`: bytes already read from the socket (the sniffed ClientHello), delivered first.
   * `beforeWrite` sees each chunk OpenSSL sends, before it goes to the socket (the session
   * record of the raw bytes, wire.ts).
   */
  constructor(
    private readonly socket: Socket,
    raw: Buffer,
    private readonly beforeWrite?: (chunk: Buffer) => void,
  ) {
    super({ allowHalfOpen: false });
    if (raw.length > 0) {
      this.fromClient.feed(raw);
      this.push(raw);
    }
    socket.on('data', (d: Buffer) => {
      this.fromClient.feed(d);
      if (!this.push(d)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (e) => this.destroy(e));
    socket.on('close', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.toClient.feed(chunk);
    if (this.socket.destroyed) {
      cb();
      return;
    }
    this.beforeWrite?.(chunk);
    this.socket.write(chunk, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // Let a last alert already handed to the socket reach the client, then close; a client
    // that never reads cannot hold the socket open.
    if (!this.socket.destroyed) {
      this.socket.end(() => this.socket.destroy());
      setTimeout(() => this.socket.destroy(), 2000).unref();
    }
    cb(err);
  }
}
