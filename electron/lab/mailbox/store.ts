/**
 * The in-memory mail store for the lab's one account. Mailbox names are full paths
 * with "/" as delimiter; INBOX is case-insensitive (RFC 3501 §5.1). Every change is announced
 * through `onChange` so that other sessions can send EXISTS / EXPUNGE / FETCH.
 */
import {
  StoreError,
  type Envelope,
  type Flag,
  type MailboxChange,
  type MailboxInfo,
  type MailStoreApi,
  type MimePart,
  type SectionLocation,
  type SectionSpec,
  type SpooledMessage,
  type StoredMessage,
} from './types.js';
import { parseEnvelope, parseMime } from './mime.js';
import { extractSection, locateSection } from './section.js';
import { FileBody, MemoryBody, measureFileSync, readHeaderBlock, type MessageBody } from './body.js';
import { findHeaderEnd } from './headers.js';
import { copyFileSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type { SpooledMessage } from './types.js';

/** Largest message APPEND or a loader accepts (StoreError 'too-big' beyond it). */
export const MAX_MESSAGE_BYTES = 50 * 1024 * 1024;
/** Longest mailbox name, in UTF-8 bytes. */
export const MAX_MAILBOX_NAME_BYTES = 255;
/** Most mailboxes one store holds (CREATE beyond it is refused as 'invalid-name'). */
export const MAX_MAILBOXES = 1000;
/** Most keywords one mailbox defines (a STORE or APPEND naming more is refused as 'too-many-keywords'). */
export const MAX_KEYWORDS_PER_MAILBOX = 256;
/** Most subscriptions the account keeps (SUBSCRIBE beyond it is refused as 'invalid-name'). */
export const MAX_SUBSCRIPTIONS = MAX_MAILBOXES;

/** RFC 6154 special-use attributes of the default mailboxes. */
export const DEFAULT_MAILBOXES: ReadonlyArray<{ name: string; specialUse?: string }> = [
  { name: 'INBOX' },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Trash', specialUse: '\\Trash' },
];

/** Longest root header read from disk for ENVELOPE and header SEARCH; a longer one is read with its message. */
export const MAX_HEADER_SCAN_BYTES = 256 * 1024;

/**
 * How many messages on disk keep their parsed ENVELOPE and MIME structure at once. A session
 * that fetches ENVELOPE of 20,000 messages, SEARCHes and downloads them must stay bounded (a few
 * kB per message otherwise, never returned); the least recently used ones are parsed again when
 * asked for (a header read of a few kB). Messages in memory (the seeded corpus) keep theirs.
 */
export const MAX_PARSED_DISK_MESSAGES = 2000;

/** The disk messages that hold parsed data, least recently used first (a Set keeps insertion order). */
class ParsedLru {
  private readonly held = new Set<MessageContent>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.held.size;
  }

  touch(c: MessageContent): void {
    if (this.held.delete(c)) {
      this.held.add(c);
      return;
    }
    this.held.add(c);
    if (this.held.size > this.limit) {
      const oldest = this.held.values().next().value as MessageContent;
      this.held.delete(oldest);
      oldest.forgetParsed();
    }
  }
}

/** Shared by every store of the process (a lab has one customer mailbox). */
export const parsedDiskMessages = new ParsedLru(MAX_PARSED_DISK_MESSAGES);

/**
 * A message's bytes and what is parsed from them once: shared by the copies of a message (COPY,
 * RENAME of INBOX), so a copy costs neither bytes nor a second parse. For a message on disk the
 * parsed data is kept for the MAX_PARSED_DISK_MESSAGES most recently used.
 */
export class MessageContent {
  private cachedMime: MimePart | undefined;
  private cachedEnvelope: Envelope | undefined;

  constructor(readonly body: MessageBody) {}

  /** Drop the parsed data (parsedDiskMessages evicts it); it is parsed again when asked for. */
  forgetParsed(): void {
    this.cachedMime = undefined;
    this.cachedEnvelope = undefined;
  }

  private used(): void {
    if (!this.body.memory) parsedDiskMessages.touch(this);
  }

  /** The whole message (for a message on disk, read now: callers that can stream use `body`). */
  get raw(): Buffer {
    return this.body.memory ?? this.body.readSync(0, this.body.size);
  }

