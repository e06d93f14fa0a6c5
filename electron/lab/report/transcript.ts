/**
 * Events as lines a person reads: one line per protocol line for c2s/s2c, one sentence for
 * every other event. The appendix, the findings' proof and the timelines all draw from this,
 * so a line reads the same wherever it appears.
 */
import type { LabEvent } from '../../api.js';
import { decodeBytes, encodeBytes } from '../recorder/index.js';
import { describeSuite } from './words.js';

export type LineDir = 'c2s' | 's2c' | 'note';

export interface TranscriptLine {
  seq: number;
  /** Epoch milliseconds of the event. */
  ms: number;
  conn?: string;
  dir: LineDir;
  text: string;
  /** True for the first line of its event (later lines of a multi-line payload share its seq). */
  first: boolean;
}

/** A protocol line longer than this is cut with a marker (a 64 KiB literal is not a line to read). */
export const MAX_LINE_CHARS = 600;
/** Lines shown per event; a FETCH response of 5,000 lines shows its first lines and a count. */
export const MAX_LINES_PER_EVENT = 40;
/** Bytes of a binary payload shown as hex. */
export const BINARY_PREVIEW_BYTES = 16;

export const EMPTY_LINE = '⏎ (empty line: CRLF only)';

/** Control characters made visible; CR/LF are line ends, handled by the caller. */
export function visible(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (c === 0x09) out += '\\t';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0)) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out;
}

/** Cut a line to `max` characters with a marker saying how much is missing. */
export function cutLine(text: string, max = MAX_LINE_CHARS): string {
  if (text.length <= max) return text;
  return text.slice(0, max) + ` … [cut: ${(text.length - max).toLocaleString('en-US')} more characters]`;
}

/** First line of an event that continues the previous one (a unit longer than one event, recorded as several). */
export function continuedNote(ev: Extract<LabEvent, { kind: 'c2s' | 's2c' }>): string {
  const bytes = ev.truncated ?? (ev.text !== undefined ? Buffer.byteLength(ev.text, 'utf8') : decodeBytes(ev).length);
  return `[continued: ${bytes.toLocaleString('en-US')} more bytes of the same ${ev.kind === 's2c' ? 'response' : 'data from the phone'}]`;
}

function bytesLines(ev: Extract<LabEvent, { kind: 'c2s' | 's2c' }>, password?: string): string[] {
  const lines = payloadLines(ev, password);
  return ev.continued ? [continuedNote(ev), ...lines] : lines;
}

function payloadLines(recorded: Extract<LabEvent, { kind: 'c2s' | 's2c' }>, password?: string): string[] {
  // Events recorded as base64 whose bytes are printable (older sessions streamed bodies that way) are shown as the text they are.
  const ev = recorded.text === undefined && recorded.b64 !== undefined ? { ...recorded, b64: undefined, ...encodeBytes(decodeBytes(recorded), Infinity) } : recorded;
  const tlsNote = ev.tls ? ' (inside TLS)' : '';
  const truncNote = ev.truncated !== undefined ? `[recorded: the first part of ${ev.truncated.toLocaleString('en-US')} bytes]` : undefined;
  if (ev.text === undefined) {
    const buf = decodeBytes(ev);
    const canPreview = !password || !buf.includes(Buffer.from(password, 'utf8'));
    const hex = canPreview ? ' ' + [...buf.subarray(0, BINARY_PREVIEW_BYTES)].map((b) => b.toString(16).padStart(2, '0')).join(' ') + (buf.length > BINARY_PREVIEW_BYTES ? ' …' : '') : '';
    return [`[binary, ${buf.length.toLocaleString('en-US')} bytes${tlsNote}]${hex}`, ...(truncNote ? [truncNote] : [])];
  }
  if (ev.text === '' && ev.truncated !== undefined) return [`[${ev.truncated.toLocaleString('en-US')} bytes, not kept: the session file was full]`];
  const parts = ev.text.split('\n');
  // "A\r\nB\r\n" splits into ["A\r", "B\r", ""]: the last empty piece is the end of the final line.
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  const lines: string[] = [];
  for (const raw of parts.slice(0, MAX_LINES_PER_EVENT)) {
    const body = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    lines.push(body === '' ? EMPTY_LINE : cutLine(visible(body)));
  }
  if (parts.length > MAX_LINES_PER_EVENT) lines.push(`… ${(parts.length - MAX_LINES_PER_EVENT).toLocaleString('en-US')} more lines in this packet`);
  if (truncNote) lines.push(truncNote);
  return lines;
}

