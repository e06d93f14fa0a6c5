/**
 * Deterministic binary attachments for the seeded corpus: a real (openable) multi-page PDF
 * and a small PNG. Generated, not shipped, so the corpus is the same bytes on every run.
 */
import { crc32, deflateSync } from 'node:zlib';

const LINES_PER_PAGE = 66;

/** A valid PDF 1.4 "connectivity report" of `pages` pages of monospace text, ~4 KB per page. */
export function samplePdf(pages = 10): Buffer {
  const objects: string[] = [];
  const pageIds: number[] = [];
  // 1: catalog, 2: pages, 3: font; then per page: page object, content stream
  const fontId = 3;
  let nextId = 4;
  const pageObjs: Array<[number, string]> = [];
  for (let p = 0; p < pages; p++) {
    const pageId = nextId++;
    const contentId = nextId++;
    pageIds.push(pageId);
    const lines: string[] = [`Mailprobe test mailbox - sample connectivity report, page ${p + 1} of ${pages}`, ''];
    for (let i = 0; i < LINES_PER_PAGE; i++) {
      const n = p * LINES_PER_PAGE + i + 1;
      const port = [143, 993, 587, 465][n % 4]!;
      const step = ['CONNECT', 'CAPABILITY', 'AUTHENTICATE', 'SELECT INBOX', 'FETCH 1:* FLAGS', 'LOGOUT'][n % 6]!;
      lines.push(`Check ${String(n).padStart(4, '0')}  port ${String(port).padEnd(4)} ${step.padEnd(16)} ok   ${String(5 + ((n * 37) % 90)).padStart(3)} ms`);
    }
    const stream =
      'BT\n/F1 9 Tf\n11 TL\n50 790 Td\n' +
      lines.map((l) => `(${l.replace(/([()\\])/g, '\\$1')}) '`).join('\n') +
      '\nET\n';
    pageObjs.push([pageId, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 ${fontId} 0 R >> >> /Contents ${contentId} 0 R >>`]);
    pageObjs.push([contentId, `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}endstream`]);
  }
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>';
  for (const [id, body] of pageObjs) objects[id] = body;
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = Buffer.byteLength(out, 'latin1');
    out += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) out += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A `size`×`size` RGB PNG: the Mailprobe logo colours as a diagonal gradient with an envelope-ish "V". */
export function samplePng(size = 32): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x++) {
      const onV = Math.abs(x - size / 2) === Math.floor(y / 2) && y < size;
      const r = onV ? 255 : 20 + ((x * 4) & 0xff);
      const g = onV ? 255 : 90 + ((y * 3) & 0x7f);
      const b = onV ? 255 : 160;
      row[1 + x * 3] = r;
      row[2 + x * 3] = g;
      row[3 + x * 3] = b;
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  // level 0 (stored blocks): identical bytes whatever the zlib version
  const idat = deflateSync(Buffer.concat(rows), { level: 0 });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}
