/** LIST (RFC 3501 §6.3.8): "*" matches across levels, "%" within one. LSUB (lsub.ts) shares it. */
import { compareMailboxNames } from '../../mailbox/store.js';
import type { MailStoreApi } from '../../mailbox/types.js';
import { quote, stringBytes } from '../codec/encoder.js';
import type { CommandContext, CommandModule } from './types.js';

/**
 * LSUB's answer (RFC 3501 §6.3.9): the subscribed names that match, with their LIST attributes
 * (none for a subscribed name whose mailbox is gone, as Dovecot answers); and, when a
 * subscribed name does not match but one of its parents does (the pattern "%" stops at a
 * level), that parent with \Noselect unless it is subscribed itself: "a server MUST" so.
 */
export function lsubEntries(store: MailStoreApi, re: RegExp): Array<{ name: string; attributes: string[] }> {
  const subscribed = new Set(store.subscriptions());
  const out = new Map<string, string[]>();
  for (const name of subscribed) {
    if (re.test(name)) {
      out.set(name, store.info(name)?.attributes ?? []);
      continue;
    }
    const levels = name.split('/');
    for (let i = levels.length - 1; i >= 1; i--) {
      const parent = levels.slice(0, i).join('/');
      if (!re.test(parent)) continue;
      if (!subscribed.has(parent) && !out.has(parent)) out.set(parent, ['\\Noselect']);
      break;
    }
  }
  return [...out.keys()].sort(compareMailboxNames).map((name) => ({ name, attributes: out.get(name)! }));
}

/** A LIST pattern (reference + mailbox name with wildcards) as a regular expression. */
export function listPattern(pattern: string): RegExp {
  let src = '';
  for (const ch of pattern) {
    if (ch === '*') src += '.*';
    else if (ch === '%') src += '[^/]*';
    else src += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  // INBOX is case-insensitive (RFC 3501 §5.1): match it case-insensitively at the start.
  return new RegExp(`^${src}$`, /^inbox/i.test(pattern) ? 'i' : '');
}

export function listMailboxes({ r, session, name }: CommandContext): void {
  r.sp();
  const ref = r.listMailbox();
  r.sp();
  const pat = r.listMailbox();
  r.end();
  const lsub = name === 'LSUB';
  if (pat === '' && !lsub) {
    // RFC 3501 §6.3.8: an empty pattern asks for the delimiter and the root.
    session.emit(`* LIST (\\Noselect) "/" ""\r\n`);
    return;
  }
  let full = ref;
  if (ref && !ref.endsWith('/') && !pat.startsWith('/')) full += '/';
  full = pat.startsWith('/') ? pat : full + pat;
  const re = listPattern(full);
  const entries = lsub ? lsubEntries(session.store, re) : session.store.list().filter((box) => re.test(box.name));
  for (const box of entries) {
    const attrs = box.attributes.join(' ');
    session.emit(Buffer.concat([Buffer.from(`* ${name} (${attrs}) ${quote('/')} `), stringBytes(box.name), Buffer.from('\r\n')]));
  }
}

export const list: CommandModule = { name: 'LIST', requires: 'authenticated', run: listMailboxes };
