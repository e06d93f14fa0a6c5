/** One module per IMAP command (electron/lab/imap/commands/<name>.ts), go-imap style. */
import type { CommandReader } from '../codec/reader.js';
import type { ImapSession } from '../session.js';

/** What a command's run() returns to say "my tagged response comes later". */
export const PENDING: unique symbol = Symbol('pending');

export type SessionState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

export interface CommandContext {
  tag: string;
  /** Upper-case command name, without the UID prefix. */
  name: string;
  /** Called as `UID <name>`: sequence sets are UIDs and responses carry UID. */
  uid: boolean;
  r: CommandReader;
  session: ImapSession;
}

export interface CommandModule {
  name: string;
  /** Where the command is valid (RFC 3501 §6): any state, before auth, after auth, or with a mailbox selected. */
  requires: 'any' | 'not-authenticated' | 'authenticated' | 'selected';
  /** RFC 3501 §7.4.1: no EXPUNGE responses during FETCH, STORE, SEARCH (and their UID forms). */
  noExpungeUpdates?: boolean;
  /** May be called as UID <name>. */
  uidForm?: boolean;
  /**
   * Parse and execute. Return normally for `OK Completed`, call session.tagged() for another
   * text, throw ImapBad/ImapNo for BAD/NO. A command that continues (AUTHENTICATE, IDLE,
   * STARTTLS) calls session.expectLine()/startTls() and sends its tagged response later.
   */
  run(ctx: CommandContext): string | void | typeof PENDING;
}
