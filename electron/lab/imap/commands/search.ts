/**
 * SEARCH (RFC 3501 §6.4.4): the keys clients use: flags (\Recent as this session sees it),
 * addresses and text (case-insensitive substring over the raw header/body bytes; addresses
 * also over the parsed address list, as Dovecot matches them), dates, sizes, UID and sequence
 * sets, NOT, OR, parenthesised groups. CHARSET US-ASCII/UTF-8 accepted; others NO [BADCHARSET].
 *
 * A search that takes long (BODY or TEXT over a customer's mailbox on disk, or any key over
 * tens of thousands of messages) is cooperative (../search-scan.ts): it runs in slices of
 * SEARCH_SLICE_MS and finishes asynchronously, so the rest of the lab keeps serving; this
 * connection's next command waits for its answer, as it would behind any command.
 */
import { parseAddressList } from '../../mailbox/address.js';
import { SYNC_READ_BYTES } from '../../mailbox/body.js';
import { decodeEncodedWords } from '../../mailbox/encoded-words.js';
import { headerValue, splitFields } from '../../mailbox/headers.js';
import type { EnvelopeAddress, StoredMessage } from '../../mailbox/types.js';
import type { CommandReader } from '../codec/reader.js';
import { dayOf, headerDay, parseDate } from '../dates.js';
import { ImapBad, ImapNo } from '../errors.js';
import type { MailboxView, ViewEntry } from '../mailbox-view.js';
import { SequenceSet } from '../seqset.js';
import { parseFlag } from './store.js';
import { DecodedBodyScanner } from '../search-decode.js';
import { SearchSlicer } from '../search-scan.js';
import type { CommandModule } from './types.js';

/** A key's verdict on one message: at once, or once its body has been read (a message on disk). */
type Verdict = boolean | Promise<boolean>;
type Pred = (e: ViewEntry, slicer: SearchSlicer) => Verdict;

/** Nesting depth of NOT/OR/() a search may use: bounds recursion on hostile input. */
export const MAX_SEARCH_DEPTH = 50;

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};

/** The root header as TEXT searches it: read as UTF-8, as the body's text (an 8-bit header is UTF-8 far more often than not). */
function headerBlock(m: StoredMessage): string {
  return decodeEncodedWords(m.header.toString('utf8')).toLowerCase();
}

/** The root header fields: parsed with the MIME tree in memory; read alone (not the body) from disk. */
function rootHeaders(m: StoredMessage): ReadonlyArray<readonly [string, string]> {
  if (m.body.memory) return m.mime.headers;
  const header = m.header;
  return splitFields(header, 0, header.length).map((f) => [f.name, f.value] as const);
}

function headerValues(m: StoredMessage, field: string): string[] {
  const f = field.toLowerCase();
  // Encoded-words decoded (RFC 2047), as Dovecot searches header values.
  return rootHeaders(m).filter(([n]) => n.toLowerCase() === f).map(([, v]) => decodeEncodedWords(v).toLowerCase());
}

/**
 * The needle (lower case) in the message's decoded text parts (../search-decode.ts, as Dovecot
 * searches: base64 and quoted-printable decoded, each part's charset read, attachments skipped),
 * case-insensitively; with `partHeaders` (TEXT) the MIME headers of the parts too. A message in
 * memory is scanned at once; a message on disk is read chunk by chunk while it is scanned (a 20 MB
 * attachment is never read whole), giving the event loop back between chunks when the slice is
 * used up.
 */
function bodyContains(m: StoredMessage, needle: string, partHeaders: boolean, slicer: SearchSlicer): Verdict {
  if (needle === '') return true;
  const headers = rootHeaders(m);
  const scanner = new DecodedBodyScanner(needle, { contentType: headerValue(headers, 'Content-Type'), transferEncoding: headerValue(headers, 'Content-Transfer-Encoding') }, partHeaders);
  const start = m.header.length;
  if (m.body.memory) {
    scanner.push(m.body.memory.subarray(start));
    return scanner.end();
  }
  // A message of a few chunks is read at once (as FileBody.chunks does), between two checks of the slice.
  if (m.size - start <= SYNC_READ_BYTES) {
    for (const chunk of m.body.chunksSync(start, m.size)) if (scanner.push(chunk)) return true;
    return scanner.end();
  }
  return scanOnDisk(m, start, scanner, slicer);
}

