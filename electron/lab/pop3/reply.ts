/** POP3 responses (RFC 1939 §3): status lines, and multi-line bodies dot-stuffed and ended by ".". */
import type { StoredMessage } from '../mailbox/types.js';

export function okLine(text: string): string {
  return text ? `+OK ${text}\r\n` : '+OK\r\n';
}

export function errLine(text: string): string {
  return `-ERR ${text}\r\n`;
}

/**
 * RFC 1939 §3 byte-stuffing, fed chunk by chunk: every line that begins with "." gets another
 * "." in front, and the end adds CRLF.CRLF (a last line without its CRLF gets one). Holds two
 * bytes of state, so a message streamed from disk is stuffed as it is sent.
 */
export class DotStuffer {
  private atLineStart = true;
  private total = 0;
  private last2 = [-1, -1];

  push(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk;
    const parts: Buffer[] = [];
    let start = 0;
    if (this.atLineStart && chunk[0] === 0x2e) parts.push(DOT);
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) {
      if (i + 1 < chunk.length && chunk[i + 1] === 0x2e) {
        parts.push(chunk.subarray(start, i + 1), DOT);
        start = i + 1;
      }
    }
    parts.push(chunk.subarray(start));
    this.atLineStart = chunk[chunk.length - 1] === 0x0a;
    this.total += chunk.length;
    this.last2 = chunk.length >= 2 ? [chunk[chunk.length - 2]!, chunk[chunk.length - 1]!] : [this.last2[1]!, chunk[0]!];
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  end(): Buffer {
    const endsWithCrlf = this.last2[0] === 0x0d && this.last2[1] === 0x0a;
    return Buffer.from(this.total === 0 || endsWithCrlf ? '.\r\n' : '\r\n.\r\n');
  }
}

const DOT = Buffer.from('.');

/** A multi-line body (RFC 1939 §3), dot-stuffed and ended by ".": the message bytes as they are stored. */
export function multiline(body: Buffer): Buffer {
  const s = new DotStuffer();
  return Buffer.concat([s.push(body), s.end()]);
}

/** A multi-line body read in chunks while it is sent (a message on disk). */
export async function* multilineChunks(chunks: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  const s = new DotStuffer();
  for await (const c of chunks) yield s.push(c);
  yield s.end();
}

/** The header and the first `lines` lines of the body (TOP, RFC 1939 §7). */
export function topOf(raw: Buffer, lines: number): Buffer {
  const sep = raw.indexOf('\r\n\r\n');
  if (sep < 0) return raw;
  let end = sep + 4;
  for (let n = 0; n < lines && end < raw.length; n++) {
    const nl = raw.indexOf(0x0a, end);
    end = nl < 0 ? raw.length : nl + 1;
  }
  return raw.subarray(0, end);
}

/**
 * Where TOP's answer ends in a message on disk, found by reading only the lines it sends: the
 * same end as topOf's (the header block ends at the first CRLF CRLF unless the message starts
 * with its blank line, which topOf's rule reads differently: then the message is read whole).
 */
export function topEnd(m: StoredMessage, lines: number): number {
  const headerEnd = m.header.length;
  if (headerEnd >= m.size) return m.size;
  if (headerEnd <= 2) return topOf(m.raw, lines).length;
  if (lines === 0) return headerEnd;
  let at = headerEnd;
  let n = 0;
  for (const chunk of m.body.chunksSync(headerEnd, m.size)) {
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) {
      if (++n === lines) return at + i + 1;
    }
    at += chunk.length;
  }
  return m.size;
}