  get mime(): MimePart {
    // On disk: the message is read once, parsed, and only the structure (offsets) is kept.
    const mime = (this.cachedMime ??= parseMime(this.raw));
    this.used();
    return mime;
  }

  /** The root header block, its blank line included (the bytes before the root body). */
  get header(): Buffer {
    const mem = this.body.memory;
    if (mem) return mem.subarray(0, findHeaderEnd(mem, 0, mem.length));
    if (this.cachedMime) return this.body.readSync(0, this.cachedMime.bodyStart);
    return readHeaderBlock(this.body, MAX_HEADER_SCAN_BYTES) ?? this.raw.subarray(0, this.mime.bodyStart);
  }

  get envelope(): Envelope {
    if (this.cachedEnvelope) {
      this.used();
      return this.cachedEnvelope;
    }
    if (this.body.memory) return (this.cachedEnvelope = parseEnvelope(this.body.memory));
    this.cachedEnvelope = parseEnvelope(this.header);
    this.used();
    return this.cachedEnvelope;
  }
}

/** An internal date, or what gives it the first time it is asked for (a Maildir file: its mtime). */
export type InternalDateSource = Date | { internalDate(): Date };
/**
 * Flag sets shared by the messages that have the same flags: a 20,000-message mailbox has a
 * handful of distinct ones, and a Set per message costs about 200 bytes. Shared sets are never
 * changed: MailStore.setFlags gives a message another one.
 */
