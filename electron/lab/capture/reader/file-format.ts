/**
 * pcap and pcapng as a stream of packets: chunks of the file in, packets out, never the whole
 * file in memory (only the block being read is buffered, up to MAX_BLOCK_BYTES).
 *
 * pcap (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-03.html): a 24-byte header whose
 * magic gives the byte order and the timestamp unit (0xA1B2C3D4 µs, 0xA1B23C4D ns), then
 * 16-byte record headers.
 * pcapng (draft-ietf-opsawg-pcapng §4): blocks of type, total length, body, total length.
 * Each Section Header Block sets the byte order of its section and forgets the interfaces of
 * the previous one; each Interface Description Block brings its own link type and if_tsresol
 * (§4.2, option 9); packets come in Enhanced (§4.3), Simple (§4.4) or the obsolete Packet Block
 * (Appendix A); Decryption Secrets Blocks (§4.7, type 0x0A) carry TLS key log lines ('TLSK').
 */

/** Largest block (or pcap record) accepted; a bigger length means a corrupt file, not a packet. */
export const MAX_BLOCK_BYTES = 16 * 1024 * 1024;

export interface CapturedPacket {
  /** Milliseconds since the epoch (fractional). */
  timestampMs: number;
  linkType: number;
  /** The captured bytes; a view into the reader's chunk: copy it to keep it. */
  data: Buffer;
  /** Length on the wire (more than data.length when the capture cut the packet: snaplen). */
  originalLength: number;
  interfaceId: number;
}

export interface CaptureSink {
  packet(p: CapturedPacket): void;
  /** NSS key log lines from a pcapng Decryption Secrets Block. */
  secrets?(keyLogLines: string[]): void;
}

export class CaptureFormatError extends Error {
  override name = 'CaptureFormatError';
}

const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_IDB = 1;
const PCAPNG_PB = 2;
const PCAPNG_SPB = 3;
const PCAPNG_EPB = 6;
const PCAPNG_DSB = 0x0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Secrets type of a DSB holding an NSS key log (pcapng §4.7). */
const DSB_TLS_KEY_LOG = 0x544c534b;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;
const TWO_32 = 0x100000000;

interface Interface {
  linkType: number;
  snapLen: number;
  /** Timestamp units per second. */
  unitsPerSecond: number;
  offsetSeconds: number;
}

type Format = 'unknown' | 'pcap' | 'pcapng';

export class CaptureStreamReader {
  private pending: Buffer = Buffer.alloc(0);
  private format: Format = 'unknown';
  private little = true;
  /** pcap: the one link type and unit. */
  private pcapLinkType = 0;
  private pcapNanos = false;
  private interfaces: Interface[] = [];
  private sectionSeen = false;
  packets = 0;
  bytesRead = 0;

  constructor(private readonly sink: CaptureSink) {}

  get detectedFormat(): Format {
    return this.format;
  }

  /** Feed the next chunk of the file. */
  push(chunk: Buffer): void {
    this.bytesRead += chunk.length;
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let pos = 0;
    for (;;) {
      const used = this.format === 'pcapng' || this.format === 'unknown' && buf.length - pos >= 4 && buf.readUInt32BE(pos) === PCAPNG_SHB ? this.block(buf, pos) : this.pcapRecord(buf, pos);
      if (used === 0) break;
      pos += used;
    }
    buf = buf.subarray(pos);
    // Keep the tail only (a copy, so the chunk it came from can be freed).
    this.pending = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  }

  /** The file ended: a partial block left over means the capture was cut. */
  end(): { truncatedBytes: number } {
    if (this.format === 'unknown' && this.pending.length === 0 && this.bytesRead === 0) throw new CaptureFormatError('the file is empty');
    if (this.format === 'unknown') throw new CaptureFormatError('not a pcap or pcapng file');
    return { truncatedBytes: this.pending.length };
  }

  private u32(b: Buffer, at: number): number {
    return this.little ? b.readUInt32LE(at) : b.readUInt32BE(at);
  }

  private u16(b: Buffer, at: number): number {
    return this.little ? b.readUInt16LE(at) : b.readUInt16BE(at);
  }

