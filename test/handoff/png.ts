/**
 * A minimal PNG writer for tests (greyscale, 8 bit): turns a bitmap into a file zbarimg reads.
 * Written here rather than with pngjs so the terminal QR is decoded independently of the
 * library that drew it.
 */
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** rows[y][x] true = black; each pixel drawn as scale×scale; `border` white pixels around. */
export function bitmapToPng(rows: boolean[][], scale = 4, border = 0): Buffer {
  const h0 = rows.length;
  const w0 = Math.max(...rows.map((r) => r.length));
  const w = (w0 + 2 * border) * scale;
  const h = (h0 + 2 * border) * scale;
  const raw = Buffer.alloc((w + 1) * h, 0xff);
  for (let y = 0; y < h; y++) {
    raw[y * (w + 1)] = 0; // filter: none
    const sy = Math.floor(y / scale) - border;
    for (let x = 0; x < w; x++) {
      const sx = Math.floor(x / scale) - border;
      const black = sy >= 0 && sy < h0 && sx >= 0 && sx < w0 && rows[sy][sx] === true;
      raw[y * (w + 1) + 1 + x] = black ? 0 : 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Terminal half-block text (ANSI colour codes stripped) → bitmap, two pixel rows per line. */
export function terminalQrToBitmap(text: string): boolean[][] {
  const lines = text.replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter((l) => l.length > 0);
  const rows: boolean[][] = [];
  for (const line of lines) {
    const top: boolean[] = [];
    const bottom: boolean[] = [];
    for (const ch of line) {
      top.push(ch === '█' || ch === '▀');
      bottom.push(ch === '█' || ch === '▄');
    }
    rows.push(top, bottom);
  }
  return rows;
}
