/**
 * SUBSCRIBE (RFC 3501 §6.3.6); UNSUBSCRIBE (unsubscribe.ts) shares it. Subscribing needs an
 * existing mailbox; unsubscribing any name succeeds (a deleted mailbox stays subscribed until
 * the client says otherwise, §6.3.6), as in Dovecot.
 */
import { storeCall } from './util.js';
import type { CommandContext, CommandModule } from './types.js';

export function setSubscribed({ r, session }: CommandContext, on: boolean): void {
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

