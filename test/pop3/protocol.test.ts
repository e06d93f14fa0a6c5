/**
 * The POP3 lab over real sockets: RFC 1939 replies and states, byte-stuffing, the UPDATE state
 * (DELE applies only at QUIT, and then IMAP sees it too), stable UIDLs, pipelining, secrets,
 * and bad input — each gets a clear -ERR or a clean close, an event saying what arrived, and
 * the lab keeps serving.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import type { StartedLab } from '../../electron/lab/lab.js';
import { MAX_BAD_COMMANDS } from '../../electron/lab/pop3/limits.js';
import { multiline, topOf } from '../../electron/lab/pop3/reply.js';
import { RawClient } from '../support/raw-client.js';
import { TEST_PASSWORD, TEST_USER, closeOf, connOf, eventsOf, startTestLab, waitFor } from '../support/lab.js';

let lab: StartedLab;
let port: number;

beforeAll(async () => {
  lab = await startTestLab({ imapPort: 0, imapsPort: null, smtpPort: null, smtpsPort: null, pop3Port: 0, pop3sPort: null, pop3Limits: { authTimeoutMs: 1500, maxLineBytes: 4096 } });
  port = lab.listeners.pop3!.port;
});
afterAll(() => lab.stop());

async function greeted(p = port): Promise<RawClient> {
  const c = await RawClient.connect(p);
  expect(await c.line()).toMatch(/^\+OK Mailprobe POP3 lab ready\. <[^>]+@[^>]+>$/);
  return c;
}

/** Send one command and read its status line. */
async function cmd(c: RawClient, line: string): Promise<string> {
  c.send(line + '\r\n');
  return c.line();
}

/** Read a multi-line body up to its "." line; returns the lines (still byte-stuffed). */
async function body(c: RawClient): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const l = await c.line();
    if (l === '.') return out;
    out.push(l);
  }
}

async function loggedIn(p = port): Promise<RawClient> {
  const c = await greeted(p);
  expect(await cmd(c, `USER ${TEST_USER}`)).toBe('+OK');
  expect(await cmd(c, `PASS ${TEST_PASSWORD}`)).toMatch(/^\+OK Logged in\. \d+ messages\.$/);
  return c;
}

function rejectedOf(conn: string, what: string): LabEvent | undefined {
  return eventsOf(lab).find((e) => e.kind === 'input.rejected' && e.conn === conn && e.what === what);
}

