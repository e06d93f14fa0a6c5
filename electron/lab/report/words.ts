/** Plain words for what the diagnosis and the events say in codes. */
import type { Attempt, DeviceInfo, Diagnosis, Direction, DirectionVerdict, Finding, LabEvent, StepName, StepResult, Verdict } from '../../api.js';

/** OpenSSL names of the suites old phones offer, which is what server logs (and the seed) show. */
const OPENSSL_NAMES: Record<string, string> = {
  TLS_RSA_WITH_RC4_128_MD5: 'RC4-MD5',
  TLS_RSA_WITH_RC4_128_SHA: 'RC4-SHA',
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
  TLS_RSA_WITH_DES_CBC_SHA: 'DES-CBC-SHA',
  TLS_RSA_EXPORT_WITH_RC4_40_MD5: 'EXP-RC4-MD5',
  TLS_RSA_EXPORT_WITH_DES40_CBC_SHA: 'EXP-DES-CBC-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_256_CBC_SHA256: 'AES256-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_AES_128_GCM_SHA256: 'TLS_AES_128_GCM_SHA256',
  TLS_AES_256_GCM_SHA384: 'TLS_AES_256_GCM_SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS_CHACHA20_POLY1305_SHA256',
};

/** "RC4-MD5" for a suite OpenSSL names, else the IANA name itself. */
export function describeSuite(iana: string): string {
  return OPENSSL_NAMES[iana] ?? iana;
}

/** Why a suite would be refused by a current server, or undefined when it is fine. */
export function suiteWeakness(iana: string): string | undefined {
  if (/EXPORT/.test(iana)) return 'export-grade, broken';
  if (/_NULL_|WITH_NULL/.test(iana)) return 'no encryption';
  if (/RC4/.test(iana)) return 'RC4, broken';
  if (/3DES/.test(iana)) return '3DES, weak';
  if (/_DES_|DES40/.test(iana)) return 'single DES, broken';
  if (/_anon_/.test(iana)) return 'no authentication';
  return undefined;
}

export function versionWeakness(version: string): string | undefined {
  if (/^SSL/i.test(version)) return 'obsolete, insecure';
  if (version === 'TLSv1' || version === 'TLSv1.0' || version === 'TLSv1.1') return 'obsolete: refused by current servers';
  return undefined;
}

/** How a mechanism is named to a reader; the IMAP LOGIN command is recorded as "LOGIN-COMMAND". */
export function mechanismWords(m: string | undefined): string {
  if (m === undefined) return 'no login sent';
  if (m === 'LOGIN-COMMAND') return 'IMAP LOGIN';
  if (m === 'USER-PASS') return 'POP3 USER/PASS';
  return m;
}

export const SECURITY_WORDS: Record<Attempt['security'], string> = {
  none: 'No encryption',
  starttls: 'STARTTLS',
  tls: 'SSL/TLS',
};

export function securityWords(a: Pick<Attempt, 'security' | 'proto'>): string {
  const port = a.proto === 'imap' ? { none: 143, starttls: 143, tls: 993 } : a.proto === 'smtp' ? { none: 587, starttls: 587, tls: 465 } : { none: 110, starttls: 110, tls: 995 };
  return `${SECURITY_WORDS[a.security]} (port ${port[a.security]})`;
}

/** What a step means when it passed / failed, in words a customer reads. */
export const STEP_WORDS: Record<StepName, { name: string; pass: string; fail: string; stopped: string; short: string; shortStopped: string }> = {
  connect: { name: 'connect', pass: 'the phone reached the server', fail: 'the phone could not reach the server', stopped: 'the phone did not connect', short: 'no connection', shortStopped: 'no connection' },
  tls: { name: 'encryption', pass: 'the encrypted connection was set up', fail: 'the encrypted connection could not be set up', stopped: 'the phone stopped before encryption was set up', short: 'encryption failed', shortStopped: 'stopped before encryption' },
  auth: { name: 'password', pass: 'the server accepted the password', fail: 'the login did not complete', stopped: 'the phone stopped before sending its password', short: 'login failed', shortStopped: 'stopped before login' },
  'client-accepted-auth': { name: 'phone saw login', pass: 'the phone noticed the login succeeded', fail: 'the server accepted the password; the phone did not notice', stopped: 'the phone stopped right after logging in', short: 'phone missed the OK', shortStopped: 'stopped after login' },
  select: { name: 'open inbox', pass: 'the phone opened the inbox', fail: 'the phone could not open the inbox', stopped: 'the phone never opened the inbox', short: 'inbox not opened', shortStopped: 'inbox never opened' },
  fetch: { name: 'download', pass: 'the phone downloaded messages', fail: 'the phone did not download messages', stopped: 'the phone stopped before downloading messages', short: 'no download', shortStopped: 'no download' },
  logout: { name: 'log out', pass: 'the phone logged out cleanly', fail: 'the phone did not log out cleanly', stopped: 'the phone did not log out', short: 'no clean logout', shortStopped: 'no logout' },
  ehlo: { name: 'greet server', pass: 'the phone greeted the server and read what it offers', fail: 'the server refused the phone\'s greeting', stopped: 'the phone did not greet the server', short: 'greeting refused', shortStopped: 'no greeting' },
  mail: { name: 'sender', pass: 'the server accepted the sender address', fail: 'the server refused the sender', stopped: 'the phone did not start a message', short: 'sender refused', shortStopped: 'no message started' },
  rcpt: { name: 'recipient', pass: 'the server accepted the recipient', fail: 'the server refused the recipient', stopped: 'the phone named no recipient', short: 'recipient refused', shortStopped: 'no recipient' },
  data: { name: 'message', pass: 'the server accepted the message', fail: 'the message was not accepted', stopped: 'the phone did not send the message', short: 'message refused', shortStopped: 'no message sent' },
  list: { name: 'list mail', pass: 'the phone asked which messages are waiting', fail: 'the server refused the message list', stopped: 'the phone never asked for the message list', short: 'list refused', shortStopped: 'no list' },
  retr: { name: 'download', pass: 'the phone downloaded messages', fail: 'a message could not be downloaded', stopped: 'the phone downloaded no message', short: 'download refused', shortStopped: 'no download' },
  quit: { name: 'quit', pass: 'the phone ended the session cleanly', fail: 'the phone did not end the session cleanly', stopped: 'the phone did not say goodbye', short: 'no clean quit', shortStopped: 'no quit' },
};

