/**
 * The mailbox backend: an in-memory mail store for the lab's one account, seeded with
 * realistic mail or loaded from an mbox file or a Maildir. The IMAP command modules talk to it
 * through these types; IMAP syntax (quoting, literals, response rendering) stays in imap/.
 */

import type { MessageBody, RangeMeasure } from './body.js';

/** RFC 3501 §2.3.2 system flags, as stored ("\\Seen", …), plus any keywords. */
export type Flag = string;

/** An RFC 5322 address as IMAP's ENVELOPE wants it (RFC 3501 §7.4.2). Values are raw header text, undecoded. */
export interface EnvelopeAddress {
  name: string | null;
  adl: string | null;
  mailbox: string | null;
  host: string | null;
}

/** RFC 3501 §7.4.2 ENVELOPE fields, raw header values (encoded-words left as they are). */
export interface Envelope {
  date: string | null;
  subject: string | null;
  from: EnvelopeAddress[] | null;
  sender: EnvelopeAddress[] | null;
  replyTo: EnvelopeAddress[] | null;
  to: EnvelopeAddress[] | null;
  cc: EnvelopeAddress[] | null;
  bcc: EnvelopeAddress[] | null;
  inReplyTo: string | null;
  messageId: string | null;
}

/** One MIME entity: the message itself, a part of a multipart, or an encapsulated message/rfc822. */
export interface MimePart {
  /** Byte offsets into the message's raw bytes. Header block includes its terminating blank line. */
  headerStart: number;
  headerEnd: number;
  bodyStart: number;
  bodyEnd: number;
  /** Header fields in order, names as written, values unfolded but undecoded. */
  headers: Array<[name: string, value: string]>;
  /** Lower-case type/subtype; defaults per RFC 2045 §5.2 (text/plain; charset=us-ascii). */
  type: string;
  subtype: string;
  /** Parameters with lower-case names. */
  params: Record<string, string>;
  id: string | null;
  description: string | null;
  /** Content-Transfer-Encoding, upper case, default "7BIT". */
  encoding: string;
  md5: string | null;
  disposition: { type: string; params: Record<string, string> } | null;
  language: string[] | null;
  location: string | null;
  /** Body size in bytes and, for text/* and message/rfc822, in lines. */
  size: number;
  lines: number;
  /** Children of a multipart. */
  parts?: MimePart[];
  /** The encapsulated message of a message/rfc822 part, with its envelope. */
  message?: { envelope: Envelope; root: MimePart };
}

/**
 * A section specification from BODY[...] (RFC 3501 §6.4.5), already parsed by the IMAP layer:
 * `path` is the part number list ([] for the whole message, [1, 2] for "1.2").
 */
export interface SectionSpec {
  path: number[];
  text?: 'HEADER' | 'TEXT' | 'MIME' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT';
  fields?: string[];
}

/** BODY[section] as a range [start, end) of the served message, or as bytes made for the response. */
export type SectionLocation = { start: number; end: number } | { bytes: Buffer };

export interface StoredMessage {
  uid: number;
  /** Read-only outside the store: messages with the same flags may share one set (MailStore.setFlags replaces it). */
  readonly flags: ReadonlySet<Flag>;
  readonly internalDate: Date;
  /**
   * The exact RFC 5322 bytes, CRLF line endings. For a message on disk this reads the whole
   * message: what can stream (FETCH bodies, RETR, SEARCH BODY) uses `body` instead.
   */
  readonly raw: Buffer;
  /** Octets served: RFC822.SIZE, POP3 LIST/STAT (the length of `raw`, known without reading it). */
  readonly size: number;
  /** Where the bytes are: in memory, or read on demand in bounded chunks (mailbox/body.ts). */
  readonly body: MessageBody;
  /** The root header block, its blank line included (read alone, without the body). */
  readonly header: Buffer;
  /** Parsed on first use and cached. */
  readonly mime: MimePart;
  readonly envelope: Envelope;
}

export interface MailboxInfo {
  name: string;
  /** Hierarchy delimiter "/" (as Dovecot's Maildir++ layout shows it to clients it is "."; the lab uses "/"). */
  uidValidity: number;
  uidNext: number;
  subscribed: boolean;
  /** \Noselect, \HasChildren, \Sent, \Drafts, \Trash, … (RFC 3501 §7.2.2, RFC 6154). */
  attributes: string[];
}

/** What changed in a mailbox, so other sessions selecting it can send EXISTS/EXPUNGE/FETCH. */
export type MailboxChange =
  | { type: 'exists'; mailbox: string; count: number }
  | { type: 'expunge'; mailbox: string; uid: number }
  | { type: 'flags'; mailbox: string; uid: number; flags: Flag[] };

