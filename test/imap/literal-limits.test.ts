/**
 * What a large literal means, per command, and how much the lab spools at once:
 * - only APPEND carries a message: a 50 MB SEARCH string is refused before it is sent (`{N}`,
 *   Python's imaplib), or read, recorded whole and dropped (`{N+}`), then BAD [TOOBIG]; the
 *   connection goes on, nothing is spooled (Dovecot 2.3 says `* BYE Literal size too large` and
 *   closes: the lab keeps the phone talking, and says what arrived);
 * - past the lab-wide cap on spooled bytes in flight, a further large APPEND gets NO [ALERT]
 *   while the APPENDs under way complete and every other client is served; once they are stored
 *   the same APPEND goes through.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import type { StartedLab } from '../../electron/lab/lab.js';
import { MAX_ARGUMENT_LITERAL_BYTES } from '../../electron/lab/imap/limits.js';
import { loggedIn, spoolFiles } from '../support/imap-session.js';
import { TEST_PASSWORD, TEST_USER, eventsOf, startTestLab, waitFor } from '../support/lab.js';
import { runPeer } from '../support/run.js';

const MB = 1024 * 1024;


function rejectedOf(lab: StartedLab, what: string): Extract<LabEvent, { kind: 'input.rejected' }>[] {
  return eventsOf(lab).filter((e): e is Extract<LabEvent, { kind: 'input.rejected' }> => e.kind === 'input.rejected' && e.what === what);
}

/** Payload bytes recorded from the client on a connection (text or base64 events, continued ones too). */
function c2sBytes(lab: StartedLab, conn: string): number {
  let n = 0;
  for (const e of eventsOf(lab)) {
    if (e.kind !== 'c2s' || e.conn !== conn) continue;
    n += e.text !== undefined ? Buffer.byteLength(e.text, 'latin1') : Buffer.from(e.b64 ?? '', 'base64').length;
  }
  return n;
}


function message(size: number, subject: string): Buffer {
  const head = `From: a@example.com\r\nTo: phone@example.com\r\nSubject: ${subject}\r\n\r\n`;
  const lines = randomBytes(Math.ceil((size * 57) / 78)).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(head + lines + '\r\n', 'latin1');
}

