/**
 * The SMTP submission lab as a client meets it over a real socket: the replies of RFC 5321 /
 * RFC 4954 / RFC 3207 / RFC 1870, the options a technician sets, where a message goes (the
 * session's messages/ folder and the lab INBOX, where the phone's next IMAP check finds it), the
 * record (wire order, secrets marked and redacted), and that nothing is ever relayed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import type { StartedLab } from '../../electron/lab/lab.js';
import { redactEvent, REDACTED } from '../../electron/lab/recorder/index.js';
import { cramDigest } from '../../electron/lab/sasl/index.js';
import { RawClient } from '../support/raw-client.js';
import { TEST_PASSWORD, TEST_USER, connOf, eventsOf, startTestLab, waitForEvent } from '../support/lab.js';
import { PLAIN_IR, sampleMessage, smtp, smtpGreeted, smtpReady, smtpReply } from '../support/smtp.js';

let lab: StartedLab;
let port: number;

beforeAll(async () => {
  lab = await startTestLab({ smtpPort: 0, smtpsPort: 0 });
  port = lab.listeners.smtp!.port;
});
afterAll(() => lab.stop());

function messagesOf(l: StartedLab): LabEvent[] {
  return eventsOf(l).filter((e) => e.kind === 'smtp.message');
}

async function ehloLines(c: RawClient, domain = 'phone.example'): Promise<string[]> {
  c.send(`EHLO ${domain}\r\n`);
  return smtpReply(c);
}

/** Upgrade a greeted, EHLO'd connection with STARTTLS; returns a line reader over the TLS stream. */
async function startTls(c: RawClient): Promise<{ tls: TLSSocket; line: () => Promise<string>; send: (s: string) => void; reply: () => Promise<string[]> }> {
  expect(await smtp(c, 'STARTTLS')).toBe('220 2.0.0 Ready to start TLS');
  // The test CA is the lab's legacy (SHA-1) one, which OpenSSL 3 refuses to verify: the handshake is what is tested here.
  const tls = tlsConnect({ socket: c.socket, rejectUnauthorized: false });
  await new Promise<void>((res, rej) => {
    tls.once('secureConnect', () => res());
    tls.once('error', rej);
  });
  let buf = '';
  const waiters: Array<() => void> = [];
  tls.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    for (const w of waiters.splice(0)) w();
  });
  const line = async (): Promise<string> => {
    for (;;) {
      const i = buf.indexOf('\r\n');
      if (i >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 2);
        return l;
      }
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const reply = async () => {
    const out: string[] = [];
    for (;;) {
      const l = await line();
      out.push(l);
      if (/^\d{3} /.test(l)) return out;
    }
  };
  return { tls, line, send: (s) => tls.write(s), reply };
}

describe('greeting and EHLO', () => {
  it('greets with 220 and lists the extensions a submission server offers', async () => {
    const c = await RawClient.connect(port);
    expect(await c.line()).toMatch(/^220 \S+ ESMTP Mailprobe lab/);
    const lines = await ehloLines(c);
    expect(lines[0]).toMatch(/^250-\S+$/);
    expect(lines.slice(1).map((l) => l.slice(4))).toEqual(['PIPELINING', 'SIZE 52428800', 'VRFY', 'STARTTLS', 'AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5', 'ENHANCEDSTATUSCODES', '8BITMIME', 'SMTPUTF8', 'CHUNKING']);
    expect(lines.at(-1)).toBe('250 CHUNKING');
    c.close();
  });

  it('HELO gets one line and no extensions; EHLO without a domain is 501', async () => {
    const c = await smtpGreeted(port);
    c.send('HELO old.device\r\n');
    expect(await smtpReply(c)).toEqual([expect.stringMatching(/^250 \S+$/)]);
    expect(await smtp(c, 'EHLO')).toBe('501 5.5.4 Syntax: EHLO hostname');
    c.close();
  });
});

