/**
 * A customer-sized mbox, generated fast with a write stream: small text messages (LF line ends,
 * some quoted ">From " lines) and messages with big base64 attachments. Returns the sha256 of
 * the bytes a server must serve for them, in order (CRLF line ends, quoted From lines unquoted),
 * so a client's full download can be checked without holding anything.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';

export interface BigMboxSpec {
  /** Small messages, each about `smallBytes` long. */
  smallMessages: number;
  smallBytes: number;
  /** Sizes in bytes of the attachments of the big messages, spread among the small ones. */
  attachments: number[];
}

export interface BigMbox {
  messages: number;
  fileBytes: number;
  servedBytes: number;
  /** sha256 over every message's served bytes, in order. */
  servedSha256: string;
  /** Messages with a quoted ">From " line (served as "From the quoted line of an mbox writer"). */
  quotedMessages: number;
}

const B64_LINE = Buffer.alloc(57, 0xa7).toString('base64').replace(/[+/]/g, 'x') + '\n'; // 76 chars + LF
const TEXT_LINE = 'The quick brown fox jumps over the lazy dog; the phone asks for its mail again.\n';

export async function writeBigMbox(file: string, spec: BigMboxSpec): Promise<BigMbox> {
  const out = createWriteStream(file);
  const hash = createHash('sha256');
  let fileBytes = 0;
  let servedBytes = 0;
  const write = async (s: string) => {
    fileBytes += s.length;
    if (!out.write(s)) await new Promise<void>((r) => out.once('drain', () => r()));
  };
  /** A message's text (LF lines): to the file as is, to the hash as served. */
  const message = async (lines: string) => {
    const served = lines.replace(/^>From /gm, 'From ').replace(/\n/g, '\r\n');
    hash.update(served, 'latin1');
    servedBytes += served.length;
    await write(lines);
  };
  const bigEvery = Math.max(1, Math.floor(spec.smallMessages / Math.max(1, spec.attachments.length)));
  let big = 0;
  let count = 0;
  let quoted = 0;
  for (let i = 0; i < spec.smallMessages || big < spec.attachments.length; i++) {
    const day = String((i % 28) + 1).padStart(2, ' ');
    await write(`From sender${i}@example.org Tue Nov ${day} 10:00:00 2026\n`);
    count++;
    if (big < spec.attachments.length && (i % bigEvery === bigEvery - 1 || i >= spec.smallMessages)) {
      const size = spec.attachments[big++]!;
      const boundary = `b${i}`;
      const head =
        `From: Sender ${i} <sender${i}@example.org>\nTo: tech@example.org\nSubject: attachment ${big} of ${size} bytes\n` +
        `Date: Tue, 24 Nov 2026 10:00:00 +0000\nMessage-ID: <big${i}@example.org>\nMIME-Version: 1.0\n` +
        `Content-Type: multipart/mixed; boundary="${boundary}"\n\n--${boundary}\nContent-Type: text/plain\n\nSee the attachment.\n` +
        `--${boundary}\nContent-Type: application/octet-stream; name="scan${i}.bin"\nContent-Transfer-Encoding: base64\n` +
        `Content-Disposition: attachment; filename="scan${i}.bin"\n\n`;
      // The attachment goes out in blocks of lines: to the hash and the file without one big string.
      const block = B64_LINE.repeat(Math.ceil((1024 * 1024) / B64_LINE.length));
      await message(head);
      let left = Math.ceil(size / B64_LINE.length);
      const perBlock = block.length / B64_LINE.length;
      while (left > 0) {
        const n = Math.min(left, perBlock);
        await message(n === perBlock ? block : B64_LINE.repeat(n));
        left -= n;
      }
      await message(`--${boundary}--\n`);
    } else {
      const lines: string[] = [
        `From: Sender ${i} <sender${i}@example.org>`,
        'To: tech@example.org',
        `Subject: message ${i}`,
        `Date: Tue, ${day} Nov 2026 10:00:00 +0000`,
        `Message-ID: <m${i}@example.org>`,
        '',
      ];
      let n = 0;
      if (i % 7 === 0) quoted++;
      while (n < spec.smallBytes) {
        const l = i % 7 === 0 && lines.length === 8 ? '>From the quoted line of an mbox writer' : TEXT_LINE.slice(0, -1);
        lines.push(l);
        n += l.length + 1;
      }
      await message(lines.join('\n') + '\n');
    }
    await write('\n');
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { messages: count, fileBytes, servedBytes, servedSha256: hash.digest('hex'), quotedMessages: quoted };
}
