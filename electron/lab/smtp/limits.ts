/**
 * Every bound the SMTP server puts on what a client can make it do. Each is a named constant used
 * as the default of an option (SmtpServerOptions), so tests can shrink them. "Nothing a phone
 * sends can crash the lab, grow its memory without bound" (DESIGN.md).
 */
import { MAX_MESSAGE_BYTES as STORE_MAX_MESSAGE_BYTES } from '../mailbox/store.js';

/**
 * Longest command line. RFC 5321 §4.5.3.1.4 asks for 512 octets, but RFC 4954 §4 lets an AUTH
 * line (an initial response) reach 12288 octets; past this limit the lab answers and closes.
 */
export const MAX_COMMAND_LINE_BYTES = 16 * 1024;

/**
 * Largest message accepted (the SIZE extension, RFC 1870), counted after dot-unstuffing. The
 * same as the lab store's limit, so that every accepted message can also reach the INBOX.
 */
export const MAX_MESSAGE_BYTES = STORE_MAX_MESSAGE_BYTES;

/** Recipients per transaction; RFC 5321 §4.5.3.1.8 asks for at least 100. One more gets 452 4.5.3. */
export const MAX_RECIPIENTS = 1000;

/** Simultaneous connections across the submission and submissions listeners; one more gets 421. */
export const MAX_CONNECTIONS = 2000;

/**
 * From the greeting until the client authenticates (or starts a transaction when AUTH is not
 * required), in total: a client dripping one byte at a time cannot hold a connection open.
 */
export const SETUP_TIMEOUT_MS = 60 * 1000;

/** RFC 5321 §4.5.3.2.7: the server waits at least 5 minutes for the next command (or DATA block). */
export const COMMAND_TIMEOUT_MS = 5 * 60 * 1000;

/** Consecutive commands answered with an error before the lab says 421 (Postfix's smtpd_hard_error_limit). */
export const MAX_BAD_COMMANDS = 20;

/** The start of each message kept in memory while it streams to disk, to read its header fields. */
export const HEADER_CAPTURE_BYTES = 64 * 1024;

/** Bytes of messages one session keeps in <session>/messages; past it, DATA is answered 452 4.3.1. */
export const MAX_SPOOL_BYTES = 1024 * 1024 * 1024;

/**
 * Messages delivered to the in-memory lab INBOX in one lab run, and their bytes: a phone needs a
 * few to see the round trip, and a client sending thousands must not grow the lab's memory.
 * Past either, messages are still kept on disk (smtp.message says delivered: false).
 */
export const MAX_DELIVERED_MESSAGES = 200;
export const MAX_DELIVERED_BYTES = 64 * 1024 * 1024;
