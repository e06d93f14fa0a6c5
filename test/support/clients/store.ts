/** Read back what a client stored: Maildir folders, an mbox file, or one file per message. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
