/** LOGOUT (RFC 3501 §6.1.3): "* BYE LOGOUT received" as Cyrus words it (seed), then OK and close. */
import { PENDING, type CommandModule } from './types.js';

export const logout: CommandModule = {
  name: 'LOGOUT',
  requires: 'any',
  run({ tag, r, session }) {
    r.end();
    session.logout(tag);
    return PENDING;
  },
};