async function scanOnDisk(m: StoredMessage, start: number, scanner: DecodedBodyScanner, slicer: SearchSlicer): Promise<boolean> {
  for await (const chunk of m.body.chunks(start, m.size)) {
    if (scanner.push(chunk)) return true;
    await slicer.maybeBreathe();
  }
  return scanner.end();
}

/** Every key holds (search-key list, RFC 3501 §6.4.4: AND), evaluated in order, stopping at the first that fails. */
function allHold(preds: readonly Pred[], e: ViewEntry, slicer: SearchSlicer, from = 0): Verdict {
  for (let i = from; i < preds.length; i++) {
    const v = preds[i](e, slicer);
    if (v === false) return false;
    if (v !== true) return v.then((ok) => ok && allHold(preds, e, slicer, i + 1));
  }
  return true;
}

function not(v: Verdict): Verdict {
  return typeof v === 'boolean' ? !v : v.then((x) => !x);
}

function either(a: Pred, b: Pred, e: ViewEntry, slicer: SearchSlicer): Verdict {
  const va = a(e, slicer);
  if (va === true) return true;
  if (va === false) return b(e, slicer);
  return va.then((ok) => ok || b(e, slicer));
}

function contains(hay: string, needle: string): boolean {
  return hay.includes(needle);
}

/** The day the Date header names, in its own time zone (RFC 3501 §6.4.4 disregards time and timezone). */
function sentDay(m: StoredMessage): number | null {
  return m.envelope.date ? headerDay(m.envelope.date) : null;
}

/**
 * An address list written the way Dovecot normalises it for searching: `Name <local@domain>`,
 * groups as `group: … ;`, comments and routes dropped. So `<user (comment)@ (comment) domain.org>`
 * is found by "user@domain.org", and `user@domain.org (Real Name)` by "real name".
 */
function addressText(list: EnvelopeAddress[]): string {
  const parts: string[] = [];
  for (const a of list) {
    if (a.host === null) {
      parts.push(a.mailbox === null ? ';' : `${a.mailbox}:`); // group end, group start (RFC 3501 §7.4.2)
      continue;
    }
    parts.push(`${a.name ? a.name + ' ' : ''}<${a.mailbox}@${a.host}>`);
  }
  return parts.join(', ').toLowerCase();
}

/** FROM/TO/CC/BCC: the substring in a field as written, or in its parsed addresses. */
function addressMatch(m: StoredMessage, field: string, needle: string): boolean {
  const f = field.toLowerCase();
  for (const [name, value] of rootHeaders(m)) {
    if (name.toLowerCase() !== f) continue;
    if (decodeEncodedWords(value).toLowerCase().includes(needle)) return true;
    const list = parseAddressList(value);
    if (list && addressText(list).includes(needle)) return true;
  }
  return false;
}

function str(r: CommandReader): string {
  return r.astringBytes().toString('utf8').toLowerCase();
}