function sameFlags(a: readonly Flag[], b: readonly Flag[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

class FlagSets {
  private readonly sets = new Map<string, ReadonlySet<Flag>>();

  /**
   * The set last given for an array (a Maildir's index passes one array per distinct ":2," info
   * to 20,000 messages), with the flags it held then: a loader's message costs no Set, array or
   * key string of its own. An array changed since is looked up again.
   */
  private readonly byArray = new WeakMap<readonly Flag[], { held: Flag[]; set: ReadonlySet<Flag> }>();

  of(flags: Iterable<Flag>): ReadonlySet<Flag> {
    if (!Array.isArray(flags)) return this.lookUp(flags);
    const given = flags as readonly Flag[];
    const known = this.byArray.get(given);
    if (known && sameFlags(known.held, given)) return known.set;
    const set = this.lookUp(given);
    this.byArray.set(given, { held: [...given], set });
    return set;
  }

  private lookUp(flags: Iterable<Flag>): ReadonlySet<Flag> {
    const list = [...new Set(flags)];
    const key = list.join(' ');
    let set = this.sets.get(key);
    if (!set) {
      set = new Set(list);
      // Bounded: past the limit (messages with many distinct keyword sets) a set is not shared.
      if (this.sets.size < MAX_SHARED_FLAG_SETS) this.sets.set(key, set);
    }
    return set;
  }
}

/** Distinct flag combinations whose sets are shared (FlagSets). */
export const MAX_SHARED_FLAG_SETS = 4096;

const flagSets = new FlagSets();

/** A stored message: session state (UID, flags) around shared content. */
export class MessageRecord implements StoredMessage {
  readonly content: MessageContent;
  /**
   * Milliseconds since the epoch (a number costs nothing, a Date object a hundred bytes per
   * message), or what gives the date the first time it is asked for (a Maildir file: its mtime).
   */
  private internalTime: number | { internalDate(): Date };
  flags: ReadonlySet<Flag>;

  constructor(
    public uid: number,
    flags: Iterable<Flag>,
    internalDate: InternalDateSource,
    content: MessageContent | Buffer,
  ) {
    this.flags = flagSets.of(flags);
    this.internalTime = internalDate instanceof Date ? internalDate.getTime() : internalDate;
    this.content = Buffer.isBuffer(content) ? new MessageContent(new MemoryBody(content)) : content;
  }

  get internalDate(): Date {
    if (typeof this.internalTime !== 'number') this.internalTime = this.internalTime.internalDate().getTime();
    return new Date(this.internalTime);
  }

  /** Give the message these flags (a shared set: never changed in place). */
  setFlagSet(flags: Iterable<Flag>): void {
    this.flags = flagSets.of(flags);
  }

  get raw(): Buffer {
    return this.content.raw;
  }

  get body(): MessageBody {
    return this.content.body;
  }

  get size(): number {
    return this.content.body.size;
  }

  get header(): Buffer {
    return this.content.header;
  }

  get mime(): MimePart {
    return this.content.mime;
  }

  get envelope(): Envelope {
    return this.content.envelope;
  }
}

interface Mailbox {
  name: string;
  uidValidity: number;
  uidNext: number;
  /** UIDs from here on are \Recent: no session has claimed them yet (RFC 3501 §2.3.2). */
  firstRecentUid: number;
  /** Keywords defined in the mailbox, in the order first seen. */
  keywords: Set<Flag>;
  specialUse?: string;
  messages: MessageRecord[];
}

export interface MailStoreOptions {
  /** UIDVALIDITY of the first mailbox; later ones count up. Default: seconds since the epoch now. */
  uidValidity?: number;
  /** Create INBOX, Drafts, Sent, Trash (default true). INBOX always exists. */
  defaultMailboxes?: boolean;
  maxMessageBytes?: number;
  /**
   * The session's own directory for messages the lab receives (APPEND, SMTP deliveries,
   * appendFrom): written there and read back on demand instead of held in memory. Without it,
   * they are kept in memory. Never the technician's mailbox.
   */
  storeDir?: string;
}

/** "\Recent" is session state (RFC 3501 §2.3.2) and never stored. */
const cleanFlags = (flags: readonly Flag[]) => flags.filter((f) => f.toLowerCase() !== '\\recent');

/** Mailbox names in LIST order: INBOX first, then by code unit. */
export const compareMailboxNames = (a: string, b: string): number => (a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a < b ? -1 : a > b ? 1 : 0);

/** A keyword is any flag that is not a system flag (RFC 3501 §2.3.2: those start with a backslash). */
const isKeyword = (flag: Flag) => !flag.startsWith('\\');

/** A system flag a loaded message keeps as it is: not a keyword, not \Recent (cleanFlags). */
const isLoadableSystemFlag = (flag: Flag) => !isKeyword(flag) && !(flag.length === 7 && flag.toLowerCase() === '\\recent');

export class MailStore implements MailStoreApi {
  readonly delimiter = '/' as const;
  private readonly boxes = new Map<string, Mailbox>();
  /** Subscribed names, kept apart from the mailboxes: a subscription outlives its mailbox (RFC 3501 §6.3.6). */
  private readonly subscribed = new Set<string>();
  private readonly listeners = new Set<(change: MailboxChange) => void>();
  private nextUidValidity: number;
  readonly maxMessageBytes: number;
  /** Where new messages are written (set later for the seeded corpus, which itself stays in memory). */
  storeDir: string | null;
  private storeFiles = 0;
  private changes = 0;

  constructor(opts: MailStoreOptions = {}) {
    this.nextUidValidity = opts.uidValidity ?? Math.floor(Date.now() / 1000);
    this.maxMessageBytes = opts.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    this.storeDir = opts.storeDir ?? null;
    // The mailboxes the lab starts with are subscribed, so that a phone that lists only
    // subscribed folders (LSUB) sees them; mailboxes created later are not (as in Dovecot).
    const initial = opts.defaultMailboxes === false ? [{ name: 'INBOX' }] : DEFAULT_MAILBOXES;
    for (const d of initial) {
      this.addBox(d.name, d.specialUse);
      this.subscribed.add(d.name);
    }
  }

  /** Canonical form: "INBOX" in any case (also as the first component) becomes "INBOX". */
  static normalize(name: string): string {
    const slash = name.indexOf('/');
    const first = slash === -1 ? name : name.slice(0, slash);
    return first.toUpperCase() === 'INBOX' ? 'INBOX' + (slash === -1 ? '' : name.slice(slash)) : name;
  }

  private validName(name: string): string {
    let n = MailStore.normalize(name);
    if (n.endsWith('/')) n = n.slice(0, -1); // RFC 3501 §6.3.3: "foo/" creates "foo"
    if (n === '' || n.startsWith('/') || n.includes('//') || /[\u0000-\u001f\u007f*%]/.test(n) || Buffer.byteLength(n) > MAX_MAILBOX_NAME_BYTES) {
      throw new StoreError('invalid-name', `invalid mailbox name "${name}"`);
    }
    return n;
  }

  get generation(): number {
    return this.changes;
  }

  private addBox(name: string, specialUse?: string): Mailbox {
    this.changes += 1;
    const box: Mailbox = { name, uidValidity: this.nextUidValidity++, uidNext: 1, firstRecentUid: 1, keywords: new Set(), messages: [] };
    if (specialUse) box.specialUse = specialUse;
    this.boxes.set(name, box);
    return box;
  }

  private box(name: string): Mailbox {
    const box = this.boxes.get(MailStore.normalize(name));
    if (!box) throw new StoreError('nonexistent', `mailbox "${name}" does not exist`);
    return box;
  }

  private emit(change: MailboxChange): void {
    this.changes += 1;
    for (const fn of this.listeners) {
      try {
        fn(change);
      } catch {
        // A session's listener must not break the store or other sessions.
      }
    }
  }

  private hasChildren(name: string): boolean {
    const prefix = name + '/';
    for (const n of this.boxes.keys()) if (n.startsWith(prefix)) return true;
    return false;
  }

  private infoOf(box: Mailbox): MailboxInfo {
    const attributes = [this.hasChildren(box.name) ? '\\HasChildren' : '\\HasNoChildren'];
    if (box.specialUse) attributes.push(box.specialUse);
    return { name: box.name, uidValidity: box.uidValidity, uidNext: box.uidNext, subscribed: this.subscribed.has(box.name), attributes };
  }

  /** All mailboxes, INBOX first, then by name. */
  list(): MailboxInfo[] {
    return [...this.boxes.values()]
      .sort((a, b) => compareMailboxNames(a.name, b.name))
      .map((b) => this.infoOf(b));
  }

  info(name: string): MailboxInfo | undefined {
    const box = this.boxes.get(MailStore.normalize(name));
    return box ? this.infoOf(box) : undefined;
  }

  messages(name: string): readonly StoredMessage[] {
    return this.box(name).messages;
  }

  /** Create a mailbox and any missing parents (RFC 3501 §6.3.3). */
  create(name: string, specialUse?: string): void {
    const n = this.validName(name);
    if (this.boxes.has(n)) throw new StoreError('already-exists', `mailbox "${n}" already exists`);
    const parts = n.split('/');
    const missing = parts.map((_, i) => parts.slice(0, i + 1).join('/')).filter((p) => !this.boxes.has(p));
    if (this.boxes.size + missing.length > MAX_MAILBOXES) throw new StoreError('invalid-name', `too many mailboxes (limit ${MAX_MAILBOXES})`);
    for (const p of missing) this.addBox(p, p === n ? specialUse : undefined);
  }

  delete(name: string): void {
    const n = MailStore.normalize(name);
    if (n === 'INBOX') throw new StoreError('cannot-delete-inbox', 'INBOX cannot be deleted');
    this.box(n);
    if (this.hasChildren(n)) throw new StoreError('has-children', `mailbox "${n}" has children; delete them first`);
    this.boxes.delete(n);
    this.changes += 1;
  }

  /**
   * Rename a mailbox and its children. Renaming INBOX moves its messages to the new mailbox
   * and leaves INBOX empty (RFC 3501 §6.3.5).
   */
  rename(from: string, to: string): void {
    const src = this.box(from);
    const dest = this.validName(to);
    if (this.boxes.has(dest)) throw new StoreError('already-exists', `mailbox "${dest}" already exists`);
    if (dest.startsWith(src.name + '/')) throw new StoreError('invalid-name', `cannot move "${src.name}" into itself`);
    this.changes += 1;
    if (src.name === 'INBOX') {
      this.create(dest);
      const target = this.box(dest);
      const moved = src.messages;
      src.messages = [];
      for (const m of moved) {
        this.defineKeywords(target, [...m.flags], false);
        target.messages.push(new MessageRecord(target.uidNext++, m.flags, m.internalDate, m.content));
      }
      for (const m of moved) this.emit({ type: 'expunge', mailbox: 'INBOX', uid: m.uid });
      if (moved.length > 0) this.emit({ type: 'exists', mailbox: target.name, count: target.messages.length });
      return;
    }
    const renames = [...this.boxes.values()].filter((b) => b.name === src.name || b.name.startsWith(src.name + '/'));
    for (const b of renames) this.boxes.delete(b.name);
    // Parents of the destination, as CREATE would make them
    const parents = dest.split('/');
    for (let i = 1; i < parents.length; i++) {
      const p = parents.slice(0, i).join('/');
      if (!this.boxes.has(p)) this.addBox(p);
    }
    for (const b of renames) {
      b.name = dest + b.name.slice(src.name.length);
      // A renamed mailbox keeps its UIDs; RFC 3501 lets UIDVALIDITY stay (Dovecot keeps it).
      this.boxes.set(b.name, b);
    }
  }

  setSubscribed(name: string, subscribed: boolean): void {
    const n = MailStore.normalize(name);
    if (!subscribed) {
      this.subscribed.delete(n);
      return;
    }
    this.box(n);
    if (!this.subscribed.has(n) && this.subscribed.size >= MAX_SUBSCRIPTIONS) throw new StoreError('invalid-name', `too many subscriptions (limit ${MAX_SUBSCRIPTIONS})`);
    this.subscribed.add(n);
  }

  subscriptions(): string[] {
    return [...this.subscribed];
  }

  recent(name: string, claim: boolean): number[] {
    const box = this.box(name);
    const uids: number[] = [];
    for (let i = box.messages.length - 1; i >= 0 && box.messages[i]!.uid >= box.firstRecentUid; i--) uids.push(box.messages[i]!.uid);
    if (claim) box.firstRecentUid = box.uidNext;
    return uids.reverse();
  }

  keywords(name: string): readonly string[] {
    return [...this.box(name).keywords];
  }

  /** Define the keywords among `flags` in `box`; refuses (before any change) what would pass the limit. */
  private defineKeywords(box: Mailbox, flags: readonly Flag[], enforceLimit: boolean): void {
    const fresh = new Set(flags.filter((f) => isKeyword(f) && !box.keywords.has(f)));
    if (enforceLimit && box.keywords.size + fresh.size > MAX_KEYWORDS_PER_MAILBOX) {
      throw new StoreError('too-many-keywords', `mailbox "${box.name}" would define more than ${MAX_KEYWORDS_PER_MAILBOX} keywords`);
    }
    for (const f of fresh) box.keywords.add(f);
    if (fresh.size > 0) this.changes += 1;
  }

  append(name: string, raw: Buffer, flags: Flag[] = [], internalDate: Date = new Date()): number {
    const box = this.box(name);
    if (raw.length > this.maxMessageBytes) throw new StoreError('too-big', `message of ${raw.length} bytes exceeds the limit of ${this.maxMessageBytes}`);
    const clean = cleanFlags(flags);
    this.defineKeywords(box, clean, true);
    let content: MessageContent;
    if (this.storeDir) {
      // Written to the session's directory and served from there, exactly as given.
      const file = this.nextStoreFile();
      writeFileSync(file, raw, { mode: 0o600 });
      content = new MessageContent(new FileBody(file, 0, raw.length, raw.length, 'none'));
    } else {
      // The store owns its bytes: `raw` may be a view into a larger buffer (an APPEND literal is a
      // slice of the socket chunk it arrived in), which must not be kept alive with the message.
      content = new MessageContent(new MemoryBody(raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : Buffer.from(raw)));
    }
    return this.add(box, content, clean, internalDate);
  }

  /**
   * Take a spooled file (a big APPEND literal, an SMTP delivery) as a new message: moved into the
   * session's store directory and served from there, or, for a store without one, read into
   * memory and removed. The size limit applies; on a StoreError the file is left where it is.
   */
  appendFrom(name: string, source: SpooledMessage, flags: Flag[] = [], internalDate: Date = new Date()): number {
    const box = this.box(name);
    const tooBig = (n: number) => new StoreError('too-big', `message of ${n} bytes exceeds the limit of ${this.maxMessageBytes}`);
    if (source.size > this.maxMessageBytes) throw tooBig(source.size);
    const clean = cleanFlags(flags);
    const measured = source.served ?? (source.normalizeLineEnds ? measureFileSync(source.path) : { size: statSync(source.path).size, transform: 'none' as const });
    if (measured.size > this.maxMessageBytes) throw tooBig(measured.size);
    this.defineKeywords(box, clean, true);
    let content: MessageContent;
    if (this.storeDir) {
      const file = this.nextStoreFile();
      if (source.keepSource) {
        try {
          linkSync(source.path, file);
        } catch {
          copyFileSync(source.path, file);
        }
      } else {
        try {
          renameSync(source.path, file);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
          copyFileSync(source.path, file);
          rmSync(source.path, { force: true });
        }
      }
      content = new MessageContent(new FileBody(file, 0, source.served ? source.size : statSync(file).size, measured.size, measured.transform));
    } else {
      const data = readFileSync(source.path);
      const body = measured.transform === 'none' ? data : new FileBody(source.path, 0, data.length, measured.size, measured.transform).readSync(0, measured.size);
      if (!source.keepSource) rmSync(source.path, { force: true });
      content = new MessageContent(new MemoryBody(body));
    }
    return this.add(box, content, clean, internalDate);
  }

  private add(box: Mailbox, content: MessageContent, flags: Flag[], internalDate: Date): number {
    const uid = box.uidNext++;
    box.messages.push(new MessageRecord(uid, flags, internalDate, content));
    this.emit({ type: 'exists', mailbox: box.name, count: box.messages.length });
    return uid;
  }

  /** A fresh file name in the store directory (made on first use, private to the user). */
  private nextStoreFile(): string {
    const dir = this.storeDir!;
    if (this.storeFiles === 0) mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.storeFiles += 1;
    return join(dir, `${String(this.storeFiles).padStart(6, '0')}.eml`);
  }

  /**
   * Add a message whose bytes are already on disk (an indexed mbox range, a Maildir file), with
   * no change event: the loaders fill the store before any session exists.
   */
  load(name: string, body: MessageBody, flags: Flag[], internalDate: InternalDateSource): number {
    const box = this.box(name);
    // A loader adds tens of thousands at a time, nearly all with system flags only: those are
    // taken as they are, without a cleaned copy or a keyword pass.
    const clean = flags.every(isLoadableSystemFlag) ? flags : cleanFlags(flags);
    if (clean !== flags) this.defineKeywords(box, clean, false);
    const uid = box.uidNext++;
    box.messages.push(new MessageRecord(uid, clean, internalDate, new MessageContent(body)));
    this.changes += 1;
    return uid;
  }

  setFlags(name: string, uids: number[], mode: 'replace' | 'add' | 'remove', flags: Flag[]): StoredMessage[] {
    const box = this.box(name);
    const wanted = new Set(uids);
    const clean = cleanFlags(flags);
    if (mode !== 'remove') this.defineKeywords(box, clean, true);
    const changed: StoredMessage[] = [];
    for (const m of box.messages) {
      if (!wanted.has(m.uid)) continue;
      const before = [...m.flags].sort().join(' ');
      const next = new Set(mode === 'replace' ? clean : m.flags);
      if (mode === 'add') for (const f of clean) next.add(f);
      else if (mode === 'remove') for (const f of clean) next.delete(f);
      m.setFlagSet(next);
      if ([...m.flags].sort().join(' ') !== before) {
        changed.push(m);
        this.emit({ type: 'flags', mailbox: box.name, uid: m.uid, flags: [...m.flags] });
      }
    }
    return changed;
  }

  copy(from: string, uids: number[], to: string): Array<[fromUid: number, toUid: number]> {
    const src = this.box(from);
    const dest = this.box(to);
    const wanted = new Set(uids);
    const pairs: Array<[number, number]> = [];
    for (const m of src.messages) {
      if (!wanted.has(m.uid)) continue;
      const uid = dest.uidNext++;
      // Copies carry their keywords (RFC 3501 §6.4.7 keeps flags); the limit binds what clients name, not what they copy.
      this.defineKeywords(dest, [...m.flags], false);
      dest.messages.push(new MessageRecord(uid, m.flags, m.internalDate, m.content));
      pairs.push([m.uid, uid]);
    }
    if (pairs.length > 0) this.emit({ type: 'exists', mailbox: dest.name, count: dest.messages.length });
    return pairs;
  }

  expunge(name: string, uids?: number[]): number[] {
    const box = this.box(name);
    const only = uids ? new Set(uids) : null;
    const removed: number[] = [];
    box.messages = box.messages.filter((m) => {
      const gone = m.flags.has('\\Deleted') && (!only || only.has(m.uid));
      if (gone) removed.push(m.uid);
      return !gone;
    });
    for (const uid of removed) this.emit({ type: 'expunge', mailbox: box.name, uid });
    return removed;
  }

  section(message: StoredMessage, spec: SectionSpec): Buffer {
    return extractSection(message, spec);
  }

  locateSection(message: StoredMessage, spec: SectionSpec): SectionLocation {
    return locateSection(message, spec);
  }

  onChange(fn: (change: MailboxChange) => void): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  }
}
