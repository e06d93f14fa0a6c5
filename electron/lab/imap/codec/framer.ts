/**
 * IMAP wire framing (RFC 3501 §2.2, §4.3): the shared line framer (../../connection/framer.ts)
 * with IMAP literals. A line that ends with `{N}` (synchronizing) or `{N+}` (LITERAL+, RFC 7888)
 * announces N bytes of literal data; the session decides whether to accept them.
 */
import { LineFramer, type FramerSink, type LiteralSpec } from '../../connection/framer.js';

export type { FramerSink, LineFrame, LiteralReceiver, LiteralSpec } from '../../connection/framer.js';

/** `{123}` or `{123+}` at the end of a line: RFC 3501 literal, RFC 7888 non-synchronizing literal. */
const LITERAL_MARKER = /\{(\d+)(\+?)\}$/;

export function literalMarker(text: string): LiteralSpec | null {
  const m = LITERAL_MARKER.exec(text);
  if (!m) return null;
  // Past 2^53 Number() loses precision; anything that long is "too big" anyway.
  const size = m[1].length > 15 ? Number.POSITIVE_INFINITY : Number(m[1]);
  return { size, sync: m[2] !== '+' };
}

export class Framer extends LineFramer {
  constructor(sink: FramerSink, maxLine: number) {
    super(sink, maxLine, literalMarker);
  }
}
