/**
 * How bytes are written into c2s/s2c events (DESIGN.md): as text where printable, base64
 * otherwise, cut to a bounded size with the original length kept as the marker.
 */
import type { BytesEvent } from '../../api.js';

/** The most bytes one c2s/s2c event keeps; a 2 MB line is recorded as its first 64 KiB. */
export const MAX_EVENT_PAYLOAD_BYTES = 64 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Control characters other than TAB, LF, CR (and DEL) make a payload binary. */
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

export type EncodedBytes = Pick<BytesEvent, 'text' | 'b64' | 'truncated'>;

/** Encode a payload for an event, cutting it to `limit` bytes. */
export function encodeBytes(data: Uint8Array, limit = MAX_EVENT_PAYLOAD_BYTES): EncodedBytes {
  const cut = data.length > limit;
  // Cutting may split a UTF-8 sequence; then the prefix is recorded as base64, which is exact.
  const kept = cut ? data.subarray(0, limit) : data;
  const out: EncodedBytes = {};
  let text: string | undefined;
  try {
    text = utf8.decode(kept);
  } catch {
    text = undefined;
  }
  if (text !== undefined && !CONTROL.test(text)) out.text = text;
  else out.b64 = Buffer.from(kept.buffer, kept.byteOffset, kept.byteLength).toString('base64');
  if (cut) out.truncated = data.length;
  return out;
}

/** The recorded bytes of a c2s/s2c event (the kept prefix when truncated). */
export function decodeBytes(ev: Pick<BytesEvent, 'text' | 'b64'>): Buffer {
  if (ev.text !== undefined) return Buffer.from(ev.text, 'utf8');
  if (ev.b64 !== undefined) return Buffer.from(ev.b64, 'base64');
  return Buffer.alloc(0);
}
