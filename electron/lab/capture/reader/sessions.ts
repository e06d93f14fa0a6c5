/**
 * Captured packets → the LabEvents the recorder writes for a live session (DESIGN.md, Events),
 * so the diagnosis reads a capture with the same rules: conn.open / conn.close, c2s / s2c
 * payloads (in wire order, reassembled), tls.hello / tls.failed / tls.established from the clear
 * handshake (../../diagnosis/pcap-tls.ts), decrypted traffic as c2s / s2c with `tls: true` when
 * the secrets are at hand (./decryptor.ts), and `capture.gap` where the capture lost bytes.
 *
 * Who is the server: the side that answered a SYN; else the side on a mail port; else the side
 * whose first bytes are a mail greeting ("* OK", "220", "+OK"); a client speaks first only
 * with a TLS ClientHello (implicit TLS) or a request.
 * The protocol: from the server's greeting (plaintext or, for implicit TLS, decrypted), else
 * from the port (143/993, 25/587/465, 110/995 and the lab's fallbacks 1143/1993, …).
 */
import type { DeviceInfo, EventInput, LabEvent, ListenerName } from '../../../api.js';
import { encodeBytes, payloadPieces } from '../../recorder/bytes.js';
import { TlsStreamWatcher } from '../../diagnosis/pcap-tls.js';
import { deviceFromImapId, MAX_ID_VALUE_CHARS } from '../../device/imap-id.js';
import type { CapturedPacket } from './file-format.js';
import { decodeFrame, type TcpSegment } from './packet.js';
import { TcpDirection } from './tcp-stream.js';
import type { DecryptOutput, TlsConnectionDecryptor, TlsDirection } from './decryptor.js';

/** Most connections followed at once; past it the longest-idle one is closed as the capture left it. */
export const MAX_OPEN_CONNECTIONS = 20_000;
/** Finished connections whose ports are remembered, so their late ACKs and FINs open nothing. */
export const MAX_RECENTLY_CLOSED = 4096;
/** Most events held while a connection's protocol is not known yet (implicit TLS on an unusual port). */
export const MAX_PENDING_EVENTS = 256;

const PORT_PROTOS: ReadonlyMap<number, ListenerName> = new Map<number, ListenerName>([
  [143, 'imap'], [993, 'imaps'], [25, 'smtp'], [587, 'smtp'], [465, 'smtps'], [110, 'pop3'], [995, 'pop3s'],
  [1143, 'imap'], [1993, 'imaps'], [1587, 'smtp'], [1465, 'smtps'], [1110, 'pop3'], [1995, 'pop3s'],
  [80, 'http'], [8080, 'http'],
]);

type Family = 'imap' | 'smtp' | 'pop3' | 'http';
const IMPLICIT: Record<Family, ListenerName> = { imap: 'imaps', smtp: 'smtps', pop3: 'pop3s', http: 'http' };
const PLAIN: Record<Family, ListenerName> = { imap: 'imap', smtp: 'smtp', pop3: 'pop3', http: 'http' };
const familyOf = (p: ListenerName): Family => (p.startsWith('imap') ? 'imap' : p.startsWith('smtp') ? 'smtp' : p.startsWith('pop3') ? 'pop3' : 'http');

/** The protocol a server greeting announces (RFC 9051 §7.1.1, RFC 5321 §4.2, RFC 1939 §4). */
export function familyFromGreeting(b: Buffer): Family | undefined {
  const head = b.subarray(0, 16).toString('latin1');
  if (/^\* (OK|PREAUTH|BYE)\b/i.test(head)) return 'imap';
  if (/^\+OK\b|^-ERR\b/.test(head)) return 'pop3';
  if (/^[2-5]\d\d[ -]/.test(head)) return head.startsWith('HTTP/') ? 'http' : 'smtp';
  if (head.startsWith('HTTP/')) return 'http';
  return undefined;
}

