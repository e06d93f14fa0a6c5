/**
 * A small pcap / pcapng writer and frame builder for tests and the capture benchmark: the hard
 * TCP cases (retransmission, reordering, overlap, loss) are easier to make than to catch.
 * Checksums are left at zero (neither Mailprobe's reader nor tshark's default checks them).
 */

export interface Frame {
  timestampMs: number;
  data: Buffer;
  /** pcapng: the interface (IDB index) it was captured on. */
  interfaceId?: number;
}

export interface InterfaceSpec {
  linkType: number;
  /** if_tsresol as a power of ten (6 = µs, 9 = ns). */
  tsresolPow10?: number;
}

const u16 = (v: number, be: boolean) => {
  const b = Buffer.alloc(2);
  if (be) b.writeUInt16BE(v);
  else b.writeUInt16LE(v);
  return b;
};
const u32 = (v: number, be: boolean) => {
  const b = Buffer.alloc(4);
  if (be) b.writeUInt32BE(v >>> 0);
  else b.writeUInt32LE(v >>> 0);
  return b;
};

/** A classic pcap file: one link type, µs or ns, either byte order. */
export function pcapFile(linkType: number, frames: Frame[], opts: { bigEndian?: boolean; nanos?: boolean } = {}): Buffer {
  const be = opts.bigEndian ?? false;
  const magic = opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4;
  const parts: Buffer[] = [u32(magic, be), u16(2, be), u16(4, be), u32(0, be), u32(0, be), u32(262144, be), u32(linkType, be)];
  for (const f of frames) parts.push(pcapRecord(f, be, opts.nanos ?? false));
  return Buffer.concat(parts);
}

export function pcapRecord(f: Frame, be: boolean, nanos: boolean): Buffer {
  const sec = Math.floor(f.timestampMs / 1000);
  const frac = Math.round((f.timestampMs - sec * 1000) * (nanos ? 1e6 : 1e3));
  return Buffer.concat([u32(sec, be), u32(frac, be), u32(f.data.length, be), u32(f.data.length, be), f.data]);
}

function block(type: number, body: Buffer, be: boolean): Buffer {
  const pad = (4 - (body.length % 4)) % 4;
  const len = 12 + body.length + pad;
  return Buffer.concat([u32(type, be), u32(len, be), body, Buffer.alloc(pad), u32(len, be)]);
}

function option(code: number, value: Buffer, be: boolean): Buffer {
  const pad = (4 - (value.length % 4)) % 4;
  return Buffer.concat([u16(code, be), u16(value.length, be), value, Buffer.alloc(pad)]);
}

export function sectionHeader(be = false): Buffer {
  const body = Buffer.concat([u32(0x1a2b3c4d, be), u16(1, be), u16(0, be), Buffer.alloc(8, 0xff)]);
  return block(0x0a0d0d0a, body, be);
}

export function interfaceBlock(spec: InterfaceSpec, be = false): Buffer {
  const opts = spec.tsresolPow10 !== undefined ? Buffer.concat([option(9, Buffer.from([spec.tsresolPow10]), be), option(0, Buffer.alloc(0), be)]) : Buffer.alloc(0);
  return block(1, Buffer.concat([u16(spec.linkType, be), u16(0, be), u32(262144, be), opts]), be);
}

function units(f: Frame, pow10: number): [number, number] {
  const total = BigInt(Math.round(f.timestampMs * 1000)) * 10n ** BigInt(pow10) / 1_000_000n;
  return [Number(total >> 32n), Number(total & 0xffffffffn)];
}

export function enhancedPacket(f: Frame, pow10: number, be = false): Buffer {
  const [hi, lo] = units(f, pow10);
  return block(6, Buffer.concat([u32(f.interfaceId ?? 0, be), u32(hi, be), u32(lo, be), u32(f.data.length, be), u32(f.data.length, be), f.data]), be);
}

/** The obsolete Packet Block (pcapng Appendix A). */
export function obsoletePacket(f: Frame, pow10: number, be = false): Buffer {
  const [hi, lo] = units(f, pow10);
  return block(2, Buffer.concat([u16(f.interfaceId ?? 0, be), u16(0, be), u32(hi, be), u32(lo, be), u32(f.data.length, be), u32(f.data.length, be), f.data]), be);
}

export function simplePacket(f: Frame, be = false): Buffer {
  return block(3, Buffer.concat([u32(f.data.length, be), f.data]), be);
}

