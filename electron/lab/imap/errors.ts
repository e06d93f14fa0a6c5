/**
 * Protocol errors as typed values: a command module throws one of these and the
 * session maps it 1:1 to a tagged NO or BAD (RFC 3501 §7.1), or an untagged BYE. Anything else
 * thrown is a bug: the session answers `NO [SERVERBUG]` and records `lab.error`.
 */

/** Tagged BAD: the command was not understood or is not valid in this state. */
export class ImapBad extends Error {
  override name = 'ImapBad';
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

/** Tagged NO: understood, but refused (wrong password, no such mailbox, …). */
export class ImapNo extends Error {
  override name = 'ImapNo';
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

/** Syntax errors from the command reader; answered as BAD with the message. */
export class ParseError extends ImapBad {
  override name = 'ParseError';
}

/** The text of a response code and message, e.g. "[TRYCREATE] No such mailbox". */
export function responseText(err: ImapBad | ImapNo): string {
  return err.code ? `[${err.code}] ${err.message}` : err.message;
}
