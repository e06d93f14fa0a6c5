/**
 * Every bound the IMAP server puts on what a client can make it do. Each is a named
 * constant used as the default of an option (ImapServerOptions), so tests can shrink them.
 * "Nothing a phone sends can crash the lab, grow its memory without bound" (DESIGN.md).
 */

/** Longest command line (without literals) kept in memory. RFC 7162 §4 asks clients to stay under 8192 octets; 64 KiB is generous. */
export const MAX_LINE_BYTES = 64 * 1024;

/** Largest literal accepted (APPEND of a big message). `{4294967295}` is refused without allocating. */
export const MAX_LITERAL_BYTES = 50 * 1024 * 1024;

/**
 * Literals of at least this many bytes go to a file of the session as they arrive instead of
 * memory (literal-spool.ts): an APPEND of a 50 MB message then costs a bounded buffer. Below it
 * (command arguments, ordinary messages) memory is cheaper than a file.
 */
export const LITERAL_SPOOL_THRESHOLD = 1024 * 1024;

/**
 * Bytes of a spooled literal queued for the disk before the lab stops reading the socket (and
 * resumes once the disk caught up): a disk slower than the client slows the client, not memory.
 */
export const LITERAL_SPOOL_HIGH_WATER_BYTES = 1024 * 1024;

/**
 * Literal bytes of one command other than APPEND (a password, a SEARCH string, a mailbox name):
 * only APPEND carries a message. Dovecot counts such literals into its command line
 * (imap_max_line_length, 64 kB) and answers a bigger one with `* BYE Literal size too large`;
 * the lab answers `{N}` with NO [TOOBIG] before the bytes are sent, and reads and drops the
 * bytes of a `{N+}` (recorded, never kept) before BAD [TOOBIG], keeping the connection.
 */
export const MAX_ARGUMENT_LITERAL_BYTES = MAX_LINE_BYTES;

/**
 * Bytes of spooled literals in flight across every IMAP connection of the lab: announced by
 * APPENDs still arriving or waiting for their command to run. Past it a new large APPEND is
 * refused with NO [ALERT] (a `{N+}` one once its bytes are read and dropped), so twenty phones
 * appending 50 MB at once cannot fill the disk; the APPENDs already under way and every other
 * command go on. Five literals of MAX_LITERAL_BYTES fit.
 */
export const MAX_SPOOLED_LITERAL_BYTES = 256 * 1024 * 1024;

/** Folder of the session where spooled literals live until their command ran. */
export const LITERAL_SPOOL_DIR = 'imap-literals';

/**
 * Largest literal before authentication: enough for LOGIN arguments, small enough that 2000
 * unauthenticated connections cannot make the lab hold gigabytes (Dovecot limits these too).
 */
export const MAX_PREAUTH_LITERAL_BYTES = 8 * 1024;

/**
 * Literals in one command. LOGIN needs two, APPEND one, a SEARCH a few; without a bound, a
 * command made of endless small literals would grow without limit.
 */
export const MAX_LITERALS_PER_COMMAND = 32;

/** Simultaneous connections across the IMAP and IMAPS listeners; one more gets `* BYE` and a close. */
export const MAX_CONNECTIONS = 2000;

/** RFC 3501 §5.4: an autologout timer must be at least 30 minutes once authenticated. */
export const IDLE_TIMEOUT_MS = 30 * 60 * 1000;

/** Before authentication a connection gets this long in total (slow-drip clients included). */
export const PRE_AUTH_TIMEOUT_MS = 60 * 1000;

/** RFC 2177 §3: clients re-issue IDLE at least every 29 minutes; past this the lab logs the client out. */
export const IDLE_COMMAND_MAX_MS = 30 * 60 * 1000;

/** Consecutive commands answered BAD before the lab says BYE (Dovecot does the same, with 20). */
export const MAX_BAD_COMMANDS = 20;

/** Bytes of the offending input kept in an input.rejected event's sample (shared by every protocol). */
export { REJECTED_SAMPLE_BYTES } from '../connection/connection.js';