/** A Decryption Secrets Block holding NSS key log lines. */
export function secretsBlock(keyLog: string, be = false): Buffer {
  const data = Buffer.from(keyLog, 'latin1');
  return block(0x0a, Buffer.concat([u32(0x544c534b, be), u32(data.length, be), data]), be);
}

/** A one-section pcapng file with the given interfaces. */
export function pcapngFile(interfaces: InterfaceSpec[], frames: Frame[], opts: { bigEndian?: boolean; secrets?: string } = {}): Buffer {
  const be = opts.bigEndian ?? false;
  const parts = [sectionHeader(be), ...interfaces.map((i) => interfaceBlock(i, be))];
  if (opts.secrets) parts.push(secretsBlock(opts.secrets, be));
  for (const f of frames) parts.push(enhancedPacket(f, interfaces[f.interfaceId ?? 0].tsresolPow10 ?? 6, be));
  return Buffer.concat(parts);
}

// ───────────── frames ─────────────

export const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

export interface TcpSpec {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  payload?: Buffer;
}

export function tcpHeader(t: TcpSpec): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(t.srcPort, 0);
  h.writeUInt16BE(t.dstPort, 2);
  h.writeUInt32BE(t.seq >>> 0, 4);
  h.writeUInt32BE(t.ack >>> 0, 8);
  h[12] = 5 << 4;
  h[13] = t.flags;
  h.writeUInt16BE(65535, 14);
  return Buffer.concat([h, t.payload ?? Buffer.alloc(0)]);
}

const ip4 = (a: string) => Buffer.from(a.split('.').map(Number));

/** IPv4 (protocol 6) around a TCP segment; `options` adds IP option bytes (padded to 4). */
export function ipv4Packet(src: string, dst: string, tcp: Buffer, opts: { options?: Buffer; moreFragments?: boolean; fragmentOffset8?: number } = {}): Buffer {
  const optBytes = opts.options ? Buffer.concat([opts.options, Buffer.alloc((4 - (opts.options.length % 4)) % 4)]) : Buffer.alloc(0);
  const h = Buffer.alloc(20);
  h[0] = 0x40 | ((20 + optBytes.length) / 4);
  h.writeUInt16BE(20 + optBytes.length + tcp.length, 2);
  h.writeUInt16BE((opts.moreFragments ? 0x2000 : 0) | (opts.fragmentOffset8 ?? 0), 6);
  h[8] = 64;
  h[9] = 6;
  ip4(src).copy(h, 12);
  ip4(dst).copy(h, 16);
  return Buffer.concat([h, optBytes, tcp]);
}

function ip6(a: string): Buffer {
  const [head, tail] = a.split('::');
  const hs = head ? head.split(':') : [];
  const ts = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = [...hs, ...Array(8 - hs.length - ts.length).fill('0'), ...ts];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

/** IPv6 around a TCP segment, optionally behind a hop-by-hop and a destination-options header. */
export function ipv6Packet(src: string, dst: string, tcp: Buffer, opts: { extensionHeaders?: boolean } = {}): Buffer {
  const ext = opts.extensionHeaders
    ? Buffer.concat([Buffer.from([60, 0, 1, 4, 0, 0, 0, 0]), Buffer.from([6, 1, 1, 12, ...Array(12).fill(0)])])
    : Buffer.alloc(0);
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(ext.length + tcp.length, 4);
  h[6] = opts.extensionHeaders ? 0 : 6;
  h[7] = 64;
  ip6(src).copy(h, 8);
  ip6(dst).copy(h, 24);
  return Buffer.concat([h, ext, tcp]);
}

export function ethernetFrame(ip: Buffer, opts: { vlan?: number[] } = {}): Buffer {
  const type = ip[0] >> 4 === 6 ? 0x86dd : 0x0800;
  const tags = (opts.vlan ?? []).map((id) => Buffer.from([0x81, 0x00, (id >> 8) & 0x0f, id & 0xff]));
  const frame = Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]), ...tags, Buffer.from([type >> 8, type & 0xff]), ip]);
  // Ethernet's 60-byte minimum: the padding is not TCP payload.
  return frame.length < 60 ? Buffer.concat([frame, Buffer.alloc(60 - frame.length)]) : frame;
}

export function sllFrame(ip: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0);
  h.writeUInt16BE(772, 2);
  h.writeUInt16BE(6, 4);
  h.writeUInt16BE(ip[0] >> 4 === 6 ? 0x86dd : 0x0800, 14);
  return Buffer.concat([h, ip]);
}

