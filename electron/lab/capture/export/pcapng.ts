/**
 * The pcapng blocks a session export needs, and nothing else (draft-ietf-opsawg-pcapng):
 * Section Header Block, one Interface Description Block, Decryption Secrets Blocks and Enhanced
 * Packet Blocks, little-endian. The reader side lives in capture/reader/ and parses on its own.
 */

/** LINKTYPE_RAW: each packet starts with its IPv4 or IPv6 header, no link layer (no invented MACs). */
export const LINKTYPE_RAW = 101;
/** Timestamps in microseconds (if_tsresol 6): events carry milliseconds; the µs keep packets of one millisecond in order. */
export const TS_RESOLUTION_DIGITS = 6;
/** Decryption Secrets Block secrets type: TLS key log (NSS format), 'TLSK'. */
export const SECRETS_TYPE_TLS_KEYLOG = 0x544c534b;
/** The interface's snaplen: far above the largest packet written (headers and one MSS of data), so no packet is cut. */
export const SNAPLEN = 65535;

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_EPB = 0x00000006;
const BT_DSB = 0x0000000a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_END = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_TSRESOL = 9;

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

/** Options as pcapng lays them out: code, length, value padded to 32 bits, then opt_endofopt. */
function options(opts: Array<[number, Buffer]>): Buffer {
  if (opts.length === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (const [code, value] of opts) {
    const h = Buffer.alloc(4);
    h.writeUInt16LE(code, 0);
    h.writeUInt16LE(value.length, 2);
    parts.push(h, value, Buffer.alloc(pad4(value.length)));
  }
  parts.push(Buffer.from([OPT_END, 0, 0, 0]));
  return Buffer.concat(parts);
}

/** A block: type, total length, body (padded), total length again. */
function block(type: number, body: Buffer): Buffer {
  const total = 12 + body.length + pad4(body.length);
  const out = Buffer.alloc(total);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(total, 4);
  body.copy(out, 8);
  out.writeUInt32LE(total, total - 4);
  return out;
}

export function sectionHeaderBlock(application: string, comment?: string): Buffer {
  const head = Buffer.alloc(16);
  head.writeUInt32LE(BYTE_ORDER_MAGIC, 0);
  head.writeUInt16LE(1, 4); // major version
  head.writeUInt16LE(0, 6); // minor version
  head.writeBigInt64LE(-1n, 8); // section length not given
  const opts: Array<[number, Buffer]> = [[SHB_USERAPPL, Buffer.from(application, 'utf8')]];
  if (comment) opts.push([OPT_COMMENT, Buffer.from(comment, 'utf8')]);
  return block(BT_SHB, Buffer.concat([head, options(opts)]));
}

export function interfaceDescriptionBlock(linkType: number, name: string): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16LE(linkType, 0);
  head.writeUInt32LE(SNAPLEN, 4);
  return block(BT_IDB, Buffer.concat([head, options([[IF_NAME, Buffer.from(name, 'utf8')], [IF_TSRESOL, Buffer.from([TS_RESOLUTION_DIGITS])]])]));
}

/** A Decryption Secrets Block with TLS key log lines (each ending in LF, as in an SSLKEYLOGFILE). */
export function tlsKeylogBlock(lines: readonly string[]): Buffer {
  const secrets = Buffer.from(lines.map((l) => l + '\n').join(''), 'utf8');
  const head = Buffer.alloc(8);
  head.writeUInt32LE(SECRETS_TYPE_TLS_KEYLOG, 0);
  head.writeUInt32LE(secrets.length, 4);
  return block(BT_DSB, Buffer.concat([head, secrets, Buffer.alloc(pad4(secrets.length))]));
}

/** An Enhanced Packet Block on interface 0; `micros` since the epoch. */
export function enhancedPacketBlock(micros: bigint, packet: Buffer, comment?: string): Buffer {
  const head = Buffer.alloc(20);
  head.writeUInt32LE(0, 0); // interface id
  head.writeUInt32LE(Number(micros >> 32n), 4);
  head.writeUInt32LE(Number(micros & 0xffffffffn), 8);
  head.writeUInt32LE(packet.length, 12); // captured
  head.writeUInt32LE(packet.length, 16); // original
  const opts = comment ? options([[OPT_COMMENT, Buffer.from(comment, 'utf8')]]) : Buffer.alloc(0);
  return block(BT_EPB, Buffer.concat([head, packet, Buffer.alloc(pad4(packet.length)), opts]));
}
