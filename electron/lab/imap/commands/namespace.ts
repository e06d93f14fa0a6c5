/** NAMESPACE (RFC 2342): one personal namespace, no prefix, "/" delimiter. */
import type { CommandModule } from './types.js';

export const namespace: CommandModule = {
  name: 'NAMESPACE',
  requires: 'authenticated',
  run({ r, session }) {
    r.end();
    session.emit('* NAMESPACE (("" "/")) NIL NIL\r\n');
  },
};
