/**
 * The seed's Nokia 6233 exchanges, replayed byte for byte over a real socket, in both
 * empty-line modes: strict answers the stray CRLF like Cyrus ("* BAD Invalid tag"), lenient
 * says nothing. The replies are the Cyrus ones the seed shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnose } from '../../electron/lab/diagnosis/index.js';
import type { StartedLab } from '../../electron/lab/lab.js';
import { RawClient } from '../support/raw-client.js';
import { TEST_PASSWORD, TEST_USER, eventsOf, startTestLab, transcript } from '../support/lab.js';
import { cramMd5Response, digestMd5Response } from '../../electron/lab/simulate/sasl.js';

const labs: Record<'strict' | 'lenient', StartedLab> = {} as never;

beforeAll(async () => {
  labs.strict = await startTestLab({ emptyLine: 'strict', imapsPort: null });
  labs.lenient = await startTestLab({ emptyLine: 'lenient', imapsPort: null });
});
afterAll(async () => {
  await Promise.all(Object.values(labs).map((l) => l.stop()));
});

async function greeted(lab: StartedLab): Promise<RawClient> {
  const c = await RawClient.connect(lab.listeners.imap!.port);
  expect(await c.line()).toMatch(/^\* OK /);
  return c;
}

/** AUTHENTICATE DIGEST-MD5 as the 6233 does it: response, then the empty line after rspauth. */
async function digest(c: RawClient, tag: string): Promise<void> {
  c.send(`${tag} AUTHENTICATE DIGEST-MD5\r\n`);
  const ch = await c.line();
  expect(ch).toMatch(/^\+ \S+$/);
  const { response: b64, rspauth } = digestMd5Response(TEST_USER, TEST_PASSWORD, ch.slice(2), 'mail.lab');
  c.send(b64 + '\r\n');
  const second = await c.line();
  expect(Buffer.from(second.slice(2), 'base64').toString()).toBe(`rspauth=${rspauth}`);
  c.send('\r\n');
  expect(await c.line()).toBe(`${tag} OK Success (no protection)`);
}

/** NOOP, EXPUNGE, CLOSE, LOGOUT with the replies Cyrus gave the phone (seed). */
async function afterAuthTail(c: RawClient, first: number): Promise<void> {
  const t = (n: number) => `A${first + n}`;
  expect(await c.command(t(0), 'NOOP')).toEqual([`${t(0)} OK Completed`]);
  expect(await c.command(t(1), 'EXPUNGE')).toEqual([`${t(1)} BAD Please select a mailbox first`]);
  expect(await c.command(t(2), 'CLOSE')).toEqual([`${t(2)} BAD Please select a mailbox first`]);
  expect(await c.command(t(3), 'LOGOUT')).toEqual(['* BYE LOGOUT received', `${t(3)} OK Completed`]);
  await c.closedByServer();
}

for (const mode of ['strict', 'lenient'] as const) {
  describe(`Nokia 6233 replay, empty-line ${mode}`, () => {
    it('CRAM-MD5 with the stray CRLF after the OK', async () => {
      const lab = labs[mode];
      const c = await greeted(lab);
      c.send('A0 AUTHENTICATE CRAM-MD5\r\n');
      const ch = await c.line();
      expect(ch).toMatch(/^\+ \S+$/);
      c.send(cramMd5Response(TEST_USER, TEST_PASSWORD, ch.slice(2)) + '\r\n');
      expect(await c.line()).toBe('A0 OK Success (no protection)');
      c.send('\r\n');
      if (mode === 'strict') expect(await c.line()).toBe('* BAD Invalid tag');
      else expect(await c.silence(100)).toBe('');
      await afterAuthTail(c, 1);

      const evs = eventsOf(lab);
      const conn = evs.filter((e) => e.kind === 'conn.open').at(-1)!.conn!;
      const auth = evs.find((e) => e.kind === 'auth' && e.conn === conn);
      expect(auth).toMatchObject({ mechanism: 'CRAM-MD5', user: TEST_USER, ok: true });
      const lines = transcript(evs, conn);
      const stray = lines.indexOf('C: \r\n');
      expect(stray).toBeGreaterThan(0);
      expect(lines[stray + 1]).toBe(mode === 'strict' ? 'S: * BAD Invalid tag\r\n' : 'C: A1 NOOP\r\n');
      // The CRAM-MD5 response line is a secret.
      const resp = evs.find((e) => e.kind === 'c2s' && e.conn === conn && e.secrets);
      expect(resp).toBeDefined();
      // What the technician is told from this record: the phone ignored a successful login,
      // and in strict mode the stray CRLF drew Cyrus's "* BAD Invalid tag".
      const ids = diagnose(evs.filter((e) => !('conn' in e) || e.conn === conn)).findings.map((f) => f.id);
      expect(ids).toContain('auth-success-ignored');
      expect(ids).toContain('empty-line-after-auth');
    });

    it('DIGEST-MD5 (no stray CRLF)', async () => {
      const c = await greeted(labs[mode]);
      await digest(c, 'A0');
      await afterAuthTail(c, 1);
    });

    it('"Automatic": CAPABILITY, DIGEST-MD5, CRAM-MD5, LOGIN, then the tail', async () => {
      const c = await greeted(labs[mode]);
      const cap = await c.command('A0', 'CAPABILITY');
      expect(cap[0]).toMatch(/^\* CAPABILITY IMAP4rev1 /);
      for (const k of ['LITERAL+', 'IDLE', 'STARTTLS', 'AUTH=CRAM-MD5', 'AUTH=DIGEST-MD5', 'ID', 'NAMESPACE', 'UNSELECT']) expect(cap[0].split(' ')).toContain(k);
      expect(cap[1]).toBe('A0 OK Completed');
      await digest(c, 'A1');
      expect(await c.command('A2', 'AUTHENTICATE CRAM-MD5')).toEqual(['A2 BAD Already authenticated']);
      expect(await c.command('A3', `LOGIN "${TEST_USER}" "${TEST_PASSWORD}"`)).toEqual(['A3 BAD Already logged in']);
      await afterAuthTail(c, 4);
    });
  });
}
