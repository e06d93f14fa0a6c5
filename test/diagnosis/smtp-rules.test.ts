/**
 * The SMTP reading of the diagnosis, rule by rule: each finding on the bytes that show it, and
 * never on a correct client's bytes (RFC 5321 as swaks, smtplib and nodemailer speak it).
 */
import { describe, expect, it } from 'vitest';
import type { EventInput, LabEvent } from '../../electron/api.js';
import { diagnose, IncrementalDiagnosis } from '../../electron/lab/diagnosis/index.js';
import { ids, session } from './helpers.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const PASSWORD = 'sekr1t-pw';

/** An SMTP conversation on c1: "C: " / "S: " lines get CRLF; "C~ " lines are sent with a bare LF; "C= " / "S= " raw (no line end added). */
function smtp(lines: string[], opts: { proto?: 'smtp' | 'smtps'; close?: 'client' | 'server' } = {}): LabEvent[] {
  const inputs: EventInput[] = [
    { kind: 'lab.start', version: 't', listeners: {}, account: { user: 'phone', password: PASSWORD }, settings: {} },
    { kind: 'conn.open', conn: 'c1', proto: opts.proto ?? 'smtp', remote: '127.0.0.1:5000', local: '127.0.0.1:587', port: 587 },
  ];
  if (opts.proto === 'smtps') inputs.push({ kind: 'tls.established', conn: 'c1', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', engine: 'modern', mode: 'implicit' });
  let tls = opts.proto === 'smtps';
  for (const l of lines) {
    if (l === 'TLS') {
      inputs.push({ kind: 'tls.established', conn: 'c1', version: 'TLSv1.2', cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', engine: 'modern', mode: 'starttls' });
      tls = true;
      continue;
    }
    const dir = l.startsWith('S') ? 's2c' : 'c2s';
    const end = l[1] === '~' ? '\n' : l[1] === '=' ? '' : '\r\n';
    inputs.push({ kind: dir, conn: 'c1', text: l.slice(3) + end, ...(tls ? { tls: true as const } : {}) });
  }
  inputs.push({ kind: 'conn.close', conn: 'c1', by: opts.close ?? 'server', bytesIn: 0, bytesOut: 0 });
  return session(inputs);
}

const EHLO_FULL = ['S: 250-lab.example', 'S: 250-PIPELINING', 'S: 250-SIZE 10240000', 'S: 250-STARTTLS', 'S: 250-AUTH PLAIN LOGIN CRAM-MD5', 'S: 250-ENHANCEDSTATUSCODES', 'S: 250 8BITMIME'];
const GREET = ['S: 220 lab.example ESMTP', 'C: EHLO client.example', ...EHLO_FULL];
/** A challenge-response login (RFC 2195): no password on the wire, so no cleartext-password. */
const CRAM_OK = ['C: AUTH CRAM-MD5', `S: 334 ${b64('<1.2@lab>')}`, `C: ${b64('phone 0123456789abcdef0123456789abcdef')}`, 'S: 235 2.7.0 Authentication successful'];
const PLAIN_OK = [`C: AUTH PLAIN ${b64(`\0phone\0${PASSWORD}`)}`, 'S: 235 2.7.0 Authentication successful'];
const SEND = ['C: MAIL FROM:<phone@lab.example>', 'S: 250 2.1.0 Ok', 'C: RCPT TO:<a@example.net>', 'S: 250 2.1.5 Ok', 'C: DATA', 'S: 354 go ahead', 'C: Subject: hi', 'C: ', 'C: hello', 'C: .', 'S: 250 2.0.0 Ok: queued'];
const QUIT = ['C: QUIT', 'S: 221 2.0.0 Bye'];

function step(d: ReturnType<typeof diagnose>, name: string) {
  return d.attempts[0].steps.find((s) => s.step === name)!;
}

describe('SMTP attempts', () => {
  it('a correct submission over STARTTLS: every step passes, sending passes, no finding', () => {
    const d = diagnose(smtp([...GREET, 'C: STARTTLS', 'S: 220 2.0.0 Ready', 'TLS', 'C: EHLO client.example', ...EHLO_FULL, ...PLAIN_OK, ...SEND, ...QUIT]));
    expect(d.findings).toEqual([]);
    expect(d.verdict).toBe('pass');
    expect(d.directions).toEqual({ receiving: 'untested', sending: 'pass' });
    const a = d.attempts[0];
    expect(a).toMatchObject({ proto: 'smtp', direction: 'sending', security: 'starttls', mechanism: 'PLAIN', verdict: 'pass' });
    expect(a.steps.map((s) => [s.step, s.result])).toEqual([
      ['connect', 'pass'], ['tls', 'pass'], ['ehlo', 'pass'], ['auth', 'pass'], ['client-accepted-auth', 'pass'], ['mail', 'pass'], ['rcpt', 'pass'], ['data', 'pass'], ['quit', 'pass'],
    ]);
    for (const s of a.steps) expect(s.evidence.length, s.step).toBeGreaterThan(0);
  });

  it('client-accepted-auth fails when the client quits after 235 without MAIL', () => {
    const d = diagnose(smtp([...GREET, ...CRAM_OK, ...QUIT]));
    expect(step(d, 'auth').result).toBe('pass');
    expect(step(d, 'client-accepted-auth')).toMatchObject({ result: 'fail', note: 'quit without sending a message' });
    expect(d.directions.sending).toBe('fail');
  });

  it('message content is not commands: "MAIL FROM: x" and "AUTH PLAIN" inside DATA find nothing', () => {
    const body = ['C: MAIL FROM: <not-a-command>', 'C: AUTH PLAIN AAAA', 'C: HELO', 'C: ..leading dot'];
    const d = diagnose(smtp([...GREET, ...CRAM_OK, ...SEND.slice(0, 6), ...body, 'C: .', 'S: 250 Ok', ...QUIT]));
    expect(d.findings).toEqual([]);
    expect(step(d, 'data').result).toBe('pass');
  });

  it('a multi-line reply split across events is one reply; the IMAP rules never see SMTP bytes', () => {
    const d = diagnose(smtp(['S: 220 lab', 'C: EHLO x', 'S= 250-lab\r\n250-PIPE', 'S= LINING\r\n250 AUTH PLAIN\r\n', ...CRAM_OK, ...SEND, ...QUIT]));
    expect(d.findings).toEqual([]);
    expect(step(d, 'ehlo').note).toContain('PIPELINING');
  });

  it('AUTH continuation lines are SASL responses and secrets: never commands, never quoted', () => {
    const d = diagnose(smtp([...GREET, 'C: AUTH LOGIN', `S: 334 ${b64('Username:')}`, `C~ ${b64('phone')}`, `S: 334 ${b64('Password:')}`, `C~ ${b64(PASSWORD)}`, 'S: 235 ok', ...SEND, ...QUIT]));
    expect(ids(d)).toEqual(['cleartext-password', 'smtp-bare-lf']);
    const json = JSON.stringify(d);
    expect(json).not.toContain(b64(PASSWORD));
    expect(json).not.toContain(PASSWORD);
    expect(step(d, 'auth').result).toBe('pass');
  });

  it('the incremental result equals the batch result after every event', () => {
    const events = smtp([...GREET, 'C: AUTH PLAIN', 'S: 334 ', `C: ${b64('\0phone\0wrong')}`, 'S: 535 5.7.8 no', ...PLAIN_OK, ...SEND, ...QUIT]);
    const inc = new IncrementalDiagnosis();
    for (const ev of events) {
      inc.push(ev);
      expect(inc.result()).toEqual(diagnose(events.slice(0, events.indexOf(ev) + 1)));
    }
    expect(inc.ruleErrors).toEqual([]);
  });

  it('an IMAP and an SMTP connection give one verdict per direction', () => {
    const events = session([
      { kind: 'conn.open', conn: 'c1', proto: 'imap', remote: 'r', local: 'l', port: 143 },
      { kind: 's2c', conn: 'c1', text: '* OK ready\r\n' },
      { kind: 'c2s', conn: 'c1', text: 'a1 LOGIN phone bad\r\n' },
      { kind: 's2c', conn: 'c1', text: 'a1 NO [AUTHENTICATIONFAILED] no\r\n' },
      { kind: 'conn.close', conn: 'c1', by: 'client', bytesIn: 0, bytesOut: 0 },
      ...smtp([...GREET, ...CRAM_OK, ...SEND, ...QUIT]).slice(1).map((e) => ({ ...e, conn: e.conn ? 'c2' : undefined }) as EventInput),
    ] as EventInput[]);
    const d = diagnose(events);
    expect(d.directions).toEqual({ receiving: 'fail', sending: 'pass' });
    expect(d.verdict).toBe('fail');
    expect(d.attempts.map((a) => [a.conn, a.direction])).toEqual([['c1', 'receiving'], ['c2', 'sending']]);
    expect(ids(d)).toContain('auth-failed');
    expect(ids(d)).not.toContain('smtp-auth-failed');
  });

  it('implicit TLS (465) then silence is tls-no-command; STARTTLS with traffic inside is not', () => {
    expect(ids(diagnose(smtp(['S: 220 lab'], { proto: 'smtps', close: 'client' })))).toEqual(['tls-no-command']);
    expect(ids(diagnose(smtp([...GREET, 'C: STARTTLS', 'S: 220 go', 'TLS', 'C: EHLO x', ...EHLO_FULL, ...PLAIN_OK, ...SEND, ...QUIT])))).toEqual([]);
  });
});

describe('SMTP rules', () => {
  it('smtp-no-auth: MAIL refused 530 without AUTH; not when the server accepts unauthenticated mail', () => {
    const d = diagnose(smtp([...GREET, 'C: MAIL FROM:<a@b.c>', 'S: 530 5.7.0 Authentication required', ...QUIT]));
    expect(ids(d)).toEqual(['smtp-no-auth']);
    expect(d.findings[0].data).toMatchObject({ authOffered: true, mechanismsOffered: ['PLAIN', 'LOGIN', 'CRAM-MD5'] });
    expect(d.findings[0].evidence.length).toBe(2);
    const relay = diagnose(smtp([...GREET, 'C: MAIL FROM:<a@b.c>', 'S: 250 ok', 'C: RCPT TO:<x@y.z>', 'S: 554 5.7.1 Relay access denied', ...QUIT]));
    expect(ids(relay)).toEqual(['smtp-no-auth']);
    expect(ids(diagnose(smtp([...GREET, ...SEND, ...QUIT])))).toEqual([]);
    // Authenticated and still refused is not "no auth".
    expect(ids(diagnose(smtp([...GREET, ...CRAM_OK, 'C: MAIL FROM:<a@b.c>', 'S: 553 5.7.1 Sender address rejected: not owned by user', ...QUIT])))).toEqual([]);
  });

  it('smtp-auth-failed: 535; not for a cancel (501) nor an unknown mechanism (504)', () => {
    const d = diagnose(smtp([...GREET, `C: AUTH PLAIN ${b64('\0phone\0bad')}`, 'S: 535 5.7.8 Authentication credentials invalid', ...QUIT]));
    expect(ids(d)).toEqual(['cleartext-password', 'smtp-auth-failed']);
    expect(d.findings.find((f) => f.id === 'smtp-auth-failed')!.data).toMatchObject({ mechanism: 'PLAIN', serverSaid: '535 5.7.8 Authentication credentials invalid' });
    expect(step(d, 'auth').result).toBe('fail');
    const cancel = diagnose(smtp([...GREET, 'C: AUTH CRAM-MD5', `S: 334 ${b64('<1.2@lab>')}`, 'C: *', 'S: 501 5.7.0 Authentication aborted', 'C: AUTH X-NONE', 'S: 504 5.5.4 Unrecognized mechanism', ...QUIT]));
    expect(ids(cancel)).toEqual([]);
  });

  it('smtp-auth-before-ehlo: AUTH without EHLO, HELO only, MAIL after STARTTLS without a new EHLO', () => {
    const none = diagnose(smtp(['S: 220 lab', `C: AUTH PLAIN ${b64('\0phone\0x')}`, 'S: 503 5.5.1 Error: send HELO/EHLO first', ...QUIT]));
    expect(ids(none)).toEqual(['cleartext-password', 'smtp-auth-before-ehlo']);
    expect(none.findings.find((f) => f.id === 'smtp-auth-before-ehlo')).toMatchObject({ severity: 'error', data: { how: ['no-hello'] } });
    const helo = diagnose(smtp(['S: 220 lab', 'C: HELO old', 'S: 250 lab', ...SEND, ...QUIT]));
    expect(ids(helo)).toEqual(['smtp-auth-before-ehlo']);
    expect(helo.findings[0]).toMatchObject({ severity: 'warning', data: { how: ['helo-only'] } });
    const afterTls = diagnose(smtp([...GREET, 'C: STARTTLS', 'S: 220 go', 'TLS', ...SEND, ...QUIT]));
    expect(afterTls.findings.find((f) => f.id === 'smtp-auth-before-ehlo')!.data).toMatchObject({ how: ['no-ehlo-after-starttls'] });
  });

  it('smtp-bare-lf: commands and content lines ending in LF alone; CRLF everywhere finds nothing', () => {
    const d = diagnose(smtp([...GREET, ...CRAM_OK, 'C~ MAIL FROM:<a@b.c>', 'S: 250 ok', 'C: RCPT TO:<x@y.z>', 'S: 250 ok', 'C: DATA', 'S: 354 go', 'C~ Subject: x', 'C~ ', 'C: body', 'C~ .', 'S: 250 ok', ...QUIT]));
    expect(ids(d)).toEqual(['smtp-bare-lf']);
    expect(d.findings[0].data).toMatchObject({ commandLines: 1, contentLines: 3, samples: ['MAIL FROM:<a@b.c>'] });
    expect(step(d, 'data').result).toBe('pass');
  });

  it('smtp-mail-from-syntax: a space after the colon, no brackets, an unadvertised parameter; info, warning when refused', () => {
    const d = diagnose(smtp([...GREET, ...CRAM_OK, 'C: MAIL FROM: <a@b.c>', 'S: 250 ok', 'C: RCPT TO:x@y.z', 'S: 250 ok', 'C: RSET', 'S: 250 ok', 'C: MAIL FROM:<a@b.c> SMTPUTF8', 'S: 501 5.5.4 Syntax', ...QUIT]));
    const f = d.findings.find((x) => x.id === 'smtp-mail-from-syntax')!;
    expect(f.severity).toBe('warning');
    expect(f.data!.problems).toEqual(['a space after the colon', 'no angle brackets around the address', 'the SMTPUTF8= parameter, which the server did not advertise (SMTPUTF8)']);
    const ok = diagnose(smtp([...GREET, ...CRAM_OK, 'C: MAIL FROM:<> SIZE=100 BODY=8BITMIME', 'S: 250 ok', 'C: RCPT TO:<x@y.z>', 'S: 250 ok', 'C: mail from:<A@B.C>', 'S: 503 nested', ...QUIT]));
    expect(ids(ok)).toEqual([]);
  });

  it('smtp-pipelining-unadvertised: commands ahead of replies without PIPELINING; the same with PIPELINING is fine', () => {
    const noPipe = ['S: 220 lab', 'C: EHLO x', 'S: 250-lab', 'S: 250 AUTH PLAIN'];
    const burst = 'C= MAIL FROM:<a@b.c>\r\nRCPT TO:<x@y.z>\r\nDATA\r\n';
    const replies = ['S: 250 ok', 'S: 250 ok', 'S: 354 go', 'C: hi', 'C: .', 'S: 250 ok'];
    const d = diagnose(smtp([...noPipe, ...CRAM_OK, burst, ...replies, ...QUIT]));
    expect(ids(d)).toEqual(['smtp-pipelining-unadvertised']);
    expect(d.findings[0].data).toMatchObject({ count: 2, commands: ['RCPT', 'DATA'] });
    expect(ids(diagnose(smtp([...GREET, ...CRAM_OK, burst, ...replies, ...QUIT])))).toEqual([]);
    // ".\r\nQUIT" in one write without PIPELINING: QUIT came before the reply to the message.
    const quitEarly = diagnose(smtp([...noPipe, ...CRAM_OK, ...SEND.slice(0, 8), 'C= .\r\nQUIT\r\n', 'S: 250 ok', 'S: 221 bye']));
    expect(quitEarly.findings[0].data).toMatchObject({ commands: ['QUIT'], waitingFor: ['end of message'] });
  });

  it('smtp-8bit-without-8bitmime: 8-bit content without BODY=8BITMIME, or to a server without 8BITMIME', () => {
    const body = ['C: DATA', 'S: 354 go', 'C: Subject: Grüße', 'C: ', 'C: München', 'C: .', 'S: 250 ok'];
    const d = diagnose(smtp([...GREET, ...CRAM_OK, 'C: MAIL FROM:<a@b.c>', 'S: 250 ok', 'C: RCPT TO:<x@y.z>', 'S: 250 ok', ...body, ...QUIT]));
    expect(ids(d)).toEqual(['smtp-8bit-without-8bitmime']);
    expect(d.findings[0]).toMatchObject({ severity: 'info', data: { lines: 2, offered: true, declared: null } });
    const notOffered = diagnose(smtp(['S: 220 lab', 'C: EHLO x', 'S: 250-lab', 'S: 250 AUTH CRAM-MD5', ...CRAM_OK, 'C: MAIL FROM:<a@b.c>', 'S: 250 ok', 'C: RCPT TO:<x@y.z>', 'S: 250 ok', ...body, ...QUIT]));
    expect(notOffered.findings[0]).toMatchObject({ id: 'smtp-8bit-without-8bitmime', severity: 'warning', data: { offered: false } });
    const declared = diagnose(smtp([...GREET, ...CRAM_OK, 'C: MAIL FROM:<a@b.c> BODY=8BITMIME', 'S: 250 ok', 'C: RCPT TO:<x@y.z>', 'S: 250 ok', ...body, ...QUIT]));
    expect(ids(declared)).toEqual([]);
  });

  it('smtp-auth-without-tls-refused: 538, or 530 asking for STARTTLS; after STARTTLS the same AUTH is fine', () => {
    const ehloNoAuth = ['S: 220 lab', 'C: EHLO x', 'S: 250-lab', 'S: 250-STARTTLS', 'S: 250 8BITMIME'];
    const ir = `C: AUTH PLAIN ${b64(`\0phone\0${PASSWORD}`)}`;
    const d538 = diagnose(smtp([...ehloNoAuth, ir, 'S: 538 5.7.11 Encryption required for requested authentication mechanism', ...QUIT]));
    expect(ids(d538)).toEqual(['cleartext-password', 'smtp-auth-without-tls-refused']);
    const d530 = diagnose(smtp([...ehloNoAuth, ir, 'S: 530 5.7.0 Must issue a STARTTLS command first', ...QUIT]));
    expect(ids(d530)).toContain('smtp-auth-without-tls-refused');
    const tls = diagnose(smtp([...ehloNoAuth, 'C: STARTTLS', 'S: 220 go', 'TLS', 'C: EHLO x', ...EHLO_FULL, ir, 'S: 235 ok', ...SEND, ...QUIT]));
    expect(ids(tls)).toEqual([]);
  });

  it('smtp-message-too-large: 552 to MAIL SIZE= and 552 ending the content early', () => {
    const atMail = diagnose(smtp([...GREET, ...CRAM_OK, 'C: MAIL FROM:<a@b.c> SIZE=20000000', 'S: 552 5.3.4 Message size exceeds fixed limit', ...QUIT]));
    expect(ids(atMail)).toEqual(['smtp-message-too-large']);
    expect(atMail.findings[0].data).toMatchObject({ when: 'mail', declaredSize: 20_000_000, sizeLimit: 10_240_000 });
    const inData = diagnose(smtp([...GREET, ...CRAM_OK, ...SEND.slice(0, 6), 'C: ' + 'x'.repeat(500), 'S: 552 5.3.4 Message too big', ...QUIT]));
    expect(ids(inData)).toEqual(['smtp-message-too-large']);
    expect(inData.findings[0].data).toMatchObject({ when: 'data', bytesSent: 502 });
    expect(step(inData, 'data')).toMatchObject({ result: 'fail' });
    expect(step(inData, 'quit').result).toBe('pass');
  });

  it('smtp-data-incomplete: the connection ends inside DATA; not after the final dot', () => {
    const d = diagnose(smtp([...GREET, ...CRAM_OK, ...SEND.slice(0, 6), 'C: Subject: x', 'C= half a li'], { close: 'client' }));
    expect(ids(d)).toEqual(['smtp-data-incomplete']);
    expect(d.findings[0].data).toMatchObject({ bytes: 'Subject: x\r\n'.length + 'half a li'.length, by: 'client' });
    expect(step(d, 'data')).toMatchObject({ result: 'fail' });
    expect(ids(diagnose(smtp([...GREET, ...CRAM_OK, ...SEND], { close: 'client' })))).toEqual([]);
  });

  it('a reply to the content arriving when the recorder kept only a prefix ends the content, and the message passes', () => {
    const events = smtp([...GREET, ...CRAM_OK, ...SEND.slice(0, 6)]).slice(0, -1);
    const last = events[events.length - 1];
    events.push({ seq: last.seq + 1, t: last.t, kind: 'c2s', conn: 'c1', text: 'Subject: big\r\n\r\n' + 'y'.repeat(100), truncated: 5_000_000 } as LabEvent);
    events.push({ seq: last.seq + 2, t: last.t, kind: 's2c', conn: 'c1', text: '250 2.0.0 Ok: queued\r\n' } as LabEvent);
    events.push({ seq: last.seq + 3, t: last.t, kind: 'conn.close', conn: 'c1', by: 'client', bytesIn: 0, bytesOut: 0 } as LabEvent);
    const d = diagnose(events);
    expect(step(d, 'data').result).toBe('pass');
    expect(d.findings).toEqual([]);
  });
});

describe('cleartext-password on SMTP', () => {
  it('is reported when the password crosses, not for an AUTH LOGIN cancelled after the user name', () => {
    const cancelled = diagnose(smtp([...GREET, 'C: AUTH LOGIN', `S: 334 ${b64('Username:')}`, `C: ${b64('phone')}`, `S: 334 ${b64('Password:')}`, 'C: *', 'S: 501 5.7.0 Authentication aborted', 'C: QUIT', 'S: 221 bye']));
    expect(ids(cancelled)).not.toContain('cleartext-password');
    const full = diagnose(smtp([...GREET, 'C: AUTH LOGIN', `S: 334 ${b64('Username:')}`, `C: ${b64('phone')}`, `S: 334 ${b64('Password:')}`, `C: ${b64(PASSWORD)}`, 'S: 235 2.7.0 Authentication successful', 'C: QUIT', 'S: 221 bye']));
    expect(ids(full)).toContain('cleartext-password');
    const withUserInitial = diagnose(smtp([...GREET, `C: AUTH LOGIN ${b64('phone')}`, `S: 334 ${b64('Password:')}`, `C: ${b64(PASSWORD)}`, 'S: 235 2.7.0 Authentication successful', 'C: QUIT', 'S: 221 bye']));
    expect(ids(withUserInitial)).toContain('cleartext-password');
  });
});

describe('SMTP attempts and TLS', () => {
  it('a STARTTLS whose handshake failed is an attempt with STARTTLS and a failed TLS step, as on IMAP and POP3', () => {
    const events = session([
      { kind: 'lab.start', version: 't', listeners: {}, account: { user: 'phone', password: PASSWORD }, settings: {} },
      { kind: 'conn.open', conn: 'c1', proto: 'smtp', remote: '127.0.0.1:5000', local: '127.0.0.1:587', port: 587 },
      { kind: 's2c', conn: 'c1', text: '220 lab.example ESMTP\r\n' },
      { kind: 'c2s', conn: 'c1', text: 'EHLO printer\r\n' },
      { kind: 's2c', conn: 'c1', text: '250-lab.example\r\n250 STARTTLS\r\n' },
      { kind: 'c2s', conn: 'c1', text: 'STARTTLS\r\n' },
      { kind: 's2c', conn: 'c1', text: '220 2.0.0 Ready to start TLS\r\n' },
      { kind: 'tls.hello', conn: 'c1', maxVersion: 'TLSv1', cipherSuites: ['TLS_RSA_WITH_RC4_128_MD5'], format: 'tls' },
      { kind: 'tls.failed', conn: 'c1', reason: 'no-shared-cipher', alert: 'handshake_failure', alertFrom: 'server' },
      { kind: 'conn.close', conn: 'c1', by: 'server', bytesIn: 0, bytesOut: 0 },
    ] as EventInput[]);
    const a = diagnose(events).attempts[0];
    expect(a).toMatchObject({ direction: 'sending', security: 'starttls' });
    expect(a.steps.find((s) => s.step === 'tls')).toMatchObject({ result: 'fail', note: 'no-shared-cipher (handshake_failure)' });
  });
});

describe('protocol-violation names the protocol the phone broke', () => {
  it('an HTTP request on the submission port is "not valid SMTP", on POP3 "not valid POP3"', () => {
    for (const [proto, port, word] of [['smtp', 587, 'SMTP'], ['pop3', 110, 'POP3'], ['imap', 143, 'IMAP']] as const) {
      const d = diagnose(session([
        { kind: 'lab.start', version: 't', listeners: {}, account: { user: 'phone', password: PASSWORD }, settings: {} },
        { kind: 'conn.open', conn: 'c1', proto, remote: '127.0.0.1:5000', local: `127.0.0.1:${port}`, port },
        { kind: 'c2s', conn: 'c1', text: 'GET / HTTP/1.1\r\n' },
        { kind: 'input.rejected', conn: 'c1', what: `http-on-${proto}-port`, detail: `an HTTP request arrived on the ${word} port`, sample: 'GET / HTTP/1.1' },
        { kind: 'conn.close', conn: 'c1', by: 'server', bytesIn: 16, bytesOut: 0 },
      ] as EventInput[]));
      expect(d.findings.find((f) => f.id === 'protocol-violation')!.title, proto).toBe(`The phone sent something that is not valid ${word}`);
    }
  });
});
