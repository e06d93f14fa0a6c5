/** UNSUBSCRIBE (RFC 3501 §6.3.7). */
import { setSubscribed } from './subscribe.js';
import type { CommandModule } from './types.js';

export const unsubscribe: CommandModule = {
  name: 'UNSUBSCRIBE',
  requires: 'authenticated',
  run: (ctx) => setSubscribed(ctx, false),
};