  /** One pcap file header or record at pos; bytes used, 0 when more data is needed. */
  private pcapRecord(b: Buffer, pos: number): number {
    const avail = b.length - pos;
    if (this.format === 'unknown') {
      if (avail < 24) return 0;
      const magic = b.readUInt32LE(pos);
      if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) this.little = true;
      else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) this.little = false;
      else throw new CaptureFormatError('not a pcap or pcapng file');
      this.pcapNanos = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
      // The link type is the low 16 bits (the upper ones may carry FCS information).
      this.pcapLinkType = this.u32(b, pos + 20) & 0xffff;
      this.format = 'pcap';
      return 24;
    }
    if (avail < 16) return 0;
    const capLen = this.u32(b, pos + 8);
    if (capLen > MAX_BLOCK_BYTES) throw new CaptureFormatError(`a pcap record claims ${capLen} bytes (more than ${MAX_BLOCK_BYTES}): the file is corrupt`);
    if (avail < 16 + capLen) return 0;
    const sec = this.u32(b, pos);
    const frac = this.u32(b, pos + 4);
    this.packets++;
    this.sink.packet({
      timestampMs: sec * 1000 + (this.pcapNanos ? frac / 1e6 : frac / 1e3),
      linkType: this.pcapLinkType,
      data: b.subarray(pos + 16, pos + 16 + capLen),
      originalLength: this.u32(b, pos + 12),
      interfaceId: 0,
    });
    return 16 + capLen;
  }

  /** One pcapng block at pos; bytes used, 0 when more data is needed. */
  private block(b: Buffer, pos: number): number {
    const avail = b.length - pos;
    if (avail < 12) return 0;
    const type = b.readUInt32BE(pos) === PCAPNG_SHB ? PCAPNG_SHB : this.u32(b, pos);
    if (type === PCAPNG_SHB) {
      // The byte-order magic decides how to read everything in this section, its length included.
      const bom = b.readUInt32LE(pos + 8);
      if (bom === BYTE_ORDER_MAGIC) this.little = true;
      else if (b.readUInt32BE(pos + 8) === BYTE_ORDER_MAGIC) this.little = false;
      else throw new CaptureFormatError('a pcapng section header without a valid byte-order magic');
      this.format = 'pcapng';
    } else if (!this.sectionSeen) {
      throw new CaptureFormatError('a pcapng file must start with a section header');
    }
    const len = this.u32(b, pos + 4);
    if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK_BYTES) throw new CaptureFormatError(`a pcapng block of ${len} bytes: the file is corrupt`);
    if (avail < len) return 0;
    const body = b.subarray(pos + 8, pos + len - 4);
    switch (type) {
      case PCAPNG_SHB:
        this.sectionSeen = true;
        this.interfaces = [];
        break;
      case PCAPNG_IDB:
        this.interfaces.push(this.interfaceFrom(body));
        break;
      case PCAPNG_EPB:
        this.packetBlock(body, this.u32(body, 0), 4);
        break;
      case PCAPNG_PB:
        this.packetBlock(body, this.u16(body, 0), 4);
        break;
      case PCAPNG_SPB: {
        const iface = this.interfaces[0];
        if (!iface) break;
        const orig = this.u32(body, 0);
        const cap = Math.min(orig, body.length - 4, iface.snapLen || Infinity);
        this.packets++;
        // No timestamp in a Simple Packet Block (§4.4): 0, which the session keeps in order.
        this.sink.packet({ timestampMs: 0, linkType: iface.linkType, data: body.subarray(4, 4 + cap), originalLength: orig, interfaceId: 0 });
        break;
      }
      case PCAPNG_DSB:
        if (body.length >= 8 && this.u32(body, 0) === DSB_TLS_KEY_LOG) {
          const n = Math.min(this.u32(body, 4), body.length - 8);
          const lines = body.subarray(8, 8 + n).toString('latin1').split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
          this.sink.secrets?.(lines);
        }
        break;
      default:
        // Name resolution, statistics, custom blocks: nothing a diagnosis needs.
        break;
    }
    return len;
  }

  /** EPB and the obsolete PB share the layout after the interface id: ts high, ts low, caplen, origlen, data. */
  private packetBlock(body: Buffer, ifaceId: number, at: number): void {
    const iface = this.interfaces[ifaceId];
    if (!iface || body.length < at + 16) return;
    const high = this.u32(body, at);
    const low = this.u32(body, at + 4);
    const cap = Math.min(this.u32(body, at + 8), body.length - at - 16);
    const orig = this.u32(body, at + 12);
    const units = high * TWO_32 + low;
    this.packets++;
    this.sink.packet({
      timestampMs: (units / iface.unitsPerSecond + iface.offsetSeconds) * 1000,
      linkType: iface.linkType,
      data: body.subarray(at + 16, at + 16 + cap),
      originalLength: orig,
      interfaceId: ifaceId,
    });
  }

  private interfaceFrom(body: Buffer): Interface {
    const iface: Interface = { linkType: this.u16(body, 0), snapLen: this.u32(body, 4), unitsPerSecond: 1e6, offsetSeconds: 0 };
    let pos = 8;
    while (pos + 4 <= body.length) {
      const code = this.u16(body, pos);
      const len = this.u16(body, pos + 2);
      if (code === 0) break;
      if (pos + 4 + len > body.length) break;
      if (code === IF_TSRESOL && len >= 1) {
        const v = body[pos + 4];
        // §4.2: MSB clear, a negative power of 10; set, a negative power of 2.
        iface.unitsPerSecond = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
      } else if (code === IF_TSOFFSET && len >= 8) {
        const hi = this.little ? body.readInt32LE(pos + 8) : body.readInt32BE(pos + 4);
        const lo = this.little ? body.readUInt32LE(pos + 4) : body.readUInt32BE(pos + 8);
        iface.offsetSeconds = hi * TWO_32 + lo;
      }
      pos += 4 + ((len + 3) & ~3);
    }
    return iface;
  }
}
