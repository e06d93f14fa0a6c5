/**
 * CHUNKING (BDAT, RFC 3030) and SMTPUTF8 (RFC 6531) in the lab: what a message sent in chunks
 * or with UTF-8 addresses becomes (the exact octets in messages/NNNN.eml, the INBOX, the
 * smtp.message event), with raw sockets for the edges and the real clients here: Python smtplib
 * (SMTPUTF8, which it sends by itself for UTF-8 addresses) and Postfix's smtp(8) client relaying
 * into the lab (an MTA that sees both offered). No client on this machine sends BDAT (swaks
 * 20201014, curl, msmtp, smtplib, nodemailer, Net::SMTP and Postfix's client all use DATA; Exim
 * would, but it cannot be installed next to Postfix), so BDAT is driven over raw sockets and
 * compared with Postfix 3.7's smtpd in postfix-reference.test.ts. Each real client's diagnosis is
 * a sending pass with no warning.
 */
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import { diagnose } from '../../electron/lab/diagnosis/index.js';
import type { StartedLab } from '../../electron/lab/lab.js';
import { readEvents } from '../../electron/lab/recorder/index.js';
import { runPeer } from '../support/run.js';
import { TEST_PASSWORD, TEST_USER, connOf, eventsOf, startTestLab, tempDir, waitFor, waitForEvent } from '../support/lab.js';
import { postfixAvailable, startPostfix } from '../support/postfix.js';
import { smtp, smtpReady, smtpReply } from '../support/smtp.js';

type MessageEvent = Extract<LabEvent, { kind: 'smtp.message' }>;

let lab: StartedLab;
let port: number;

beforeAll(async () => {
  lab = await startTestLab({ smtpPort: 0, smtpsPort: null, smtpMaxSize: 4096 });
  port = lab.listeners.smtp!.port;
});
afterAll(() => lab.stop());

function messageOf(conn: string): MessageEvent | undefined {
  return eventsOf(lab).find((e) => e.kind === 'smtp.message' && e.conn === conn) as MessageEvent | undefined;
}

function kept(ev: MessageEvent): Buffer {
  return readFileSync(join(lab.sessionDir, ev.path));
}

/** The diagnosis of one connection's events, as `mailprobe diagnose` would give it. */
function diagnosisOf(conns: string[]) {
  lab.recorder.flush();
  const events = readEvents(lab.sessionDir).filter((e) => e.kind === 'lab.start' || (e.conn !== undefined && conns.includes(e.conn)));
  return diagnose(events);
}

