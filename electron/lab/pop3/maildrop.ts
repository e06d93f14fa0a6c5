/**
 * The maildrop of one POP3 session (RFC 1939 §5): the INBOX as it was when the session
 * entered the TRANSACTION state, numbered 1…n and stable for the session, with deletion marks
 * that take effect only in the UPDATE state (QUIT). Messages that arrive meanwhile (an SMTP
 * delivery) are seen by the next session. The same store serves IMAP: a message deleted here
 * is gone there too.
 */
import type { MailStoreApi, StoredMessage } from '../mailbox/types.js';

export const POP3_MAILBOX = 'INBOX';

export class Maildrop {
  private readonly messages: readonly StoredMessage[];
  private readonly deleted = new Set<number>();
  private readonly uidValidity: number;

  constructor(private readonly store: MailStoreApi) {
    this.messages = [...store.messages(POP3_MAILBOX)];
    this.uidValidity = store.info(POP3_MAILBOX)?.uidValidity ?? 0;
  }

  /** Message `n` (1-based), or undefined when there is none or it is marked deleted. */
  get(n: number): StoredMessage | undefined {
    if (!Number.isInteger(n) || n < 1 || n > this.messages.length || this.deleted.has(n)) return undefined;
    return this.messages[n - 1];
  }

  exists(n: number): boolean {
    return Number.isInteger(n) && n >= 1 && n <= this.messages.length;
  }

  isDeleted(n: number): boolean {
    return this.deleted.has(n);
  }

  /** The numbers of the messages not marked deleted. */
  numbers(): number[] {
    const out: number[] = [];
    for (let n = 1; n <= this.messages.length; n++) if (!this.deleted.has(n)) out.push(n);
    return out;
  }

  /** Octets of a message as sent by RETR (the stored bytes have CRLF line ends already). */
  size(m: StoredMessage): number {
    return m.size;
  }

  /**
   * A unique-id (RFC 1939 §7 UIDL): the same for the same message across sessions, never reused
   * for another while the mailbox keeps its UIDVALIDITY. Dovecot's default form is similar
   * (`%08Xu%08Xv`).
   */
  uidl(m: StoredMessage): string {
    return Maildrop.uidlOf(m, this.uidValidity);
  }

  static uidlOf(m: StoredMessage, uidValidity: number): string {
    return `${m.uid.toString(16).padStart(8, '0')}${uidValidity.toString(16).padStart(8, '0')}`;
  }

  mark(n: number): void {
    this.deleted.add(n);
  }

  reset(): void {
    this.deleted.clear();
  }

  get deletedCount(): number {
    return this.deleted.size;
  }

  /** The UPDATE state: remove the marked messages from the store; returns how many went. */
  commit(): number {
    if (this.deleted.size === 0) return 0;
    const uids = [...this.deleted].map((n) => this.messages[n - 1].uid);
    const present = new Set(this.store.messages(POP3_MAILBOX).map((m) => m.uid));
    const gone = uids.filter((u) => present.has(u));
    if (gone.length === 0) return 0;
    this.store.setFlags(POP3_MAILBOX, gone, 'add', ['\\Deleted']);
    return this.store.expunge(POP3_MAILBOX, gone).length;
  }
}
