/**
 * INTERIM, for the in-memory MailStore only: `appendFrom` by reading the file into memory.
 * The on-disk store keeps the file instead; when it lands, this file and MailStore.appendFrom's
 * one-line call to it go away.
 */
import { readFileSync, rmSync } from 'node:fs';
import { StoreError } from './types.js';

/**
 * The bytes of a spooled message, refused before reading when over the store's limit. The file
 * is removed only by `consume`, once the store kept the message (the caller owns it otherwise).
 */
export function readSpooledMessage(source: { path: string; size: number }, maxMessageBytes: number): { raw: Buffer; consume(): void } {
  if (source.size > maxMessageBytes) throw new StoreError('too-big', `message of ${source.size} bytes exceeds the limit of ${maxMessageBytes}`);
  const raw = readFileSync(source.path);
  return { raw, consume: () => rmSync(source.path, { force: true }) };
}