describe('BDAT (RFC 3030)', () => {
  it('chunks are kept octet for octet: no dot unstuffing, a "." line and "QUIT" inside a chunk are message text', async () => {
    const c = await smtpReady(port);
    const conn = await connOf(lab, c);
    expect(await smtp(c, 'MAIL FROM:<scanner@office.example>')).toBe('250 2.1.0 Ok');
    expect(await smtp(c, 'RCPT TO:<me@example.com>')).toBe('250 2.1.5 Ok');
    const first = 'Subject: chunked\r\nMessage-ID: <chunk-1@office.example>\r\n\r\n..two dots stay two\r\n';
    const second = '.\r\nQUIT\r\n';
    const third = 'last line\r\n';
    c.send(`BDAT ${first.length}\r\n${first}`);
    expect(await smtpReply(c)).toEqual([`250 2.0.0 Ok: ${first.length} bytes`]);
    // Two chunks in one write (PIPELINING, RFC 3030 §4.2), the second one LAST.
    c.send(`BDAT ${second.length}\r\n${second}BDAT ${third.length} LAST\r\n${third}`);
    expect(await smtpReply(c)).toEqual([`250 2.0.0 Ok: ${first.length + second.length} bytes`]);
    const total = first.length + second.length + third.length;
    expect(await smtpReply(c)).toEqual([`250 2.0.0 Ok: ${total} bytes queued as 0001`]);
    expect(await smtp(c, 'NOOP')).toBe('250 2.0.0 Ok');
    const ev = await waitFor(() => messageOf(conn), 5000, 'smtp.message');
    expect(ev).toMatchObject({ from: 'scanner@office.example', to: ['me@example.com'], size: total, chunks: 3, subject: 'chunked', delivered: true });
    expect(kept(ev).toString('latin1')).toBe(first + second + third);
    expect(lab.store.messages('INBOX').find((m) => m.uid === ev.uid)?.raw.toString('latin1')).toBe(first + second + third);
    expect(await smtp(c, 'QUIT')).toBe('221 2.0.0 Bye');
    await waitForEvent(lab, (e) => e.kind === 'conn.close' && e.conn === conn);
    // The diagnosis reads the chunks as message text too: the "QUIT" in one is no command.
    const d = diagnosisOf([conn]);
    expect(d.directions.sending).toBe('pass');
    expect(d.attempts[0].steps.find((s) => s.step === 'data')).toMatchObject({ result: 'pass', note: expect.stringContaining(`${total} bytes`) });
    expect(d.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('past SIZE: 552, later chunks discarded (551) until LAST, nothing kept; the octets recorded as counts', async () => {
    const c = await smtpReady(port);
    const conn = await connOf(lab, c);
    await smtp(c, 'MAIL FROM:<scanner@office.example>');
    await smtp(c, 'RCPT TO:<me@example.com>');
    const big = 'x'.repeat(5000);
    c.send(`BDAT ${big.length}\r\n${big}`);
    expect(await smtpReply(c)).toEqual(['552 5.3.4 Message size exceeds fixed limit']);
    c.send('BDAT 4 LAST\r\nabcd');
    expect(await smtpReply(c)).toEqual(['551 5.0.0 Discarded 4 bytes after earlier error']);
    // LAST ended the transaction: a new one may start.
    expect(await smtp(c, 'MAIL FROM:<scanner@office.example>')).toBe('250 2.1.0 Ok');
    c.send('QUIT\r\n');
    await c.closedByServer();
    await waitForEvent(lab, (e) => e.kind === 'conn.close' && e.conn === conn);
    expect(messageOf(conn)).toBeUndefined();
    const evs = eventsOf(lab).filter((e) => e.conn === conn);
    expect(evs.some((e) => e.kind === 'input.rejected' && e.what === 'message-too-big')).toBe(true);
    const dropped = evs.filter((e) => e.kind === 'c2s' && e.truncated !== undefined && e.text === '').reduce((n, e) => n + ((e as { truncated?: number }).truncated ?? 0), 0);
    expect(dropped).toBe(big.length + 4);
  });

  it('a BDAT count that is not a number: 521 and the connection closes (the octets after it cannot be found)', async () => {
    const c = await smtpReady(port);
    const conn = await connOf(lab, c);
    await smtp(c, 'MAIL FROM:<a@lab.example>');
    await smtp(c, 'RCPT TO:<b@example.com>');
    c.send('BDAT -5\r\n');
    expect(await c.closedByServer()).toBe('521 5.5.4 Syntax: BDAT count [LAST]\r\n');
    await waitForEvent(lab, (e) => e.kind === 'conn.close' && e.conn === conn);
    expect(eventsOf(lab).some((e) => e.kind === 'input.rejected' && e.conn === conn && e.what === 'bad-chunk-size')).toBe(true);
  });

  it('a client vanishing in the middle of a chunk: nothing kept, nothing delivered, data-incomplete recorded', async () => {
    const c = await smtpReady(port);
    const conn = await connOf(lab, c);
    await smtp(c, 'MAIL FROM:<a@lab.example>');
    await smtp(c, 'RCPT TO:<b@example.com>');
    c.send('BDAT 1000 LAST\r\nSubject: cut short\r\n\r\nonly a part');
    await new Promise((r) => setTimeout(r, 100));
    c.socket.destroy();
    await waitForEvent(lab, (e) => e.kind === 'conn.close' && e.conn === conn);
    expect(messageOf(conn)).toBeUndefined();
    expect(eventsOf(lab).find((e) => e.kind === 'input.rejected' && e.conn === conn && e.what === 'data-incomplete')).toMatchObject({ detail: expect.stringContaining('short of its chunk') });
    expect(lab.store.messages('INBOX').some((m) => m.envelope.subject === 'cut short')).toBe(false);
  });
});

describe('SMTPUTF8 (RFC 6531)', () => {
  it('UTF-8 addresses with SMTPUTF8 are kept as UTF-8; a UTF-8 sender without it is refused as Postfix refuses it', async () => {
    const c = await smtpReady(port);
    const conn = await connOf(lab, c);
    expect(await smtp(c, 'MAIL FROM:<jösé@bücher.example>')).toBe('501 5.1.7 Bad sender address syntax');
    expect(await smtp(c, 'MAIL FROM:<jösé@bücher.example> SMTPUTF8')).toBe('250 2.1.0 Ok');
    expect(await smtp(c, 'RCPT TO:<用户@例子.example>')).toBe('250 2.1.5 Ok');
    expect(await smtp(c, 'DATA')).toMatch(/^354 /);
    const msg = 'From: jösé@bücher.example\r\nSubject: Grüße\r\n\r\nÜnïcödé\r\n';
    expect(await smtp(c, `${msg}.`)).toMatch(/^250 2\.0\.0 Ok: queued as \d{4}$/);
    const ev = await waitFor(() => messageOf(conn), 5000, 'smtp.message');
    expect(ev).toMatchObject({ from: 'jösé@bücher.example', to: ['用户@例子.example'], smtputf8: true, subject: 'Grüße' });
    expect(kept(ev).toString('utf8')).toBe(msg);
    c.close();
  });
});

describe('real clients that use them', () => {
  it('Python smtplib sends SMTPUTF8 by itself for UTF-8 addresses: kept, and a sending pass with no warning', async () => {
    const script = `
import smtplib, sys
from email.message import EmailMessage
m = EmailMessage(); m['From'] = 'jösé@bücher.example'; m['To'] = 'zoë@例子.example'; m['Subject'] = 'smtplib utf-8'; m.set_content('Grüße aus dem Labor.')
with smtplib.SMTP('127.0.0.1', int(sys.argv[1])) as s:
    s.login(sys.argv[2], sys.argv[3]); s.send_message(m)
print('sent')
`;
    const r = await runPeer('python3', ['-c', script, String(port), TEST_USER, TEST_PASSWORD]);
    expect(r.code, r.stderr).toBe(0);
    const ev = (await waitFor(() => eventsOf(lab).find((e) => e.kind === 'smtp.message' && e.subject === 'smtplib utf-8'), 10_000, 'smtp.message')) as MessageEvent;
    expect(ev).toMatchObject({ from: 'jösé@bücher.example', to: ['zoë@例子.example'], smtputf8: true, delivered: true });
    const mail = eventsOf(lab).find((e) => e.kind === 'c2s' && e.conn === ev.conn && /^MAIL FROM:/i.test((e as { text?: string }).text ?? '')) as { text: string };
    expect(mail.text).toMatch(/ SMTPUTF8/);
    await waitForEvent(lab, (e) => e.kind === 'conn.close' && e.conn === ev.conn);
    const d = diagnosisOf([ev.conn]);
    expect(d.directions.sending).toBe('pass');
    expect(d.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it.skipIf(!postfixAvailable())('Postfix smtp(8) relaying into the lab (CHUNKING and SMTPUTF8 offered; its client has no BDAT and sends DATA): kept whole, a sending pass with no warning', async () => {
    const dir = tempDir('mp-postfix-relay-');
    chmodSync(dir, 0o755);
    const relay = await startPostfix({ dir: join(dir, 'pf'), user: TEST_USER, password: TEST_PASSWORD, relayTo: { host: '127.0.0.1', port, user: TEST_USER, password: TEST_PASSWORD } });
    try {
      const subject = `relayed by Postfix ${Date.now()}`;
      const body = Array.from({ length: 200 }, (_, i) => `line ${i}${i % 50 === 0 ? '\r\n.' : ''}`).join('\r\n');
      const r = await runPeer('swaks', ['--server', '127.0.0.1', '-p', String(relay.port), '--from', 'printer@office.example', '--to', 'someone@outside.example', '--header', `Subject: ${subject}`, '--body', body]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const ev = (await waitFor(() => eventsOf(lab).find((e) => e.kind === 'smtp.message' && e.subject === subject), 30_000, 'the relayed smtp.message')) as MessageEvent;
      expect(ev).toMatchObject({ from: 'printer@office.example', to: ['someone@outside.example'], delivered: true });
      // Postfix's client has no BDAT (its CHUNKING support is smtpd's only): it sends DATA.
      expect(ev.chunks).toBeUndefined();
      const text = kept(ev).toString('latin1');
      expect(text).toContain(`Subject: ${subject}`);
      expect(text).toContain('line 199');
      // The "." lines swaks sent were stuffed by Postfix and unstuffed by the lab: single again.
      expect(text).toMatch(/\r\n\.\r\nline 51\r\n/);
      await waitForEvent(lab, (e) => e.kind === 'conn.close' && e.conn === ev.conn);
      const wire = eventsOf(lab).filter((e) => e.kind === 'c2s' && e.conn === ev.conn).map((e) => (e as { text?: string }).text ?? '');
      expect(wire.some((t) => /^DATA\r\n/.test(t))).toBe(true);
      expect(wire.some((t) => /^BDAT /.test(t))).toBe(false);
      const d = diagnosisOf([ev.conn]);
      expect(d.directions.sending).toBe('pass');
      expect(d.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    } finally {
      relay.stop();
    }
  }, 60_000);
});
