/**
 * Bad input: each gets a clean BAD/BYE or close, an event saying what arrived, bounded
 * memory, and the lab keeps serving others. Limits are shrunk through options to keep this fast.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import type { StartedLab } from '../../electron/lab/lab.js';
import { MAX_EVENT_PAYLOAD_BYTES, decodeBytes } from '../../electron/lab/recorder/index.js';
import { MAX_LINE_BYTES, MAX_LITERALS_PER_COMMAND, MAX_PREAUTH_LITERAL_BYTES, REJECTED_SAMPLE_BYTES } from '../../electron/lab/imap/limits.js';
import { RawClient, dropAndDrain, idleConnections } from '../support/raw-client.js';
import { TEST_PASSWORD, TEST_USER, closeOf, connOf, eventsOf, startTestLab, waitForEvent } from '../support/lab.js';

let lab: StartedLab;
let port: number;

beforeAll(async () => {
  lab = await startTestLab({ imapsPort: null });
  port = lab.listeners.imap!.port;
});
afterAll(() => lab.stop());

async function greeted(p = port): Promise<RawClient> {
  const c = await RawClient.connect(p);
  expect(await c.line()).toMatch(/^\* OK /);
  return c;
}

/** The lab still serves a normal client: login, select, fetch, logout. */
async function stillServes(p = port): Promise<void> {
  const c = await greeted(p);
  expect((await c.command('z1', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`)).at(-1)).toBe('z1 OK User logged in');
  expect((await c.command('z2', 'SELECT INBOX')).at(-1)).toMatch(/^z2 OK /);
  expect((await c.command('z3', 'FETCH 1 (FLAGS)')).at(-1)).toBe('z3 OK Completed');
  await c.command('z4', 'LOGOUT');
  c.close();
}

function rejectedOf(l: StartedLab, conn: string, what: string): LabEvent | undefined {
  return eventsOf(l).find((e) => e.kind === 'input.rejected' && e.conn === conn && e.what === what);
}

describe('hostile and broken input', () => {
  it('random bytes: BAD answers, then BYE after too many, all bytes recorded', async () => {
    const c = await greeted();
    const conn = await connOf(lab, c);
    const junk = Buffer.concat([Buffer.from('x'), randomBytes(20_000)]);
    c.send(junk);
    const rest = await c.closedByServer();
    expect(rest).toMatch(/BAD/);
    expect(rest).toMatch(/\* BYE Too many invalid commands\r\n$/);
    expect(rejectedOf(lab, conn, 'too-many-bad-commands')).toBeDefined();
    await closeOf(lab, conn);
    await stillServes();
  });

  it('a 2 MB line: BYE, the first 64 KiB recorded with the true length, close', async () => {
    const c = await greeted();
    const conn = await connOf(lab, c);
    c.send(Buffer.alloc(2 * 1024 * 1024, 'a'));
    c.send('\r\n');
    const rest = await c.closedByServer();
    expect(rest).toContain(`* BYE Command line too long (limit ${MAX_LINE_BYTES} bytes)`);
    const evs = eventsOf(lab);
    const big = evs.find((e) => e.kind === 'c2s' && e.conn === conn && e.truncated);
    expect(big).toBeDefined();
    if (big?.kind !== 'c2s') throw new Error('unreachable');
    expect(big.text!.length).toBeLessThanOrEqual(MAX_EVENT_PAYLOAD_BYTES);
    expect(big.truncated).toBeGreaterThan(MAX_LINE_BYTES);
    const rej = rejectedOf(lab, conn, 'line-too-long');
    expect(rej && rej.kind === 'input.rejected' && rej.sample).toBe('a'.repeat(REJECTED_SAMPLE_BYTES));
    await stillServes();
  });

  it('{4294967295}: tagged NO [TOOBIG] without waiting for the bytes; the session goes on', async () => {
    const c = await greeted();
    const conn = await connOf(lab, c);
    await c.command('a1', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`);
    c.send('a2 APPEND INBOX {4294967295}\r\n');
    expect(await c.line()).toMatch(/^a2 NO \[TOOBIG\] Literal too large/);
    expect(await c.command('a3', 'NOOP')).toEqual(['a3 OK Completed']);
    expect(rejectedOf(lab, conn, 'literal-too-large')).toMatchObject({ what: 'literal-too-large' });
    c.close();
  });

  it('before login, literals are limited to a few KiB (MAX_PREAUTH_LITERAL_BYTES)', async () => {
    const c = await greeted();
    c.send(`a1 LOGIN {${MAX_PREAUTH_LITERAL_BYTES + 1}}\r\n`);
    expect(await c.line()).toBe(`a1 NO [TOOBIG] Literal too large (limit ${MAX_PREAUTH_LITERAL_BYTES} bytes)`);
    c.send(`a2 LOGIN {${TEST_USER.length}}\r\n`);
    expect(await c.line()).toBe('+ Ready for literal data');
    c.send(`${TEST_USER} ${TEST_PASSWORD}\r\n`);
    expect(await c.line()).toBe('a2 OK User logged in');
    c.close();
  });

  it('a command of endless small literals is cut off at MAX_LITERALS_PER_COMMAND', async () => {
    const c = await greeted();
    const conn = await connOf(lab, c);
    await c.command('a1', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`);
    c.send('a2 SEARCH' + ' TEXT {1+}\r\nx'.repeat(MAX_LITERALS_PER_COMMAND + 5) + '\r\n');
    expect(await c.closedByServer()).toMatch(/\* BYE Too many literals in one command/);
    expect(rejectedOf(lab, conn, 'too-many-literals')).toBeDefined();
  });

  it('{4294967295+} (LITERAL+): a clean BYE, since the bytes would come anyway', async () => {
    const c = await greeted();
    await c.command('a1', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`);
    c.send('a2 APPEND INBOX {4294967295+}\r\nxxxxxxxx');
    expect(await c.closedByServer()).toMatch(/^\* BYE Literal too large/);
    await stillServes();
  });

  it('a TLS ClientHello on the plaintext port: tls-on-plaintext-port and a human BYE', async () => {
    const c = await greeted();
    const conn = await connOf(lab, c);
    // The start of a real TLS 1.0 ClientHello record.
    c.send(Buffer.from('160301004a0100004603015f', 'hex'));
    expect(await c.closedByServer()).toMatch(/^\* BYE This is the plain IMAP port; .*IMAPS port/);
    const rej = rejectedOf(lab, conn, 'tls-on-plaintext-port');
    expect(rej).toMatchObject({ kind: 'input.rejected', sampleB64: Buffer.from('160301004a0100004603015f', 'hex').toString('base64') });
    expect(await closeOf(lab, conn)).toMatchObject({ by: 'server' });
  });

  it('an HTTP request on the IMAP port: http-on-imap-port and a human BYE', async () => {
    const c = await greeted();
    const conn = await connOf(lab, c);
    c.send('GET / HTTP/1.1\r\nHost: 192.168.1.10:143\r\nUser-Agent: Nokia6233/2.0 (05.10)\r\n\r\n');
    expect(await c.closedByServer()).toMatch(/^\* BYE This is an IMAP mail server, not a web page/);
    expect(rejectedOf(lab, conn, 'http-on-imap-port')).toMatchObject({ sample: 'GET / HTTP/1.1\r\n' });
  });

  it('a client vanishing mid-literal: partial bytes recorded, nothing appended, lab fine', async () => {
    const c = await greeted();
    const conn = await connOf(lab, c);
    await c.command('a1', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`);
    const before = lab.store.messages('INBOX').length;
    c.send('a2 APPEND INBOX {100}\r\n');
    expect(await c.line()).toBe('+ Ready for literal data');
    c.send('Subject: half a message\r\n\r\nonly fo');
    await new Promise((r) => setTimeout(r, 50));
    c.close();
    expect(await closeOf(lab, conn)).toMatchObject({ by: 'client' });
    const evs = eventsOf(lab);
    expect(evs.some((e) => e.kind === 'c2s' && e.conn === conn && e.text === 'Subject: half a message\r\n\r\nonly fo')).toBe(true);
    expect(rejectedOf(lab, conn, 'literal-incomplete')).toBeDefined();
    expect(lab.store.messages('INBOX').length).toBe(before);
    await stillServes();
  });

  it('bytes pipelined after STARTTLS are recorded and never executed', async () => {
    const c = await greeted();
    const conn = await connOf(lab, c);
    c.send(`s1 STARTTLS\r\ns2 LOGIN ${TEST_USER} ${TEST_PASSWORD}\r\n`);
    expect(await c.line()).toBe('s1 OK Begin TLS negotiation now');
    await waitForEvent(lab, (e) => e.kind === 'input.rejected' && e.conn === conn && e.what === 'data-after-starttls');
    expect(eventsOf(lab).some((e) => e.kind === 'auth' && e.conn === conn)).toBe(false);
    c.close();
  });

  it('an unexpected exception: NO [SERVERBUG], lab.error recorded, the session goes on', async () => {
    const boom = await startTestLab({ imapsPort: null });
    const store = boom.store;
    const realCreate = store.create.bind(store);
    store.create = (name: string) => {
      if (name === 'boom') throw new TypeError('simulated bug');
      realCreate(name);
    };
    try {
      const c = await greeted(boom.listeners.imap!.port);
      await c.command('b1', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`);
      expect(await c.command('b2', 'CREATE boom')).toEqual(['b2 NO [SERVERBUG] Internal error; the lab recorded it']);
      expect(await c.command('b3', 'NOOP')).toEqual(['b3 OK Completed']);
      expect(eventsOf(boom).find((e) => e.kind === 'lab.error')).toMatchObject({ message: 'simulated bug', where: 'imap.command' });
      c.close();
    } finally {
      await boom.stop();
    }
  });
});

