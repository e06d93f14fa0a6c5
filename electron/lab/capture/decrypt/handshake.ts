/**
 * The handshake messages the decryptor reads in clear (RFC 5246 §7.4, RFC 8446 §4): ServerHello,
 * Certificate, NewSessionTicket and ClientKeyExchange. ClientHello is read by the lab's own
 * parser (tls/hello.ts).
 */

export const HS = {
  helloRequest: 0,
  clientHello: 1,
  serverHello: 2,
  newSessionTicket: 4,
  endOfEarlyData: 5,
  encryptedExtensions: 8,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateVerify: 15,
  clientKeyExchange: 16,
  finished: 20,
  keyUpdate: 24,
} as const;

export const EXT_ENCRYPT_THEN_MAC = 0x0016;
export const EXT_EXTENDED_MASTER_SECRET = 0x0017;
export const EXT_SESSION_TICKET = 0x0023;
export const EXT_SUPPORTED_VERSIONS = 0x002b;

/** RFC 8446 §4.1.3: the ServerHello.random of a HelloRetryRequest. */
export const HELLO_RETRY_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

export class Truncated extends Error {}

function need(b: Buffer, end: number): void {
  if (end > b.length) throw new Truncated('truncated handshake message');
}

export interface ServerHello {
  legacyVersion: number;
  /** supported_versions when present (TLS 1.3), else legacy_version. */
  version: number;
  random: Buffer;
  sessionId: Buffer;
  cipherSuite: number;
  extendedMasterSecret: boolean;
  encryptThenMac: boolean;
  helloRetry: boolean;
}

export function parseServerHello(body: Buffer): ServerHello {
  need(body, 35);
  const legacyVersion = body.readUInt16BE(0);
  const random = Buffer.from(body.subarray(2, 34));
  const sidLen = body[34];
  need(body, 35 + sidLen + 3);
  const sessionId = Buffer.from(body.subarray(35, 35 + sidLen));
  let o = 35 + sidLen;
  const cipherSuite = body.readUInt16BE(o);
  o += 3; // suite + compression method
  let version = legacyVersion;
  let ems = false;
  let etm = false;
  if (o + 2 <= body.length) {
    const extEnd = o + 2 + body.readUInt16BE(o);
    need(body, extEnd);
    o += 2;
    while (o + 4 <= extEnd) {
      const type = body.readUInt16BE(o);
      const len = body.readUInt16BE(o + 2);
      need(body, o + 4 + len);
      if (type === EXT_SUPPORTED_VERSIONS && len === 2) version = body.readUInt16BE(o + 4);
      if (type === EXT_EXTENDED_MASTER_SECRET) ems = true;
      if (type === EXT_ENCRYPT_THEN_MAC) etm = true;
      o += 4 + len;
    }
  }
  return { legacyVersion, version, random, sessionId, cipherSuite, extendedMasterSecret: ems, encryptThenMac: etm, helloRetry: random.equals(HELLO_RETRY_RANDOM) };
}

/** The first (end-entity) certificate of a TLS ≤ 1.2 Certificate message (RFC 5246 §7.4.2). */
export function firstCertificate(body: Buffer): Buffer | undefined {
  if (body.length < 6) return undefined;
  const len = body.readUIntBE(3, 3);
  if (6 + len > body.length || len === 0) return undefined;
  return Buffer.from(body.subarray(6, 6 + len));
}

/** RFC 5077 §3.3: lifetime hint, then the opaque ticket. */
export function sessionTicket(body: Buffer): Buffer | undefined {
  if (body.length < 6) return undefined;
  const len = body.readUInt16BE(4);
  return 6 + len <= body.length ? Buffer.from(body.subarray(6, 6 + len)) : undefined;
}

/** RFC 5246 §7.4.7.1: the encrypted premaster secret, with its length prefix in TLS (not in
 * SSL 3.0, RFC 6101 §5.6.7). */
export function encryptedPremaster(version: number, body: Buffer): Buffer {
  if (version === 0x0300) return body;
  need(body, 2);
  const len = body.readUInt16BE(0);
  need(body, 2 + len);
  return body.subarray(2, 2 + len);
}

/** Splits a byte stream of handshake messages (type, 3-byte length, body). */
export class HandshakeBuffer {
  private buf: Buffer = Buffer.alloc(0);

  append(b: Buffer): void {
    this.buf = this.buf.length === 0 ? b : Buffer.concat([this.buf, b]);
  }

  /** The next whole message, without consuming it. */
  peek(): { type: number; body: Buffer; raw: Buffer } | undefined {
    if (this.buf.length < 4) return undefined;
    const len = this.buf.readUIntBE(1, 3);
    if (this.buf.length < 4 + len) return undefined;
    return { type: this.buf[0], body: this.buf.subarray(4, 4 + len), raw: this.buf.subarray(0, 4 + len) };
  }

  consume(): void {
    const m = this.peek();
    if (m) this.buf = this.buf.subarray(m.raw.length);
  }

  get pending(): number {
    return this.buf.length;
  }
}