/** Typed failures of store operations; the IMAP layer maps each 1:1 to a NO response. */
export type StoreErrorCode = 'nonexistent' | 'already-exists' | 'cannot-delete-inbox' | 'has-children' | 'invalid-name' | 'too-big' | 'too-many-keywords';

export class StoreError extends Error {
  override name = 'StoreError';
  constructor(readonly code: StoreErrorCode, message: string) {
    super(message);
  }
}

/** A spooled file handed to the store by appendFrom. */
export interface SpooledMessage {
  path: string;
  size: number;
  /** Bare LF line ends become CRLF when served (SMTP deliveries); otherwise the bytes are served as they are (an APPEND literal). */
  normalizeLineEnds?: boolean;
  /** The size and line-end form as served, measured by the caller while it wrote the file (an SMTP delivery): the file is not read back, and `size` is its length. */
  served?: RangeMeasure;
  /** The file stays where it is (an SMTP capture in messages/): the store takes a hard link to it (a copy where links fail) instead of moving it. */
  keepSource?: boolean;
}

/**
 * The store the IMAP sessions share (one account). Mailbox names are full paths with "/" as
 * delimiter; "INBOX" is case-insensitive (RFC 3501 §5.1). Sequence numbers are positions in
 * `messages(name)` (1-based) at the time of the call; sessions keep their own view and follow
 * `onChange` to tell the client about others' changes.
 */
export interface MailStoreApi {
  readonly delimiter: '/';
  /**
   * Goes up with every change to any mailbox (messages added or expunged, flags, keywords,
   * mailboxes created, renamed or deleted): a session's view that matched the store at one
   * count still matches it while the count is the same, and needs no comparison of 20,000
   * messages to find that nothing happened.
   */
  readonly generation: number;
  /** The largest message a mailbox takes (APPEND, an SMTP delivery): StoreError('too-big') past it. */
  readonly maxMessageBytes: number;
  list(): MailboxInfo[];
  info(name: string): MailboxInfo | undefined;
  /** Messages in UID order. Throws StoreError('nonexistent'). */
  messages(name: string): readonly StoredMessage[];
  /** Creates the mailbox and any missing parents, none of them subscribed (RFC 3501 §6.3.3). */
  create(name: string): void;
  /** Deletes the mailbox; its subscription stays (RFC 3501 §6.3.6: never removed unilaterally). */
  delete(name: string): void;
  rename(from: string, to: string): void;
  /**
   * Subscribing needs an existing mailbox (RFC 3501 §6.3.6 lets the server check; Dovecot
   * does); unsubscribing works on any name, so that a deleted mailbox can be unsubscribed.
   */
  setSubscribed(name: string, subscribed: boolean): void;
  /** The subscribed names, existing or not (LSUB, RFC 3501 §6.3.9). */
  subscriptions(): string[];
  /**
   * RFC 3501 §2.3.2 \Recent: the UIDs no session has been told about yet. With `claim`, the
   * calling session takes them (a read-write SELECT, or the first session to announce new
   * messages) and no later session sees them as recent; EXAMINE and STATUS only look.
   */
  recent(name: string, claim: boolean): number[];
  /**
   * The keywords defined in a mailbox (RFC 3501 §7.2.6 FLAGS): every keyword a message in it
   * ever carried, in the order first seen; they stay defined when no message carries them (as in Dovecot).
   */
  keywords(name: string): readonly string[];
  /** Returns the new message's UID. */
  append(name: string, raw: Buffer, flags?: Flag[], internalDate?: Date): number;
  /**
   * Take ownership of a spooled file (a big APPEND literal, an SMTP delivery): it is moved into
   * the session's store directory (or, without one, read into memory) and becomes a new
   * message; returns its UID. StoreError('too-big') past the size limit, the file left in place.
   */
  appendFrom(name: string, source: SpooledMessage, flags?: Flag[], internalDate?: Date): number;
  /** Replace, add or remove flags on the given UIDs; returns the messages changed. Throws StoreError('too-many-keywords'). */
  setFlags(name: string, uids: number[], mode: 'replace' | 'add' | 'remove', flags: Flag[]): StoredMessage[];
  copy(from: string, uids: number[], to: string): Array<[fromUid: number, toUid: number]>;
  /** Removes \Deleted messages (all, or only the given UIDs: UID EXPUNGE); returns their UIDs. */
  expunge(name: string, uids?: number[]): number[];
  /** Extract BODY[section] bytes (RFC 3501 §6.4.5); an empty Buffer when the part does not exist (empty string on the wire). */
  section(message: StoredMessage, spec: SectionSpec): Buffer;
  /** Where BODY[section] is: a range of the message's served bytes (to stream), or computed bytes (HEADER.FIELDS, a missing part). */
  locateSection(message: StoredMessage, spec: SectionSpec): SectionLocation;
  onChange(fn: (change: MailboxChange) => void): () => void;
}
