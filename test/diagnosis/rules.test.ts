import { describe, expect, it } from 'vitest';
import type { EventInput } from '../../electron/api.js';
import { FINDING_IDS } from './finding-ids.js';
import { diagnose } from '../../electron/lab/diagnosis/index.js';
import { createRules } from '../../electron/lab/diagnosis/rules/index.js';
import { FULL_BODY_WARN_CHECKS, MAX_LISTED_NAMES, SLOW_CLIENT_GAP_MS } from '../../electron/lab/diagnosis/constants.js';
import { conversation, ids, session } from './helpers.js';

const LOGIN_OK = ['S: * OK ready', 'C: a1 login joe secret', 'S: a1 OK done'];

describe('rules', () => {
  it('has exactly one rule per finding id of QUIRKS.md', () => {
    expect(createRules().map((r) => r.id).sort()).toEqual([...FINDING_IDS].sort());
  });

  it('keeps finding data bounded whatever names a phone invents', () => {
    // 200 retries with made-up mechanism names: the list in the finding stays short.
    const lines = [...LOGIN_OK];
    for (let i = 0; i < 200; i++) lines.push(`C: r${i} AUTHENTICATE X-BOGUS-${i}`, `S: r${i} BAD Already authenticated`);
    const d = diagnose(conversation(lines));
    const retry = d.findings.find((f) => f.id === 'auth-retry-after-success')!;
    expect((retry.data!.mechanisms as string[]).length).toBe(MAX_LISTED_NAMES);
  });

  it('calls an empty line elsewhere `empty-line`, and a warning when the server ignores it', () => {
    const d = diagnose(conversation([...LOGIN_OK, 'C: a2 select INBOX', 'S: a2 OK [READ-WRITE] ok', 'C: ', 'C: a3 logout', 'S: * BYE', 'S: a3 OK bye']));
    expect(ids(d)).toEqual(['cleartext-password', 'empty-line']);
    expect(d.findings.find((f) => f.id === 'empty-line')!.severity).toBe('warning');
    expect(d.verdict).toBe('pass');
  });

  it('keeps empty-line-after-auth a warning on a lenient server (no BAD in reply)', () => {
    const d = diagnose(conversation([...LOGIN_OK, 'C: ', 'C: a2 SELECT INBOX', 'S: a2 OK [READ-WRITE] ok']));
    const f = d.findings.find((x) => x.id === 'empty-line-after-auth')!;
    expect(f.severity).toBe('warning');
    expect(ids(d)).not.toContain('auth-success-ignored');
  });

  it('does not take a client `*` cancel or IDLE DONE for empty lines or violations', () => {
    const d = diagnose(conversation([
      'S: * OK ready', 'C: 1 AUTHENTICATE CRAM-MD5', 'S: + PDEyMzQ+', 'C: *', 'S: 1 BAD cancelled',
      'C: 2 LOGIN joe secret', 'S: 2 OK ok', 'C: 3 SELECT INBOX', 'S: 3 OK ok', 'C: 4 IDLE', 'S: + idling', 'C: DONE', 'S: 4 OK done',
      'C: 5 LOGOUT', 'S: * BYE', 'S: 5 OK',
    ]));
    expect(ids(d)).toEqual(['cleartext-password']);
  });

  it('reports a gap longer than SLOW_CLIENT_GAP_MS after a response the client may not have understood, but not a shorter one, nor silence during IDLE', () => {
    const mk = (gap: number, reply: string, idle = false) =>
      session([
        { kind: 'conn.open', conn: 'c1', proto: 'imap', remote: 'r', local: 'l', port: 143 },
        [0, { kind: 's2c', conn: 'c1', text: '* OK ready\r\n' }],
        [10, { kind: 'c2s', conn: 'c1', text: idle ? 'A1 IDLE\r\n' : 'A1 NOOP\r\n' }],
        [20, { kind: 's2c', conn: 'c1', text: idle ? '+ idling\r\n' : reply }],
        [20 + gap, { kind: 'c2s', conn: 'c1', text: idle ? 'DONE\r\n' : 'A2 NOOP\r\n' }],
        [40 + gap, { kind: 's2c', conn: 'c1', text: idle ? 'A1 OK\r\n' : 'A2 OK\r\n' }],
      ]);
    const long = SLOW_CLIENT_GAP_MS + 1000;
    for (const reply of ['A1 BAD Invalid command\r\n', 'A1 NO Not now\r\n', '* BAD Invalid tag\r\n', '+ go ahead\r\n']) {
      const d = diagnose(mk(long, reply));
      expect(ids(d), reply).toEqual(['slow-client-gap']);
      expect(d.findings[0].explanation).toContain(reply.trim());
    }
    expect(ids(diagnose(mk(SLOW_CLIENT_GAP_MS - 1000, 'A1 BAD Invalid command\r\n')))).toEqual([]);
    // A person reading mail after a completed command, even for a minute: not a finding.
    expect(ids(diagnose(mk(60_000, 'A1 OK NOOP completed\r\n')))).toEqual([]);
    expect(ids(diagnose(mk(60_000, '* 3 EXISTS\r\nA1 OK NOOP completed\r\n')))).toEqual([]);
    expect(ids(diagnose(mk(SLOW_CLIENT_GAP_MS * 6, '', true)))).toEqual([]);
  });

  it('does not count the go-ahead for a literal as an unexpected continuation, however long the client takes', () => {
    const d = diagnose(session([
      { kind: 'conn.open', conn: 'c1', proto: 'imap', remote: 'r', local: 'l', port: 143 },
      [0, { kind: 's2c', conn: 'c1', text: '* OK ready\r\n' }],
      [10, { kind: 'c2s', conn: 'c1', text: 'A1 LOGIN {3}\r\n' }],
      [20, { kind: 's2c', conn: 'c1', text: '+ Ready for literal data\r\n' }],
      [20 + SLOW_CLIENT_GAP_MS * 3, { kind: 'c2s', conn: 'c1', text: 'joe secret\r\n' }],
      [30 + SLOW_CLIENT_GAP_MS * 3, { kind: 's2c', conn: 'c1', text: 'A1 OK done\r\n' }],
    ]));
    expect(ids(d)).not.toContain('slow-client-gap');
  });

  it('reports a cleartext password when it crosses, not for an AUTHENTICATE LOGIN or PLAIN cancelled before it', () => {
    const b = (x: string) => Buffer.from(x).toString('base64');
    const tail = ['C: 9 LOGOUT', 'S: * BYE', 'S: 9 OK'];
    const cancelledLogin = diagnose(conversation(['S: * OK ready', 'C: 1 AUTHENTICATE LOGIN', `S: + ${b('Username:')}`, `C: ${b('joe')}`, `S: + ${b('Password:')}`, 'C: *', 'S: 1 BAD cancelled', ...tail]));
    expect(ids(cancelledLogin)).not.toContain('cleartext-password');
    const cancelledPlain = diagnose(conversation(['S: * OK ready', 'C: 1 AUTHENTICATE PLAIN', 'S: + ', 'C: *', 'S: 1 BAD cancelled', ...tail]));
    expect(ids(cancelledPlain)).not.toContain('cleartext-password');
    const fullLogin = diagnose(conversation(['S: * OK ready', 'C: 1 AUTHENTICATE LOGIN', `S: + ${b('Username:')}`, `C: ${b('joe')}`, `S: + ${b('Password:')}`, `C: ${b('secret')}`, 'S: 1 OK ok', ...tail]));
    expect(fullLogin.findings.find((f) => f.id === 'cleartext-password')).toMatchObject({ data: { mechanisms: ['LOGIN'] } });
    const plainIr = diagnose(conversation(['S: * OK ready', `C: 1 AUTHENTICATE PLAIN ${b('\0joe\0secret')}`, 'S: 1 OK ok', ...tail]));
    expect(plainIr.findings.find((f) => f.id === 'cleartext-password')).toMatchObject({ data: { mechanisms: ['PLAIN'] } });
  });

  it('reads LOGIN arguments sent as literals (Symbian) and still sees the password in clear', () => {
    const d = diagnose(conversation(['S: * OK ready', 'C: 1 LOGIN {3}', 'S: + go', 'C: joe {6}', 'S: + go', 'C: secret', 'S: 1 OK ok', 'C: 2 LIST "" ""', 'S: 2 OK', 'C: 3 SELECT INBOX', 'S: 3 OK', 'C: 4 LOGOUT', 'S: * BYE']));
    expect(ids(d)).toEqual(['cleartext-password']);
    expect(d.attempts[0].steps.find((s) => s.step === 'auth')!.note).toContain("user 'joe'");
    expect(d.verdict).toBe('pass');
  });

  it('says what the client sent instead of the DIGEST-MD5 final response, or that it closed', () => {
    const rsp = Buffer.from('rspauth=0123456789abcdef').toString('base64');
    const d = diagnose(conversation(['S: * OK ready', 'C: A1 AUTHENTICATE DIGEST-MD5', 'S: + bm9uY2U9IngiLHFvcD0iYXV0aCI=', 'C: dXNlcm5hbWU9ImpvZSI=', `S: + ${rsp}`]));
    expect(ids(d)).toEqual(['digest-final-response-missing']);
    expect(d.findings[0].data).toMatchObject({ clientDid: 'sent nothing and the connection closed' });
  });

  it('flags FETCH/EXPUNGE before SELECT but not a FETCH pipelined behind a SELECT', () => {
    const ok = diagnose(conversation([...LOGIN_OK, 'C: a2 SELECT INBOX', 'C: a3 FETCH 1 (FLAGS)', 'S: a2 OK', 'S: a3 OK']));
    expect(ids(ok)).toEqual(['cleartext-password']);
    const bad = diagnose(conversation([...LOGIN_OK, 'C: a2 LIST "" "*"', 'S: a2 OK', 'C: a3 UID FETCH 1 (FLAGS)', 'S: a3 BAD No mailbox selected']));
    expect(ids(bad)).toEqual(['cleartext-password', 'no-mailbox-selected']);
  });

  it('reports protocol violations with the offending bytes', () => {
    const d = diagnose(conversation(['S: * OK ready', 'C: GET / HTTP/1.1', 'S: * BAD']));
    const f = d.findings.find((x) => x.id === 'protocol-violation')!;
    expect(f.explanation).toContain('GET / HTTP/1.1');
    expect(d.verdict).toBe('fail');
  });

  it('finds the certificate fetched as PEM, and the page fetched without the certificate', () => {
    const ua = 'Nokia6233/2.0 (05.10) Profile/MIDP-2.0 Configuration/CLDC-1.1';
    const page = session([
      { kind: 'http.request', method: 'GET', path: '/c', status: 200, userAgent: ua, served: 'page' },
      { kind: 'lab.stop', reason: 'x' },
    ]);
    const d = diagnose(page);
    expect(ids(d)).toEqual(['cert-format-rejected']);
    expect(d.verdict).toBe('inconclusive');
    expect(d.device).toMatchObject({ model: '6233', firmware: '05.10' });
    const fetchedLater = session([
      { kind: 'http.request', method: 'GET', path: '/c', status: 200, userAgent: ua, served: 'page' },
      { kind: 'conn.open', conn: 'c1', proto: 'imaps', remote: 'r', local: 'l', port: 993 },
      { kind: 'http.request', method: 'GET', path: '/ca.crt', status: 200, userAgent: ua, served: 'ca.crt' },
      { kind: 'lab.stop', reason: 'x' },
    ]);
    expect(ids(diagnose(fetchedLater))).toEqual(['cert-fetched']);
  });

  it('full-body-download: one download of every message is info whatever its size; again on the next check, a warning', () => {
    // What mbsync or offlineimap do on a first sync: every body once, here 2 × 40 KB.
    const body = 'x'.repeat(40_000);
    const check = (conn: string): EventInput[] => [
      { kind: 'conn.open', conn, proto: 'imap', remote: '127.0.0.1:5000', local: '127.0.0.1:143', port: 143 },
      { kind: 's2c', conn, text: '* OK ready\r\n' },
      { kind: 'c2s', conn, text: 'a1 AUTHENTICATE CRAM-MD5\r\n' },
      { kind: 's2c', conn, text: '+ PDEyMzQ+\r\n' },
      { kind: 'c2s', conn, text: 'am9lIDAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVm\r\n' },
      { kind: 's2c', conn, text: 'a1 OK done\r\n' },
      { kind: 'c2s', conn, text: 'a2 SELECT INBOX\r\n' },
      { kind: 's2c', conn, text: '* 2 EXISTS\r\na2 OK [READ-WRITE] done\r\n' },
      { kind: 'c2s', conn, text: 'a3 FETCH 1:2 (BODY.PEEK[])\r\n' },
      { kind: 's2c', conn, text: `* 1 FETCH (BODY[] {${body.length}}\r\n${body})\r\n* 2 FETCH (BODY[] {${body.length}}\r\n${body})\r\na3 OK done\r\n` },
      { kind: 'c2s', conn, text: 'a4 LOGOUT\r\n' },
      { kind: 's2c', conn, text: '* BYE\r\na4 OK bye\r\n' },
      { kind: 'conn.close', conn, by: 'client', bytesIn: 0, bytesOut: 0 },
    ];
    const once = diagnose(session(check('c1'))).findings.find((f) => f.id === 'full-body-download')!;
    expect(once).toMatchObject({ severity: 'info', data: { bytes: 80_000, checks: 1 } });
    const checks = Array.from({ length: FULL_BODY_WARN_CHECKS }, (_, i) => check(`c${i + 1}`)).flat();
    const again = diagnose(session(checks)).findings.find((f) => f.id === 'full-body-download')!;
    expect(again).toMatchObject({ severity: 'warning', data: { bytes: 80_000 * FULL_BODY_WARN_CHECKS, checks: FULL_BODY_WARN_CHECKS } });
  });

  it('gives inconclusive with no attempt, fail when no attempt passed', () => {
    expect(diagnose([]).verdict).toBe('inconclusive');
    expect(diagnose(conversation(['S: * OK ready', 'C: a1 LOGIN joe bad', 'S: a1 NO [AUTHENTICATIONFAILED] no'])).verdict).toBe('fail');
  });

  it('reads SMTP on the lab as SMTP: a sending attempt, never an IMAP violation', () => {
    const d = diagnose(session([
      { kind: 'conn.open', conn: 'c1', proto: 'smtp', remote: 'r', local: 'l', port: 587 },
      { kind: 's2c', conn: 'c1', text: '220 lab ESMTP\r\n' },
      { kind: 'c2s', conn: 'c1', text: 'EHLO phone\r\n' },
      { kind: 'conn.close', conn: 'c1', by: 'client', bytesIn: 0, bytesOut: 0 },
    ]));
    expect(d.findings).toEqual([]);
    expect(d.attempts).toMatchObject([{ conn: 'c1', proto: 'smtp', direction: 'sending', verdict: 'fail' }]);
    expect(d.directions).toEqual({ receiving: 'untested', sending: 'fail' });
  });

  it('reads POP3 with its own reader: a POP3 attempt, no IMAP violation for POP3 bytes', () => {
    const d = diagnose(session([
      { kind: 'conn.open', conn: 'c1', proto: 'pop3', remote: 'r', local: 'l', port: 110 },
      { kind: 's2c', conn: 'c1', text: '+OK lab POP3\r\n' },
      { kind: 'c2s', conn: 'c1', text: 'CAPA\r\n' },
      { kind: 'conn.close', conn: 'c1', by: 'client', bytesIn: 0, bytesOut: 0 },
    ]));
    expect(d).toMatchObject({ verdict: 'fail', directions: { receiving: 'fail', sending: 'untested' }, findings: [] });
    expect(d.attempts).toHaveLength(1);
    expect(d.attempts[0]).toMatchObject({ proto: 'pop3', direction: 'receiving', verdict: 'fail' });
  });

  it('survives garbage: binary bytes on the plain port, events without connections, unknown kinds', () => {
    const d = diagnose(session([
      { kind: 'conn.open', conn: 'c1', proto: 'imap', remote: 'r', local: 'l', port: 143 },
      { kind: 'c2s', conn: 'c1', b64: Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0xff, 0x0a, 0x00]).toString('base64') },
      { kind: 'note', text: 'hello' },
      { kind: 'lab.error', where: 'x', message: 'y' },
    ]));
    expect(ids(d)).toEqual(['protocol-violation']);
  });
});
