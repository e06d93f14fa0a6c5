/** SELECT (RFC 3501 §6.3.1); EXAMINE (examine.ts) is the same, read-only. */
import { storeCall, normalizeMailbox } from './util.js';
import type { CommandContext, CommandModule } from './types.js';

export function openMailbox({ r, session }: CommandContext, readOnly: boolean): string {
  r.sp();
  const name = normalizeMailbox(r.astring());
  r.end();
  // RFC 3501 §6.3.1: a failed SELECT leaves no mailbox selected.
  session.deselect();
  const info = storeCall(() => {
    const i = session.store.info(name);
    session.store.messages(name); // throws nonexistent
    return i;
  });
  if (!info) return 'unreachable';
  const view = session.select(info.name, readOnly);
  const firstUnseen = view.firstUnseen();
  // FLAGS lists the keywords the mailbox defines too (RFC 3501 §7.2.6), so that none shows up in a FETCH unannounced.
  for (const line of view.flagsResponses()) session.emit(`* ${line}\r\n`);
  session.emit(`* ${view.count} EXISTS\r\n`);
  session.emit(`* ${view.recentCount} RECENT\r\n`);
  if (firstUnseen > 0) session.emit(`* OK [UNSEEN ${firstUnseen}] First unseen\r\n`);
  session.emit(`* OK [UIDVALIDITY ${info.uidValidity}] UIDs valid\r\n`);
  session.emit(`* OK [UIDNEXT ${info.uidNext}] Predicted next UID\r\n`);
  return readOnly ? '[READ-ONLY] Completed' : '[READ-WRITE] Completed';
}

export const select: CommandModule = {
  name: 'SELECT',
  requires: 'authenticated',
  run: (ctx) => openMailbox(ctx, false),
};
