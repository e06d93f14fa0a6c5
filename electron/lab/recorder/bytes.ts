/**
 * How bytes are written into c2s/s2c events (DESIGN.md): as text where printable, base64
 * otherwise. A payload longer than one event holds is recorded whole as several events in
 * order (`continued` on all but the first); only bad input is cut, with the original length
 * kept as the marker (`truncated`).
 */
import type { BytesEvent } from '../../api.js';

/**
 * The most payload bytes one c2s/s2c event holds. A longer unit of traffic (imapflow's 79 KB
 * `FETCH 1:* BODY[]` response, an APPEND literal) is split into events of at most this size;
 * a 2 MB line the server refuses is recorded as its first part only.
 */
export const MAX_EVENT_PAYLOAD_BYTES = 64 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Control characters other than TAB, LF, CR (and DEL) make a payload binary. */
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

export type EncodedBytes = Pick<BytesEvent, 'text' | 'b64' | 'truncated'>;

/** Encode a payload for an event, cutting it to `limit` bytes (bad input only: legitimate traffic goes through payloadPieces). */
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

/** Where the next piece of `data` from `pos` ends: after the last LF that fits, else on a UTF-8 character boundary. */
function pieceEnd(data: Uint8Array, pos: number, max: number): number {
  const limit = pos + max;
  if (limit >= data.length) return data.length;
  // Whole lines where possible, so every event reads as lines in the transcripts.
  for (let i = limit - 1; i >= pos; i--) if (data[i] === 0x0a) return i + 1;
  // One line longer than an event: cut between characters, not inside one (10xxxxxx bytes continue a character).
  let cut = limit;
  while (cut > limit - 3 && cut > pos + 1 && (data[cut] & 0xc0) === 0x80) cut--;
  return (data[cut] & 0xc0) === 0x80 ? limit : cut;
}

/** A payload cut into event-sized pieces, in order; `start` is each piece's byte offset in `data`. */
export function payloadPieces(data: Uint8Array, max = MAX_EVENT_PAYLOAD_BYTES): Array<{ start: number; bytes: Uint8Array }> {
  const size = Math.max(1, Math.floor(max));
  if (data.length <= size) return [{ start: 0, bytes: data }];
  const out: Array<{ start: number; bytes: Uint8Array }> = [];
  for (let pos = 0; pos < data.length; ) {
    const end = pieceEnd(data, pos, size);
    out.push({ start: pos, bytes: data.subarray(pos, end) });
    pos = end;
  }
  return out;
}

/** Length in UTF-16 units of the UTF-8 decoding of raw[0:byteEnd]: maps byte offsets to `text` offsets. */
function charOffset(raw: Uint8Array, byteEnd: number): number {
  return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8', 0, byteEnd).length;
}

/**
 * Secret byte ranges of a whole payload, as ranges of one piece's recorded `text` (the same
 * numbers when the text is ASCII): the part of each range that falls in [start, start + length).
 */
export function secretRangesOfPiece(secrets: ReadonlyArray<[number, number]>, start: number, bytes: Uint8Array, text: string | undefined): Array<[number, number]> {
  const end = start + bytes.length;
  const local: Array<[number, number]> = [];
  for (const [from, to] of secrets) {
    const a = Math.max(from, start);
    const b = Math.min(to, end);
    if (b > a) local.push([a - start, b - start]);
  }
  if (local.length === 0 || (text !== undefined && text.length === bytes.length)) return local;
  return local.map(([a, b]) => [charOffset(bytes, a), charOffset(bytes, b)]);
}

/**
 * payloadPieces for a unit that arrives in chunks (a literal streamed to disk): push the chunks
 * as they come, then `end()`; the pieces handed to `onPiece` are exactly those payloadPieces
 * makes of the whole unit, while at most two events' worth of bytes are held. The held bytes
 * live in one buffer of the cutter's own, reused for the whole unit: a 50 MB literal allocates
 * nothing per chunk, where joining the held chunks (Buffer.concat) allocated as much again as
 * the literal, memory the lab's RSS carried until V8 collected it. A piece's `bytes` are
 * therefore valid only during its `onPiece` call.
 */
export class PieceCutter {
  /** The held bytes, at [0, heldBytes). */
  private readonly held: Buffer;
  private heldBytes = 0;
  /** Offset in the whole unit of the first held byte. */
  private start = 0;
  private readonly size: number;

  constructor(max = MAX_EVENT_PAYLOAD_BYTES) {
    this.size = Math.max(1, Math.floor(max));
    // pieceEnd looks `size` bytes ahead, so a piece is known complete once more than `size` bytes are held.
    this.held = Buffer.allocUnsafe(2 * this.size);
  }

  /** Add `chunk`; `onPiece` gets each piece that is then complete (a piece is known complete when more bytes follow it). */
  push(chunk: Uint8Array, onPiece: (piece: { start: number; bytes: Uint8Array }) => void): void {
    for (let at = 0; at < chunk.length; ) {
      const take = Math.min(this.held.length - this.heldBytes, chunk.length - at);
      this.held.set(chunk.subarray(at, at + take), this.heldBytes);
      this.heldBytes += take;
      at += take;
      if (this.heldBytes > this.size) this.cut(false, onPiece);
    }
  }

  /** The rest of the unit (an empty unit is one empty piece, as in payloadPieces). */
  end(onPiece: (piece: { start: number; bytes: Uint8Array }) => void): void {
    if (this.heldBytes > 0) this.cut(true, onPiece);
    else if (this.start === 0) onPiece({ start: 0, bytes: Buffer.alloc(0) });
  }

  private cut(final: boolean, onPiece: (piece: { start: number; bytes: Uint8Array }) => void): void {
    const data = this.held.subarray(0, this.heldBytes);
    let pos = 0;
    while (final ? pos < data.length : data.length - pos > this.size) {
      const end = pieceEnd(data, pos, this.size);
      onPiece({ start: this.start + pos, bytes: data.subarray(pos, end) });
      pos = end;
    }
    this.start += pos;
    this.held.copyWithin(0, pos, this.heldBytes);
    this.heldBytes -= pos;
  }
}
