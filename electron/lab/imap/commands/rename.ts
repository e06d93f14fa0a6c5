/** RENAME (RFC 3501 §6.3.5). */
import { storeCall } from './util.js';
import type { CommandModule } from './types.js';

export const rename: CommandModule = {
  name: 'RENAME',
  requires: 'authenticated',
  run({ r, session }) {
    r.sp();
    const from = r.astring();
    r.sp();
    const to = r.astring();
    r.end();
    storeCall(() => session.store.rename(from, to));
  },
};