describe('commands out of sequence and the small ones', () => {
  it('answers each with the RFC 5321 reply and enhanced status code', async () => {
    const c = await smtpGreeted(port);
    expect(await smtp(c, 'MAIL FROM:<a@b.example>')).toBe('503 5.5.1 Error: send HELO/EHLO first');
    expect(await smtp(c, 'AUTH PLAIN')).toBe('503 5.5.1 Error: send HELO/EHLO first');
    await smtp(c, 'EHLO phone.example');
    expect(await smtp(c, 'MAIL FROM:<a@b.example>')).toBe('530 5.7.0 Authentication required');
    expect(await smtp(c, 'RCPT TO:<c@d.example>')).toBe('503 5.5.1 Error: need MAIL command');
    expect(await smtp(c, 'DATA')).toBe('503 5.5.1 Error: need MAIL command');
    expect(await smtp(c, 'FROB')).toBe('500 5.5.2 Error: command not recognized');
    expect(await smtp(c, '')).toBe('500 5.5.2 Error: bad syntax');
    expect(await smtp(c, 'VRFY someone')).toMatch(/^252 2\.0\.0 /);
    expect(await smtp(c, 'EXPN list')).toBe('502 5.5.1 EXPN not available');
    expect(await smtp(c, 'HELP')).toMatch(/^214 2\.0\.0 /);
    expect(await smtp(c, 'NOOP')).toBe('250 2.0.0 Ok');
    expect(await smtp(c, `AUTH PLAIN ${PLAIN_IR}`)).toBe('235 2.7.0 Authentication successful');
    expect(await smtp(c, `AUTH PLAIN ${PLAIN_IR}`)).toBe('503 5.5.1 Error: already authenticated');
    expect(await smtp(c, 'MAIL FROM:<a@b.example>')).toBe('250 2.1.0 Ok');
    expect(await smtp(c, 'MAIL FROM:<a@b.example>')).toBe('503 5.5.1 Error: nested MAIL command');
    expect(await smtp(c, 'DATA')).toBe('503 5.5.1 Error: need RCPT command');
    expect(await smtp(c, 'RSET')).toBe('250 2.0.0 Ok');
    expect(await smtp(c, 'RCPT TO:<c@d.example>')).toBe('503 5.5.1 Error: need MAIL command');
    expect(await smtp(c, 'MAIL FROM:<a@b.example> RET=FULL')).toBe('555 5.5.4 Unsupported option: RET');
    expect(await smtp(c, 'MAIL FROM:<a@b.example> SIZE=999999999999')).toBe('552 5.3.4 Message size exceeds fixed limit');
    expect(await smtp(c, 'MAIL FROM:<> BODY=8BITMIME SIZE=100')).toBe('250 2.1.0 Ok');
    expect(await smtp(c, 'RCPT TO:<>')).toBe('501 5.1.3 Bad recipient address syntax');
    c.send('QUIT\r\n');
    expect(await c.closedByServer()).toBe('221 2.0.0 Bye\r\n');
  });
});

