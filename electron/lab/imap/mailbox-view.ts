/**
 * A session's view of its selected mailbox (RFC 3501 §2.3.1.2, §7.4.1): sequence numbers are
 * positions in this view, which changes only when the session tells the client (EXISTS,
 * EXPUNGE). Other sessions' changes are found by comparing with the store at sync points.
 *
 * The view also holds the session state RFC 3501 keeps per session: which messages are
 * \Recent to this session (§2.3.2), and which keywords the client has been told about in
 * FLAGS (§7.2.6), so that no FETCH shows a keyword before a FLAGS response has listed it.
 */
import { StoreError, type Flag, type MailStoreApi, type StoredMessage } from '../mailbox/types.js';
import { SequenceSet } from './seqset.js';

export interface ViewEntry {
  seq: number;
  msg: StoredMessage;
}

/** RFC 3501 §2.3.2 system flags, in the order responses list them (Dovecot's order). */
const SYSTEM_FLAGS: readonly Flag[] = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];

/** A flag set in response order: system flags, \Recent when `recent`, then flag-extensions and keywords as stored. */
function orderedFlags(flags: ReadonlySet<Flag>, recent: boolean): Flag[] {
  const out = SYSTEM_FLAGS.filter((f) => flags.has(f));
  const system = out.length;
  if (recent) out.push('\\Recent');
  if (flags.size > system) for (const f of flags) if (!SYSTEM_FLAGS.includes(f)) out.push(f);
  return out;
}

/**
 * The flags text of each flag set, made once: the store shares one set among the messages with
 * the same flags and replaces a message's set on STORE rather than changing it, so a SELECT of
 * 20,000 messages orders a handful of sets, not 20,000.
 */
const FLAGS_KEYS = new WeakMap<ReadonlySet<Flag>, string>();

/** What the view compares to notice another session's flag change. */
function flagsKey(flags: ReadonlySet<Flag>): string {
  let key = FLAGS_KEYS.get(flags);
  if (key === undefined) {
    key = orderedFlags(flags, false).join(' ');
    FLAGS_KEYS.set(flags, key);
  }
  return key;
}

export class MailboxView {
  /** UIDs in view order (ascending, as the store keeps them): sequence number n is uids[n - 1]. */
  uids: number[] = [];
  /**
   * Beside each UID, the flag set the client was last told of: the store never changes a set in
   * place (it gives a message another one), so the set itself is the snapshot.
   */
  private toldFlags: ReadonlySet<Flag>[] = [];
  /**
   * The store's generation when this view last matched it exactly (same UIDs in the same order,
   * no change untold): while it is still the store's, sync has nothing to say and a message's
   * position in the store is its sequence number. -1 while the view keeps messages the store no
   * longer has (an expunge held back during FETCH, STORE or SEARCH); any change to the store,
   * the session's own included, moves the store's count on, so the next sync compares.
   */
  private matchedGeneration: number;
  /**
   * Which messages are \Recent to this session: those the SELECT claimed, a range of UIDs
   * (the store's recent messages are the newest ones, RFC 3501 §2.3.2), and those claimed at a
   * later sync, one by one. A SELECT of 20,000 new messages keeps two numbers, not a set of 20,000.
   */
  private readonly recentRange: { from: number; to: number } = { from: 1, to: 0 };
  private readonly recentLater = new Set<number>();
  /** The \Recent messages still in the view (RECENT). */
  private recentInView = 0;
  /** Keywords listed in the last FLAGS response this session sent. */
  private announced: readonly Flag[];

  constructor(private readonly store: MailStoreApi, readonly name: string, readonly readOnly: boolean) {
    const generation = store.generation;
    for (const m of store.messages(name)) {
      this.uids.push(m.uid);
      this.toldFlags.push(m.flags);
    }
    // RFC 3501 §2.3.2: a read-write SELECT takes the recent messages for itself; EXAMINE only looks (§6.3.2).
    const recent = store.recent(name, !readOnly);
    if (recent.length > 0) {
      this.recentRange.from = recent[0];
      this.recentRange.to = recent[recent.length - 1];
      this.recentInView = recent.length;
    }
    this.announced = store.keywords(name);
    this.matchedGeneration = generation;
  }

