/** CREATE (RFC 3501 §6.3.3). */
import { storeCall } from './util.js';
import type { CommandModule } from './types.js';

export const create: CommandModule = {
  name: 'CREATE',
  requires: 'authenticated',
  run({ r, session }) {
    r.sp();
    const name = r.astring();
    r.end();
    storeCall(() => session.store.create(name));
  },
};
