/**
 * The message spool on a real directory: `.part` files created ahead on the thread pool, a
 * message begun before its file exists (its bytes held, the session told when it may read on),
 * unused files kept as spares, and nothing left in incoming/ once the lab stops.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MailStore } from '../../electron/lab/mailbox/index.js';
import { DEFAULT_SMTP_LIMITS, MessageSpool } from '../../electron/lab/smtp/index.js';
import { SPARE_MESSAGE_FILES } from '../../electron/lab/smtp/spool.js';
import { tempDir } from '../support/temp.js';

function newSpool(): { spool: MessageSpool; session: string; store: MailStore } {
  const session = tempDir('mp-spool-');
  const store = new MailStore({ storeDir: join(session, 'store') });
  return { spool: new MessageSpool(join(session, 'messages'), store, DEFAULT_SMTP_LIMITS), session, store };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('message spool', () => {
  it('begins a message before its file exists: the bytes are held, the wait ends once it exists, every byte is kept in order', async () => {
    const { spool, session, store } = newSpool();
    const reserved = spool.reserve();
    const writer = spool.begin(reserved);
    expect(writer.ready).toBe(false);
    let resumed = 0;
    writer.whenOpen(() => (resumed += 1));
    writer.write([Buffer.from('Subject: early\r\n')]);
    await spool.settled();
    expect(writer.ready).toBe(true);
    expect(resumed).toBe(1);
    writer.write([Buffer.from('\r\nbody\r\n')]);
    const captured = writer.commit();
    expect(captured).toMatchObject({ path: 'messages/0001.eml', size: 24, subject: 'early', delivered: true });
    expect(readFileSync(join(session, captured.path), 'latin1')).toBe('Subject: early\r\n\r\nbody\r\n');
    // The INBOX copy is the same bytes, served with the size measured while they were written.
    expect(store.messages('INBOX').at(-1)!.size).toBe(24);
    await spool.settled();
    spool.tidy();
    expect(existsSync(join(session, 'incoming'))).toBe(false);
  });

  it('keeps spare files ahead, takes them back when a session leaves without DATA, and removes them when the lab stops', async () => {
    const { spool, session } = newSpool();
    const first = spool.reserve();
    await tick(); // the spares are created after the turn that asked for one
    await spool.settled();
    const incoming = join(session, 'incoming');
    expect(readdirSync(incoming)).toHaveLength(SPARE_MESSAGE_FILES + 1);
    // Every spare taken; a phone that logged in and left gives its file back for the next one (not removed and created again).
    const taken = Array.from({ length: SPARE_MESSAGE_FILES }, () => spool.reserve());
    taken[0].release();
    const again = spool.reserve();
    expect(again).toBe(taken[0]);
    first.release();
    for (const r of taken.slice(1)) r.release();
    const writer = spool.begin(again);
    expect(writer.ready).toBe(true);
    writer.write([Buffer.from('Subject: spare\r\n\r\nx\r\n')]);
    expect(writer.commit().subject).toBe('spare');
    await tick();
    await spool.settled();
    expect(readdirSync(incoming).length).toBeLessThanOrEqual(SPARE_MESSAGE_FILES + 1);
    spool.tidy();
    expect(existsSync(incoming)).toBe(false);
    expect(readdirSync(join(session, 'messages'))).toEqual(['0001.eml']);
  });

  it('drops a message refused before its file exists: nothing kept, and the session is told to read on', async () => {
    const { spool, session } = newSpool();
    const writer = spool.begin(spool.reserve());
    let resumed = false;
    writer.whenOpen(() => (resumed = true));
    writer.write([Buffer.from('Subject: too big\r\n')]);
    writer.abort();
    expect(resumed).toBe(true);
    await tick();
    await spool.settled();
    spool.tidy();
    expect(existsSync(join(session, 'messages'))).toBe(false);
    expect(existsSync(join(session, 'incoming'))).toBe(false);
  });
});