describe('limits', () => {
  it('1000 idle connections are greeted and a real client is still served', async () => {
    const sockets = await idleConnections(port, 1000);
    expect(lab.imap.sessions.size).toBeGreaterThanOrEqual(1000);
    await stillServes();
    expect(await dropAndDrain(sockets, lab.imap.sessions)).toBe(0);
  });

  it('max connections: one more gets "* BYE Too many connections"', async () => {
    const small = await startTestLab({ imapsPort: null, limits: { maxConnections: 3 } });
    const p = small.listeners.imap!.port;
    try {
      const held = await Promise.all([greeted(p), greeted(p), greeted(p)]);
      const extra = await RawClient.connect(p);
      expect(await extra.closedByServer()).toMatch(/^\* BYE Too many connections/);
      expect(eventsOf(small).some((e) => e.kind === 'input.rejected' && e.what === 'too-many-connections')).toBe(true);
      for (const h of held) h.close();
    } finally {
      await small.stop();
    }
  });

  it('pre-auth deadline: a client dripping one byte at a time is logged out; others are not delayed', async () => {
    const slow = await startTestLab({ imapsPort: null, limits: { preAuthTimeoutMs: 1000 } });
    const p = slow.listeners.imap!.port;
    try {
      const c = await greeted(p);
      const text = `d1 LOGIN ${TEST_USER} ${TEST_PASSWORD}\r\n`;
      let i = 0;
      const drip = setInterval(() => {
        if (i < text.length && !c.closed) c.send(text[i++]);
      }, 100);
      // A normal client is served in full while the slow one is still dripping.
      await stillServes(p);
      expect(c.closed).toBe(false);
      expect(await c.closedByServer(5000)).toMatch(/\* BYE Autologout; authentication not completed in time/);
      clearInterval(drip);
      const conn = eventsOf(slow).find((e) => e.kind === 'conn.open')!.conn!;
      expect(await closeOf(slow, conn)).toMatchObject({ by: 'timeout' });
      // The bytes that did arrive are in the record, the partial line included.
      const got = eventsOf(slow).filter((e) => e.kind === 'c2s' && e.conn === conn).map((e) => (e.kind === 'c2s' ? e.text : '')).join('');
      expect(got.length).toBeGreaterThan(3);
      expect(text.startsWith(got)).toBe(true);
    } finally {
      await slow.stop();
    }
  });

  it('idle autologout after authentication, and an IDLE past its maximum', async () => {
    const l = await startTestLab({ imapsPort: null, limits: { idleTimeoutMs: 300, idleCommandMaxMs: 200 } });
    const p = l.listeners.imap!.port;
    try {
      const a = await greeted(p);
      await a.command('i1', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`);
      expect(await a.closedByServer(3000)).toMatch(/\* BYE Autologout; idle for too long/);
      const b = await greeted(p);
      await b.command('i1', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`);
      await b.command('i2', 'SELECT INBOX');
      b.send('i3 IDLE\r\n');
      expect(await b.line()).toBe('+ idling');
      expect(await b.closedByServer(3000)).toMatch(/\* BYE Autologout; IDLE for too long/);
    } finally {
      await l.stop();
    }
  });

  it('a big APPEND and its FETCH are recorded whole, over several events in order', async () => {
    const c = await greeted();
    const conn = await connOf(lab, c);
    await c.command('f1', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`);
    const body = 'Subject: big\r\n\r\n' + 'y'.repeat(200_000) + '\r\n';
    c.send(`f2 APPEND INBOX {${body.length}+}\r\n${body}\r\n`);
    const appended = await c.response('f2');
    const uid = /APPENDUID \d+ (\d+)/.exec(appended.at(-1)!)![1];
    await c.command('f3', 'SELECT INBOX');
    const got = await c.command('f4', `UID FETCH ${uid} BODY.PEEK[]`);
    expect(got.at(-1)).toBe('f4 OK Completed');
    const bytes = eventsOf(lab).filter((e): e is Extract<LabEvent, { kind: 'c2s' | 's2c' }> => (e.kind === 's2c' || e.kind === 'c2s') && e.conn === conn);
    expect(bytes.filter((e) => e.truncated !== undefined)).toEqual([]);
    const stream = (kind: 'c2s' | 's2c') => Buffer.concat(bytes.filter((e) => e.kind === kind).map((e) => decodeBytes(e))).toString('utf8');
    // Every byte the client sent and every byte it was sent, none cut at the event size.
    expect(stream('c2s')).toContain(`{${body.length}+}\r\n${body}\r\n`);
    expect(stream('s2c')).toContain(`BODY[] {${body.length}}\r\n${body})\r\nf4 OK Completed\r\n`);
    const continued = bytes.filter((e) => e.continued);
    expect(continued.length).toBeGreaterThanOrEqual(2 * Math.floor(body.length / MAX_EVENT_PAYLOAD_BYTES));
    for (const e of bytes) expect(Buffer.byteLength(e.text ?? '')).toBeLessThanOrEqual(MAX_EVENT_PAYLOAD_BYTES);
    c.close();
  });
});
