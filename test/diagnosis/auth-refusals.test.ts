/**
 * `auth-failed` means a password was checked and refused. Everything else the server can say
 * to a login is told apart, on the real bytes: mutt's `AUTHENTICATE CRAM-MD5 ` (trailing space)
 * answered BAD by the lab (recorded from mutt 2.2 / GNU SASL), and Dovecot 2.3's answers to a
 * cancel, an unknown mechanism, bad base64 and a wrong password (probed here, PEERS.md setup).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../electron/api.js';
import { diagnose } from '../../electron/lab/diagnosis/index.js';
import { readEvents } from '../../electron/lab/recorder/index.js';
import { FIXTURES, conversation, ids } from './helpers.js';

const finding = (d: Diagnosis, id: string) => d.findings.find((f) => f.id === id);
const authStep = (d: Diagnosis) => d.attempts[0].steps.find((s) => s.step === 'auth')!;

describe('login refusals that are not a password check', () => {
  it("mutt's AUTHENTICATE CRAM-MD5 with a trailing space, answered BAD: no password was checked", () => {
    const d = diagnose(readEvents(join(FIXTURES, 'clients', 'mutt-cram-md5-trailing-space.jsonl')));
    expect(ids(d)).not.toContain('auth-failed');
    const f = finding(d, 'auth-not-checked')!;
    expect(f.severity).toBe('warning');
    expect(f.data).toMatchObject({ reasons: ['refused-command'], mechanisms: ['CRAM-MD5'] });
    expect(f.title).toBe('The server refused the login command before checking the password');
    // The phone's line as sent, trailing space visible; the server's answer; and no "check the password".
    expect(f.explanation).toContain('"a0000 AUTHENTICATE CRAM-MD5 "');
    expect(f.explanation).toContain('a0000 BAD Invalid CRAM-MD5 response');
    expect(f.explanation).toMatch(/No password was checked/);
    expect(f.recommendation).not.toMatch(/check the (account|password)/i);
    expect(f.recommendation).toMatch(/Dovecot accepts it/);
    expect(f.data!.samples).toMatchObject([{ emptyInitialResponse: true }]);
    expect(f.evidence).toEqual(expect.arrayContaining([4, 6]));
    expect(ids(d).filter((id) => id !== 'auth-not-checked')).toEqual([]);
  });

  it('a cancel (*) answered BAD is the client\'s own choice: no finding, the attempt says so', () => {
    const cancelled = diagnose(conversation(['S: * OK Dovecot ready.', 'C: a1 AUTHENTICATE CRAM-MD5', 'S: + PDEyNjM0NDUxMDgxNzI1MjguMTc5NjExNDkzM0B2bT4=', 'C: *', 'S: a1 BAD Authentication aborted by client.', 'C: a2 LOGOUT', 'S: * BYE', 'S: a2 OK']));
    expect(ids(cancelled)).toEqual([]);
    expect(authStep(cancelled)).toMatchObject({ result: 'fail', note: 'CRAM-MD5: cancelled by the phone (it sent "*") before any password was checked' });
    // A server that answers the cancel with NO is not refusing a password either.
    const no = diagnose(conversation(['S: * OK ready', 'C: a1 AUTHENTICATE PLAIN', 'S: + ', 'C: *', 'S: a1 NO Authentication cancelled', 'C: a2 LOGIN joe secret', 'S: a2 OK', 'C: a3 SELECT INBOX', 'S: a3 OK']));
    expect(ids(no)).toEqual(['cleartext-password']);
    expect(no.verdict).toBe('pass');
  });

  it("an unknown mechanism (Dovecot: NO [ALERT] Unsupported authentication mechanism.) is the phone's setting, not its password", () => {
    const d = diagnose(conversation(['S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN] Dovecot ready.', 'C: a2 AUTHENTICATE X-FOO', 'S: a2 NO [ALERT] Unsupported authentication mechanism.']));
    expect(ids(d)).toEqual(['auth-not-checked']);
    const f = finding(d, 'auth-not-checked')!;
    expect(f.data).toMatchObject({ reasons: ['unsupported-mechanism'], mechanisms: ['X-FOO'] });
    expect(f.title).toBe("The server does not offer the phone's login method (X-FOO)");
    expect(f.explanation).toMatch(/not in its list of methods/);
  });

  it('bad base64 in an initial response or in a reply is refused before any check, with the secret hidden', () => {
    const d = diagnose(conversation(['S: * OK ready', 'C: a4 AUTHENTICATE PLAIN !!!secret!!!', 'S: a4 BAD Invalid base64 data in initial response']));
    const f = finding(d, 'auth-not-checked')!;
    expect(ids(d)).not.toContain('auth-failed');
    expect(f.explanation).toContain('"a4 AUTHENTICATE PLAIN ‹redacted›"');
    expect(JSON.stringify(f)).not.toContain('secret');
    const reply = diagnose(conversation(['S: * OK ready', 'C: a1 AUTHENTICATE CRAM-MD5', 'S: + PDE+', 'C: %%%', 'S: a1 BAD Invalid base64 in response']));
    expect(finding(reply, 'auth-not-checked')!.data).toMatchObject({ reasons: ['refused-response'] });
    expect(ids(reply)).not.toContain('auth-failed');
  });

  it('LOGIN refused until TLS (NO [PRIVACYREQUIRED], LOGINDISABLED) is a cleartext problem on any network, not a wrong password', () => {
    const d = diagnose(conversation(['S: * OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready', 'C: a1 LOGIN joe secret', 'S: a1 NO [PRIVACYREQUIRED] Login only after STARTTLS (LOGINDISABLED)']));
    expect(ids(d)).toEqual(['cleartext-password']);
    const f = finding(d, 'cleartext-password')!;
    expect(f.severity).toBe('warning');
    expect(f.title).toBe('The server refused a password sent without encryption');
  });

  it('a server-side failure (NO [UNAVAILABLE]) is not the password either', () => {
    const d = diagnose(conversation(['S: * OK ready', 'C: a6 LOGIN joe wrong', 'S: a6 NO [UNAVAILABLE] Temporary authentication failure.']));
    expect(ids(d)).toEqual(['auth-not-checked', 'cleartext-password']);
    expect(finding(d, 'auth-not-checked')!.data).toMatchObject({ reasons: ['server-problem'] });
  });
});

describe('auth-failed is kept for a real credential check', () => {
  it('NO [AUTHENTICATIONFAILED] to LOGIN, named with the user from the lab\'s auth event', () => {
    const events = conversation(['S: * OK ready', 'C: a1 LOGIN joe wrong', 'S: a1 NO [AUTHENTICATIONFAILED] Authentication failed.']);
    // The lab records its decision (auth, ok: false) before the tagged NO it sends.
    const at = events.findIndex((e) => e.kind === 's2c' && e.text?.startsWith('a1 NO'));
    events.splice(at, 0, { ...events[at], kind: 'auth', mechanism: 'LOGIN-COMMAND', user: 'joe', ok: false, reason: 'wrong password' } as never);
    events.forEach((e, i) => (e.seq = i + 1));
    const d = diagnose(events);
    const f = finding(d, 'auth-failed')!;
    expect(f.severity).toBe('error');
    expect(f.data).toMatchObject({ mechanism: 'LOGIN-COMMAND', user: 'joe', count: 1 });
    expect(f.evidence).toContain(at + 1);
    expect(ids(d)).not.toContain('auth-not-checked');
  });

  it('a NO without a code (Cyrus: "NO Login failed: authentication failure") is a credential refusal', () => {
    const d = diagnose(conversation(['S: * OK ready', 'C: 1 AUTHENTICATE CRAM-MD5', 'S: + PDE+', 'C: am9lIDAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVm', 'S: 1 NO Login failed: authentication failure']));
    expect(ids(d)).toEqual(['auth-failed']);
  });
});