describe('RFC 1939 conversation', () => {
  it('STAT and LIST agree, RETR sends the stored bytes byte-stuffed, TOP the header and n lines', async () => {
    const c = await loggedIn();
    const [count, octets] = (await cmd(c, 'STAT')).split(' ').slice(1).map(Number);
    expect(count).toBe(lab.store.messages('INBOX').length);
    expect(await cmd(c, 'LIST')).toBe(`+OK ${count} messages (${octets} octets)`);
    const list = await body(c);
    expect(list).toHaveLength(count);
    expect(list.reduce((s, l) => s + Number(l.split(' ')[1]), 0)).toBe(octets);
    const first = lab.store.messages('INBOX')[0];
    expect(await cmd(c, 'RETR 1')).toBe(`+OK ${first.raw.length} octets`);
    const lines = await body(c);
    const unstuffed = lines.map((l) => (l.startsWith('..') ? l.slice(1) : l)).join('\r\n') + '\r\n';
    expect(unstuffed).toBe(first.raw.toString('latin1'));
    expect(await cmd(c, 'TOP 1 0')).toBe('+OK');
    const head = await body(c);
    expect(head.join('\r\n') + '\r\n').toBe(topOf(first.raw, 0).toString('latin1'));
    expect(await cmd(c, 'RETR 999')).toBe('-ERR There is no such message.');
    expect(await cmd(c, 'QUIT')).toBe('+OK Logging out.');
    await c.closedByServer();
  });

  it('byte-stuffs every line that starts with a dot (RFC 1939 §3)', () => {
    expect(multiline(Buffer.from('.a\r\nb\r\n..c\r\n')).toString()).toBe('..a\r\nb\r\n...c\r\n.\r\n');
    expect(multiline(Buffer.from('no end')).toString()).toBe('no end\r\n.\r\n');
  });

  it('UIDLs stay the same across sessions', async () => {
    const a = await loggedIn();
    expect(await cmd(a, 'UIDL')).toBe('+OK');
    const first = await body(a);
    await cmd(a, 'QUIT');
    const b = await loggedIn();
    await cmd(b, 'UIDL');
    expect(await body(b)).toEqual(first);
    expect(new Set(first.map((l) => l.split(' ')[1])).size).toBe(first.length);
    await cmd(b, 'QUIT');
  });

  it('DELE without QUIT deletes nothing; DELE then QUIT removes the message for IMAP too', async () => {
    const before = lab.store.messages('INBOX').length;
    const victim = lab.store.messages('INBOX')[before - 1].uid;
    const a = await loggedIn();
    expect(await cmd(a, `DELE ${before}`)).toBe('+OK Marked to be deleted.');
    expect(await cmd(a, `RETR ${before}`)).toBe('-ERR Message is deleted.');
    const conn = await connOf(lab, a);
    a.close();
    await closeOf(lab, conn);
    expect(lab.store.messages('INBOX')).toHaveLength(before);
    const b = await loggedIn();
    expect(await cmd(b, `DELE ${before}`)).toBe('+OK Marked to be deleted.');
    expect(await cmd(b, 'QUIT')).toBe('+OK Logging out, 1 message deleted.');
    await waitFor(() => lab.store.messages('INBOX').length === before - 1, 2000, 'the expunge');
    expect(lab.store.messages('INBOX').some((m) => m.uid === victim)).toBe(false);
  });

  it('RSET unmarks; commands in the wrong state are refused; pipelined commands are answered in order', async () => {
    const c = await greeted();
    expect(await cmd(c, 'STAT')).toBe('-ERR Not allowed in this state.');
    c.send(`USER ${TEST_USER}\r\nPASS ${TEST_PASSWORD}\r\nDELE 1\r\nRSET\r\nSTAT\r\nNOOP\r\n`);
    expect(await c.line()).toBe('+OK');
    expect(await c.line()).toMatch(/^\+OK Logged in/);
    expect(await c.line()).toBe('+OK Marked to be deleted.');
    expect(await c.line()).toMatch(/^\+OK \d+ messages$/);
    expect(await c.line()).toMatch(/^\+OK \d+ \d+$/);
    expect(await c.line()).toBe('+OK');
    expect(await cmd(c, 'USER x')).toBe('-ERR Not allowed in this state.');
    await cmd(c, 'QUIT');
  });

  it('CAPA lists USER, SASL, STLS; passwords and APOP digests are recorded as secrets', async () => {
    const c = await greeted();
    expect(await cmd(c, 'CAPA')).toBe('+OK Capability list follows');
    const caps = await body(c);
    expect(caps).toEqual(expect.arrayContaining(['TOP', 'UIDL', 'USER', 'SASL PLAIN LOGIN CRAM-MD5 DIGEST-MD5', 'STLS', 'PIPELINING']));
    const conn = await connOf(lab, c);
    await cmd(c, `USER ${TEST_USER}`);
    await cmd(c, `PASS ${TEST_PASSWORD}`);
    await cmd(c, 'QUIT');
    const pass = eventsOf(lab).find((e) => e.kind === 'c2s' && e.conn === conn && /^PASS /.test(e.text ?? '')) as { secrets?: unknown } | undefined;
    expect(pass?.secrets).toEqual([[5, 5 + TEST_PASSWORD.length]]);
    expect(eventsOf(lab).find((e) => e.kind === 'auth' && e.conn === conn)).toMatchObject({ mechanism: 'USER-PASS', user: TEST_USER, ok: true });
  });

  it('without plaintext over clear connections (--pop3-tls-only), USER is refused and STLS offered', async () => {
    const strict = await startTestLab({ imapPort: null, imapsPort: null, smtpPort: null, smtpsPort: null, pop3Port: 0, pop3sPort: null, pop3PlaintextWithoutTls: false });
    try {
      const c = await greeted(strict.listeners.pop3!.port);
      expect(await cmd(c, 'CAPA')).toMatch(/^\+OK/);
      const caps = await body(c);
      expect(caps).not.toContain('USER');
      expect(caps).toContain('STLS');
      expect(await cmd(c, 'USER phone')).toBe('-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.');
      await cmd(c, 'QUIT');
    } finally {
      await strict.stop();
    }
  });
});

