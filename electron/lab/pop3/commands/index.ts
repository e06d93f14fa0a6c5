/** One module per POP3 command; the session dispatches by keyword. */
import { apop, auth, pass, user } from './authorization.js';
import { capa, noop, quit, stls } from './general.js';
import { dele, list, retr, rset, stat, top, uidl } from './transaction.js';
import type { Pop3Command } from './types.js';

export const POP3_COMMANDS: ReadonlyMap<string, Pop3Command> = new Map([user, pass, apop, auth, capa, noop, quit, stls, stat, list, uidl, retr, top, dele, rset].map((c) => [c.name, c]));
