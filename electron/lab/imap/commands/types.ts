/** One module per IMAP command (electron/lab/imap/commands/<name>.ts), go-imap style. */
import type { CommandReader } from '../codec/reader.js';
import type { MailboxView } from '../mailbox-view.js';
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

/** What a `requires: 'selected'` command gets: the dispatcher runs it only with a mailbox selected. */
export interface SelectedContext extends CommandContext {
  view: MailboxView;
}

/**
 * Parse and execute. Return normally for `OK Completed`, return a string for another OK text,
 * throw ImapBad/ImapNo for BAD/NO. A command that continues (AUTHENTICATE, IDLE, STARTTLS,
 * LOGOUT) calls session.expectLine()/startTls()/logout(), returns PENDING and sends its tagged
 * response later. A command whose work takes a while (SEARCH over a mailbox on disk) returns a
 * promise of the same: the session reads no further command until it settles (its rejection is
 * mapped as a throw would be), while other connections are served.
 */
type CommandResult = string | void | typeof PENDING | Promise<string | void>;

interface CommandTraits {
  name: string;
  /** RFC 3501 §7.4.1: no EXPUNGE responses during FETCH, STORE, SEARCH (and their UID forms). */
  noExpungeUpdates?: boolean;
  /** May be called as UID <name>. */
  uidForm?: boolean;
}

/** Where the command is valid (RFC 3501 §6): any state, before auth, after auth, or with a mailbox selected. */
export type CommandModule =
  | (CommandTraits & { requires: 'any' | 'not-authenticated' | 'authenticated'; run(ctx: CommandContext): CommandResult })
  | (CommandTraits & { requires: 'selected'; run(ctx: SelectedContext): CommandResult });
