/**
 * Dovecot 2.3's pop3 (dovecot-pop3d) as the reference for the lab's POP3 behaviour. The same
 * command sequences go to a private Dovecot and to the lab, both serving the same 22 seeded
 * messages; every answer must agree in status (+OK / -ERR / SASL "+"), in having a multi-line
 * body or not, and in the facts: counts and sizes (STAT, LIST), message bytes (RETR, TOP),
 * message numbers and the UID part of each UIDL, capabilities, mechanisms, what a DELE does at
 * QUIT and without it. Texts after the status differ (each server words its own), and so do a
 * few deliberate points, each listed in DELIBERATE and in electron/lab/pop3/README.md.
 */
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededStore, writeMaildir } from '../../electron/lab/mailbox/index.js';
import type { StartedLab } from '../../electron/lab/lab.js';
import { dovecotAvailable, startDovecot, type DovecotServer } from '../support/dovecot.js';
import { startTestLab, tempDir, TEST_PASSWORD, TEST_USER } from '../support/lab.js';
import { Pop3Script, type Pop3Answer } from '../support/pop3-script.js';

/** The lab's deliberate differences from Dovecot (see electron/lab/pop3/README.md). */
const DELIBERATE = {
  /** The lab always has its certificate: it offers STLS; this Dovecot runs with ssl = no. */
  labOnlyCapabilities: ['STLS', 'IMPLEMENTATION Mailprobe'],
  /**
   * Dovecot's pop3-login closes after 3 refused commands before login; the lab answers up to
   * MAX_BAD_COMMANDS (20) so that a confused phone's next commands are seen and recorded.
   */
  dovecotPreLoginBadCommands: 3,
};

const b64 = (s: string) => Buffer.from(s).toString('base64');

let work: string;
let dovecot: DovecotServer;
let lab: StartedLab;

beforeAll(async () => {
  if (!dovecotAvailable()) throw new Error('dovecot-pop3d is needed (Debian dovecot-core, dovecot-pop3d)');
  work = tempDir('mp-pop3-ref-');
  chmodSync(work, 0o755); // Dovecot's processes (nobody) must reach their files
  const store = createSeededStore({ user: TEST_USER });
  writeMaildir(store, join(work, 'mail'));
  dovecot = await startDovecot({
    dir: join(work, 'dovecot'),
    maildir: join(work, 'mail'),
    user: TEST_USER,
    password: TEST_PASSWORD,
    pop3: true,
    // The lab's defaults: plaintext allowed without TLS, its four SASL mechanisms, APOP offered.
    settings: 'disable_plaintext_auth = no\nauth_mechanisms = plain login cram-md5 digest-md5 apop',
  });
  lab = await startTestLab({ imapPort: null, imapsPort: null, pop3Port: 0, pop3sPort: null, store });
}, 30_000);

