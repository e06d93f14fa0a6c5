/**
 * The lab against the reference server: Dovecot 2.3 serving the same Maildir must give the
 * same FETCH answers (ENVELOPE, BODYSTRUCTURE, BODY, sizes, sections, partials) and SEARCH
 * results. Differences that IMAP allows are normalised away: letter case of MIME tokens
 * (Dovecot lower-cases, Cyrus and the lab upper-case) and literal versus quoted strings.
 * Both keep \Recent the same way: every session here EXAMINEs, which does not take it.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedLab } from '../../electron/lab/lab.js';
import { createSeededStore, writeMaildir } from '../../electron/lab/mailbox/index.js';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { TEST_PASSWORD, TEST_USER, startTestLab, tempDir } from '../support/lab.js';
import { RawClient } from '../support/raw-client.js';

let lab: StartedLab;
let dovecot: DovecotServer;

beforeAll(async () => {
  const dir = tempDir('mp-dcref-');
  chmodSync(dir, 0o755);
  const maildir = join(dir, 'mail');
  writeMaildir(createSeededStore({ user: TEST_USER }), maildir);
  dovecot = await startDovecot({ dir: join(dir, 'dovecot'), maildir, user: TEST_USER, password: TEST_PASSWORD, processLimit: 20 });
  lab = await startTestLab({ mailbox: maildir, imapsPort: null });
});
afterAll(async () => {
  dovecot?.stop();
  await lab?.stop();
});

/** A literal `{n}CRLF<n bytes>` as the quoted string it could have been, when it can. */
function unliteral(text: string): string {
  let out = '';
  let i = 0;
  const re = /\{(\d+)\}\r\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const n = Number(m[1]);
    const data = text.slice(m.index + m[0].length, m.index + m[0].length + n);
    out += text.slice(i, m.index) + (/[\r\n\0\x80-\xff]/.test(data) ? m[0] + data : `"${data.replace(/[\\"]/g, (c) => '\\' + c)}"`);
    i = m.index + m[0].length + n;
    re.lastIndex = i;
  }
  return out + text.slice(i);
}

async function ask(port: number, command: string): Promise<string> {
  const c = await RawClient.connect(port);
  await c.line();
  await c.command('a', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`);
  await c.command('b', 'EXAMINE INBOX');
  c.send(`c ${command}\r\n`);
  await c.response('c', 10_000);
  const all = c.received().toString('latin1');
  c.close();
  const start = all.indexOf('b OK');
  const body = all.slice(all.indexOf('\r\n', start) + 2, all.lastIndexOf('c OK'));
  return unliteral(body);
}

const STRUCTURE = ['ENVELOPE', 'BODYSTRUCTURE', 'BODY', 'RFC822.SIZE FLAGS'];
const BYTES = ['BODY.PEEK[HEADER]', 'BODY.PEEK[TEXT]<0.200>', 'BODY.PEEK[1]', 'BODY.PEEK[1.MIME]', 'BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]', 'RFC822.HEADER'];

describe('same answers as Dovecot 2.3 on the same Maildir', () => {
  for (const items of STRUCTURE) {
    it(`FETCH 1:* (${items})`, async () => {
      const [mine, ref] = await Promise.all([ask(lab.listeners.imap!.port, `FETCH 1:* (${items})`), ask(dovecot.port, `FETCH 1:* (${items})`)]);
      expect(mine.split('\r\n').length).toBeGreaterThan(10);
      expect(mine.toUpperCase()).toBe(ref.toUpperCase());
    });
  }

  for (const items of BYTES) {
    it(`FETCH 1:* (${items}) byte for byte`, async () => {
      const [mine, ref] = await Promise.all([ask(lab.listeners.imap!.port, `FETCH 1:* (${items})`), ask(dovecot.port, `FETCH 1:* (${items})`)]);
      // Dovecot names RFC822.HEADER's section in upper case too; only the item label may differ in case.
      expect(mine).toBe(ref.replace(/BODY\[HEADER\.FIELDS \(SUBJECT FROM\)\]/g, 'BODY[HEADER.FIELDS (SUBJECT FROM)]'));
    });
  }

  for (const query of ['SEARCH SEEN', 'SEARCH UNSEEN', 'SEARCH FROM "example"', 'SEARCH SUBJECT "mail"', 'SEARCH LARGER 2000', 'SEARCH OR FLAGGED ANSWERED', 'UID SEARCH ALL']) {
    it(query, async () => {
      const [mine, ref] = await Promise.all([ask(lab.listeners.imap!.port, query), ask(dovecot.port, query)]);
      expect(mine).toBe(ref);
    });
  }
});
