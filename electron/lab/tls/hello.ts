/**
 * The ClientHello reader: looks at the first bytes a client sends, before any TLS engine does,
 * so that the lab can say exactly what a phone offered even when no engine can talk to it.
 *
 * Pure: bytes in, a value out, never throws (property-tested on arbitrary bytes). Understands
 *  - the TLS record format (RFC 5246 §6.2.1), a ClientHello split over several records included;
 *  - the SSLv2-compatible CLIENT-HELLO (RFC 5246 appendix E.2) that 2000s stacks still sent.
 */
import { createHash } from 'node:crypto';
import type { TlsHelloEvent } from '../../api.js';
import {
  Alert,
  cipherSuiteName,
  extensionName,
  groupName,
  isGrease,
  signatureSchemeName,
  ssl2CipherKindName,
  versionName,
} from './names.js';

/** RFC 5246 §6.2.1: a TLSPlaintext fragment is at most 2^14 bytes. */
export const MAX_PLAINTEXT_RECORD = 16384;
/**
 * The largest ClientHello (handshake message, header included) the lab accepts. Real hellos are
 * 200–2,000 bytes (post-quantum key shares included); this bounds what one client can make the
 * lab buffer before a single engine has seen it.
 */
export const MAX_CLIENT_HELLO_BYTES = 32 * 1024;

export const HANDSHAKE_RECORD = 22;
export const CLIENT_HELLO = 1;

export interface HelloExtension {
  type: number;
  data: Buffer;
}

export interface ParsedClientHello {
  format: 'record' | 'sslv2';
  /** Version in the first record header (record format only). */
  recordVersion?: number;
  clientVersion: number;
  /** ClientHello.random; for SSLv2 the challenge right-aligned in 32 bytes (RFC 5246 E.2). */
  random: Buffer;
  sessionId: Buffer;
  /** TLS suites in the client's order (for SSLv2: the CIPHER-KINDs that are TLS suites). */
  cipherSuites: number[];
  /** SSLv2 CIPHER-KINDs that are not TLS suites. */
  ssl2CipherKinds?: number[];
  compression: number[];
  extensions: HelloExtension[];
  sni?: string;
  supportedVersions?: number[];
  signatureAlgorithms?: number[];
  groups?: number[];
  pointFormats?: number[];
  alpn?: string[];
  /** renegotiation_info payload when the extension is present (RFC 5746 §3.2). */
  renegotiationInfo?: Buffer;
  /** The client signals RFC 5746 (extension or TLS_EMPTY_RENEGOTIATION_INFO_SCSV). */
  secureRenegotiation: boolean;
  /** Highest version a server can negotiate with this hello: supported_versions when present,
   * else client_version capped at TLS 1.2 (RFC 8446 §4.2.1). */
  maxVersion: number;
  /** The bytes that go into the handshake hash: the handshake message (record format) or the
   * SSLv2 message without its 2-byte header (RFC 5246 E.2). */
  handshakeMessage: Buffer;
  /** Input bytes the hello occupied (whole records, or the SSLv2 message with its header). */
  consumed: number;
  /** Bytes inside the hello's last record after the ClientHello message. */
  trailingInRecord: number;
}

export type HelloFailure = 'not-tls' | 'malformed' | 'record-overflow' | 'too-large';

export type HelloParseResult =
  | { status: 'need-more' }
  | { status: 'ok'; hello: ParsedClientHello }
  | { status: 'error'; failure: HelloFailure; alert: number; description: string };

export interface HelloParseOptions {
  maxHelloBytes?: number;
}

class Malformed extends Error {}

