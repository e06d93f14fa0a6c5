/** The SMTP command table: verb → module. */
import { auth } from './auth.js';
import { bdat } from './bdat.js';
import { data } from './data.js';
import { ehlo, helo } from './ehlo.js';
import { mail } from './mail.js';
import { quit } from './quit.js';
import { rcpt } from './rcpt.js';
import { expn, help, noop, rset, vrfy } from './simple.js';
import { starttls } from './starttls.js';
import type { SmtpCommand } from './types.js';

export const SMTP_COMMANDS: ReadonlyMap<string, SmtpCommand> = new Map(
  [ehlo, helo, mail, rcpt, data, bdat, rset, noop, quit, vrfy, expn, help, starttls, auth].map((c) => [c.name, c]),
);
