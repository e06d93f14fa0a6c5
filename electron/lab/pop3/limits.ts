/**
 * Every bound the POP3 server puts on what a client can make it do, as named constants used as
 * the defaults of Pop3Limits (tests shrink them).
 */

/**
 * Longest command line. RFC 2449 §4 limits a command to 255 octets, but an AUTH initial
 * response (RFC 5034 §4) or a client's response line may be longer; past this the lab answers
 * and closes.
 */
export const MAX_COMMAND_LINE_BYTES = 16 * 1024;

/** Simultaneous POP3 and POP3S connections; one more gets -ERR [SYS/TEMP] and a close. */
export const MAX_CONNECTIONS = 2000;

/** From the greeting until the login succeeds, in total: a client dripping bytes cannot stretch it. */
export const AUTH_TIMEOUT_MS = 60 * 1000;

/** RFC 1939 §3: the inactivity autologout timer must be at least 10 minutes. */
export const IDLE_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * Mailbox changes between sessions (`--pop3-change-mailbox`) in one lab run: enough for a
 * phone's checks during a visit, and a deleting change cannot empty a customer-sized mailbox.
 */
export const MAX_MAILBOX_CHANGES = 20;

/** Unique-ids listed in a `pop3.changed` event (the numbers a phone can remember). */
export const POP3_CHANGE_LISTED = 1000;

/** Consecutive -ERR answers before the lab ends the conversation (as Dovecot's pop3 does). */
export const MAX_BAD_COMMANDS = 20;