  /** The store's messages, one per view entry in view order, when nothing changed since the view last matched the store; null otherwise. */
  private matchedMessages(): readonly StoredMessage[] | null {
    if (this.store.generation !== this.matchedGeneration) return null;
    const msgs = this.store.messages(this.name);
    return msgs.length === this.uids.length ? msgs : null;
  }

  /** Messages \Recent to this session (SELECT's RECENT, SEARCH RECENT). */
  get recentCount(): number {
    return this.recentInView;
  }

  isRecent(msg: StoredMessage): boolean {
    return this.isRecentUid(msg.uid);
  }

  private isRecentUid(uid: number): boolean {
    return (uid >= this.recentRange.from && uid <= this.recentRange.to) || this.recentLater.has(uid);
  }

  /** The sequence number of the first message without \Seen (SELECT's UNSEEN), 0 when every one has it. */
  firstUnseen(): number {
    const matched = this.matchedMessages();
    if (matched) {
      for (let i = 0; i < matched.length; i++) if (!matched[i].flags.has('\\Seen')) return i + 1;
      return 0;
    }
    return this.all().find((e) => !e.msg.flags.has('\\Seen'))?.seq ?? 0;
  }

  /** A message's flags as this session shows them, \Recent included: "(\Seen \Recent $Label1)". */
  flagsText(msg: StoredMessage): string {
    return this.isRecentUid(msg.uid) ? `(${orderedFlags(msg.flags, true).join(' ')})` : `(${flagsKey(msg.flags)})`;
  }

  /** The FLAGS and PERMANENTFLAGS responses (RFC 3501 §7.2.6, §7.1), for SELECT and after a new keyword. */
  flagsResponses(): string[] {
    const flags = [...SYSTEM_FLAGS, ...this.announced].join(' ');
    return [`FLAGS (${flags})`, this.readOnly ? 'OK [PERMANENTFLAGS ()] Read-only mailbox' : `OK [PERMANENTFLAGS (${flags} \\*)] Flags permitted`];
  }

  /**
   * When the mailbox defines keywords this session has not listed yet (its own STORE or APPEND,
   * or another session's), the FLAGS and PERMANENTFLAGS responses that list them, as Dovecot
   * sends them; nothing otherwise. Call before any response that may show such a keyword.
   */
  keywordUpdate(): string[] {
    let defined: readonly Flag[];
    try {
      defined = this.store.keywords(this.name);
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      return [];
    }
    // Keywords are only ever added; comparing them all also catches a mailbox deleted and created again under this view.
    if (defined.length === this.announced.length && defined.every((k, i) => k === this.announced[i])) return [];
    this.announced = defined;
    return this.flagsResponses();
  }

  get count(): number {
    return this.uids.length;
  }

  /** The store's messages by UID (the view may lag behind the store). */
  private current(): Map<number, StoredMessage> {
    const map = new Map<number, StoredMessage>();
    let msgs: readonly StoredMessage[] = [];
    try {
      msgs = this.store.messages(this.name);
    } catch (err) {
      // Another session deleted the mailbox: to this view, every message is gone.
      if (!(err instanceof StoreError)) throw err;
    }
    for (const m of msgs) map.set(m.uid, m);
    return map;
  }

  /** Messages named by a sequence set (of sequence numbers, or UIDs when `uid`), in view order. */
  resolve(setText: string, uid: boolean): ViewEntry[] {
    const max = uid ? (this.uids.length ? this.uids[this.uids.length - 1] : 0) : this.uids.length;
    const set = SequenceSet.parse(setText, max);
    const named = (i: number) => set.has(uid ? this.uids[i] : i + 1);
    return this.entries(named);
  }

  all(): ViewEntry[] {
    return this.entries(() => true);
  }