export function sll2Frame(ip: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(ip[0] >> 4 === 6 ? 0x86dd : 0x0800, 0);
  h.writeUInt32BE(1, 4);
  h.writeUInt16BE(772, 8);
  h[11] = 6;
  return Buffer.concat([h, ip]);
}

/** BSD loopback: the address family in the writing host's (here little-endian) byte order. */
export function nullFrame(ip: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt32LE(ip[0] >> 4 === 6 ? 30 : 2);
  return Buffer.concat([h, ip]);
}

// ───────────── a conversation ─────────────

export interface Segment {
  from: 'client' | 'server';
  seq: number;
  ack: number;
  flags: number;
  payload: Buffer;
  timestampMs: number;
}

/**
 * One TCP connection as the segments a capture would show, in order; tests reorder, repeat or
 * drop them, then turn them into frames.
 */
export class TcpConversation {
  readonly segments: Segment[] = [];
  private seqOf = { client: 1000, server: 5000 };
  private t: number;

  constructor(
    readonly client: { ip: string; port: number },
    readonly server: { ip: string; port: number },
    startMs = Date.parse('2026-11-29T10:00:00Z'),
  ) {
    this.t = startMs;
  }

  private push(from: 'client' | 'server', flags: number, payload: Buffer = Buffer.alloc(0)): Segment {
    const to = from === 'client' ? 'server' : 'client';
    this.t += 5;
    const s: Segment = { from, seq: this.seqOf[from], ack: this.seqOf[to], flags, payload, timestampMs: this.t };
    this.segments.push(s);
    this.seqOf[from] = (this.seqOf[from] + payload.length + (flags & (TCP_FLAGS.SYN | TCP_FLAGS.FIN) ? 1 : 0)) >>> 0;
    return s;
  }

  /** The next segment's time (ms since the epoch); later ones follow 5 ms apart. */
  at(ms: number): this {
    this.t = ms - 5;
    return this;
  }

  handshake(): this {
    this.push('client', TCP_FLAGS.SYN);
    const synAck = this.push('server', TCP_FLAGS.SYN | TCP_FLAGS.ACK);
    synAck.ack = this.seqOf.client;
    this.push('client', TCP_FLAGS.ACK);
    return this;
  }

  /** Data from one side, cut into segments of at most `mss` bytes. */
  send(from: 'client' | 'server', data: string | Buffer, mss = 1400): this {
    const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    for (let i = 0; i < b.length; i += mss) this.push(from, TCP_FLAGS.ACK | TCP_FLAGS.PSH, b.subarray(i, i + mss));
    return this;
  }

  close(first: 'client' | 'server' = 'client'): this {
    const second = first === 'client' ? 'server' : 'client';
    this.push(first, TCP_FLAGS.FIN | TCP_FLAGS.ACK);
    this.push(second, TCP_FLAGS.FIN | TCP_FLAGS.ACK);
    this.push(first, TCP_FLAGS.ACK);
    return this;
  }

  reset(from: 'client' | 'server'): this {
    this.push(from, TCP_FLAGS.RST | TCP_FLAGS.ACK);
    return this;
  }

  /** Each segment as an IP packet (IPv4 or IPv6 by the addresses). */
  ipPackets(segments: Segment[] = this.segments, opts: { ipv6ExtensionHeaders?: boolean; ipv4Options?: Buffer } = {}): Array<{ timestampMs: number; ip: Buffer }> {
    return segments.map((s) => {
      const [a, b] = s.from === 'client' ? [this.client, this.server] : [this.server, this.client];
      const tcp = tcpHeader({ srcPort: a.port, dstPort: b.port, seq: s.seq, ack: s.ack, flags: s.flags, payload: s.payload });
      const ip = a.ip.includes(':') ? ipv6Packet(a.ip, b.ip, tcp, { extensionHeaders: opts.ipv6ExtensionHeaders }) : ipv4Packet(a.ip, b.ip, tcp, { options: opts.ipv4Options });
      return { timestampMs: s.timestampMs, ip };
    });
  }

  frames(wrap: (ip: Buffer) => Buffer, segments?: Segment[], opts?: { ipv6ExtensionHeaders?: boolean; ipv4Options?: Buffer }): Frame[] {
    return this.ipPackets(segments, opts).map(({ timestampMs, ip }) => ({ timestampMs, data: wrap(ip) }));
  }
}
