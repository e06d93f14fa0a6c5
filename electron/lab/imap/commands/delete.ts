/** DELETE (RFC 3501 §6.3.4). Deleting the selected mailbox deselects it. */
import { normalizeMailbox, storeCall } from './util.js';
import type { CommandModule } from './types.js';

export const del: CommandModule = {
  name: 'DELETE',
  requires: 'authenticated',
  run({ r, session }) {
    r.sp();
    const name = normalizeMailbox(r.astring());
    r.end();
    storeCall(() => session.store.delete(name));
    if (session.selected?.name === name) session.deselect();
  },
};
