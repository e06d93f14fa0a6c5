/** EXPUNGE (RFC 3501 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1). */
import { ImapNo } from '../errors.js';
import type { CommandModule } from './types.js';

export const expunge: CommandModule = {
  name: 'EXPUNGE',
  requires: 'selected',
  uidForm: true,
  run({ r, session, uid, view }) {
    let only: number[] | undefined;
    if (uid) {
      r.sp();
      only = view.resolve(r.sequenceSet(), true).map((e) => e.msg.uid);
    }
    r.end();
    if (view.readOnly) throw new ImapNo('Mailbox is read-only', 'READ-ONLY');
    const removed = session.store.expunge(view.name, only);
    for (const seq of view.removeUids(removed)) session.emit(`* ${seq} EXPUNGE\r\n`);
  },
};
