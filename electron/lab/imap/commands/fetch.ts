/**
 * FETCH (RFC 3501 §6.4.5, §7.4.2): FLAGS, INTERNALDATE, RFC822.SIZE, ENVELOPE, BODY,
 * BODYSTRUCTURE, UID, RFC822, RFC822.HEADER, RFC822.TEXT, BODY[section]<partial>, BODY.PEEK.
 * Non-peek body fetches set \Seen (unless the mailbox is read-only) and report the new FLAGS.
 */
import { STREAMED_CHUNKS } from '../../mailbox/body.js';
import { ChunkPool } from '../../mailbox/chunk-pool.js';
import type { MailStoreApi, SectionSpec, StoredMessage } from '../../mailbox/types.js';
import type { CommandReader } from '../codec/reader.js';
import { filledBytes, fillLiteral, isFilledLiteral, ResponseWriter, writeBodyStructure, writeEnvelope, type FilledLiteral } from '../codec/encoder.js';
import { formatInternalDate } from '../dates.js';
import { ImapBad } from '../errors.js';
import type { LentBytes, StreamedPart } from '../../connection/connection.js';
import type { CommandModule } from './types.js';

export type FetchItem =
  | { kind: 'FLAGS' | 'INTERNALDATE' | 'RFC822.SIZE' | 'ENVELOPE' | 'BODY' | 'BODYSTRUCTURE' | 'UID' }
  | { kind: 'section'; label: string; spec: SectionSpec; peek: boolean; partial?: [number, number] };

