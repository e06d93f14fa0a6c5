/** STORE (RFC 3501 §6.4.6): FLAGS, +FLAGS, -FLAGS, with .SILENT. */
import type { CommandReader } from '../codec/reader.js';
import { ImapBad, ImapNo } from '../errors.js';
import type { CommandModule } from './types.js';
import { storeCall } from './util.js';

/** flag = "\Answered" / … / keyword / flag-extension; \Recent cannot be stored (RFC 3501 §2.3.2). */
export function parseFlag(r: CommandReader): string {
  if (r.maybe('\\')) {
    const name = r.atom();
    const canonical = ['Answered', 'Flagged', 'Deleted', 'Seen', 'Draft', 'Recent'].find((f) => f.toLowerCase() === name.toLowerCase());
    return '\\' + (canonical ?? name);
  }
  return r.atom();
}

export const store: CommandModule = {
  name: 'STORE',
  requires: 'selected',
  uidForm: true,
  noExpungeUpdates: true,
  run({ r, session, uid, view }) {
    r.sp();
    const set = r.sequenceSet();
    r.sp();
    const item = r.atom().toUpperCase();
    const m = /^([+-]?)FLAGS(\.SILENT)?$/.exec(item);
    if (!m) throw new ImapBad(`Unknown STORE item ${item}`);
    r.sp();
    const flags = r.peek() === '(' ? r.list(() => parseFlag(r)) : [parseFlag(r)];
    while (r.maybe(' ')) flags.push(parseFlag(r));
    r.end();
    if (view.readOnly) throw new ImapNo('Mailbox is read-only', 'READ-ONLY');
    const entries = view.resolve(set, uid);
    const mode = m[1] === '+' ? 'add' : m[1] === '-' ? 'remove' : 'replace';
    storeCall(() => session.store.setFlags(view.name, entries.map((e) => e.msg.uid), mode, flags.filter((f) => f !== '\\Recent')));
    // A keyword new to the mailbox is announced in FLAGS before any FETCH shows it (RFC 3501 §7.2.6), .SILENT or not.
    for (const line of view.keywordUpdate()) session.emit(`* ${line}\r\n`);
    for (const e of entries) {
      view.noteFlags(e.msg);
      if (!m[2]) session.emit(`* ${e.seq} FETCH (${uid ? `UID ${e.msg.uid} ` : ''}FLAGS ${view.flagsText(e.msg)})\r\n`);
    }
  },
};
