/** SUBSCRIBE and UNSUBSCRIBE (RFC 3501 §6.3.6, §6.3.7). */
import { storeCall } from './util.js';
import type { CommandContext, CommandModule } from './types.js';

function setSubscribed({ r, session }: CommandContext, on: boolean): void {
  r.sp();
  const name = r.astring();
  r.end();
  storeCall(() => session.store.setSubscribed(name, on));
}

export const subscribe: CommandModule = {
  name: 'SUBSCRIBE',
  requires: 'authenticated',
  run: (ctx) => setSubscribed(ctx, true),
};

export const unsubscribe: CommandModule = {
  name: 'UNSUBSCRIBE',
  requires: 'authenticated',
  run: (ctx) => setSubscribed(ctx, false),
};
