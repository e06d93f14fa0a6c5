/** LIST (RFC 3501 §6.3.8): "*" matches across levels, "%" within one. LSUB (lsub.ts) shares it. */
import { quote, stringBytes } from '../codec/encoder.js';
import type { CommandContext, CommandModule } from './types.js';

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
  for (const box of session.store.list()) {
    if (lsub && !box.subscribed) continue;
    if (!re.test(box.name)) continue;
    const attrs = box.attributes.join(' ');
    session.emit(Buffer.concat([Buffer.from(`* ${name} (${attrs}) ${quote('/')} `), stringBytes(box.name), Buffer.from('\r\n')]));
  }
}

export const list: CommandModule = { name: 'LIST', requires: 'authenticated', run: listMailboxes };