describe('a message sent', () => {
  it('is kept in messages/0001.eml (dot-unstuffed), delivered to the INBOX, and shown by the next IMAP check', async () => {
    const l = await startTestLab({ smtpPort: 0, smtpsPort: null, imapPort: 0, imapsPort: null });
    try {
      const c = await smtpReady(l.listeners.smtp!.port);
      expect(await smtp(c, 'MAIL FROM:<phone@lab.example>')).toBe('250 2.1.0 Ok');
      expect(await smtp(c, 'RCPT TO:<friend@example.com>')).toBe('250 2.1.5 Ok');
      expect(await smtp(c, 'RCPT TO:<boss@elsewhere.example>')).toBe('250 2.1.5 Ok');
      expect(await smtp(c, 'DATA')).toBe('354 End data with <CR><LF>.<CR><LF>');
      // On the wire the leading dot is doubled (RFC 5321 §4.5.2); the kept message has one.
      const stuffed = sampleMessage('Round trip', 'Line one\r\n..a line that starts with a dot');
      const sent = sampleMessage('Round trip', 'Line one\r\n.a line that starts with a dot');
      expect(await smtp(c, `${stuffed}.`)).toBe('250 2.0.0 Ok: queued as 0001');
      const ev = await waitForEvent(l, (e) => e.kind === 'smtp.message');
      expect(ev).toMatchObject({
        kind: 'smtp.message',
        from: 'phone@lab.example',
        to: ['friend@example.com', 'boss@elsewhere.example'],
        subject: 'Round trip',
        messageId: '<m-10@phone.example>',
        path: 'messages/0001.eml',
        delivered: true,
        user: TEST_USER,
      });
      const kept = readFileSync(join(l.sessionDir, 'messages', '0001.eml'), 'latin1');
      expect(kept).toBe(sent);
      expect(ev.kind === 'smtp.message' && ev.size).toBe(Buffer.byteLength(sent));
      expect(readdirSync(join(l.sessionDir, 'messages'))).toEqual(['0001.eml']);
      // The phone's next mail check: IMAP LOGIN, SELECT INBOX, the new message is there.
      const imap = await RawClient.connect(l.listeners.imap!.port);
      await imap.line();
      await imap.command('a1', `LOGIN ${TEST_USER} ${TEST_PASSWORD}`);
      const sel = await imap.command('a2', 'SELECT INBOX');
      const exists = Number(/^\* (\d+) EXISTS$/m.exec(sel.join('\n'))![1]);
      const fetched = await imap.command('a3', `FETCH ${exists} (BODY.PEEK[HEADER.FIELDS (SUBJECT)])`);
      expect(fetched.join('\n')).toContain('Subject: Round trip');
      imap.close();
      c.close();
    } finally {
      await l.stop();
    }
  });

  it('pipelined MAIL, RCPT, RCPT, DATA (RFC 2920): replies in order, commands recorded before the replies', async () => {
    const c = await smtpReady(port);
    const conn = await connOf(lab, c);
    c.send('MAIL FROM:<p@lab.example>\r\nRCPT TO:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n');
    expect(await smtpReply(c)).toEqual(['250 2.1.0 Ok']);
    expect(await smtpReply(c)).toEqual(['250 2.1.5 Ok']);
    expect(await smtpReply(c)).toEqual(['250 2.1.5 Ok']);
    expect(await smtpReply(c)).toEqual(['354 End data with <CR><LF>.<CR><LF>']);
    // The message and QUIT in one write, too.
    c.send(`${sampleMessage('Pipelined')}.\r\nQUIT\r\n`);
    expect((await smtpReply(c))[0]).toMatch(/^250 2\.0\.0 Ok: queued as \d{4}$/);
    expect(await smtpReply(c)).toEqual(['221 2.0.0 Bye']);
    await waitForEvent(lab, (e) => e.kind === 'conn.close' && e.conn === conn);
    const wire = eventsOf(lab).filter((e) => (e.kind === 'c2s' || e.kind === 's2c') && e.conn === conn).map((e) => `${e.kind}:${(e as { text?: string }).text?.split('\r\n')[0]}`);
    const i = wire.indexOf('c2s:MAIL FROM:<p@lab.example>');
    expect(wire.slice(i, i + 5)).toEqual(['c2s:MAIL FROM:<p@lab.example>', 'c2s:RCPT TO:<a@example.com>', 'c2s:RCPT TO:<b@example.com>', 'c2s:DATA', 's2c:250 2.1.0 Ok']);
  });

  it('message files are made ahead of DATA: a whole session in one write is kept whole; sessions that leave without DATA leave no file', async () => {
    const l = await startTestLab({ smtpPort: 0, smtpsPort: null });
    const p = l.listeners.smtp!.port;
    const msg = sampleMessage('All in one write', 'x'.repeat(5000));
    let stopped = false;
    try {
      // AUTH, MAIL, RCPT, DATA and the message before any reply: DATA comes before the file
      // made ahead for it can exist, and takes the same file.
      const c = await smtpGreeted(p);
      c.send(`EHLO phone.example\r\nAUTH PLAIN ${PLAIN_IR}\r\nMAIL FROM:<p@lab.example>\r\nRCPT TO:<a@example.com>\r\nDATA\r\n${msg}.\r\nQUIT\r\n`);
      const replies: string[] = [];
      for (let i = 0; i < 7; i++) replies.push((await smtpReply(c)).at(-1)!);
      expect(replies.slice(1)).toEqual(['235 2.7.0 Authentication successful', '250 2.1.0 Ok', '250 2.1.5 Ok', '354 End data with <CR><LF>.<CR><LF>', '250 2.0.0 Ok: queued as 0001', '221 2.0.0 Bye']);
      expect(readFileSync(join(l.sessionDir, 'messages', '0001.eml'), 'latin1')).toBe(msg);
      // Five phones that log in (and one that also says MAIL) and go away without sending.
      const leavers: string[] = [];
      for (let i = 0; i < 5; i++) {
        const d = await smtpReady(p);
        if (i === 0) expect(await smtp(d, 'MAIL FROM:<p@lab.example>')).toBe('250 2.1.0 Ok');
        leavers.push(await connOf(l, d));
        d.close();
      }
      for (const conn of leavers) await waitForEvent(l, (e) => e.kind === 'conn.close' && e.conn === conn);
      // messages/ only ever holds whole messages; files still being received live in incoming/.
      expect(readdirSync(join(l.sessionDir, 'messages'))).toEqual(['0001.eml']);
      await l.stop();
      stopped = true;
      expect(existsSync(join(l.sessionDir, 'incoming'))).toBe(false);
      expect(readdirSync(join(l.sessionDir, 'messages'))).toEqual(['0001.eml']);
    } finally {
      if (!stopped) await l.stop();
    }
  });

  it('reads Subject and Message-ID of a header whose blank line arrives cut across input chunks', async () => {
    const l = await startTestLab({ smtpPort: 0, smtpsPort: null, imapPort: null, imapsPort: null });
    try {
      const c = await smtpReady(l.listeners.smtp!.port);
      expect(await smtp(c, 'MAIL FROM:<phone@lab.example>')).toBe('250 2.1.0 Ok');
      expect(await smtp(c, 'RCPT TO:<friend@example.com>')).toBe('250 2.1.5 Ok');
      expect(await smtp(c, 'DATA')).toBe('354 End data with <CR><LF>.<CR><LF>');
      // The header's end (LF CR LF) split after its first and second byte, then a body that looks like a header.
      const pieces = ['From: phone@lab.example\r\nSubject: Cut here\r\nMessage-ID: <cut@phone.example>\r\n', '\r', '\nSubject: not a header\r\n.\r\n'];
      for (const piece of pieces) {
        c.send(piece);
        await new Promise((r) => setTimeout(r, 30));
      }
      expect((await smtpReply(c)).at(-1)).toBe('250 2.0.0 Ok: queued as 0001');
      const ev = await waitForEvent(l, (e) => e.kind === 'smtp.message');
      expect(ev).toMatchObject({ subject: 'Cut here', messageId: '<cut@phone.example>', size: Buffer.byteLength(pieces.join('')) - 3 });
      expect(readFileSync(join(l.sessionDir, 'messages', '0001.eml'), 'latin1')).toBe(pieces.join('').slice(0, -3));
      c.send('QUIT\r\n');
      await c.closedByServer();
    } finally {
      await l.stop();
    }
  });

  it('RCPT to outside domains is captured, and no connection to another mail server is attempted', async () => {
    const net = await import('node:net');
    const labPorts = new Set([port, lab.listeners.smtps!.port, lab.listeners.imap!.port, lab.listeners.imaps!.port]);
    const attempts: string[] = [];
    const origConnect = net.Socket.prototype.connect;
    // Every outbound TCP connection in this process goes through Socket.prototype.connect.
    net.Socket.prototype.connect = function (this: import('node:net').Socket, ...args: unknown[]) {
      // net.connect() passes its normalised [options, callback] pair as the first argument.
      const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
      const o = first as { port?: number; host?: string } | number;
      const p = typeof o === 'object' ? Number(o.port) : Number(o);
      if (!labPorts.has(p)) attempts.push(`connect ${JSON.stringify(o)}`);
      return (origConnect as (...a: unknown[]) => import('node:net').Socket).apply(this, args);
    } as typeof origConnect;
    try {
      const c = await smtpReady(port);
      await smtp(c, 'MAIL FROM:<phone@lab.example>');
      expect(await smtp(c, 'RCPT TO:<someone@gmail.com>')).toBe('250 2.1.5 Ok');
      expect(await smtp(c, 'RCPT TO:<postmaster@[192.0.2.1]>')).toBe('250 2.1.5 Ok');
      await smtp(c, 'DATA');
      expect(await smtp(c, `${sampleMessage('Outside')}.`)).toMatch(/^250 2\.0\.0 Ok: queued as/);
      await smtp(c, 'QUIT').catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      const ev = messagesOf(lab).findLast((e) => e.kind === 'smtp.message' && e.subject === 'Outside');
      expect(ev).toMatchObject({ to: ['someone@gmail.com', 'postmaster@[192.0.2.1]'], delivered: true });
    } finally {
      net.Socket.prototype.connect = origConnect;
    }
    expect(attempts).toEqual([]);
    // And by construction: the SMTP engine has no client side at all.
    const dir = join(process.cwd(), 'electron', 'lab', 'smtp');
    const sources = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.ts'));
    for (const f of sources) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(text, f).not.toMatch(/from 'node:(dns|http|https)'|\bcreateConnection\b|\bnet\.connect\b|tls\.connect|import \{[^}]*\bconnect\b[^}]*\} from 'node:(net|tls)'/);
    }
  });
});

