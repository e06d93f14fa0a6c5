/**
 * The messages the phone sent, as the Run step shows them: From, To, Subject and size from the
 * lab's `smtp.message` event, and a look at the text from the DATA content the phone sent
 * (the c2s bytes after the server's 354, RFC 5321 §4.1.1.4). Built event by event, bounded.
 */
import type { LabEvent } from '../../../electron/api';

/** Characters of a message's content kept for the preview (a 10 MB attachment is not read on screen). */
export const MESSAGE_PREVIEW_CHARS = 4000;
/** Messages listed at most (the newest kept). */
export const MAX_MESSAGES_SHOWN = 50;

export interface CapturedMessage {
  seq: number;
  conn: string;
  t: string;
  from: string;
  to: string[];
  subject: string | null;
  size: number;
  delivered: boolean;
  /** The start of the message text (headers left out), dot-unstuffed. */
  text: string;
}

export class MessageCapture {
  readonly list: CapturedMessage[] = [];
  /** Content being received per connection, from 354 to the lab's smtp.message. */
  private readonly content = new Map<string, string>();

  add(ev: LabEvent): boolean {
    if (!ev.conn) return false;
    if (ev.kind === 's2c' && ev.text !== undefined && /^354[ -]/m.test(ev.text)) {
      this.content.set(ev.conn, '');
    } else if (ev.kind === 'c2s' && this.content.has(ev.conn) && ev.text !== undefined) {
      const sofar = this.content.get(ev.conn)!;
      if (sofar.length < MESSAGE_PREVIEW_CHARS) this.content.set(ev.conn, sofar + ev.text.slice(0, MESSAGE_PREVIEW_CHARS - sofar.length));
    } else if (ev.kind === 'smtp.message') {
      const raw = this.content.get(ev.conn) ?? '';
      this.content.delete(ev.conn);
      this.list.push({ seq: ev.seq, conn: ev.conn, t: ev.t, from: ev.from, to: ev.to, subject: ev.subject ?? null, size: ev.size, delivered: ev.delivered, text: bodyOf(raw) });
      if (this.list.length > MAX_MESSAGES_SHOWN) this.list.shift();
      return true;
    } else if (ev.kind === 'conn.close') {
      this.content.delete(ev.conn);
    }
    return false;
  }
}

/** The body of raw content: after the first empty line, without the final ".", dot-unstuffed (RFC 5321 §4.5.2). */
export function bodyOf(raw: string): string {
  const text = raw.replace(/\r?\n\.\r?\n?$/, '\n');
  const m = /\r?\n\r?\n/.exec(text);
  const body = m ? text.slice(m.index + m[0].length) : text;
  return body
    .split(/\r?\n/)
    .map((l) => (l.startsWith('..') ? l.slice(1) : l))
    .join('\n')
    .trimEnd();
}
