/** CLOSE (RFC 3501 §6.4.2): silently expunges \Deleted messages unless read-only, then deselects. */
import type { CommandModule } from './types.js';

export const close: CommandModule = {
  name: 'CLOSE',
  requires: 'selected',
  run({ r, session, view }) {
    r.end();
    if (!view.readOnly) session.store.expunge(view.name);
    session.deselect();
  },
};
