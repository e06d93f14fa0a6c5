/**
 * One direction of a TCP connection, reassembled from captured segments (RFC 9293 §3.4:
 * sequence numbers modulo 2^32, compared by signed 32-bit difference).
 *
 * - Retransmissions: bytes before the next expected sequence number were already delivered and
 *   are dropped.
 * - Overlaps: the first copy seen wins (what Snort's "first" policy and Suricata's default for
 *   most stacks do, and what tshark shows); a later copy of the same sequence range is discarded
 *   without comparing. A phone's retransmission is normally identical anyway.
 * - Out of order: segments ahead of the expected one are copied and held (at most
 *   MAX_OUT_OF_ORDER_BYTES / MAX_OUT_OF_ORDER_SEGMENTS per direction) until the hole fills.
 * - Missing segments: when the hole cannot fill (the buffer is full, the peer acknowledged past
 *   it, or the connection ended), the bytes are reported as a gap of that many bytes and never
 *   invented.
 * - Mid-stream: without a SYN the first byte seen in this direction starts the stream.
 */

/** Most bytes held per direction while a hole waits to be filled. */
export const MAX_OUT_OF_ORDER_BYTES = 4 * 1024 * 1024;
/** Most segments held per direction while a hole waits to be filled. */
export const MAX_OUT_OF_ORDER_SEGMENTS = 2048;

export interface StreamSink {
  data(bytes: Buffer, timestampMs: number): void;
  gap(bytes: number, timestampMs: number): void;
}

interface Held {
  seq: number;
  data: Buffer;
  /** Bytes after `data` the capture did not keep (snaplen). */
  cut: number;
}

/** Signed distance from b to a in sequence space. */
const seqDiff = (a: number, b: number): number => (a - b) | 0;
const seqAdd = (a: number, n: number): number => (a + n) >>> 0;

export class TcpDirection {
  private next: number | undefined;
  private held: Held[] = [];
  private heldBytes = 0;
  private finSeq: number | undefined;
  retransmittedBytes = 0;
  outOfOrderSegments = 0;
  gapBytes = 0;
  delivered = 0;

  constructor(private readonly sink: StreamSink) {}

  get started(): boolean {
    return this.next !== undefined;
  }

  get finished(): boolean {
    return this.finSeq !== undefined && this.next !== undefined && seqDiff(this.next, this.finSeq) >= 0;
  }

  segment(seq: number, syn: boolean, fin: boolean, payload: Buffer, cut: number, ts: number): void {
    const dataSeq = syn ? seqAdd(seq, 1) : seq;
    if (this.next === undefined) {
      if (syn || payload.length + cut > 0) this.next = dataSeq;
      else if (!fin) return;
      else this.next = dataSeq;
    }
    const len = payload.length + cut;
    if (fin && this.finSeq === undefined) this.finSeq = seqAdd(dataSeq, len);
    if (len === 0) return;
    const rel = seqDiff(dataSeq, this.next);
    if (rel + len <= 0) {
      this.retransmittedBytes += len;
      return;
    }
    if (rel <= 0 && this.held.length === 0) {
      // In order (possibly overlapping what was delivered): the common case, no copy.
      this.deliver({ seq: dataSeq, data: payload, cut }, ts);
      return;
    }
    this.hold({ seq: dataSeq, data: Buffer.from(payload), cut }, ts);
    this.drain(ts);
  }

  /** The peer acknowledged up to `ack`: bytes before it that were never seen are missing. */
  acknowledged(ack: number, ts: number): void {
    if (this.next === undefined) return;
    let limit = ack;
    // The FIN takes one sequence number that carries no byte.
    if (this.finSeq !== undefined && seqDiff(limit, this.finSeq) > 0) limit = this.finSeq;
    // An ACK far ahead is not about this stream (a broken capture or a reused port).
    if (seqDiff(limit, this.next) <= 0 || seqDiff(limit, this.next) > MAX_OUT_OF_ORDER_BYTES * 4) return;
    while (seqDiff(limit, this.next!) > 0) {
      const first = this.held[0];
      if (first && seqDiff(first.seq, limit) < 0) {
        this.skipTo(first.seq, ts);
        this.drain(ts);
      } else {
        this.skipTo(limit, ts);
        this.drain(ts);
        break;
      }
    }
  }

  /** The connection is over: whatever is held is delivered, holes as gaps. */
  end(ts: number): void {
    while (this.held.length > 0) {
      this.skipTo(this.held[0].seq, ts);
      this.drain(ts);
    }
  }

  private skipTo(seq: number, ts: number): void {
    const n = seqDiff(seq, this.next!);
    if (n <= 0) return;
    this.gapBytes += n;
    this.sink.gap(n, ts);
    this.next = seq;
  }

  private deliver(h: Held, ts: number): void {
    const rel = seqDiff(h.seq, this.next!);
    let data = h.data;
    let cut = h.cut;
    if (rel < 0) {
      const drop = -rel;
      this.retransmittedBytes += drop;
      if (drop >= data.length) {
        cut -= drop - data.length;
        data = data.subarray(data.length);
      } else data = data.subarray(drop);
    }
    if (data.length > 0) {
      this.delivered += data.length;
      this.sink.data(data, ts);
    }
    this.next = seqAdd(this.next!, data.length);
    if (cut > 0) this.skipTo(seqAdd(this.next!, cut), ts);
  }

  private drain(ts: number): void {
    while (this.held.length > 0) {
      const h = this.held[0];
      const rel = seqDiff(h.seq, this.next!);
      if (rel > 0) break;
      this.held.shift();
      this.heldBytes -= h.data.length;
      if (rel + h.data.length + h.cut > 0) this.deliver(h, ts);
      else this.retransmittedBytes += h.data.length + h.cut;
    }
  }

  /** Insert the parts of a segment no held segment covers yet (first seen wins), in order. */
  private hold(seg: Held, ts: number): void {
    this.outOfOrderSegments++;
    const base = this.next!;
    const key = (s: number) => seqDiff(s, base);
    let start = key(seg.seq);
    const end = start + seg.data.length + seg.cut;
    const pieces: Held[] = [];
    for (const h of this.held) {
      const hs = key(h.seq);
      const he = hs + h.data.length + h.cut;
      if (he <= start) continue;
      if (hs >= end) break;
      if (hs > start) pieces.push(slice(seg, start - key(seg.seq), hs - key(seg.seq)));
      start = Math.max(start, he);
      if (start >= end) break;
    }
    if (start < end) pieces.push(slice(seg, start - key(seg.seq), end - key(seg.seq)));
    for (const p of pieces) {
      const k = key(p.seq);
      let i = this.held.length;
      while (i > 0 && key(this.held[i - 1].seq) > k) i--;
      this.held.splice(i, 0, p);
      this.heldBytes += p.data.length;
    }
    // Bounded: a hole that would need more than the buffer is declared missing.
    while (this.held.length > 0 && (this.heldBytes > MAX_OUT_OF_ORDER_BYTES || this.held.length > MAX_OUT_OF_ORDER_SEGMENTS)) {
      this.skipTo(this.held[0].seq, ts);
      this.drain(ts);
    }
  }
}

function slice(seg: Held, from: number, to: number): Held {
  const dataEnd = seg.data.length;
  const data = seg.data.subarray(Math.min(from, dataEnd), Math.min(to, dataEnd));
  const cut = Math.max(0, to - Math.max(from, dataEnd));
  return { seq: seqAdd(seg.seq, from), data, cut };
}
