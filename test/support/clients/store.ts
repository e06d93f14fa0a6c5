/** Read back what a client stored: Maildir folders, an mbox file, or one file per message. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { seedMessages } from '../../../electron/lab/mailbox/index.js';

/** Every message file in a directory (sorted by name), or none when it does not exist. */
export function filesIn(dir: string): Buffer[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).isFile())
    .map((p) => readFileSync(p));
}

/** The messages of one Maildir folder (new/ and cur/; tmp/ holds only unfinished deliveries). */
export function maildirMessages(folder: string): Buffer[] {
  return [...filesIn(join(folder, 'new')), ...filesIn(join(folder, 'cur'))];
}

/** The messages of an mbox file: each starts at a line "From " (mboxrd quotes body lines as ">From "). */
export function mboxMessages(file: string): Buffer[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'latin1');
  return text
    .split(/^(?=From )/m)
    .filter((m) => m.startsWith('From '))
    .map((m) => Buffer.from(m, 'latin1'));
}

/** The Message-ID of each message, in order (undefined where it has none). */
export function messageIds(messages: Buffer[]): Array<string | undefined> {
  return messages.map((m) => {
    const head = m.toString('latin1').split(/\r?\n\r?\n/, 1)[0];
    return /^message-id:[ \t]*(\S+)/im.exec(head)?.[1];
  });
}

/** The stable part of a seeded Message-ID (`<seed-001.…@…>` → `seed-001`). */
export function seedKey(messageId: string | undefined): string | undefined {
  return /^<(seed-\d+)\./.exec(messageId ?? '')?.[1];
}

/** The seeded INBOX as seed keys: what a client that downloads everything must have stored. */
export function seededInboxKeys(user: string): Array<string | undefined> {
  return seedMessages({ user })
    .filter((m) => m.mailbox === 'INBOX')
    .map((m) => seedKey(/^message-id:\s*(\S+)/im.exec(m.raw.toString('latin1'))?.[1]));
}