const MACROS: Record<string, string[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

const SIMPLE = new Set(['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY', 'BODYSTRUCTURE', 'UID']);

/** section = "[" [section-spec] "]" (RFC 3501 §9), after the "[" has been seen. */
function parseSection(r: CommandReader): { spec: SectionSpec; text: string } {
  const head = r.takeWhile((ch) => /[A-Za-z0-9.]/.test(ch));
  const parts = head === '' ? [] : head.split('.');
  const path: number[] = [];
  while (parts.length && /^\d+$/.test(parts[0])) {
    const n = Number(parts.shift());
    if (n < 1) throw new ImapBad('Invalid section part number');
    path.push(n);
  }
  const textName = parts.join('.').toUpperCase();
  const spec: SectionSpec = { path };
  let text = path.join('.');
  if (textName) {
    if (!['HEADER', 'TEXT', 'MIME', 'HEADER.FIELDS', 'HEADER.FIELDS.NOT'].includes(textName)) throw new ImapBad(`Invalid section ${head}`);
    if (textName === 'MIME' && path.length === 0) throw new ImapBad('MIME needs a part number');
    spec.text = textName as SectionSpec['text'];
    text += (text ? '.' : '') + textName;
    if (textName.startsWith('HEADER.FIELDS')) {
      r.sp();
      const fields = r.list(() => r.astring());
      if (fields.length === 0) throw new ImapBad('HEADER.FIELDS needs field names');
      spec.fields = fields;
      text += ` (${fields.join(' ')})`;
    }
  }
  r.expect(']');
  return { spec, text };
}

function parseItem(r: CommandReader, out: FetchItem[]): void {
  const name = r.takeWhile((ch) => /[A-Za-z0-9.]/.test(ch)).toUpperCase();
  if (!name) throw new ImapBad('Expected a FETCH attribute');
  parseAfterName(r, name, out);
}

function parseAfterName(r: CommandReader, name: string, out: FetchItem[]): void {
  if ((name === 'BODY' || name === 'BODY.PEEK') && r.maybe('[')) {
    const { spec, text } = parseSection(r);
    let partial: [number, number] | undefined;
    if (r.maybe('<')) {
      const start = r.number();
      r.expect('.');
      const count = r.number();
      if (count === 0) throw new ImapBad('Partial count must be positive');
      r.expect('>');
      partial = [start, count];
    }
    out.push({ kind: 'section', label: `BODY[${text}]`, spec, peek: name === 'BODY.PEEK', partial });
    return;
  }
  if (name === 'RFC822') out.push({ kind: 'section', label: 'RFC822', spec: { path: [] }, peek: false });
  else if (name === 'RFC822.HEADER') out.push({ kind: 'section', label: 'RFC822.HEADER', spec: { path: [], text: 'HEADER' }, peek: true });
  else if (name === 'RFC822.TEXT') out.push({ kind: 'section', label: 'RFC822.TEXT', spec: { path: [], text: 'TEXT' }, peek: false });
  else if (SIMPLE.has(name)) out.push({ kind: name as 'FLAGS' });
  else throw new ImapBad(`Unknown FETCH attribute ${name}`);
}

/** fetch-att list, a single attribute, or a macro (ALL, FAST, FULL). */
export function parseFetchItems(r: CommandReader): FetchItem[] {
  const items: FetchItem[] = [];
  if (r.peek() === '(') {
    r.list(() => parseItem(r, items));
    return items;
  }
  const name = r.takeWhile((ch) => /[A-Za-z0-9.]/.test(ch)).toUpperCase();
  if (!name) throw new ImapBad('Expected FETCH attributes');
  if (MACROS[name]) {
    for (const k of MACROS[name]) items.push({ kind: k as 'FLAGS' });
    return items;
  }
  parseAfterName(r, name, items);
  return items;
}

/**
 * A FETCH of more messages than this is answered while it is sent (ProducedParts): each
 * message's response is made when the socket has taken the ones before, so FETCH 1:*
 * (FLAGS ENVELOPE RFC822.SIZE) of 20,000 messages on disk never holds 20,000 responses (and
 * their parsed envelopes) at once. A smaller one is made at once, as one unit.
 */
export const MAX_EAGER_FETCH_MESSAGES = 100;
/** Responses made while sent go out in pieces of about this many bytes (one socket write and one recorded event each). */
export const FETCH_BATCH_BYTES = 64 * 1024;
/**
 * A section on disk of at most this many served bytes is read when its response is made (one
 * synchronous read of a page-cached file) and joins the batch as a plain literal: FETCH 1:*
 * BODY.PEEK[] of 20,000 small Maildir messages then goes out a FETCH_BATCH_BYTES batch per
 * socket write and recorded event, instead of three writes and an asynchronous reader per
 * message. A bigger one is streamed in bounded chunks. What this holds at once: one batch plus
 * one such section (while sent), or MAX_EAGER_FETCH_MESSAGES of them (a small FETCH made at once).
 */
export const INLINE_SECTION_BYTES = 128 * 1024;
/**
 * Room for a batch's protocol text (FETCH lines, ENVELOPEs) beyond its sections: a batch closes
 * once it holds FETCH_BATCH_BYTES, so one buffer of FETCH_BATCH_BYTES + INLINE_SECTION_BYTES +
 * this always takes the response that closes it. A piece of text bigger than this (a huge
 * ENVELOPE) goes out as itself, after the batch.
 */
export const BATCH_TEXT_BYTES = 64 * 1024;
/** Free batch buffers kept: one being written and one being assembled, for a few connections. */
export const MAX_FREE_FETCH_BATCHES = 4;

/**
 * The buffers FETCH batches are assembled in: each response's text and each small section read
 * from disk (FilledLiteral, MessageBody.readInto) are written straight into one, which goes to the
 * socket and the recorder as it is and comes back once the socket has taken it. A download of
 * 20,000 messages then copies each byte once after its conversion, and allocates a few buffers.
 */
export const FETCH_BATCHES = new ChunkPool(FETCH_BATCH_BYTES + INLINE_SECTION_BYTES + BATCH_TEXT_BYTES, MAX_FREE_FETCH_BATCHES);

/** One message of a FETCH, with what the command took when it ran. */
interface FetchTarget {
  seq: number;
  msg: StoredMessage;
  /** FLAGS as they were when the command ran (null: not asked for and not changed). */
  flags: string | null;
}

export const fetch: CommandModule = {
  name: 'FETCH',
  requires: 'selected',
  uidForm: true,
  noExpungeUpdates: true,
  run({ r, session, uid, view }) {
    r.sp();
    const set = r.sequenceSet();
    r.sp();
    const items = parseFetchItems(r);
    r.end();
    const store = session.store;
    const setsSeen = !view.readOnly && items.some((i) => i.kind === 'section' && !i.peek);
    const wantsFlags = items.some((i) => i.kind === 'FLAGS');
    // Another session may have added a keyword since this one last synced: FLAGS first (RFC 3501 §7.2.6).
    if (wantsFlags || setsSeen) for (const line of view.keywordUpdate()) session.emit(`* ${line}\r\n`);
    // What can change (flags, \Seen) is settled now, for every message; what cannot (the
    // message's bytes, envelope, structure) may be made later, while the response is sent.
    const targets: FetchTarget[] = [];
    for (const { seq, msg } of view.resolve(set, uid)) {
      let seenChanged = false;
      if (setsSeen && !msg.flags.has('\\Seen')) {
        store.setFlags(view.name, [msg.uid], 'add', ['\\Seen']);
        seenChanged = true;
      }
      targets.push({ seq, msg, flags: seenChanged || wantsFlags ? view.flagsText(msg) : null });
      if (seenChanged || wantsFlags) view.noteFlags(msg);
    }
    const respond = (t: FetchTarget) => fetchResponse(t, items, uid, store);
    if (targets.length <= MAX_EAGER_FETCH_MESSAGES) {
      for (const t of targets) for (const part of respond(t)) session.emit(isFilledLiteral(part) ? filledBytes(part) : part);
      return;
    }
    session.emit({ produced: producedResponses(targets, respond) });
  },
};

type ResponsePiece = Buffer | StreamedPart | FilledLiteral;

/**
 * The responses of `targets` in order, a batch of about FETCH_BATCH_BYTES at a time, each
 * assembled in a buffer of FETCH_BATCHES (a streamed literal, or a piece too big for a batch,
 * goes out as itself, after the batch before it).
 */
function* producedResponses(targets: Array<FetchTarget | null>, respond: (t: FetchTarget) => ResponsePiece[]): Iterable<Buffer | StreamedPart | LentBytes> {
  let batch: Buffer | null = null;
  let used = 0;
  const release = (chunk: Buffer) => FETCH_BATCHES.give(chunk);
  const take = (): LentBytes => {
    const out = { lent: batch!.subarray(0, used), release };
    batch = null;
    used = 0;
    return out;
  };
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    // Let each message go once answered: the list is the only thing held for all of them.
    targets[i] = null;
    for (const part of respond(t)) {
      const filled = isFilledLiteral(part);
      if (!filled && (!Buffer.isBuffer(part) || part.length > BATCH_TEXT_BYTES + INLINE_SECTION_BYTES)) {
        if (used > 0) yield take();
        yield part;
        continue;
      }
      if (batch && used + part.length > batch.length) yield take();
      batch ??= FETCH_BATCHES.take(FETCH_BATCHES.bufferBytes);
      used += filled ? fillLiteral(part, batch, used) : part.copy(batch, used);
    }
    if (used >= FETCH_BATCH_BYTES) yield take();
  }
  if (used > 0) yield take();
}