/** A bounds-checked cursor: every read past the end throws Malformed (caught at the top). */
class Reader {
  constructor(
    private readonly b: Buffer,
    public pos = 0,
    private readonly end = b.length,
  ) {}
  get left(): number {
    return this.end - this.pos;
  }
  u8(): number {
    if (this.left < 1) throw new Malformed('truncated');
    return this.b[this.pos++];
  }
  u16(): number {
    if (this.left < 2) throw new Malformed('truncated');
    const v = this.b.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u24(): number {
    if (this.left < 3) throw new Malformed('truncated');
    const v = (this.b[this.pos] << 16) | (this.b[this.pos + 1] << 8) | this.b[this.pos + 2];
    this.pos += 3;
    return v;
  }
  bytes(n: number): Buffer {
    if (n < 0 || this.left < n) throw new Malformed('truncated');
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** A sub-reader over the next n bytes. */
  sub(n: number): Reader {
    if (n < 0 || this.left < n) throw new Malformed('truncated');
    const r = new Reader(this.b, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
}

function u16List(r: Reader, lenBytes: 1 | 2): number[] {
  const n = lenBytes === 1 ? r.u8() : r.u16();
  if (n % 2 !== 0) throw new Malformed('odd list length');
  const s = r.sub(n);
  const out: number[] = [];
  while (s.left > 0) out.push(s.u16());
  return out;
}

/** Parse one ClientHello body (after the 4-byte handshake header). Throws Malformed. */
function parseBody(body: Buffer): Omit<ParsedClientHello, 'format' | 'recordVersion' | 'handshakeMessage' | 'consumed' | 'trailingInRecord' | 'maxVersion' | 'secureRenegotiation'> {
  const r = new Reader(body);
  const clientVersion = r.u16();
  const random = Buffer.from(r.bytes(32));
  const sidLen = r.u8();
  if (sidLen > 32) throw new Malformed('session_id longer than 32 bytes');
  const sessionId = Buffer.from(r.bytes(sidLen));
  const csLen = r.u16();
  if (csLen % 2 !== 0 || csLen === 0) throw new Malformed('bad cipher_suites length');
  const cs = r.sub(csLen);
  const cipherSuites: number[] = [];
  while (cs.left > 0) cipherSuites.push(cs.u16());
  const compLen = r.u8();
  if (compLen === 0) throw new Malformed('no compression method');
  const compression = [...r.bytes(compLen)];
  const out: ReturnType<typeof parseBody> = { clientVersion, random, sessionId, cipherSuites, compression, extensions: [] };
  if (r.left === 0) return out; // extensions are optional (RFC 5246 §7.4.1.2)
  const extLen = r.u16();
  if (extLen !== r.left) throw new Malformed('extensions length does not match the message');
  const ex = r.sub(extLen);
  while (ex.left > 0) {
    const type = ex.u16();
    const data = Buffer.from(ex.bytes(ex.u16()));
    out.extensions.push({ type, data });
    parseExtension(out, type, data);
  }
  return out;
}

/** Decode the extensions the lab reports. A malformed inner body is ignored (the raw extension
 * is still listed): the engine that answers will judge it; the recorder reports what it can. */
function parseExtension(out: ReturnType<typeof parseBody>, type: number, data: Buffer): void {
  try {
    const r = new Reader(data);
    switch (type) {
      case 0: {
        // RFC 6066 §3: ServerNameList; host_name is type 0.
        const list = r.sub(r.u16());
        while (list.left > 0) {
          const t = list.u8();
          const name = list.bytes(list.u16());
          if (t === 0 && out.sni === undefined) out.sni = name.toString('latin1');
        }
        break;
      }
      case 43:
        out.supportedVersions = u16List(r, 1);
        break;
      case 13:
        out.signatureAlgorithms = u16List(r, 2);
        break;
      case 10:
        out.groups = u16List(r, 2);
        break;
      case 11:
        out.pointFormats = [...r.bytes(r.u8())];
        break;
      case 16: {
        const list = r.sub(r.u16());
        const names: string[] = [];
        while (list.left > 0) names.push(list.bytes(list.u8()).toString('latin1'));
        out.alpn = names;
        break;
      }
      case 0xff01:
        out.renegotiationInfo = Buffer.from(r.bytes(r.u8()));
        break;
      default:
        break;
    }
  } catch (e) {
    if (!(e instanceof Malformed)) throw e;
  }
}

/** The highest version the hello asks for, as written: supported_versions when present, else
 * client_version (what JA4 fingerprints). */
function offeredVersion(h: { clientVersion: number; supportedVersions?: number[] }): number {
  const real = (h.supportedVersions ?? []).filter((v) => !isGrease(v));
  if (real.length > 0) return Math.max(...real);
  return h.clientVersion;
}

/** TLS 1.2: the most a hello without supported_versions can negotiate. */
const TLS12 = 0x0303;

/** The highest version a server can negotiate with this hello. RFC 8446 §4.2.1: TLS 1.3 is only
 * negotiated through supported_versions; without it a server "MUST negotiate TLS 1.2 or prior …
 * even if ClientHello.legacy_version is 0x0304 or later". */
function maxOffered(clientVersion: number, supported?: number[]): number {
  const real = (supported ?? []).filter((v) => !isGrease(v));
  if (real.length > 0) return Math.max(...real);
  return Math.min(clientVersion, TLS12);
}

function fail(failure: HelloFailure, alert: number, description: string): HelloParseResult {
  return { status: 'error', failure, alert, description };
}

/** Does this first byte start a TLS record or an SSLv2 CLIENT-HELLO? */
export function looksLikeTls(first: number): boolean {
  return first === HANDSHAKE_RECORD || (first & 0x80) !== 0;
}

/**
 * Parse the ClientHello at the start of `buf` (everything the client sent so far).
 * `need-more` until enough bytes are there; `error` as soon as the bytes cannot be a hello.
 */
export function parseClientHello(buf: Buffer, opts: HelloParseOptions = {}): HelloParseResult {
  const maxHello = opts.maxHelloBytes ?? MAX_CLIENT_HELLO_BYTES;
  try {
    if (buf.length === 0) return { status: 'need-more' };
    const b0 = buf[0];
    if (b0 === HANDSHAKE_RECORD) return parseRecordHello(buf, maxHello);
    if ((b0 & 0x80) !== 0) return parseSsl2Hello(buf, maxHello);
    return fail('not-tls', Alert.unexpectedMessage, `first byte 0x${b0.toString(16).padStart(2, '0')} is not a TLS handshake record`);
  } catch (e) {
    // Unreachable by design (Malformed is caught below); kept so the reader can never throw.
    return fail('malformed', Alert.decodeError, `unreadable ClientHello: ${(e as Error).message}`);
  }
}

function parseRecordHello(buf: Buffer, maxHello: number): HelloParseResult {
  // Gather the handshake message from consecutive handshake records (RFC 5246 §6.2.1 allows a
  // message to span records).
  let off = 0;
  let recordVersion: number | undefined;
  const parts: Buffer[] = [];
  let have = 0;
  let need = -1; // total message length incl. 4-byte header, once known
  for (;;) {
    if (buf.length - off < 5) return { status: 'need-more' };
    const type = buf[off];
    const version = buf.readUInt16BE(off + 1);
    const len = buf.readUInt16BE(off + 3);
    if (type !== HANDSHAKE_RECORD) return fail('malformed', Alert.unexpectedMessage, `record type ${type} inside the ClientHello`);
    if (version >> 8 !== 3) return fail('malformed', Alert.protocolVersion, `record version 0x${version.toString(16)} is not TLS`);
    if (len > MAX_PLAINTEXT_RECORD) return fail('record-overflow', Alert.recordOverflow, `record length ${len} exceeds 2^14`);
    if (len === 0) return fail('malformed', Alert.unexpectedMessage, 'empty handshake record');
    recordVersion ??= version;
    if (buf.length - off - 5 < len) {
      // Fail early, from a partial first record, when the handshake header already says the
      // message is not a ClientHello or is too large: nothing more needs buffering.
      if (need < 0 && parts.length === 0 && buf.length - off - 5 >= 4) {
        if (buf[off + 5] !== CLIENT_HELLO) return fail('malformed', Alert.unexpectedMessage, `handshake type ${buf[off + 5]} where a ClientHello was expected`);
        const declared = 4 + buf.readUIntBE(off + 6, 3);
        if (declared > maxHello) return fail('too-large', Alert.illegalParameter, `ClientHello of ${declared} bytes exceeds ${maxHello}`);
      }
      return { status: 'need-more' };
    }
    parts.push(buf.subarray(off + 5, off + 5 + len));
    have += len;
    off += 5 + len;
    if (need < 0 && have >= 4) {
      const head = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      if (head[0] !== CLIENT_HELLO) return fail('malformed', Alert.unexpectedMessage, `handshake type ${head[0]} where a ClientHello was expected`);
      need = 4 + ((head[1] << 16) | (head[2] << 8) | head[3]);
      if (need > maxHello) return fail('too-large', Alert.illegalParameter, `ClientHello of ${need} bytes exceeds ${maxHello}`);
    }
    if (need >= 0 && have >= need) break;
    if (have > maxHello) return fail('too-large', Alert.illegalParameter, `ClientHello exceeds ${maxHello} bytes`);
  }
  const all = Buffer.concat(parts);
  const handshakeMessage = Buffer.from(all.subarray(0, need));
  let body;
  try {
    body = parseBody(handshakeMessage.subarray(4));
  } catch (e) {
    if (e instanceof Malformed) return fail('malformed', Alert.decodeError, `malformed ClientHello: ${e.message}`);
    throw e;
  }
  const hello: ParsedClientHello = {
    format: 'record',
    recordVersion,
    ...body,
    maxVersion: maxOffered(body.clientVersion, body.supportedVersions),
    secureRenegotiation: body.renegotiationInfo !== undefined || body.cipherSuites.includes(0x00ff),
    handshakeMessage,
    consumed: off,
    trailingInRecord: have - need,
  };
  return { status: 'ok', hello };
}

function parseSsl2Hello(buf: Buffer, maxHello: number): HelloParseResult {
  if (buf.length < 3) return { status: 'need-more' };
  const len = ((buf[0] & 0x7f) << 8) | buf[1];
  if (buf[2] !== CLIENT_HELLO) return fail('not-tls', Alert.unexpectedMessage, `first byte 0x${buf[0].toString(16)} is neither a TLS record nor an SSLv2 CLIENT-HELLO`);
  if (len > maxHello) return fail('too-large', Alert.illegalParameter, `SSLv2 ClientHello of ${len} bytes exceeds ${maxHello}`);
  if (len < 9) return fail('malformed', Alert.decodeError, 'SSLv2 ClientHello shorter than its header');
  if (buf.length < 2 + len) return { status: 'need-more' };
  const msg = buf.subarray(2, 2 + len);
  const r = new Reader(msg);
  try {
    r.u8();
    const clientVersion = r.u16();
    const specLen = r.u16();
    const sidLen = r.u16();
    const chLen = r.u16();
    if (specLen % 3 !== 0 || specLen === 0) throw new Malformed('bad cipher_spec_length');
    if (sidLen !== 0 && sidLen !== 16) throw new Malformed('bad session_id_length');
    if (chLen < 16 || chLen > 32) throw new Malformed('bad challenge_length');
    if (9 + specLen + sidLen + chLen !== len) throw new Malformed('lengths do not add up');
    const specs = r.sub(specLen);
    const cipherSuites: number[] = [];
    const kinds: number[] = [];
    while (specs.left > 0) {
      const k = (specs.u8() << 16) | specs.u16();
      if (k >> 16 === 0) cipherSuites.push(k & 0xffff);
      else kinds.push(k);
    }
    const sessionId = Buffer.from(r.bytes(sidLen));
    const challenge = r.bytes(chLen);
    const random = Buffer.alloc(32);
    challenge.copy(random, 32 - chLen);
    const hello: ParsedClientHello = {
      format: 'sslv2',
      clientVersion,
      random,
      sessionId,
      cipherSuites,
      ssl2CipherKinds: kinds,
      compression: [0],
      extensions: [],
      maxVersion: clientVersion,
      secureRenegotiation: cipherSuites.includes(0x00ff),
      handshakeMessage: Buffer.from(msg),
      consumed: 2 + len,
      trailingInRecord: 0,
    };
    return { status: 'ok', hello };
  } catch (e) {
    if (e instanceof Malformed) return fail('malformed', Alert.decodeError, `malformed SSLv2 ClientHello: ${e.message}`);
    throw e;
  }
}

// ───────────────────────────── Fingerprints ─────────────────────────────

/** JA3 (Salesforce): version,ciphers,extensions,groups,point formats; GREASE removed; decimal. */
export function ja3String(h: ParsedClientHello): string {
  const ng = (xs: number[] | undefined): string => (xs ?? []).filter((v) => !isGrease(v)).join('-');
  return [
    String(h.clientVersion),
    ng(h.cipherSuites),
    ng(h.extensions.map((e) => e.type)),
    ng(h.groups),
    (h.pointFormats ?? []).join('-'),
  ].join(',');
}

function sha256_12(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}

const JA4_VERSIONS: Record<number, string> = { 0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10', 0x0300: 's3', 0x0002: 's2' };

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** JA4 (FoxIO, TLS over TCP): t<ver><d|i><#ciphers><#exts><alpn>_<cipher hash>_<ext+sigalg hash>. */
export function ja4(h: ParsedClientHello): string {
  const ver = JA4_VERSIONS[h.format === 'sslv2' ? h.maxVersion : offeredVersion(h)] ?? '00';
  const sni = h.sni !== undefined ? 'd' : 'i';
  const ciphers = h.cipherSuites.filter((v) => !isGrease(v));
  const exts = h.extensions.map((e) => e.type).filter((v) => !isGrease(v));
  const two = (n: number): string => String(Math.min(n, 99)).padStart(2, '0');
  let alpn = '00';
  const first = h.alpn?.[0];
  if (first !== undefined && first.length > 0) {
    const a = first.charCodeAt(0);
    const z = first.charCodeAt(first.length - 1);
    alpn = isAlnum(a) && isAlnum(z) ? first[0] + first[first.length - 1] : a.toString(16).padStart(2, '0')[0] + z.toString(16).padStart(2, '0')[1];
  }
  const hx = (v: number): string => v.toString(16).padStart(4, '0');
  const cipherPart = ciphers.length === 0 ? '000000000000' : sha256_12([...ciphers].sort((x, y) => x - y).map(hx).join(','));
  const sortedExts = exts.filter((v) => v !== 0x0000 && v !== 0x0010).sort((x, y) => x - y).map(hx).join(',');
  const sigs = (h.signatureAlgorithms ?? []).filter((v) => !isGrease(v)).map(hx).join(',');
  const extPart = exts.length === 0 ? '000000000000' : sha256_12(sigs.length > 0 ? `${sortedExts}_${sigs}` : sortedExts);
  return `t${ver}${sni}${two(ciphers.length)}${two(exts.length)}${alpn}_${cipherPart}_${extPart}`;
}

/** The `tls.hello` event for a parsed hello (electron/api.ts TlsHelloEvent). */
export function helloEvent(conn: string, h: ParsedClientHello): Omit<TlsHelloEvent, 'seq' | 't'> {
  const ja3 = ja3String(h);
  const cipherSuites = h.cipherSuites.map(cipherSuiteName);
  if (h.ssl2CipherKinds) cipherSuites.push(...h.ssl2CipherKinds.map(ssl2CipherKindName));
  const ev: Omit<TlsHelloEvent, 'seq' | 't'> = {
    kind: 'tls.hello',
    conn,
    format: h.format,
    clientVersion: versionName(h.clientVersion),
    maxVersion: versionName(h.maxVersion),
    cipherSuites,
    compression: h.compression,
    extensions: h.extensions.map((e) => extensionName(e.type)),
    ja3,
    ja3Hash: createHash('md5').update(ja3).digest('hex'),
    ja4: ja4(h),
  };
  if (h.recordVersion !== undefined) ev.recordVersion = versionName(h.recordVersion);
  if (h.supportedVersions) ev.supportedVersions = h.supportedVersions.map(versionName);
  if (h.sni !== undefined) ev.sni = h.sni;
  if (h.signatureAlgorithms) ev.signatureAlgorithms = h.signatureAlgorithms.map(signatureSchemeName);
  if (h.groups) ev.groups = h.groups.map(groupName);
  return ev;
}
