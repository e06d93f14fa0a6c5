/** The real clients of the matrix, in the order of the report table. */
import { fetchmail } from './fetchmail.js';
import { getmail } from './getmail.js';
import { imapTools } from './imap-tools.js';
import { imapflow } from './imapflow.js';
import { imaplib } from './imaplib.js';
import { mbsync } from './mbsync.js';
import { mutt } from './mutt.js';
import { offlineimap } from './offlineimap.js';
import type { ClientDriver } from './types.js';

export type { ClientDriver, ClientRunOptions, ClientRunResult, Security, Trust } from './types.js';

export const REAL_CLIENTS: readonly ClientDriver[] = [fetchmail, mbsync, mutt, getmail, offlineimap, imapTools, imaplib, imapflow];