const HTTP_REQUEST = /^(GET|POST|HEAD|PUT|OPTIONS) /;
/** Mid-stream, what a server sends: an IMAP untagged, continuation or tagged result line, an SMTP reply, a POP3 status. */
const SERVER_LINE = /^(\* |\+ |\+OK|-ERR|\S+ (OK|NO|BAD)\b|\d{3}[ -])/;
/** Mid-stream, what a client sends: an IMAP "tag COMMAND", an SMTP or POP3 command. */
const CLIENT_LINE = /^([A-Za-z0-9.]+ [A-Za-z]+|(EHLO|HELO|MAIL|RCPT|DATA|QUIT|AUTH|STARTTLS|USER|PASS|STAT|LIST|RETR|DELE|UIDL|TOP|CAPA|STLS|APOP|NOOP|RSET)\b)/i;
/** The client's STARTTLS command per protocol (RFC 9051 §6.2.1, RFC 3207 §4, RFC 2595 §4). */
const STARTTLS_COMMAND: Record<Family, RegExp | undefined> = {
  imap: /(^|\n)\S+ STARTTLS\r?\n/i,
  smtp: /(^|\n)STARTTLS\r?\n/i,
  pop3: /(^|\n)STLS\r?\n/i,
  http: undefined,
};

/** The client's IMAP ID command (RFC 2971 §3.1): `tag ID (field value …)`. */
const IMAP_ID_COMMAND = /(?:^|\n)\S+ ID \(([^\r\n]*)\)\r?\n/i;
/** RFC 2971 §3.3: at most 30 field-value pairs. */
const MAX_ID_PAIRS = 30;

/** The field/value pairs of an ID list (quoted strings and NIL; literals are not read). */
export function imapIdFields(list: string): Record<string, string> | undefined {
  const items: string[] = [];
  for (const m of list.matchAll(/"((?:[^"\\]|\\.)*)"|NIL/gi)) items.push(m[1] === undefined ? 'NIL' : m[1].replace(/\\(.)/g, '$1'));
  if (items.length < 2 || items.length % 2 !== 0) return undefined;
  const fields: Record<string, string> = {};
  for (let i = 0; i < Math.min(items.length, MAX_ID_PAIRS * 2); i += 2) fields[items[i].toLowerCase().slice(0, 30)] = items[i + 1].slice(0, MAX_ID_VALUE_CHARS);
  return fields;
}

export interface CaptureStats {
  packets: number;
  tcpSegments: number;
  ipFragments: number;
  malformed: number;
  otherPackets: number;
  unsupportedLinkTypes: number[];
  connections: number;
  gapBytes: number;
  retransmittedBytes: number;
  outOfOrderSegments: number;
  tlsConnections: number;
  decryptedConnections: number;
}

export interface SessionBuilderOptions {
  emit: (ev: LabEvent) => void;
  /** A decryptor per TLS connection; none: TLS is read from its clear handshake only. */
  decryptor?: () => TlsConnectionDecryptor;
  /** What a ClientHello tells about the device (./fingerprint.ts). */
  fingerprint?: (hello: EventInput & { kind: 'tls.hello' }) => { device: DeviceInfo; fields: Record<string, string> } | undefined;
  /** Default MAX_OPEN_CONNECTIONS. */
  maxOpenConnections?: number;
}

type Side = 'a' | 'b';
const other = (s: Side): Side => (s === 'a' ? 'b' : 'a');

interface Conn {
  id: string;
  key: string;
  /** "ip:port" of the side that sent the first packet seen, and of the other. */
  addr: Record<Side, { ip: string; port: number }>;
  tcp: Record<Side, TcpDirection>;
  clientSide?: Side;
  proto?: ListenerName;
  family?: Family;
  opened: boolean;
  closed: boolean;
  /** The protocol waits for the decrypted greeting: its conn.open, held in the queue, is fixed up then. */
  pending?: { open?: EventInput & { kind: 'conn.open' } };
  bytes: Record<Side, number>;
  tls: Record<Side, boolean>;
  implicitTls: boolean;
  starttlsAsked: boolean;
  watcher?: TlsStreamWatcher;
  decryptor?: TlsConnectionDecryptor;
  decrypting: boolean;
  decryptNoted: boolean;
  fin: Record<Side, boolean>;
  firstFin?: Side;
  /** The IMAP ID command was read (once per connection, as the lab records it). */
  idSeen: boolean;
  lastTs: number;
}

