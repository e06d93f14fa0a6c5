/**
 * One recorded connection replayed as TCP (RFC 9293): the three-way handshake, the bytes of each
 * direction cut into segments of at most the MSS with coherent sequence and acknowledgment
 * numbers, an ACK from the receiver every other full segment and after each burst (as a
 * delayed-ACK stack does, RFC 9293 §3.8.6.3, so the window never fills), and the close the
 * session recorded: FIN from whoever closed first and the other's FIN, or a reset.
 */
import { createHash } from 'node:crypto';
import { ipPacket, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, type Endpoint, type Segment } from './packets.js';

/** Segment size for IPv4 and IPv6 on an Ethernet-sized path (1500 − IP − TCP headers). */
export const MSS_IPV4 = 1460;
export const MSS_IPV6 = 1440;
/** The receiver acknowledges after this many full segments at most. */
export const SEGMENTS_PER_ACK = 2;

export type Side = 'client' | 'server';

/** Where packets go, with the event time (epoch ms) they belong to. */
export type PacketSink = (ms: number, packet: Buffer) => void;

interface SideState {
  ep: Endpoint;
  /** The next sequence number this side sends. */
  next: number;
  /** The last acknowledgment number this side sent (no duplicate pure ACKs). */
  acked: number;
  ipId: number;
}

/** A deterministic initial sequence number per connection and side, so one session always exports the same file. */
function isn(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0);
}

export class TcpFlow {
  private readonly sides: Record<Side, SideState>;
  private readonly mss: number;
  private finished = false;

  constructor(
    key: string,
    client: Endpoint,
    server: Endpoint,
    private readonly sink: PacketSink,
  ) {
    this.mss = client.ip.length === 16 ? MSS_IPV6 : MSS_IPV4;
    this.sides = {
      client: { ep: client, next: isn(key + '/client'), acked: 0, ipId: isn(key + '/client-id') & 0xffff },
      server: { ep: server, next: isn(key + '/server'), acked: 0, ipId: isn(key + '/server-id') & 0xffff },
    };
  }

  get closed(): boolean {
    return this.finished;
  }

  private other(side: Side): Side {
    return side === 'client' ? 'server' : 'client';
  }

  private send(ms: number, from: Side, flags: number, payload?: Buffer, mss?: number): void {
    const me = this.sides[from];
    const peer = this.sides[this.other(from)];
    const seg: Segment = { src: me.ep, dst: peer.ep, seq: me.next, ack: peer.next, flags, payload, mss, ipId: me.ipId };
    me.ipId = (me.ipId + 1) & 0xffff;
    if (flags & TCP_ACK) me.acked = peer.next;
    me.next = (me.next + (payload?.length ?? 0) + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0)) >>> 0;
    this.sink(ms, ipPacket(seg));
  }

  /** A pure ACK from `side`, unless it already acknowledged everything. */
  private ack(ms: number, side: Side): void {
    if (this.sides[side].acked === this.sides[this.other(side)].next) return;
    this.send(ms, side, TCP_ACK);
  }

  /** SYN, SYN-ACK, ACK (RFC 9293 §3.5), each announcing the MSS in its SYN. */
  open(ms: number): void {
    this.send(ms, 'client', TCP_SYN, undefined, this.mss);
    this.send(ms, 'server', TCP_SYN | TCP_ACK, undefined, this.mss);
    this.send(ms, 'client', TCP_ACK);
  }

  /** Bytes `from` one side, then the receiver's ACK. */
  data(ms: number, from: Side, bytes: Buffer): void {
    if (this.finished || bytes.length === 0) return;
    const to = this.other(from);
    let full = 0;
    for (let at = 0; at < bytes.length; at += this.mss) {
      const piece = bytes.subarray(at, Math.min(bytes.length, at + this.mss));
      const last = at + this.mss >= bytes.length;
      this.send(ms, from, TCP_ACK | (last ? TCP_PSH : 0), piece);
      if (!last && ++full % SEGMENTS_PER_ACK === 0) this.ack(ms, to);
    }
    this.ack(ms, to);
  }

  /**
   * Bytes that crossed the wire but are not in the record (an over-long line cut to its prefix,
   * payloads past the session file's cap): the sequence numbers move on without them, so the
   * capture shows a gap where they were rather than inventing their content.
   */
  gap(from: Side, length: number): void {
    if (this.finished || length <= 0) return;
    const me = this.sides[from];
    me.next = (me.next + length) >>> 0;
  }

  /** The close as recorded: `first` sends FIN (or RST when `reset`), the other answers with its own FIN, then the last ACK. */
  close(ms: number, first: Side, reset: boolean): void {
    if (this.finished) return;
    this.finished = true;
    if (reset) {
      this.send(ms, first, TCP_RST | TCP_ACK);
      return;
    }
    const second = this.other(first);
    this.send(ms, first, TCP_FIN | TCP_ACK);
    this.send(ms, second, TCP_FIN | TCP_ACK);
    this.send(ms, first, TCP_ACK);
  }
}