/** "* n FETCH (...)" for one message: its pieces, with a filled or streamed literal in place for a body on disk. */
function fetchResponse(t: FetchTarget, items: FetchItem[], uid: boolean, store: MailStoreApi): ResponsePiece[] {
  const { seq, msg } = t;
  const w = new ResponseWriter().raw(`* ${seq} FETCH (`);
  let first = true;
  const sep = () => {
    if (!first) w.raw(' ');
    first = false;
  };
  if (uid && !items.some((i) => i.kind === 'UID')) {
    sep();
    w.raw(`UID ${msg.uid}`);
  }
  let flagsShown = false;
  for (const item of items) {
    sep();
    if (item.kind === 'FLAGS') {
      w.raw(`FLAGS ${t.flags}`);
      flagsShown = true;
    } else writeItem(w, item, msg, store);
  }
  // A FETCH that set \Seen reports the new flags even when they were not asked for (RFC 3501 §6.4.5).
  if (t.flags !== null && !flagsShown) {
    sep();
    w.raw(`FLAGS ${t.flags}`);
  }
  w.raw(')\r\n');
  return w.pieces();
}

/** Every item but FLAGS (fetchResponse writes the flags the command took). */
function writeItem(w: ResponseWriter, item: FetchItem, msg: StoredMessage, store: MailStoreApi): void {
  switch (item.kind) {
    case 'UID':
      w.raw(`UID ${msg.uid}`);
      return;
    case 'FLAGS':
      return;
    case 'INTERNALDATE':
      w.raw(`INTERNALDATE "${formatInternalDate(msg.internalDate)}"`);
      return;
    case 'RFC822.SIZE':
      w.raw(`RFC822.SIZE ${msg.size}`);
      return;
    case 'ENVELOPE':
      w.raw('ENVELOPE ');
      writeEnvelope(w, msg.envelope);
      return;
    case 'BODY':
    case 'BODYSTRUCTURE':
      w.raw(`${item.kind} `);
      writeBodyStructure(w, msg.mime, item.kind === 'BODYSTRUCTURE');
      return;
    case 'section': {
      let label = item.label;
      if (item.partial) label += `<${item.partial[0]}>`;
      w.raw(`${label} `);
      if (msg.body.memory) {
        // In memory: the bytes as they are (the seeded corpus, appended messages of a store without a directory).
        let data = store.section(msg, item.spec);
        if (item.partial) {
          const [start, count] = item.partial;
          data = start >= data.length ? Buffer.alloc(0) : data.subarray(start, start + count);
        }
        w.literal(data);
        return;
      }
      const loc = store.locateSection(msg, item.spec);
      if ('bytes' in loc) {
        let data = loc.bytes;
        if (item.partial) data = data.subarray(Math.min(item.partial[0], data.length), item.partial[0] + item.partial[1]);
        w.literal(data);
        return;
      }
      let { start, end } = loc;
      if (item.partial) {
        // RFC 3501 §6.4.5: <origin.count> of the section; past its end, the empty string.
        start = Math.min(end, start + item.partial[0]);
        end = Math.min(end, start + item.partial[1]);
      }
      if (end - start <= INLINE_SECTION_BYTES) {
        // Small: read now, straight where the response is assembled. A FETCH of many messages
        // makes each response only when the socket has taken the ones before
        // (producedResponses), so 20,000 of them are never read at once.
        const [from, to] = [start, end];
        w.literalFilled({ length: Math.max(0, Math.min(to, msg.body.size) - from), fill: (dest, at) => msg.body.readInto(from, to, dest, at) });
        return;
      }
      // Big: read while the response is sent, in chunks.
      // The chunks come from STREAMED_CHUNKS and go back to it once the socket has taken them.
      w.literalStream(end - start, { chunks: msg.body.chunks(start, end, STREAMED_CHUNKS), maxLength: end - start, release: (chunk) => STREAMED_CHUNKS.give(chunk) });
      return;
    }
  }
}