describe('a large literal outside APPEND', () => {
  let lab: StartedLab;
  beforeAll(async () => {
    lab = await startTestLab();
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it(`a 50 MB SEARCH string from imaplib is refused before it is sent (NO [TOOBIG]); the connection goes on`, async () => {
    const script = String.raw`
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login(sys.argv[2], sys.argv[3])
m.select('INBOX')
out = {}
m.literal = b'x' * (50 * 1024 * 1024)
typ, data = m.search(None, 'BODY')
out['search'] = typ + ' ' + data[0].decode()
out['noop'] = m.noop()[0]
typ, data = m.search(None, 'SUBJECT', 'welcome')
out['after'] = typ
m.logout()
print(json.dumps(out))
`;
    const r = await runPeer('python3', ['-c', script, String(lab.listeners.imap!.port), TEST_USER, TEST_PASSWORD], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as Record<string, string>;
    expect(got.search).toMatch(/^NO \[TOOBIG\] SEARCH takes at most 65536 bytes of literals; only APPEND takes a message/);
    expect(got.noop).toBe('OK');
    expect(got.after).toBe('OK');
    const ev = rejectedOf(lab, 'literal-too-large').at(-1)!;
    expect(ev.detail).toBe(`a literal of ${50 * MB} bytes was announced for SEARCH; only APPEND takes more than ${MAX_ARGUMENT_LITERAL_BYTES} bytes of literals`);
    expect(ev.sample).toMatch(/SEARCH BODY \{52428800\}/);
    expect(spoolFiles(lab)).toEqual([]);
  }, 60_000);

  it('a 50 MB LITERAL+ SEARCH string is read, recorded whole and dropped, then BAD [TOOBIG]; NOOP still works', async () => {
    const { c, conn } = await loggedIn(lab);
    expect((await c.command('a2', 'SELECT INBOX')).at(-1)).toMatch(/^a2 OK/);
    const before = c2sBytes(lab, conn);
    const size = 50 * MB;
    c.send(`a3 SEARCH BODY {${size}+}\r\n`);
    const chunk = Buffer.alloc(MB, 'y');
    for (let i = 0; i < 50; i++) c.send(chunk);
    c.send(' UNSEEN\r\n');
    const resp = await c.response('a3', 60_000);
    expect(resp.at(-1)).toBe('a3 BAD [TOOBIG] SEARCH takes at most 65536 bytes of literals; only APPEND takes a message');
    expect(resp).toHaveLength(1); // no * SEARCH: the command did not run
    expect((await c.command('a4', 'NOOP')).at(-1)).toMatch(/^a4 OK/);
    // What arrived is in the record, every byte of it; none of it went to a spool file.
    await waitFor(() => c2sBytes(lab, conn) - before >= size, 10_000, 'the dropped literal recorded');
    expect(c2sBytes(lab, conn) - before).toBe(`a3 SEARCH BODY {${size}+}\r\n`.length + size + ' UNSEEN\r\n'.length + 'a4 NOOP\r\n'.length);
    expect(spoolFiles(lab)).toEqual([]);
    const ev = rejectedOf(lab, 'literal-too-large').at(-1)!;
    expect(ev.conn).toBe(conn);
    expect(ev.detail).toContain('(LITERAL+: its bytes are read and dropped)');
    c.close();
  }, 60_000);
});

describe('the lab-wide cap on spooled literals', () => {
  const CAP = 12 * MB;
  let lab: StartedLab;
  beforeAll(async () => {
    lab = await startTestLab({ limits: { maxSpooledLiteralBytes: CAP } });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('refuses a further large APPEND with NO [ALERT] while others are under way, serves everyone else, and takes it once they are stored', async () => {
    const big = message(5 * MB, 'under-way');
    // Two phones each half-way through a 5 MB APPEND: 10 MiB of the 12 MiB in flight.
    const phones = await Promise.all([loggedIn(lab), loggedIn(lab)]);
    for (const [i, p] of phones.entries()) {
      p.c.send(`b${i} APPEND INBOX {${big.length}}\r\n`);
      expect(await p.c.line()).toBe('+ Ready for literal data');
      p.c.send(big.subarray(0, big.length / 2));
    }
    await waitFor(() => spoolFiles(lab).length === 2, 10_000, 'two spool files');

    // A third, with Python's imaplib: refused at once, in words a phone shows to its user.
    const third = String.raw`
import imaplib, json, sys, time
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login(sys.argv[2], sys.argv[3])
msg = b'From: c@example.com\r\nSubject: third\r\n\r\n' + b'z' * (5 * 1024 * 1024) + b'\r\n'
out = {}
typ, data = m.append('INBOX', None, None, msg)
out['append'] = typ + ' ' + data[0].decode()
# The rest of the lab serves this client as usual.
out['select'] = m.select('INBOX')[0]
out['fetch'] = m.fetch('1', '(ENVELOPE)')[0]
out['small'] = m.append('INBOX', None, None, b'From: c@example.com\r\nSubject: small\r\n\r\nsmall\r\n')[0]
m.logout()
print(json.dumps(out))
`;
    const r = await runPeer('python3', ['-c', third, String(lab.listeners.imap!.port), TEST_USER, TEST_PASSWORD], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as Record<string, string>;
    expect(got.append).toMatch(/^NO \[ALERT\] The lab is receiving too many large messages at once \(limit 12582912 bytes in flight\); try again once they are stored/);
    expect(got).toMatchObject({ select: 'OK', fetch: 'OK', small: 'OK' });
    const ev = rejectedOf(lab, 'literal-spool-full').at(-1)!;
    expect(ev.detail).toMatch(/^a literal of 524\d{4} bytes was announced for APPEND while 10\d{6} bytes of other literals were on their way to disk; the lab-wide limit is 12582912$/);

    // A LITERAL+ APPEND meanwhile: its bytes are read and dropped, then the same NO; the connection goes on.
    const plus = await loggedIn(lab);
    plus.c.send(`c1 APPEND INBOX {${big.length}+}\r\n`);
    plus.c.send(big);
    plus.c.send('\r\n');
    expect((await plus.c.response('c1', 30_000)).at(-1)).toMatch(/^c1 NO \[ALERT\] The lab is receiving too many large messages/);
    expect((await plus.c.command('c2', 'NOOP')).at(-1)).toMatch(/^c2 OK/);

    // The two under way complete, byte for byte.
    for (const [i, p] of phones.entries()) {
      p.c.send(big.subarray(big.length / 2));
      p.c.send('\r\n');
      expect((await p.c.response(`b${i}`, 30_000)).at(-1)).toMatch(new RegExp(`^b${i} OK \\[APPENDUID \\d+ \\d+\\]`));
    }
    // Stored: the cap has room again, and the refused APPEND goes through.
    plus.c.send(`c3 APPEND INBOX {${big.length}+}\r\n`);
    plus.c.send(big);
    plus.c.send('\r\n');
    expect((await plus.c.response('c3', 30_000)).at(-1)).toMatch(/^c3 OK \[APPENDUID/);
    expect(spoolFiles(lab)).toEqual([]);
    for (const p of [...phones, plus]) p.c.close();
  }, 90_000);
});