afterAll(async () => {
  dovecot?.stop();
  await lab?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** One step: a line to send, or one computed from the greeting and the previous answer (SASL). */
type Step = string | { line: (greeting: string, previous: Pop3Answer | undefined) => string; multiline?: boolean };

/** Run `steps` in one connection; a step after the server closed gives a "closed" answer. */
async function session(port: number, steps: Step[]): Promise<{ greeting: string; answers: Pop3Answer[] }> {
  const s = await Pop3Script.open(port);
  const answers: Pop3Answer[] = [];
  try {
    for (const step of steps) {
      const previous = answers.at(-1);
      if (previous?.status === 'closed') {
        answers.push({ sent: typeof step === 'string' ? step : '(computed)', ok: false, status: 'closed', text: '' });
        continue;
      }
      if (typeof step === 'string') answers.push(await s.send(step));
      else {
        // A computed line (a digest, a SASL response) differs between the servers: name it only.
        const a = await s.send(step.line(s.greeting, previous), step.multiline ?? false);
        answers.push({ ...a, sent: /^APOP /.test(a.sent) ? 'APOP (digest)' : '(SASL response)' });
      }
      if (answers.at(-1)!.sent.toUpperCase() === 'QUIT') await s.client.closedByServer().catch(() => undefined);
    }
  } finally {
    s.close();
  }
  return { greeting: s.greeting, answers };
}

/** Both servers, the same steps, one after the other (the sequences change the mailboxes alike). */
async function both(steps: Step[]): Promise<{ dovecot: Pop3Answer[]; lab: Pop3Answer[]; greetings: [string, string] }> {
  const d = await session(dovecot.pop3Port!, steps);
  const l = await session(lab.listeners.pop3!.port, steps);
  return { dovecot: d.answers, lab: l.answers, greetings: [d.greeting, l.greeting] };
}

/** What must agree between the two servers, per answer: the status, the body's presence, the facts. */
function facts(a: Pop3Answer): unknown {
  const verb = a.sent.split(' ')[0].toUpperCase();
  const base = { sent: a.sent.length > 40 ? `${a.sent.slice(0, 20)}… (${a.sent.length} bytes)` : a.sent, status: a.status, body: a.body !== undefined };
  if (!a.ok) return base;
  switch (verb) {
    case 'STAT':
      return { ...base, text: a.text };
    case 'LIST':
      return { ...base, text: a.body ? undefined : a.text, lines: a.body };
    case 'UIDL':
      // RFC 1939 §7: a unique-id per message; the UID half is the same, UIDVALIDITY differs.
      return { ...base, lines: (a.body ?? [a.text]).map(uidlFact) };
    case 'RETR':
    case 'TOP':
      return { ...base, lines: a.body };
    case 'CAPA':
      return { ...base, lines: (a.body ?? []).filter((c) => !DELIBERATE.labOnlyCapabilities.includes(c)).sort() };
    case 'AUTH':
      return { ...base, lines: a.body };
    default:
      return base;
  }
}

function uidlFact(line: string): string {
  const m = /^(\d+) ([0-9a-fA-F]{8})([0-9a-fA-F]{8})$/.exec(line);
  return m ? `${m[1]} uid ${m[2].toLowerCase()}` : `unexpected: ${line}`;
}

function expectSameBehaviour(r: { dovecot: Pop3Answer[]; lab: Pop3Answer[] }): void {
  expect(r.lab.map(facts)).toEqual(r.dovecot.map(facts));
}

const login: Step[] = [`USER ${TEST_USER}`, `PASS ${TEST_PASSWORD}`];

describe('the lab answers as Dovecot pop3 does', () => {
  it('greeting: +OK with an APOP timestamp (RFC 1939 §7) on both', async () => {
    const r = await both(['QUIT']);
    for (const g of r.greetings) expect(g).toMatch(/^\+OK .*<[^<>@\s]+@[^<>\s]+>$/);
    expectSameBehaviour(r);
  });

  it('CAPA before and after login, and the SASL mechanisms a bare AUTH lists', async () => {
    const r = await both(['CAPA', 'AUTH', ...login, 'CAPA', 'QUIT']);
    expectSameBehaviour(r);
    const labCaps = r.lab[0].body!;
    for (const c of DELIBERATE.labOnlyCapabilities) expect(labCaps).toContain(c);
    expect(r.dovecot[0].body).toContain('USER');
    expect(r.lab[4].body).not.toContain('USER');
  });

  it('USER/PASS: a wrong password, then the right one; STAT, LIST, UIDL, TOP n 0, RETR', async () => {
    const r = await both([`USER ${TEST_USER}`, 'PASS wrong', ...login, 'STAT', 'LIST', 'LIST 1', 'UIDL', 'UIDL 1', 'TOP 1 0', 'TOP 2 3', 'RETR 1', 'RETR 4', 'NOOP', 'QUIT']);
    expectSameBehaviour(r);
    expect(r.lab[1].text).toMatch(/^\[AUTH\]/);
    expect(r.lab[5].body).toHaveLength(22);
  });

  it('APOP with the greeting timestamp, and a wrong digest', async () => {
    const apop = (password: string): Step => ({ line: (g) => `APOP ${TEST_USER} ${createHash('md5').update(/<[^>]+>/.exec(g)![0] + password).digest('hex')}` });
    const r = await both([apop('wrong'), apop(TEST_PASSWORD), 'STAT', 'QUIT']);
    expectSameBehaviour(r);
    expect(r.lab.map((a) => a.status)).toEqual(['-ERR', '+OK', '+OK', '+OK']);
  });

  it('AUTH PLAIN with an initial response, AUTH PLAIN cancelled with *, an unknown mechanism', async () => {
    const r = await both(['AUTH FOO', 'AUTH PLAIN', { line: () => '*' }, `AUTH PLAIN ${b64(`\0${TEST_USER}\0${TEST_PASSWORD}`)}`, 'STAT', 'QUIT']);
    expectSameBehaviour(r);
    expect(r.lab.map((a) => a.status)).toEqual(['-ERR', '+', '-ERR', '+OK', '+OK', '+OK']);
  });

  it('AUTH LOGIN and AUTH CRAM-MD5 (RFC 5034 challenges)', async () => {
    const cram: Step = { line: (_g, prev) => b64(`${TEST_USER} ${createHmac('md5', TEST_PASSWORD).update(Buffer.from(prev!.text, 'base64')).digest('hex')}`) };
    const viaLogin = await both(['AUTH LOGIN', { line: () => b64(TEST_USER) }, { line: () => b64(TEST_PASSWORD) }, 'STAT', 'QUIT']);
    expectSameBehaviour(viaLogin);
    expect(viaLogin.lab.map((a) => a.status)).toEqual(['+', '+', '+OK', '+OK', '+OK']);
    // The same prompts: "Username:" and "Password:" in base64.
    expect(viaLogin.lab.slice(0, 2).map((a) => a.text)).toEqual(viaLogin.dovecot.slice(0, 2).map((a) => a.text));
    const viaCram = await both(['AUTH CRAM-MD5', cram, 'STAT', 'QUIT']);
    expectSameBehaviour(viaCram);
    expect(viaCram.lab.map((a) => a.status)).toEqual(['+', '+OK', '+OK', '+OK']);
  });

  it('errors: unknown command, a command before login, RETR out of range or malformed, PASS without USER', async () => {
    const before = await both(['FOO', 'STAT', 'QUIT']);
    expectSameBehaviour(before);
    expect(before.lab.map((a) => a.status)).toEqual(['-ERR', '-ERR', '+OK']);
    const noUser = await both(['PASS x', 'QUIT']);
    expectSameBehaviour(noUser);
    const after = await both([...login, 'FOO', 'RETR 99', 'RETR 0', 'RETR x', 'RETR', 'LIST 99', 'TOP 1', 'QUIT']);
    expectSameBehaviour(after);
    expect(after.lab.slice(2, 8).map((a) => a.status)).toEqual(Array(6).fill('-ERR'));
  });

  it(`deliberate: Dovecot closes after ${DELIBERATE.dovecotPreLoginBadCommands} refused commands before login, the lab keeps answering`, async () => {
    const r = await both(['FOO', 'BAR', 'BAZ', 'CAPA']);
    expect(r.dovecot.at(-1)!.status).not.toBe('+OK');
    expect(r.lab.at(-1)!.status).toBe('+OK');
  });

  it('a too-long line: -ERR and the connection closed, before and after login', async () => {
    const long = 'X'.repeat(20_000);
    const r1 = await both([long, 'CAPA']);
    expectSameBehaviour(r1);
    expect(r1.lab.map((a) => a.status)).toEqual(['-ERR', 'closed']);
    const r2 = await both([...login, long, 'NOOP']);
    expectSameBehaviour(r2);
    expect(r2.lab.map((a) => a.status)).toEqual(['+OK', '+OK', '-ERR', 'closed']);
  });

  it('DELE then RSET: nothing marked; DELE twice, RETR of a deleted message', async () => {
    const r = await both([...login, 'DELE 1', 'DELE 1', 'RETR 1', 'LIST 1', 'STAT', 'RSET', 'STAT', 'LIST', 'QUIT']);
    expectSameBehaviour(r);
    expect(r.lab.map((a) => a.status)).toEqual(['+OK', '+OK', '+OK', '-ERR', '-ERR', '-ERR', '+OK', '+OK', '+OK', '+OK', '+OK']);
    const next = await both([...login, 'STAT', 'QUIT']);
    expectSameBehaviour(next);
    expect(next.lab[2].text).toMatch(/^22 /);
  });

  it('DELE then a hang-up without QUIT deletes nothing (RFC 1939 §6)', async () => {
    const d = await session(dovecot.pop3Port!, [...login, 'DELE 1']);
    const l = await session(lab.listeners.pop3!.port, [...login, 'DELE 1']);
    expect(l.answers.map(facts)).toEqual(d.answers.map(facts));
    await new Promise((r) => setTimeout(r, 300)); // both servers see the close
    const next = await both([...login, 'STAT', 'UIDL', 'QUIT']);
    expectSameBehaviour(next);
    expect(next.lab[2].text).toMatch(/^22 /);
  });

  it('DELE then QUIT: gone in the next session, which numbers the rest 1…n again', async () => {
    const r = await both([...login, 'DELE 1', 'DELE 2', 'QUIT']);
    expectSameBehaviour(r);
    const next = await both([...login, 'STAT', 'LIST', 'UIDL', 'UIDL 1', 'LIST 21', 'TOP 1 0', 'QUIT']);
    expectSameBehaviour(next);
    expect(next.lab[2].text).toMatch(/^20 /);
    // Message 1 is now what was message 3: its UID part says so on both.
    expect(uidlFact(next.lab[5].text)).toBe('1 uid 00000003');
    expect(next.lab[6].status).toBe('-ERR');
  });
});
