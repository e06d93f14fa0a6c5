/**
 * IPv4 (RFC 791) and IPv6 (RFC 8200) packets carrying TCP segments (RFC 9293), with correct
 * header and TCP checksums (RFC 1071), for a capture synthesized from a session.
 */
import { isIPv4, isIPv6 } from 'node:net';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** The window every synthesized segment advertises (no window scaling). */
export const TCP_WINDOW = 65535;
const TTL = 64;

export interface Endpoint {
  /** 4 bytes (IPv4) or 16 bytes (IPv6). */
  ip: Buffer;
  port: number;
}

export interface Segment {
  src: Endpoint;
  dst: Endpoint;
  seq: number;
  ack: number;
  flags: number;
  payload?: Buffer;
  /** The MSS option (SYN segments). */
  mss?: number;
  /** IPv4 identification field. */
  ipId?: number;
}

/** "192.168.1.23:49153", "::1:40000", "::ffff:127.0.0.1:993" → address and port; undefined when unreadable. */
export function parseEndpoint(text: string | undefined): Endpoint | undefined {
  if (!text) return undefined;
  const at = text.lastIndexOf(':');
  if (at <= 0) return undefined;
  let host = text.slice(0, at);
  const port = Number(text.slice(at + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  if (mapped) host = mapped[1];
  if (isIPv4(host)) return { ip: Buffer.from(host.split('.').map(Number)), port };
  if (isIPv6(host.replace(/%.*$/, ''))) return { ip: ipv6Bytes(host.replace(/%.*$/, '')), port };
  return undefined;
}

function ipv6Bytes(host: string): Buffer {
  let text = host;
  // A trailing dotted quad ("::ffff:1.2.3.4" forms that were not mapped above, "64:ff9b::1.2.3.4").
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const b = quad[1].split('.').map(Number);
    text = text.slice(0, -quad[1].length) + ((b[0] << 8) | b[1]).toString(16) + ':' + ((b[2] << 8) | b[3]).toString(16);
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return out;
}

/** An IPv4 address as IPv4-mapped IPv6 (RFC 4291 §2.5.5.2), when one side of a connection is IPv6. */
export function asIPv6(ip: Buffer): Buffer {
  if (ip.length === 16) return ip;
  return Buffer.concat([Buffer.alloc(10), Buffer.from([0xff, 0xff]), ip]);
}

/** RFC 1071 ones' complement sum over the given buffers, as if concatenated. */
function checksum(parts: Buffer[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      if (odd === undefined) odd = p[i];
      else {
        sum += (odd << 8) | p[i];
        odd = undefined;
      }
    }
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function tcpHeader(s: Segment): Buffer {
  const optLen = s.mss !== undefined ? 4 : 0;
  const h = Buffer.alloc(20 + optLen);
  h.writeUInt16BE(s.src.port, 0);
  h.writeUInt16BE(s.dst.port, 2);
  h.writeUInt32BE(s.seq >>> 0, 4);
  h.writeUInt32BE(s.flags & TCP_ACK ? s.ack >>> 0 : 0, 8);
  h[12] = ((20 + optLen) / 4) << 4;
  h[13] = s.flags;
  h.writeUInt16BE(TCP_WINDOW, 14);
  if (s.mss !== undefined) {
    h[20] = 2; // kind: maximum segment size (RFC 9293 §3.2)
    h[21] = 4;
    h.writeUInt16BE(s.mss, 22);
  }
  return h;
}

/** The whole IP packet of one segment. */
export function ipPacket(s: Segment): Buffer {
  const payload = s.payload ?? Buffer.alloc(0);
  const tcp = tcpHeader(s);
  const tcpLen = tcp.length + payload.length;
  const v6 = s.src.ip.length === 16;
  const pseudo = Buffer.alloc(v6 ? 40 : 12);
  if (v6) {
    s.src.ip.copy(pseudo, 0);
    s.dst.ip.copy(pseudo, 16);
    pseudo.writeUInt32BE(tcpLen, 32);
    pseudo[39] = 6;
  } else {
    s.src.ip.copy(pseudo, 0);
    s.dst.ip.copy(pseudo, 4);
    pseudo[9] = 6;
    pseudo.writeUInt16BE(tcpLen, 10);
  }
  tcp.writeUInt16BE(checksum([pseudo, tcp, payload]), 16);
  if (v6) {
    const ip = Buffer.alloc(40);
    ip.writeUInt32BE(6 << 28, 0);
    ip.writeUInt16BE(tcpLen, 4);
    ip[6] = 6; // next header: TCP
    ip[7] = TTL;
    s.src.ip.copy(ip, 8);
    s.dst.ip.copy(ip, 24);
    return Buffer.concat([ip, tcp, payload]);
  }
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + tcpLen, 2);
  ip.writeUInt16BE((s.ipId ?? 0) & 0xffff, 4);
  ip.writeUInt16BE(0x4000, 6); // don't fragment
  ip[8] = TTL;
  ip[9] = 6;
  s.src.ip.copy(ip, 12);
  s.dst.ip.copy(ip, 16);
  ip.writeUInt16BE(checksum([ip]), 10);
  return Buffer.concat([ip, tcp, payload]);
}
