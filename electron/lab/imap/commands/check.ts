/** CHECK (RFC 3501 §6.4.1): the in-memory store has nothing to checkpoint. */
import type { CommandModule } from './types.js';

export const check: CommandModule = {
  name: 'CHECK',
  requires: 'selected',
  run({ r }) {
    r.end();
  },
};
