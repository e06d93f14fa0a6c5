import { Pop3Error } from '../errors.js';
import type { Pop3Session } from '../session.js';
import type { StoredMessage } from '../../mailbox/types.js';

/** A message-number argument (RFC 1939 §3: a decimal number, 1-based). */
export function messageNumber(arg: string | undefined): number {
  if (arg === undefined || !/^\d{1,9}$/.test(arg)) throw new Pop3Error('syntax', 'Invalid message number.');
  return Number(arg);
}

/** The message `n` of the maildrop, or the refusal RFC 1939 asks for (no such message / deleted). */
export function liveMessage(session: Pop3Session, n: number): StoredMessage {
  const drop = session.maildrop!;
  if (drop.isDeleted(n)) throw new Pop3Error('already-deleted');
  const m = drop.get(n);
  if (!m) throw new Pop3Error('no-such-message');
  return m;
}

export function words(args: string): string[] {
  return args.split(' ').filter((w) => w.length > 0);
}
