/** Shared by the mailbox commands: StoreError → NO mapping, mailbox name normalisation. */
import { StoreError } from '../../mailbox/types.js';
import { ImapNo } from '../errors.js';

/** RFC 3501 §5.1: INBOX is case-insensitive, also as the first level of a hierarchy. */
export function normalizeMailbox(name: string): string {
  const slash = name.indexOf('/');
  const first = slash === -1 ? name : name.slice(0, slash);
  return first.toUpperCase() === 'INBOX' ? 'INBOX' + (slash === -1 ? '' : name.slice(slash)) : name;
}

/** RFC 5530 response codes for the store's typed failures. `tryCreate` for APPEND/COPY (RFC 3501 §6.3.11). */
export function storeCall<T>(fn: () => T, tryCreate = false): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    switch (err.code) {
      case 'nonexistent':
        throw new ImapNo('Mailbox does not exist', tryCreate ? 'TRYCREATE' : 'NONEXISTENT');
      case 'already-exists':
        throw new ImapNo('Mailbox already exists', 'ALREADYEXISTS');
      case 'cannot-delete-inbox':
        throw new ImapNo('INBOX cannot be deleted', 'CANNOT');
      case 'has-children':
        throw new ImapNo('Mailbox has children', 'INUSE');
      case 'invalid-name':
        throw new ImapNo('Invalid mailbox name', 'CANNOT');
      case 'too-big':
        throw new ImapNo('Message too big', 'TOOBIG');
      case 'too-many-keywords':
        throw new ImapNo('Too many keywords in this mailbox', 'LIMIT');
    }
  }
}
