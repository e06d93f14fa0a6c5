/** EXAMINE (RFC 3501 §6.3.2): SELECT, read-only ([READ-ONLY], no \Seen side effects). */
import { openMailbox } from './select.js';
import type { CommandModule } from './types.js';

export const examine: CommandModule = {
  name: 'EXAMINE',
  requires: 'authenticated',
  run: (ctx) => openMailbox(ctx, true),
};
