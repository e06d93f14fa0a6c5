/** One module per SMTP command (electron/lab/smtp/commands/<name>.ts), as for IMAP. */
import type { LineFrame } from '../../connection/framer.js';
import type { SmtpSession } from '../session.js';

export interface SmtpCommandContext {
  /** Upper-case verb. */
  verb: string;
  /** The arguments after the verb and one space, as sent. */
  args: string;
  frame: LineFrame;
  session: SmtpSession;
}

/**
 * Parse and execute; reply through `session.reply()`, or throw SmtpError for a refusal (the
 * session maps it to its reply). A command that goes on (AUTH steps, DATA, STARTTLS, QUIT) asks
 * the session for the next line, the DATA stream or the handshake.
 */
export interface SmtpCommand {
  name: string;
  run(ctx: SmtpCommandContext): void;
}
