/**
 * A captured frame down to its TCP segment: link layer (tcpdump.org/linktypes.html), IPv4
 * (RFC 791, options skipped by IHL), IPv6 (RFC 8200 §4, extension headers walked), TCP
 * (RFC 9293 §3.1). Anything else (UDP, ARP, ICMP) is not mail and is skipped.
 *
 * IP fragments are not reassembled: a fragmented TCP segment is dropped and counted, and the
 * TCP reassembly then reports its bytes as missing (a gap) rather than inventing them.
 */

export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW_BSD12: 12,
  RAW_BSD14: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
/** 802.1Q, 802.1ad (QinQ) and the old QinQ value: one 4-byte tag each. */
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);
const IPPROTO_TCP = 6;
/** IPv6 extension headers that may precede TCP (RFC 8200 §4.1). */
const IPV6_HOP_BY_HOP = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_AH = 51;
const IPV6_DEST_OPTS = 60;
const IPV6_MOBILITY = 135;

export interface TcpSegment {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  syn: boolean;
  ackFlag: boolean;
  fin: boolean;
  rst: boolean;
  /** A view into the frame: copy to keep. */
  payload: Buffer;
  /** Payload bytes the IP header announces but the capture did not keep (snaplen). */
  cutBytes: number;
}

export type DecodeResult =
  | { kind: 'tcp'; segment: TcpSegment }
  | { kind: 'fragment' }
  | { kind: 'other' }
  | { kind: 'unsupported-link'; linkType: number }
  | { kind: 'malformed' };

const OTHER: DecodeResult = { kind: 'other' };
const MALFORMED: DecodeResult = { kind: 'malformed' };
const FRAGMENT: DecodeResult = { kind: 'fragment' };

function ipv4String(b: Buffer, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** RFC 5952 text (lower case, longest zero run as ::). */
export function ipv6String(b: Buffer, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(b.readUInt16BE(at + i * 2));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Where the IP packet starts in the frame and which IP version, by link type. */
function ipStart(linkType: number, f: Buffer): { at: number; etherType: number } | DecodeResult {
  switch (linkType) {
    case LINKTYPE.ETHERNET: {
      if (f.length < 14) return MALFORMED;
      let at = 12;
      let type = f.readUInt16BE(at);
      while (VLAN_TAGS.has(type)) {
        at += 4;
        if (f.length < at + 2) return MALFORMED;
        type = f.readUInt16BE(at);
      }
      return { at: at + 2, etherType: type };
    }
    case LINKTYPE.LINUX_SLL:
      // 16 bytes: packet type, ARPHRD, address length, 8 address bytes, protocol (ethertype).
      if (f.length < 16) return MALFORMED;
      return { at: 16, etherType: f.readUInt16BE(14) };
    case LINKTYPE.LINUX_SLL2:
      // 20 bytes: protocol first, then reserved, ifindex, ARPHRD, packet type, address.
      if (f.length < 20) return MALFORMED;
      return { at: 20, etherType: f.readUInt16BE(0) };
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_BSD12:
    case LINKTYPE.RAW_BSD14:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6:
      if (f.length < 1) return MALFORMED;
      return { at: 0, etherType: f[0] >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4 };
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP: {
      // A 4-byte address family, in the capturing host's byte order for NULL (tcpdump -i lo on
      // BSD and macOS), network order for LOOP (OpenBSD). AF_INET is 2 everywhere; AF_INET6 is
      // 10, 24, 28 or 30 depending on the system, so the IP version nibble decides instead.
      if (f.length < 5) return MALFORMED;
      return { at: 4, etherType: f[4] >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4 };
    }
    default:
      return { kind: 'unsupported-link', linkType };
  }
}

/** Decode one frame to its TCP segment, if it carries one. */
export function decodeFrame(linkType: number, frame: Buffer): DecodeResult {
  const start = ipStart(linkType, frame);
  if ('kind' in start) return start;
  const { at, etherType } = start;
  if (etherType === ETHERTYPE_IPV4) return ipv4(frame, at);
  if (etherType === ETHERTYPE_IPV6) return ipv6(frame, at);
  return OTHER;
}

function ipv4(f: Buffer, at: number): DecodeResult {
  if (f.length < at + 20 || f[at] >> 4 !== 4) return MALFORMED;
  const ihl = (f[at] & 0x0f) * 4;
  if (ihl < 20) return MALFORMED;
  const total = f.readUInt16BE(at + 2);
  const flagsFrag = f.readUInt16BE(at + 6);
  if (f[at + 9] !== IPPROTO_TCP) return OTHER;
  // More fragments, or an offset: a piece of a datagram (RFC 791 §3.2).
  if (flagsFrag & 0x2000 || flagsFrag & 0x1fff) return FRAGMENT;
  // TSO captures on the sending host may show total length 0: take the frame as it is.
  const end = total === 0 ? f.length : at + total;
  return tcp(f, at + ihl, end, ipv4String(f, at + 12), ipv4String(f, at + 16));
}

function ipv6(f: Buffer, at: number): DecodeResult {
  if (f.length < at + 40 || f[at] >> 4 !== 6) return MALFORMED;
  const payloadLen = f.readUInt16BE(at + 4);
  let next = f[at + 6];
  let pos = at + 40;
  const end = payloadLen === 0 ? f.length : at + 40 + payloadLen;
  for (;;) {
    if (next === IPPROTO_TCP) break;
    if (next === IPV6_HOP_BY_HOP || next === IPV6_ROUTING || next === IPV6_DEST_OPTS || next === IPV6_MOBILITY) {
      if (f.length < pos + 8) return MALFORMED;
      next = f[pos];
      pos += (f[pos + 1] + 1) * 8;
    } else if (next === IPV6_AH) {
      if (f.length < pos + 8) return MALFORMED;
      next = f[pos];
      pos += (f[pos + 1] + 2) * 4;
    } else if (next === IPV6_FRAGMENT) {
      if (f.length < pos + 8) return MALFORMED;
      const offsetAndM = f.readUInt16BE(pos + 2);
      // An atomic fragment (offset 0, M clear, RFC 6946) is a whole packet.
      if (offsetAndM & 0xfff9) return FRAGMENT;
      next = f[pos];
      pos += 8;
    } else {
      return OTHER;
    }
  }
  return tcp(f, pos, end, ipv6String(f, at + 8), ipv6String(f, at + 24));
}

function tcp(f: Buffer, at: number, ipEnd: number, src: string, dst: string): DecodeResult {
  if (f.length < at + 20) return MALFORMED;
  const dataOffset = (f[at + 12] >> 4) * 4;
  if (dataOffset < 20) return MALFORMED;
  const flags = f[at + 13];
  const payloadStart = at + dataOffset;
  const keptEnd = Math.min(ipEnd, f.length);
  // Ethernet pads short frames to 60 bytes: the IP length, not the frame, says where TCP ends.
  const payload = payloadStart < keptEnd ? f.subarray(payloadStart, keptEnd) : f.subarray(0, 0);
  return {
    kind: 'tcp',
    segment: {
      src,
      dst,
      srcPort: f.readUInt16BE(at),
      dstPort: f.readUInt16BE(at + 2),
      seq: f.readUInt32BE(at + 4),
      ack: f.readUInt32BE(at + 8),
      fin: (flags & 0x01) !== 0,
      syn: (flags & 0x02) !== 0,
      rst: (flags & 0x04) !== 0,
      ackFlag: (flags & 0x10) !== 0,
      payload,
      cutBytes: Math.max(0, ipEnd - Math.max(keptEnd, payloadStart)),
    },
  };
}
