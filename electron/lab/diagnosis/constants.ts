/**
 * Every limit and threshold of the diagnosis engine, named and exported (COMMON.md): tests
 * import them rather than repeating the numbers.
 */

/** `slow-client-gap`: silence after a server response longer than this (QUIRKS.md: "more than 5 s"). */
export const SLOW_CLIENT_GAP_MS = 5_000;

/** At most this many event seqs are kept as evidence for one finding or one step (first ones kept, plus the latest). */
export const MAX_EVIDENCE = 32;

/**
 * The framer keeps at most this many bytes of one IMAP line (literals excluded). A longer line is
 * still framed (its end is found) but only its prefix is parsed: memory stays bounded per connection.
 */
export const MAX_LINE_BYTES = 16 * 1024;

/** Bytes kept of one literal's content (LOGIN arguments sent as literals need it; message bodies do not). */
export const MAX_LITERAL_KEEP = 1024;

/**
 * `full-body-download` becomes a warning (rather than info) when whole bodies are fetched on this
 * many connections: "on every check" (seed reply 4: ~100 KB each time). One download of every
 * message, however large, is what a first sync does (mbsync, offlineimap, getmail, fetchmail):
 * info, with the byte count.
 */
export const FULL_BODY_WARN_CHECKS = 2;

/** `cert-format-rejected`: the DER certificate fetched this many times or more means the phone keeps refusing it. */
export const CERT_REFETCH_LIMIT = 3;

/** Bytes of an offending line quoted in a `protocol-violation` finding. */
export const VIOLATION_SAMPLE_BYTES = 120;

/** Command or item names quoted in one finding's data: a phone's repertoire, not a log. */
export const MAX_LISTED_NAMES = 8;

/** Commands listed for `no-mailbox-selected`: enough to show the pattern (seed: NOOP, EXPUNGE, CLOSE). */
export const MAX_LISTED_COMMANDS = 12;
