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
  type SectionSpec,
  type StoredMessage,
} from './types.js';
import { parseEnvelope, parseMime } from './mime.js';
import { extractSection } from './section.js';
import { readSpooledMessage } from './append-from-file.js';

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

/** A stored message; MIME tree and envelope are parsed on first use and cached. */
export class MessageRecord implements StoredMessage {
  private cachedMime: MimePart | undefined;
  private cachedEnvelope: Envelope | undefined;

  constructor(
    public uid: number,
    public flags: Set<Flag>,
    public internalDate: Date,
    public raw: Buffer,
  ) {}

  get mime(): MimePart {
    return (this.cachedMime ??= parseMime(this.raw));
  }

  get envelope(): Envelope {
    return (this.cachedEnvelope ??= parseEnvelope(this.raw));
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
}

/** "\Recent" is session state (RFC 3501 §2.3.2) and never stored. */
const cleanFlags = (flags: readonly Flag[]) => flags.filter((f) => f.toLowerCase() !== '\\recent');

/** Mailbox names in LIST order: INBOX first, then by code unit. */
export const compareMailboxNames = (a: string, b: string): number => (a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a < b ? -1 : a > b ? 1 : 0);

/** A keyword is any flag that is not a system flag (RFC 3501 §2.3.2: those start with a backslash). */
const isKeyword = (flag: Flag) => !flag.startsWith('\\');

export class MailStore implements MailStoreApi {
  readonly delimiter = '/' as const;
  private readonly boxes = new Map<string, Mailbox>();
  /** Subscribed names, kept apart from the mailboxes: a subscription outlives its mailbox (RFC 3501 §6.3.6). */
  private readonly subscribed = new Set<string>();
  private readonly listeners = new Set<(change: MailboxChange) => void>();
  private nextUidValidity: number;
  readonly maxMessageBytes: number;

  constructor(opts: MailStoreOptions = {}) {
    this.nextUidValidity = opts.uidValidity ?? Math.floor(Date.now() / 1000);
    this.maxMessageBytes = opts.maxMessageBytes ?? MAX_MESSAGE_BYTES;
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

  private addBox(name: string, specialUse?: string): Mailbox {
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
    if (src.name === 'INBOX') {
      this.create(dest);
      const target = this.box(dest);
      const moved = src.messages;
      src.messages = [];
      for (const m of moved) {
        this.defineKeywords(target, [...m.flags], false);
        target.messages.push(new MessageRecord(target.uidNext++, new Set(m.flags), m.internalDate, m.raw));
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
  }

  append(name: string, raw: Buffer, flags: Flag[] = [], internalDate: Date = new Date()): number {
    const box = this.box(name);
    if (raw.length > this.maxMessageBytes) throw new StoreError('too-big', `message of ${raw.length} bytes exceeds the limit of ${this.maxMessageBytes}`);
    const clean = cleanFlags(flags);
    this.defineKeywords(box, clean, true);
    const uid = box.uidNext++;
    // The store owns its bytes: `raw` may be a view into a larger buffer (an APPEND literal is a
    // slice of the socket chunk it arrived in), which must not be kept alive with the message.
    const own = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : Buffer.from(raw);
    box.messages.push(new MessageRecord(uid, new Set(clean), internalDate, own));
    this.emit({ type: 'exists', mailbox: box.name, count: box.messages.length });
    return uid;
  }

  /** INTERIM until the on-disk store: reads the spooled file into memory (append-from-file.ts). */
  appendFrom(name: string, source: { path: string; size: number }, flags: Flag[] = [], internalDate: Date = new Date()): number {
    const spooled = readSpooledMessage(source, this.maxMessageBytes);
    const uid = this.append(name, spooled.raw, flags, internalDate);
    spooled.consume();
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
      if (mode === 'replace') m.flags = new Set(clean);
      else if (mode === 'add') for (const f of clean) m.flags.add(f);
      else for (const f of clean) m.flags.delete(f);
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
      dest.messages.push(new MessageRecord(uid, new Set(m.flags), m.internalDate, m.raw));
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

  onChange(fn: (change: MailboxChange) => void): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  }
}