describe('AUTH (RFC 4954)', () => {
  it('LOGIN, PLAIN without an initial response, CRAM-MD5; bad password 535; "*" cancels with 501; every step in auth events', async () => {
    const c = await smtpGreeted(port);
    const conn = await connOf(lab, c);
    await smtp(c, 'EHLO phone.example');
    expect(await smtp(c, 'AUTH LOGIN')).toBe('334 VXNlcm5hbWU6');
    expect(await smtp(c, Buffer.from(TEST_USER).toString('base64'))).toBe('334 UGFzc3dvcmQ6');
    expect(await smtp(c, Buffer.from('wrong').toString('base64'))).toBe('535 5.7.8 Error: authentication failed');
    expect(await smtp(c, 'AUTH PLAIN')).toBe('334 ');
    expect(await smtp(c, '*')).toBe('501 5.7.0 Authentication aborted');
    expect(await smtp(c, 'AUTH PLAIN !!!')).toBe('501 5.5.2 Cannot decode response');
    expect(await smtp(c, 'AUTH NTLM')).toBe('504 5.5.4 Unrecognized authentication type');
    const challenge = await smtp(c, 'AUTH CRAM-MD5');
    expect(challenge).toMatch(/^334 /);
    const ch = Buffer.from(challenge.slice(4), 'base64');
    expect(await smtp(c, Buffer.from(`${TEST_USER} ${cramDigest(TEST_PASSWORD, ch)}`).toString('base64'))).toBe('235 2.7.0 Authentication successful');
    c.close();
    const auths = eventsOf(lab).filter((e) => e.kind === 'auth' && e.conn === conn);
    expect(auths.map((e) => e.kind === 'auth' && [e.mechanism, e.ok])).toEqual([
      ['LOGIN', false],
      ['PLAIN', false],
      ['CRAM-MD5', true],
    ]);
  });

  it('marks the initial response and every continuation line as secret; exports redact them', async () => {
    const c = await smtpGreeted(port);
    const conn = await connOf(lab, c);
    await smtp(c, 'EHLO phone.example');
    await smtp(c, 'AUTH LOGIN');
    await smtp(c, Buffer.from(TEST_USER).toString('base64'));
    await smtp(c, Buffer.from(TEST_PASSWORD).toString('base64'));
    c.close();
    const c2 = await smtpGreeted(port);
    const conn2 = await connOf(lab, c2);
    await smtp(c2, 'EHLO phone.example');
    await smtp(c2, `AUTH PLAIN ${PLAIN_IR}`);
    c2.close();
    const sent = eventsOf(lab).filter((e) => e.kind === 'c2s' && (e.conn === conn || e.conn === conn2)).map(redactEvent);
    const text = sent.map((e) => (e.kind === 'c2s' ? e.text : '')).join('');
    expect(text).toContain(`AUTH PLAIN ${REDACTED}`);
    expect(text).toContain('AUTH LOGIN\r\n');
    expect(text).not.toContain(PLAIN_IR);
    expect(text).not.toContain(Buffer.from(TEST_PASSWORD).toString('base64'));
    expect(text).not.toContain(Buffer.from(TEST_USER).toString('base64'));
  });
});