  /** The view's messages at the positions `wanted` takes, skipping those the store no longer has. */
  private entries(wanted: (index: number) => boolean): ViewEntry[] {
    const out: ViewEntry[] = [];
    const matched = this.matchedMessages();
    if (matched) {
      for (let i = 0; i < matched.length; i++) if (wanted(i)) out.push({ seq: i + 1, msg: matched[i] });
      return out;
    }
    const cur = this.current();
    this.uids.forEach((u, i) => {
      const msg = cur.get(u);
      if (msg && wanted(i)) out.push({ seq: i + 1, msg });
    });
    return out;
  }

  /** Where a UID is in the view (its sequence number - 1), or -1: the UIDs are ascending. */
  private indexOf(uid: number): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const u = this.uids[mid];
      if (u === uid) return mid;
      if (u < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  seqOf(uid: number): number {
    return this.indexOf(uid) + 1;
  }

  /** The session told the client about these flags itself (STORE, FETCH setting \Seen). */
  noteFlags(msg: StoredMessage): void {
    const i = this.indexOf(msg.uid);
    if (i >= 0) this.toldFlags[i] = msg.flags;
  }

  /** The session expunged these UIDs and will send the EXPUNGE responses: returns their sequence numbers in sending order. */
  removeUids(uids: number[]): number[] {
    const seqs: number[] = [];
    for (const uid of uids) {
      const i = this.indexOf(uid);
      if (i < 0) continue;
      seqs.push(i + 1);
      this.removeAt(i);
    }
    return seqs;
  }

  private removeAt(i: number): void {
    const uid = this.uids[i];
    if (this.isRecentUid(uid)) this.recentInView -= 1;
    this.recentLater.delete(uid);
    this.uids.splice(i, 1);
    this.toldFlags.splice(i, 1);
  }

  /**
   * Bring the view up to date and return the untagged responses that tell the client.
   * EXPUNGE may not be sent during FETCH, STORE or SEARCH (RFC 3501 §7.4.1): `allowExpunge`.
   */
  sync(allowExpunge: boolean): string[] {
    const generation = this.store.generation;
    if (generation === this.matchedGeneration) return [];
    const lines = this.keywordUpdate();
    const cur = this.current();
    let heldBack = false;
    for (let i = this.uids.length - 1; i >= 0; i--) {
      if (cur.has(this.uids[i])) continue;
      if (!allowExpunge) {
        heldBack = true;
        continue;
      }
      lines.push(`${i + 1} EXPUNGE`);
      this.removeAt(i);
    }
    this.uids.forEach((u, i) => {
      const msg = cur.get(u);
      if (!msg || msg.flags === this.toldFlags[i]) return;
      const changed = flagsKey(msg.flags) !== flagsKey(this.toldFlags[i]);
      this.toldFlags[i] = msg.flags;
      if (changed) lines.push(`${i + 1} FETCH (FLAGS ${this.flagsText(msg)})`);
    });
    // New messages have UIDs above every UID in the view (the store only ever adds at uidNext).
    const last = this.uids.length ? this.uids[this.uids.length - 1] : 0;
    const added: number[] = [];
    for (const m of cur.values()) {
      if (m.uid <= last) continue;
      this.uids.push(m.uid);
      this.toldFlags.push(m.flags);
      added.push(m.uid);
    }
    if (added.length > 0) {
      // RFC 3501 §2.3.2: the first session told about a new message has it as \Recent; a
      // read-write one takes it from the others. RECENT goes with EXISTS (§7.3.2).
      const isNew = new Set(added);
      for (const uid of this.store.recent(this.name, !this.readOnly)) {
        if (!isNew.has(uid) || this.isRecentUid(uid)) continue;
        this.recentLater.add(uid);
        this.recentInView += 1;
      }
      lines.push(`${this.uids.length} EXISTS`, `${this.recentInView} RECENT`);
    }
    this.matchedGeneration = heldBack ? -1 : generation;
    return lines;
  }
}
