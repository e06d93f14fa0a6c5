/** COPY (RFC 3501 §6.4.7) with UIDPLUS's COPYUID (RFC 4315 §3). */
import { formatSet } from '../seqset.js';
import { storeCall } from './util.js';
import type { CommandModule } from './types.js';

export const copy: CommandModule = {
  name: 'COPY',
  requires: 'selected',
  uidForm: true,
  run({ r, session, uid, view }) {
    r.sp();
    const set = r.sequenceSet();
    r.sp();
    const dest = r.astring();
    r.end();
    const uids = view.resolve(set, uid).map((e) => e.msg.uid);
    const pairs = storeCall(() => session.store.copy(view.name, uids, dest), true);
    if (pairs.length === 0) return;
    const info = session.store.info(dest);
    return `[COPYUID ${info?.uidValidity ?? 0} ${formatSet(pairs.map((p) => p[0]))} ${formatSet(pairs.map((p) => p[1]))}] Completed`;
  },
};
