/** SELECT (RFC 3501 §6.3.1); EXAMINE (examine.ts) is the same, read-only. */
import { storeCall, normalizeMailbox } from './util.js';
import type { CommandContext, CommandModule } from './types.js';

const SYSTEM_FLAGS = '\\Answered \\Flagged \\Deleted \\Seen \\Draft';

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
  const entries = view.all();
  const firstUnseen = entries.find((e) => !e.msg.flags.has('\\Seen'));
  session.emit(`* FLAGS (${SYSTEM_FLAGS})\r\n`);
  session.emit(`* OK [PERMANENTFLAGS (${readOnly ? '' : SYSTEM_FLAGS + ' \\*'})] Flags permitted\r\n`);
  session.emit(`* ${view.count} EXISTS\r\n`);
  session.emit('* 0 RECENT\r\n');
  if (firstUnseen) session.emit(`* OK [UNSEEN ${firstUnseen.seq}] First unseen\r\n`);
  session.emit(`* OK [UIDVALIDITY ${info.uidValidity}] UIDs valid\r\n`);
  session.emit(`* OK [UIDNEXT ${info.uidNext}] Predicted next UID\r\n`);
  return readOnly ? '[READ-ONLY] Completed' : '[READ-WRITE] Completed';
}

export const select: CommandModule = {
  name: 'SELECT',
  requires: 'authenticated',
  run: (ctx) => openMailbox(ctx, false),
};