const hostPort = (a: { ip: string; port: number }) => (a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`);

export class CaptureSessionBuilder {
  private readonly conns = new Map<string, Conn>();
  private readonly recentlyClosed = new Map<string, true>();
  /** Connections whose protocol waits for their decrypted greeting, and the events held meanwhile. */
  private readonly pendingConns = new Set<Conn>();
  private queue: Array<{ ev: EventInput; t: number }> = [];
  private seq = 0;
  private isoMs = NaN;
  private iso = '';
  private nextId = 1;
  private lastTs = 0;
  private readonly fingerprints = new Set<string>();
  private readonly unsupported = new Set<number>();
  readonly stats: CaptureStats = {
    packets: 0, tcpSegments: 0, ipFragments: 0, malformed: 0, otherPackets: 0, unsupportedLinkTypes: [],
    connections: 0, gapBytes: 0, retransmittedBytes: 0, outOfOrderSegments: 0, tlsConnections: 0, decryptedConnections: 0,
  };

  private readonly maxOpen: number;

  constructor(private readonly options: SessionBuilderOptions) {
    this.maxOpen = options.maxOpenConnections ?? MAX_OPEN_CONNECTIONS;
  }

  packet(p: CapturedPacket): void {
    this.stats.packets++;
    // A Simple Packet Block has no time: it keeps the last one seen.
    const ts = p.timestampMs || this.lastTs;
    if (ts > this.lastTs) this.lastTs = ts;
    const r = decodeFrame(p.linkType, p.data);
    switch (r.kind) {
      case 'tcp':
        this.stats.tcpSegments++;
        this.segment(r.segment, ts);
        return;
      case 'fragment':
        this.stats.ipFragments++;
        return;
      case 'malformed':
        this.stats.malformed++;
        return;
      case 'unsupported-link':
        if (!this.unsupported.has(r.linkType)) {
          this.unsupported.add(r.linkType);
          this.stats.unsupportedLinkTypes.push(r.linkType);
        }
        return;
      default:
        this.stats.otherPackets++;
    }
  }

  /** The capture ended: every connection still open is closed as the capture left it. */
  end(): void {
    for (const c of [...this.conns.values()]) this.close(c, this.lastTs, 'client', 'capture ended');
  }

  private segment(s: TcpSegment, ts: number): void {
    const ka = `${s.src}|${s.srcPort}`;
    const kb = `${s.dst}|${s.dstPort}`;
    const key = ka < kb ? `${ka}|${kb}` : `${kb}|${ka}`;
    let c = this.conns.get(key);
    const newSyn = s.syn && !s.ackFlag;
    // A new SYN on a finished connection's ports is a new connection (port reuse).
    if (c && newSyn && (c.fin.a || c.fin.b)) {
      this.close(c, ts, c.firstFin === c.clientSide ? 'client' : 'server');
      c = undefined;
    }
    if (!c) {
      // Late packets of a finished connection (the last ACK, a retransmitted FIN).
      if (!newSyn && this.recentlyClosed.has(key)) return;
      this.recentlyClosed.delete(key);
      if (s.rst && !s.syn) return;
      c = this.newConn(key, s);
    }
    c.lastTs = ts;
    const side: Side = c.addr.a.ip === s.src && c.addr.a.port === s.srcPort ? 'a' : 'b';
    if (c.clientSide === undefined) {
      if (s.syn && !s.ackFlag) c.clientSide = side;
      else if (s.syn && s.ackFlag) c.clientSide = other(side);
    }
    // The ACK first: what this side acknowledges it received before it sent this segment.
    // A reset's acknowledgment number says nothing reliable (RFC 9293 §3.5.2).
    if (s.ackFlag && !s.rst) c.tcp[other(side)].acknowledged(s.ack, ts);
    c.tcp[side].segment(s.seq, s.syn, s.fin, s.payload, s.cutBytes, ts);
    if (s.fin && !c.fin[side]) {
      c.fin[side] = true;
      c.firstFin ??= side;
    }
    if (c.closed) return;
    if (s.rst) {
      this.close(c, ts, 'error', `${this.roleOf(c, side)} reset the connection`);
      return;
    }
    if (c.fin.a && c.fin.b && c.tcp.a.finished && c.tcp.b.finished) this.close(c, ts, this.roleOf(c, c.firstFin!));
  }

  private newConn(key: string, s: TcpSegment): Conn {
    if (this.conns.size >= this.maxOpen) this.evictIdle();
    const c: Conn = {
      id: `c${this.nextId++}`,
      key,
      addr: { a: { ip: s.src, port: s.srcPort }, b: { ip: s.dst, port: s.dstPort } },
      tcp: undefined as unknown as Conn['tcp'],
      opened: false,
      closed: false,
      bytes: { a: 0, b: 0 },
      tls: { a: false, b: false },
      implicitTls: false,
      starttlsAsked: false,
      decrypting: false,
      decryptNoted: false,
      fin: { a: false, b: false },
      idSeen: false,
      lastTs: 0,
    };
    c.tcp = {
      a: new TcpDirection({ data: (b, t) => this.data(c, 'a', b, t), gap: (n, t) => this.gap(c, 'a', n, t) }),
      b: new TcpDirection({ data: (b, t) => this.data(c, 'b', b, t), gap: (n, t) => this.gap(c, 'b', n, t) }),
    };
    this.conns.set(key, c);
    this.stats.connections++;
    return c;
  }

  /**
   * The table is full: close the longest-idle tenth of the connections as the capture left
   * them (one sort per tenth of the limit, not per packet).
   */
  private evictIdle(): void {
    const idle = [...this.conns.values()].sort((x, y) => x.lastTs - y.lastTs).slice(0, Math.ceil(this.maxOpen / 10));
    for (const c of idle) this.close(c, c.lastTs, 'timeout', 'no traffic while the capture went on');
  }

  private roleOf(c: Conn, side: Side): 'client' | 'server' {
    return side === c.clientSide ? 'client' : 'server';
  }

  private direction(c: Conn, side: Side): TlsDirection {
    return side === c.clientSide ? 'c2s' : 's2c';
  }

  /** Decide who is who and what protocol at the first bytes of the connection. */
  private open(c: Conn, side: Side, first: Buffer | undefined, ts: number): void {
    if (c.opened) return;
    const portOf = (s: Side) => c.addr[s].port;
    const greeting = first ? familyFromGreeting(first) : undefined;
    if (c.clientSide === undefined) {
      if (PORT_PROTOS.has(portOf('b')) && !PORT_PROTOS.has(portOf('a'))) c.clientSide = 'a';
      else if (PORT_PROTOS.has(portOf('a')) && !PORT_PROTOS.has(portOf('b'))) c.clientSide = 'b';
      else if (first && (first[0] === 0x16 || HTTP_REQUEST.test(first.subarray(0, 8).toString('latin1')))) c.clientSide = side;
      else if (greeting) c.clientSide = other(side);
      else if (first && SERVER_LINE.test(first.subarray(0, 16).toString('latin1'))) c.clientSide = other(side);
      else if (first && CLIENT_LINE.test(first.subarray(0, 16).toString('latin1'))) c.clientSide = side;
      // Mail servers speak first; with nothing else to go by, the first to send is the server.
      else c.clientSide = first ? other(side) : side;
    }
    const server = other(c.clientSide);
    const fromClient = side === c.clientSide;
    const portProto = PORT_PROTOS.get(portOf(server));
    c.opened = true;
    if (fromClient && first && first[0] === 0x16) {
      c.implicitTls = true;
      c.tls = { a: true, b: true };
      if (portProto && portProto !== 'http') c.proto = IMPLICIT[familyOf(portProto)];
      // The protocol inside shows in the decrypted greeting: hold the events until then.
      else if (this.options.decryptor) {
        c.pending = {};
        this.pendingConns.add(c);
      }
      else c.proto = 'imaps';
    } else if (fromClient && first && HTTP_REQUEST.test(first.subarray(0, 8).toString('latin1'))) {
      c.proto = 'http';
    } else {
      const fam = greeting ?? (portProto ? familyOf(portProto) : 'imap');
      c.proto = PLAIN[fam];
    }
    if (c.proto) c.family = familyOf(c.proto);
    this.out(c, { kind: 'conn.open', conn: c.id, proto: c.proto ?? 'imaps', remote: hostPort(c.addr[c.clientSide]), local: hostPort(c.addr[server]), port: c.addr[server].port }, ts);
  }

  /**
   * Emit, or queue while some connection's protocol is unknown: everything waits in capture
   * order (so seq keeps following time) until that connection's greeting is decrypted, its
   * handshake ends without keys, or the queue holds MAX_PENDING_EVENTS.
   */
  private out(c: Conn, ev: EventInput, ts: number): void {
    if (c.pending && ev.kind === 'conn.open') c.pending.open = ev;
    if (this.pendingConns.size === 0) {
      this.emit(ev, ts);
      return;
    }
    this.queue.push({ ev, t: ts });
    if (this.queue.length >= MAX_PENDING_EVENTS) for (const p of [...this.pendingConns]) this.settle(p, 'imaps');
  }

  private settle(c: Conn, proto: ListenerName): void {
    if (!c.pending) return;
    if (c.pending.open) c.pending.open.proto = proto;
    c.pending = undefined;
    c.proto = proto;
    c.family = familyOf(proto);
    this.pendingConns.delete(c);
    if (this.pendingConns.size > 0) return;
    const queued = this.queue;
    this.queue = [];
    for (const { ev, t } of queued) this.emit(ev, t);
  }

  private emit(ev: EventInput, ts: number): void {
    const ms = Math.round(ts);
    // Many events share a millisecond: one ISO string for them.
    if (ms !== this.isoMs) {
      this.isoMs = ms;
      this.iso = new Date(ms).toISOString();
    }
    // The event objects are this builder's own: stamped in place rather than copied.
    const stamped = ev as LabEvent;
    stamped.seq = ++this.seq;
    stamped.t = this.iso;
    this.options.emit(stamped);
  }

  private data(c: Conn, side: Side, bytes: Buffer, ts: number): void {
    if (c.closed) return;
    if (!c.opened) this.open(c, side, bytes, ts);
    c.bytes[side] += bytes.length;
    const dir = this.direction(c, side);
    if (!c.tls[side] && c.starttlsAsked && dir === 'c2s' && bytes[0] === 0x16) c.tls = { a: true, b: true };
    if (c.tls[side]) {
      this.tlsBytes(c, side, bytes, ts);
      return;
    }
    const re = c.family ? STARTTLS_COMMAND[c.family] : undefined;
    if (dir === 'c2s' && re && re.test(bytes.subarray(0, 4096).toString('latin1'))) c.starttlsAsked = true;
    this.bytesEvents(c, dir, bytes, false, ts);
  }

  private bytesEvents(c: Conn, dir: TlsDirection, bytes: Buffer, tls: boolean, ts: number): void {
    let first = true;
    for (const piece of payloadPieces(bytes)) {
      this.out(c, { kind: dir, conn: c.id, ...encodeBytes(piece.bytes), ...(tls ? { tls: true as const } : {}), ...(first ? {} : { continued: true as const }) }, ts);
      first = false;
    }
    if (dir === 'c2s' && !c.idSeen && c.family === 'imap') this.imapId(c, bytes, ts);
  }

  /** The phone's IMAP ID, recorded as the lab's ID command records it (a `device` event). */
  private imapId(c: Conn, bytes: Buffer, ts: number): void {
    const m = IMAP_ID_COMMAND.exec(bytes.subarray(0, 8192).toString('latin1'));
    if (!m) return;
    const fields = imapIdFields(m[1]);
    if (!fields) return;
    c.idSeen = true;
    this.out(c, { kind: 'device', conn: c.id, device: deviceFromImapId(fields), fields }, ts);
  }

  private tlsBytes(c: Conn, side: Side, bytes: Buffer, ts: number): void {
    const dir = this.direction(c, side);
    if (!c.watcher) {
      c.watcher = new TlsStreamWatcher(c.id, c.implicitTls ? 'implicit' : 'starttls');
      this.stats.tlsConnections++;
      if (this.options.decryptor) c.decryptor = this.options.decryptor();
    }
    const seen = c.watcher.push(dir === 'c2s' ? 'client' : 'server', bytes);
    const decrypted = c.decryptor ? c.decryptor.push(dir, Buffer.from(bytes), ts) : [];
    const opaque: EventInput[] = [];
    for (const e of seen) {
      if ((e.kind === 'c2s' || e.kind === 's2c') && e.truncated !== undefined) opaque.push(e);
      else {
        this.out(c, e, ts);
        if (e.kind === 'tls.hello') this.fingerprint(c, e, ts);
        // A handshake that failed shows no greeting: the port's guess it is.
        if (e.kind === 'tls.failed') this.settle(c, 'imaps');
      }
    }
    this.decrypted(c, decrypted, ts);
    if (!c.decrypting) for (const e of opaque) this.out(c, e, ts);
  }

  private decrypted(c: Conn, outputs: DecryptOutput[], ts: number): void {
    for (const o of outputs) {
      if (o.kind === 'status') {
        const was = c.decrypting;
        c.decrypting = o.state === 'decrypting';
        if (c.decrypting && !was) this.stats.decryptedConnections++;
        if (!c.decrypting && !c.decryptNoted) {
          c.decryptNoted = true;
          this.out(c, { kind: 'note', text: `TLS of ${c.id} not decrypted (${o.state}): ${o.detail}`, data: { conn: c.id, decrypt: o.state } }, ts);
          if (c.pending) this.settle(c, 'imaps');
        }
        continue;
      }
      if (c.pending && o.direction === 's2c') this.settle(c, IMPLICIT[familyFromGreeting(o.bytes) ?? 'imap']);
      this.bytesEvents(c, o.direction, o.bytes, true, o.timestampMs || ts);
    }
  }

  private fingerprint(c: Conn, hello: EventInput & { kind: 'tls.hello' }, ts: number): void {
    const match = this.options.fingerprint?.(hello);
    if (!match || this.fingerprints.has(match.fields.ja3Hash ?? '')) return;
    this.fingerprints.add(match.fields.ja3Hash ?? '');
    this.out(c, { kind: 'device', conn: c.id, device: match.device, fields: match.fields }, ts);
  }

  private gap(c: Conn, side: Side, n: number, ts: number): void {
    if (c.closed) return;
    if (!c.opened) this.open(c, side, undefined, ts);
    this.stats.gapBytes += n;
    c.bytes[side] += n;
    const dir = this.direction(c, side);
    const tls = c.tls[side];
    this.out(c, { kind: 'capture.gap', conn: c.id, direction: dir, bytes: n, ...(tls ? { tls: true as const } : {}) }, ts);
    if (tls) {
      c.watcher?.gap(dir === 'c2s' ? 'client' : 'server');
      if (c.decryptor) this.decrypted(c, c.decryptor.gap(dir, n), ts);
    }
  }

  private close(c: Conn, ts: number, by: 'client' | 'server' | 'error' | 'timeout', reason?: string): void {
    if (c.closed) return;
    c.tcp.a.end(ts);
    c.tcp.b.end(ts);
    c.closed = true;
    // Its late packets must not be taken for a new connection: the ports are remembered a while.
    this.conns.delete(c.key);
    this.recentlyClosed.set(c.key, true);
    if (this.recentlyClosed.size > MAX_RECENTLY_CLOSED) this.recentlyClosed.delete(this.recentlyClosed.keys().next().value as string);
    this.stats.retransmittedBytes += c.tcp.a.retransmittedBytes + c.tcp.b.retransmittedBytes;
    this.stats.outOfOrderSegments += c.tcp.a.outOfOrderSegments + c.tcp.b.outOfOrderSegments;
    if (!c.opened) {
      // Only handshakes, no byte: still a connection the phone made (connect step).
      if (!c.tcp.a.started && !c.tcp.b.started) return;
      this.open(c, c.clientSide ?? 'a', undefined, ts);
    }
    const client = c.clientSide!;
    for (const e of c.watcher?.end(by === 'server' ? 'server' : 'client') ?? []) this.out(c, e, ts);
    this.settle(c, 'imaps');
    this.out(c, { kind: 'conn.close', conn: c.id, by, bytesIn: c.bytes[client], bytesOut: c.bytes[other(client)], ...(reason ? { reason } : {}) }, ts);
  }
}