describe('STARTTLS (RFC 3207)', () => {
  it('resets the session: EHLO again, AUTH and MAIL work inside TLS, the bytes are recorded with tls: true', async () => {
    const c = await smtpGreeted(port);
    const conn = await connOf(lab, c);
    await smtp(c, 'EHLO phone.example');
    const t = await startTls(c);
    t.send('MAIL FROM:<a@b.example>\r\n');
    expect(await t.reply()).toEqual(['503 5.5.1 Error: send HELO/EHLO first']);
    t.send('EHLO phone.example\r\n');
    const ehlo = await t.reply();
    expect(ehlo).not.toContain('250-STARTTLS');
    t.send('STARTTLS\r\n');
    expect(await t.reply()).toEqual(['554 5.5.1 Error: TLS already active']);
    t.send(`AUTH PLAIN ${PLAIN_IR}\r\n`);
    expect(await t.reply()).toEqual(['235 2.7.0 Authentication successful']);
    t.send('QUIT\r\n');
    expect(await t.reply()).toEqual(['221 2.0.0 Bye']);
    await waitForEvent(lab, (e) => e.kind === 'conn.close' && e.conn === conn);
    const evs = eventsOf(lab).filter((e) => e.conn === conn);
    expect(evs.some((e) => e.kind === 'tls.established')).toBe(true);
    expect(evs.find((e) => e.kind === 'c2s' && e.text?.startsWith('QUIT'))).toMatchObject({ tls: true });
  });

  it('bytes pipelined after STARTTLS are discarded and named (CVE-2011-0411)', async () => {
    const c = await smtpGreeted(port);
    const conn = await connOf(lab, c);
    await smtp(c, 'EHLO phone.example');
    c.send('STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\n');
    expect(await c.line()).toBe('220 2.0.0 Ready to start TLS');
    await waitForEvent(lab, (e) => e.kind === 'input.rejected' && e.conn === conn && e.what === 'data-after-starttls');
    c.close();
  });
});

