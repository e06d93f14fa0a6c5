/**
 * Property: whatever mix of valid, malformed and half-valid commands a client sends (arguments
 * drawn from the IMAP grammar's pieces), each tagged command gets exactly one tagged answer,
 * in order, nothing turns into NO [SERVERBUG] or lab.error, and the lab keeps serving.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedLab } from '../../electron/lab/lab.js';
import { RawClient } from '../support/raw-client.js';
import { TEST_PASSWORD, TEST_USER, eventsOf, startTestLab } from '../support/lab.js';

let lab: StartedLab;
beforeAll(async () => {
  lab = await startTestLab({ imapsPort: null });
});
afterAll(() => lab.stop());

const NAMES = ['CAPABILITY', 'NOOP', 'SELECT', 'EXAMINE', 'CREATE', 'DELETE', 'RENAME', 'SUBSCRIBE', 'UNSUBSCRIBE', 'LIST', 'LSUB', 'STATUS', 'CHECK', 'CLOSE', 'EXPUNGE', 'SEARCH', 'FETCH', 'STORE', 'COPY', 'UID FETCH', 'UID SEARCH', 'UID STORE', 'UID COPY', 'UID EXPUNGE', 'NAMESPACE', 'ID', 'UNSELECT', 'APPEND', 'FROB'];
const ARGS = ['INBOX', 'inbox', '"Sent"', 'Trash', 'Fz/x', '""', '*', '%', '1', '1:*', '*:2', '2,4:5', '0', '99999', '(FLAGS)', '(UID ENVELOPE BODYSTRUCTURE)', 'BODY.PEEK[]', 'BODY[1.2.MIME]', 'BODY[HEADER.FIELDS (From)]', 'BODY[]<5.10>',
  'RFC822.SIZE', 'ALL', 'FAST', '+FLAGS', '-FLAGS.SILENT', 'FLAGS', '(\\Seen)', '(\\Deleted \\Flagged)', 'NOT', 'OR', 'SEEN', 'FROM', 'SUBJECT', 'UID', 'CHARSET', 'UTF-8', 'NIL', '(MESSAGES UNSEEN)', '("name" "fuzz")', '(', ')', '"unterminated', '\\', '{3+}\r\nabc', '[', ']', '<1.2>', 'BEFORE', '1-Jan-2020', 'x'.repeat(300)];

const command = fc.tuple(fc.constantFrom(...NAMES), fc.array(fc.constantFrom(...ARGS), { maxLength: 5 }));

describe('fuzzed command sequences', () => {
  it('one tagged answer per command, in order, no SERVERBUG, lab still serving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (cmds) => {
        const c = await RawClient.connect(lab.listeners.imap!.port);
        await c.line();
        await c.command('t0', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`);
        const script = cmds.map(([name, args], i) => `t${i + 1} ${[name, ...args].join(' ')}\r\n`).join('');
        c.send(script);
        c.send('zz NOOP\r\n');
        const lines = await c.response('zz', 10_000);
        const tagged = lines.filter((l) => /^t\d+ (OK|NO|BAD) /.test(l)).map((l) => l.split(' ')[0]);
        expect(tagged).toEqual(cmds.map((_, i) => `t${i + 1}`));
        expect(lines.some((l) => l.includes('[SERVERBUG]'))).toBe(false);
        c.close();
      }),
      { numRuns: 100 },
    );
    expect(eventsOf(lab).filter((e) => e.kind === 'lab.error')).toEqual([]);
  });
});