function parseKey(r: CommandReader, view: MailboxView, depth: number): Pred {
  if (depth > MAX_SEARCH_DEPTH) throw new ImapBad('Search too deeply nested');
  if (r.peek() === '(') {
    const preds = r.list(() => parseKey(r, view, depth + 1));
    return (e, slicer) => allHold(preds, e, slicer);
  }
  if (/[0-9*]/.test(r.peek())) {
    const set = SequenceSet.parse(r.sequenceSet(), view.count);
    return (e) => set.has(e.seq);
  }
  const key = r.atom().toUpperCase();
  if (FLAG_KEYS[key]) {
    const [flag, want] = FLAG_KEYS[key];
    return (e) => e.msg.flags.has(flag) === want;
  }
  switch (key) {
    case 'ALL':
      return () => true;
    case 'RECENT':
      return (e) => view.isRecent(e.msg);
    case 'OLD':
      return (e) => !view.isRecent(e.msg);
    case 'NEW':
      return (e) => view.isRecent(e.msg) && !e.msg.flags.has('\\Seen');
    case 'NOT': {
      r.sp();
      const p = parseKey(r, view, depth + 1);
      return (e, slicer) => not(p(e, slicer));
    }
    case 'OR': {
      r.sp();
      const a = parseKey(r, view, depth + 1);
      r.sp();
      const b = parseKey(r, view, depth + 1);
      return (e, slicer) => either(a, b, e, slicer);
    }
    case 'FROM':
    case 'TO':
    case 'CC':
    case 'BCC': {
      r.sp();
      const s = str(r);
      const field = key.toLowerCase();
      return (e) => addressMatch(e.msg, field, s);
    }
    case 'SUBJECT': {
      r.sp();
      const s = str(r);
      return (e) => headerValues(e.msg, 'subject').some((v) => contains(v, s));
    }
    case 'HEADER': {
      r.sp();
      const field = str(r);
      r.sp();
      const s = str(r);
      return (e) => headerValues(e.msg, field).some((v) => contains(v, s));
    }
    case 'BODY': {
      r.sp();
      const s = str(r);
      return (e, slicer) => bodyContains(e.msg, s, false, slicer);
    }
    case 'TEXT': {
      r.sp();
      const s = str(r);
      return (e, slicer) => contains(headerBlock(e.msg), s) || bodyContains(e.msg, s, true, slicer);
    }
    case 'KEYWORD':
    case 'UNKEYWORD': {
      r.sp();
      const flag = parseFlag(r);
      return (e) => e.msg.flags.has(flag) === (key === 'KEYWORD');
    }
    case 'LARGER':
    case 'SMALLER': {
      r.sp();
      const n = r.number();
      return (e) => (key === 'LARGER' ? e.msg.size > n : e.msg.size < n);
    }
    case 'BEFORE':
    case 'ON':
    case 'SINCE':
    case 'SENTBEFORE':
    case 'SENTON':
    case 'SENTSINCE': {
      r.sp();
      const day = dayOf(parseDate(r.astring()));
      const sent = key.startsWith('SENT');
      const op = key.replace('SENT', '');
      return (e) => {
        const d = sent ? sentDay(e.msg) : dayOf(e.msg.internalDate);
        if (d === null) return false;
        return op === 'BEFORE' ? d < day : op === 'ON' ? d === day : d >= day;
      };
    }
    case 'UID': {
      r.sp();
      const max = view.uids.length ? view.uids[view.uids.length - 1] : 0;
      const set = SequenceSet.parse(r.sequenceSet(), max);
      return (e) => set.has(e.msg.uid);
    }
    default:
      throw new ImapBad(`Unknown search key ${key}`);
  }
}

export const search: CommandModule = {
  name: 'SEARCH',
  requires: 'selected',
  uidForm: true,
  noExpungeUpdates: true,
  run({ r, session, uid, view }) {
    r.sp();
    const m = r.mark();
    if (r.takeWhile((ch) => /[A-Za-z]/.test(ch)).toUpperCase() === 'CHARSET' && r.peek() === ' ') {
      r.sp();
      const cs = r.astring().toUpperCase();
      if (cs !== 'US-ASCII' && cs !== 'UTF-8') throw new ImapNo('Supported charsets: US-ASCII UTF-8', 'BADCHARSET (US-ASCII UTF-8)');
      r.sp();
    } else r.reset(m);
    const preds: Pred[] = [parseKey(r, view, 0)];
    while (r.maybe(' ')) preds.push(parseKey(r, view, 0));
    r.end();
    const entries = view.all();
    const slicer = new SearchSlicer(() => session.ending);
    const hits: ViewEntry[] = [];
    const answer = () => session.emit(`* SEARCH${hits.map((e) => ' ' + (uid ? e.msg.uid : e.seq)).join('')}\r\n`);
    // At once while it is quick (the seeded corpus, a header key on a small mailbox); once a
    // body must be read from disk or the slice is used up, the rest runs cooperatively.
    for (let i = 0; i < entries.length; i++) {
      const v = allHold(preds, entries[i], slicer);
      if (v === true) hits.push(entries[i]);
      else if (v !== false) return searchOn(entries, preds, i, v, hits, slicer).then(answer);
      if (i + 1 < entries.length && slicer.due()) return searchOn(entries, preds, i + 1, null, hits, slicer).then(answer);
    }
    answer();
  },
};

/** The rest of a search, from entry `from` on (whose verdict may be `pending`), a slice at a time. */
async function searchOn(entries: readonly ViewEntry[], preds: readonly Pred[], from: number, pending: Promise<boolean> | null, hits: ViewEntry[], slicer: SearchSlicer): Promise<void> {
  let i = from;
  if (pending) {
    if (await pending) hits.push(entries[i]);
    i += 1;
  }
  for (; i < entries.length; i++) {
    await slicer.maybeBreathe();
    const v = allHold(preds, entries[i], slicer);
    if (v === true || (v !== false && (await v))) hits.push(entries[i]);
  }
}