export const RESULT_MARK: Record<StepResult, string> = { pass: '✓', fail: '✗', skipped: '–' };
export const RESULT_WORD: Record<StepResult, string> = { pass: 'pass', fail: 'fail', skipped: 'skipped' };

export const VERDICT_WORDS: Record<Verdict, { mark: string; word: string; headline: string; sentence: string }> = {
  pass: { mark: '✓', word: 'PASS', headline: 'Mail works on this phone', sentence: 'The phone logged in and read mail from the lab server.' },
  fail: { mark: '✗', word: 'FAIL', headline: 'Mail does not work on this phone as set up', sentence: 'The phone did not manage to read mail from the lab server. The pages below say why and what to do.' },
  inconclusive: { mark: '?', word: 'INCONCLUSIVE', headline: 'Not enough was seen to decide', sentence: 'The phone did not try enough for a verdict. Repeat the test with the phone set to check mail.' },
};

/** Both halves of the phone's mail, as the cover and the summary name them. */
export const DIRECTION_WORDS: Record<Direction, { name: string; proto: string; result: Record<DirectionVerdict, { mark: string; word: string }> }> = {
  receiving: {
    name: 'Receiving mail',
    proto: 'IMAP',
    result: { pass: { mark: '✓', word: 'works' }, fail: { mark: '✗', word: 'does not work' }, untested: { mark: '–', word: 'not tested' } },
  },
  sending: {
    name: 'Sending mail',
    proto: 'SMTP',
    result: { pass: { mark: '✓', word: 'works' }, fail: { mark: '✗', word: 'does not work' }, untested: { mark: '–', word: 'not tested' } },
  },
};

/**
 * The verdict sentence for the directions tested: the IMAP-only wording stays as it was; when
 * the phone also sent (or only sent) mail, each half is named.
 */
export function verdictSentence(d: Pick<Diagnosis, 'verdict' | 'directions'>): string {
  const dirs = d.directions ?? { receiving: 'untested', sending: 'untested' };
  if (dirs.sending === 'untested') return VERDICT_WORDS[d.verdict].sentence;
  const part = (dir: Direction) => {
    const r = dirs[dir];
    if (dir === 'receiving') return r === 'pass' ? 'read mail from the lab server' : r === 'fail' ? 'did not manage to read mail' : 'was not tested for reading mail';
    return r === 'pass' ? 'sent a message the lab accepted' : r === 'fail' ? 'did not manage to send a message' : 'was not tested for sending';
  };
  const tail = d.verdict === 'fail' ? ' The pages below say why and what to do.' : '';
  return `The phone ${part('receiving')}, and ${part('sending')}.${tail}`;
}

/**
 * Why an attempt failed, which is what a person wants to know about it: its first failing step,
 * or, when no step failed (the phone just went quiet), the first step it never reached.
 */
export function firstFailure(a: Attempt): { step: StepName; note?: string; stopped: boolean } | undefined {
  const s = a.steps.find((x) => x.result === 'fail');
  if (s) return { step: s.step, note: s.note, stopped: false };
  if (a.verdict === 'pass') return undefined;
  const lastPass = a.steps.reduce((at, x, i) => (x.result === 'pass' ? i : at), -1);
  const next = a.steps.slice(lastPass + 1).find((x) => x.result === 'skipped');
  return next ? { step: next.step, note: next.note, stopped: true } : undefined;
}

/** The words for `firstFailure`. */
export function failureWords(f: { step: StepName; stopped: boolean }, short = false): string {
  const w = STEP_WORDS[f.step];
  if (short) return f.stopped ? w.shortStopped : w.short;
  return f.stopped ? w.stopped : w.fail;
}

const SEVERITY_RANK: Record<Finding['severity'], number> = { error: 0, warning: 1, info: 2 };

/** Most serious first; among equals, the one with the most proof (it explains the most). */
export function rankFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || new Set(b.evidence).size - new Set(a.evidence).size);
}

/** "Nokia 6233" and its firmware, from the diagnosis or else the events. */
export function deviceOf(diagnosis: Diagnosis | undefined, events: readonly LabEvent[]): DeviceInfo | undefined {
  if (diagnosis?.device && (diagnosis.device.model || diagnosis.device.vendor)) return diagnosis.device;
  for (const ev of events) {
    if (ev.kind === 'device' && (ev.device.model || ev.device.vendor)) return ev.device;
    if (ev.kind === 'http.request' && ev.device && (ev.device.model || ev.device.vendor)) return ev.device;
  }
  return undefined;
}

export function deviceName(d: DeviceInfo | undefined): string {
  if (!d) return 'Unknown device';
  const name = [d.vendor, d.model].filter(Boolean).join(' ');
  return name || 'Unknown device';
}

/** "1.2 s", "20.0 s", "3 min 05 s". */
export function seconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.round(s - m * 60)).padStart(2, '0')} s`;
}

export function longDate(ms: number): string {
  const d = new Date(ms);
  const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  return `${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}