describe('bad input on the POP3 port', () => {
  it(`random bytes: -ERR each, then a close after ${MAX_BAD_COMMANDS} errors, recorded`, async () => {
    const c = await greeted();
    const conn = await connOf(lab, c);
    c.send(Buffer.concat([Buffer.from('x'), randomBytes(3000).map((b) => (b === 0x16 ? 0x17 : b)), Buffer.from('\r\n'.repeat(30))]));
    const rest = await c.closedByServer();
    expect(rest).toMatch(/^-ERR /);
    expect(rest).toMatch(/-ERR Too many invalid commands\.\r\n$/);
    expect(rejectedOf(conn, 'too-many-bad-commands')).toBeDefined();
  });

  it('a line past the limit: -ERR, a close, and its first bytes with the true length recorded', async () => {
    const c = await greeted();
    const conn = await connOf(lab, c);
    c.send('USER ' + 'a'.repeat(2 * 1024 * 1024));
    expect(await c.closedByServer()).toMatch(/^-ERR Input line too long \(limit 4096 bytes\)\.\r\n$/);
    const ev = (await waitFor(() => eventsOf(lab).find((e) => e.kind === 'c2s' && e.conn === conn && e.truncated !== undefined), 3000, 'the truncated c2s')) as { truncated?: number };
    expect(ev.truncated).toBeGreaterThan(4096);
    expect(rejectedOf(conn, 'line-too-long')).toBeDefined();
  });

  it('TLS and HTTP on the plaintext port are named and answered', async () => {
    const t = await greeted();
    const tconn = await connOf(lab, t);
    t.send(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00]));
    expect(await t.closedByServer()).toMatch(/^-ERR This is the POP3 port with STLS/);
    expect(rejectedOf(tconn, 'tls-on-plaintext-port')).toBeDefined();
    const h = await greeted();
    const hconn = await connOf(lab, h);
    h.send('GET / HTTP/1.1\r\nHost: lab\r\n\r\n');
    expect(await h.closedByServer()).toMatch(/^-ERR This is a POP3 mail server, not a web page\./);
    expect(rejectedOf(hconn, 'http-on-pop3-port')).toBeDefined();
  });

  it('slowloris: a client dripping bytes is closed when the login deadline runs out', async () => {
    const c = await greeted();
    const conn = await connOf(lab, c);
    const drip = setInterval(() => c.send('U'), 200);
    try {
      expect(await c.closedByServer(5000)).toMatch(/-ERR Disconnected: authentication not completed in time\r\n$/);
    } finally {
      clearInterval(drip);
    }
    expect(await closeOf(lab, conn)).toMatchObject({ by: 'timeout' });
  });

  it('a client vanishing mid-RETR applies no DELE and leaves the lab serving', async () => {
    const before = lab.store.messages('INBOX').length;
    const c = await loggedIn();
    c.send('DELE 1\r\nRETR 2\r\n');
    await c.line();
    c.socket.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expect(lab.store.messages('INBOX')).toHaveLength(before);
    const d = await loggedIn();
    expect(await cmd(d, 'STAT')).toMatch(new RegExp(`^\\+OK ${before} `));
    await cmd(d, 'QUIT');
  });

  it('1000 idle connections are greeted and a real client is still served', async () => {
    // Its own lab with the default login deadline: 1000 greetings take longer than this file's 1.5 s.
    const big = await startTestLab({ imapPort: null, imapsPort: null, smtpPort: null, smtpsPort: null, pop3Port: 0, pop3sPort: null });
    const p = big.listeners.pop3!.port;
    try {
      const sockets = await Promise.all(
        Array.from({ length: 1000 }, () => new Promise<Socket>((resolve, reject) => {
          const s = connect({ port: p, host: '127.0.0.1' });
          s.once('data', () => resolve(s));
          s.once('error', reject);
        })),
      );
      expect(big.pop3.sessions.size).toBeGreaterThanOrEqual(1000);
      const c = await loggedIn(p);
      expect(await cmd(c, 'QUIT')).toBe('+OK Logging out.');
      for (const s of sockets) s.destroy();
      await waitFor(() => big.pop3.sessions.size === 0, 5000, 'every session to close');
    } finally {
      await big.stop();
    }
  }, 30_000);
});
