/** NOOP (RFC 3501 §6.1.2): the tagged OK is preceded by any pending mailbox updates (session.finish). */
import type { CommandModule } from './types.js';

export const noop: CommandModule = {
  name: 'NOOP',
  requires: 'any',
  run({ r }) {
    r.end();
  },
};