function listenerWords(l: Record<string, { host: string; port: number } | undefined>): string {
  return Object.entries(l)
    .filter(([, a]) => a)
    .map(([k, a]) => `${k.toUpperCase()} ${a!.host}:${a!.port}`)
    .join(', ');
}

/** One sentence for an event that is not bytes on the wire. */
export function describeEvent(ev: LabEvent): string {
  switch (ev.kind) {
    case 'lab.start':
      return `lab started (Mailprobe ${ev.version}): ${listenerWords(ev.listeners)}; account '${ev.account.user}' / password ${ev.account.password}`;
    case 'lab.stop':
      return `lab stopped: ${ev.reason}`;
    case 'conn.open':
      return `phone ${ev.remote} connected to ${ev.proto.toUpperCase()} port ${ev.port}`;
    case 'tls.hello':
      return `TLS ClientHello: highest ${ev.maxVersion}, ${ev.cipherSuites.length} cipher suites (first: ${ev.cipherSuites.slice(0, 3).map(describeSuite).join(', ')}${ev.cipherSuites.length > 3 ? ', …' : ''}), SNI ${ev.sni ?? 'none'}`;
    case 'tls.established':
      return `TLS established: ${ev.version}, ${describeSuite(ev.cipher)} (${ev.engine} engine${ev.mode ? ', ' + ev.mode : ''}${ev.certificate ? `, ${ev.certificate === 'sha1' ? 'SHA-1' : 'SHA-256'} certificate` : ''})`;
    case 'tls.failed':
      return `TLS failed: ${ev.reason}${ev.alert ? `, alert ${ev.alert}${ev.alertFrom ? ' from ' + ev.alertFrom : ''}` : ''}${ev.description ? ` (${ev.description})` : ''}`;
    case 'auth':
      return `login ${ev.ok ? '✓ accepted' : '✗ refused'}: ${ev.mechanism} for user '${ev.user}'${ev.reason ? ` (${ev.reason})` : ''}`;
    case 'http.request':
      return `HTTP ${ev.method} ${ev.path} → ${ev.status}${ev.served ? ` (${ev.served}${ev.bytes !== undefined ? `, ${ev.bytes} bytes` : ''})` : ''}${ev.userAgent ? ` · User-Agent: ${ev.userAgent}` : ''}`;
    case 'device':
      return `device identified: ${[ev.device.vendor, ev.device.model, ev.device.firmware && `firmware ${ev.device.firmware}`].filter(Boolean).join(' ')} (from ${ev.device.source})`;
    case 'conn.close':
      return `connection closed by ${ev.by} (${ev.bytesIn.toLocaleString('en-US')} bytes in, ${ev.bytesOut.toLocaleString('en-US')} out)${ev.reason ? `: ${ev.reason}` : ''}`;
    case 'input.rejected':
      return `input refused (${ev.what}): ${ev.detail}${ev.sample ? ` · "${cutLine(visible(ev.sample), 80)}"` : ''}`;
    case 'lab.error':
      return `lab error in ${ev.where}: ${ev.message}`;
    case 'note':
      return `note: ${ev.text}`;
    default: {
      const unknown = ev as { kind?: string };
      return `event ${String(unknown.kind)}`;
    }
  }
}

/** The display lines of one event. `password` withholds binary previews that contain it. */
export function eventLines(ev: LabEvent, password?: string): TranscriptLine[] {
  const ms = Date.parse(ev.t);
  const base = { seq: ev.seq, ms: Number.isFinite(ms) ? ms : 0, conn: ev.conn };
  if (ev.kind === 'c2s' || ev.kind === 's2c') {
    return bytesLines(ev, password).map((text, i) => ({ ...base, dir: ev.kind, text, first: i === 0 }));
  }
  return [{ ...base, dir: 'note', text: cutLine(visible(describeEvent(ev))), first: true }];
}

/** "10:07:20.013" in UTC. */
export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}
