/** UNSELECT (RFC 3691): like CLOSE without the expunge. */
import type { CommandModule } from './types.js';

export const unselect: CommandModule = {
  name: 'UNSELECT',
  requires: 'selected',
  run({ r, session }) {
    r.end();
    session.deselect();
  },
};
