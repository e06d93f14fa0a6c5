/** LSUB (RFC 3501 §6.3.9): LIST restricted to subscribed mailboxes, answered as "* LSUB". */
import { listMailboxes } from './list.js';
import type { CommandModule } from './types.js';

export const lsub: CommandModule = { name: 'LSUB', requires: 'authenticated', run: listMailboxes };