describe('behaviour options', () => {
  it('--smtp-auth-tls-only: no AUTH before TLS (530 Must issue a STARTTLS command first), AUTH inside it', async () => {
    const l = await startTestLab({ smtpPort: 0, smtpsPort: null, imapPort: null, imapsPort: null, smtpAuthTlsOnly: true });
    try {
      const c = await smtpGreeted(l.listeners.smtp!.port);
      const before = await ehloLines(c);
      expect(before.some((x) => x.includes('AUTH'))).toBe(false);
      expect(await smtp(c, `AUTH PLAIN ${PLAIN_IR}`)).toBe('530 5.7.0 Must issue a STARTTLS command first');
      const t = await startTls(c);
      t.send('EHLO phone.example\r\n');
      expect(await t.reply()).toContain('250-AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5');
      t.send(`AUTH PLAIN ${PLAIN_IR}\r\n`);
      expect(await t.reply()).toEqual(['235 2.7.0 Authentication successful']);
      t.tls.destroy();
    } finally {
      await l.stop();
    }
  });

  it('the pre-standard AUTH= line, chosen mechanisms, AUTH off, strict MAIL FROM', async () => {
    const a = await startTestLab({ smtpPort: 0, smtpsPort: null, imapPort: null, imapsPort: null, smtpLegacyAuthLine: true, smtpMechanisms: ['LOGIN', 'PLAIN'], smtpMailFrom: 'strict' });
    const b = await startTestLab({ smtpPort: 0, smtpsPort: null, imapPort: null, imapsPort: null, smtpAuth: 'off' });
    try {
      const c = await smtpGreeted(a.listeners.smtp!.port);
      const lines = await ehloLines(c);
      expect(lines).toContain('250-AUTH LOGIN PLAIN');
      expect(lines).toContain('250-AUTH=LOGIN PLAIN');
      expect(await smtp(c, 'AUTH CRAM-MD5')).toBe('504 5.5.4 Unrecognized authentication type');
      await smtp(c, `AUTH PLAIN ${PLAIN_IR}`);
      expect(await smtp(c, 'MAIL FROM: <a@b.example>')).toBe('501 5.1.7 Bad sender address syntax');
      expect(await smtp(c, 'MAIL FROM:a@b.example')).toBe('501 5.1.7 Bad sender address syntax');
      expect(await smtp(c, 'MAIL FROM:<a@b.example>')).toBe('250 2.1.0 Ok');
      c.close();
      const d = await smtpGreeted(b.listeners.smtp!.port);
      expect((await ehloLines(d)).some((x) => x.includes('AUTH'))).toBe(false);
      expect(await smtp(d, `AUTH PLAIN ${PLAIN_IR}`)).toBe('503 5.5.1 Error: authentication not enabled');
      // Lenient (the default): a space after the colon, and no brackets.
      expect(await smtp(d, 'MAIL FROM: <a@b.example>')).toBe('250 2.1.0 Ok');
      expect(await smtp(d, 'RCPT TO:c@d.example')).toBe('250 2.1.5 Ok');
      d.close();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('bare LF in DATA: accepted by default (the INBOX copy gets CRLF, the .eml keeps the bytes); refused with 550 when asked', async () => {
    const a = await startTestLab({ smtpPort: 0, smtpsPort: null, imapPort: null, imapsPort: null });
    const b = await startTestLab({ smtpPort: 0, smtpsPort: null, imapPort: null, imapsPort: null, smtpBareLf: 'reject' });
    const msg = 'Subject: bare\nFrom: scanner@office.example\n\nScan attached\n.\n';
    try {
      for (const [l, want] of [[a, /^250 2\.0\.0 Ok: queued as 0001$/], [b, /^550 5\.5\.2 Error: bare <LF> received$/]] as const) {
        const c = await smtpReady(l.listeners.smtp!.port);
        await smtp(c, 'MAIL FROM:<scanner@office.example>');
        await smtp(c, 'RCPT TO:<me@example.com>');
        await smtp(c, 'DATA');
        c.send(msg);
        expect((await smtpReply(c))[0]).toMatch(want);
        expect(await smtp(c, 'NOOP')).toBe('250 2.0.0 Ok');
        c.close();
      }
      const ev = await waitForEvent(a, (e) => e.kind === 'smtp.message');
      expect(ev).toMatchObject({ bareLfLines: 5, subject: 'bare', delivered: true });
      expect(readFileSync(join(a.sessionDir, 'messages', '0001.eml'), 'latin1')).toBe('Subject: bare\nFrom: scanner@office.example\n\nScan attached\n');
      const inbox = a.store.messages('INBOX');
      expect(inbox.at(-1)!.raw.toString('latin1')).toBe('Subject: bare\r\nFrom: scanner@office.example\r\n\r\nScan attached\r\n');
      expect(messagesOf(b)).toEqual([]);
      expect(existsSync(join(b.sessionDir, 'messages')) ? readdirSync(join(b.sessionDir, 'messages')) : []).toEqual([]);
      expect(eventsOf(b).some((e) => e.kind === 'input.rejected' && e.what === 'bare-lf')).toBe(true);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('implicit TLS (RFC 8314)', () => {
  it('the greeting arrives inside TLS; conn.open says smtps', async () => {
    const s = tlsConnect({ host: '127.0.0.1', port: lab.listeners.smtps!.port, rejectUnauthorized: false });
    const greeting = await new Promise<string>((res, rej) => {
      s.once('data', (d: Buffer) => res(d.toString('latin1')));
      s.once('error', rej);
    });
    expect(greeting).toMatch(/^220 \S+ ESMTP /);
    s.destroy();
    const open = eventsOf(lab).findLast((e) => e.kind === 'conn.open' && e.port === lab.listeners.smtps!.port);
    expect(open).toMatchObject({ proto: 'smtps' });
  });
});
