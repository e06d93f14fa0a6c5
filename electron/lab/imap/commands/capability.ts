/** CAPABILITY (RFC 3501 §6.1.1). */
import type { CommandModule } from './types.js';

export const capability: CommandModule = {
  name: 'CAPABILITY',
  requires: 'any',
  run({ r, session }) {
    r.end();
    session.emit(`* CAPABILITY ${session.capabilities().join(' ')}\r\n`);
  },
};
