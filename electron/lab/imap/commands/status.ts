/** STATUS (RFC 3501 §6.3.10). RECENT counts the messages no session has claimed as \Recent yet (§2.3.2). */
import { ResponseWriter } from '../codec/encoder.js';
import { ImapBad } from '../errors.js';
import { normalizeMailbox, storeCall } from './util.js';
import type { CommandModule } from './types.js';

export const status: CommandModule = {
  name: 'STATUS',
  requires: 'authenticated',
  run({ r, session }) {
    r.sp();
    const name = normalizeMailbox(r.astring());
    r.sp();
    const items = r.list(() => r.atom().toUpperCase());
    r.end();
    const { info, msgs } = storeCall(() => ({ msgs: session.store.messages(name), info: session.store.info(name) }));
    if (!info) throw new ImapBad('No such mailbox');
    const parts: string[] = [];
    for (const item of items) {
      switch (item) {
        case 'MESSAGES':
          parts.push(`MESSAGES ${msgs.length}`);
          break;
        case 'RECENT':
          parts.push(`RECENT ${session.store.recent(name, false).length}`);
          break;
        case 'UIDNEXT':
          parts.push(`UIDNEXT ${info.uidNext}`);
          break;
        case 'UIDVALIDITY':
          parts.push(`UIDVALIDITY ${info.uidValidity}`);
          break;
        case 'UNSEEN':
          parts.push(`UNSEEN ${msgs.filter((m) => !m.flags.has('\\Seen')).length}`);
          break;
        default:
          throw new ImapBad(`Unknown STATUS item ${item}`);
      }
    }
    const w = new ResponseWriter().raw('* STATUS ').string(info.name).raw(` (${parts.join(' ')})\r\n`);
    session.emit(w.toBuffer());
  },
};
