/**
 * The mailbox change between sessions, on request (`--pop3-change-mailbox delete|add|both`):
 * after a POP3 session that logged in has ended, the next login first deletes the INBOX's first
 * message and/or adds a new one at the end, then numbers the maildrop. Every later message
 * number then names another message than it did in the previous session, which is what RFC
 * 1939 §7 allows ("message numbers are valid for one session only") and what a phone that
 * remembers numbers across sessions gets wrong (Windows Mobile Pocket Inbox, smartphonemag.com,
 * January 2006). The change is recorded as a `pop3.changed` event so that the diagnosis
 * knows which number named which message before and after.
 */
import { randomBytes } from 'node:crypto';
import type { Pop3MailboxChange } from '../../api.js';
import type { MailStoreApi, StoredMessage } from '../mailbox/types.js';
import type { SessionRecorder } from '../recorder/recorder.js';
import { POP3_CHANGE_LISTED } from './limits.js';
import { Maildrop, POP3_MAILBOX } from './maildrop.js';

export class MailboxChanger {
  private armed = false;
  private changes = 0;
  private added = 0;

  constructor(
    private readonly mode: Pop3MailboxChange,
    private readonly store: MailStoreApi,
    private readonly recorder: SessionRecorder,
    private readonly hostname: string,
    private readonly maxChanges: number,
  ) {}

  /** A session that had logged in ended (QUIT or not): the next login changes the maildrop. */
  sessionEnded(loggedIn: boolean): void {
    if (loggedIn && this.mode !== 'off') this.armed = true;
  }

  /** Just before connection `conn`'s maildrop is numbered: apply the change, once per gap between sessions. */
  beforeLogin(conn: string): void {
    if (!this.armed || this.changes >= this.maxChanges) return;
    this.armed = false;
    const before = this.uidls();
    let removed: { uidl: string; messageId: string | null } | undefined;
    let added: { uidl: string; messageId: string } | undefined;
    const first = this.store.messages(POP3_MAILBOX)[0];
    // Deleting the last message would leave nothing to number: a change needs two.
    if ((this.mode === 'delete' || this.mode === 'both') && first && this.store.messages(POP3_MAILBOX).length > 1) {
      removed = { uidl: Maildrop.uidlOf(first, this.uidValidity()), messageId: first.envelope.messageId };
      this.store.setFlags(POP3_MAILBOX, [first.uid], 'add', ['\\Deleted']);
      this.store.expunge(POP3_MAILBOX, [first.uid]);
    }
    if (this.mode === 'add' || this.mode === 'both') {
      this.added += 1;
      const messageId = `<added-${this.added}.${randomBytes(4).toString('hex')}@mailprobe.test>`;
      const uid = this.store.append(POP3_MAILBOX, addedMessage(messageId, this.added, this.hostname), [], new Date());
      const m = this.store.messages(POP3_MAILBOX).find((x) => x.uid === uid)!;
      added = { uidl: Maildrop.uidlOf(m, this.uidValidity()), messageId };
    }
    if (!removed && !added) return;
    this.changes += 1;
    this.recorder.record({ kind: 'pop3.changed', conn, change: this.mode, ...(removed ? { removed } : {}), ...(added ? { added } : {}), before, after: this.uidls() });
  }

  private uidValidity(): number {
    return this.store.info(POP3_MAILBOX)?.uidValidity ?? 0;
  }

  private uidls(): string[] {
    const v = this.uidValidity();
    return this.store
      .messages(POP3_MAILBOX)
      .slice(0, POP3_CHANGE_LISTED)
      .map((m: StoredMessage) => Maildrop.uidlOf(m, v));
  }
}

function addedMessage(messageId: string, n: number, hostname: string): Buffer {
  return Buffer.from(
    [
      'From: Mailprobe Lab <lab@mailprobe.test>',
      'To: Lab Account <phone@mailprobe.test>',
      `Subject: Mailprobe: message ${n} added between two checks`,
      `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
      `Message-ID: ${messageId}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      `The lab (${hostname}) added this message before this check, and may have deleted the first one,`,
      'so that every message number now names another message than at the previous check.',
      'A phone that shows this message as new and nothing else wrong handles POP3 correctly.',
      '',
    ].join('\r\n'),
  );
}
