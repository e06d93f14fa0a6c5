/**
 * Scripted phones: clients that behave like real devices, byte for byte, usable against the lab
 * or any IMAP server. Each cites its source. Tags are `A0`, `A1`… as in the seed (Symbian:
 * `1`, `2`…). `runScenario` is what `mailprobe simulate` and the UI's demo mode call.
 */
import { connect as tlsConnect } from 'node:tls';
import type { Direction, FindingId, Verdict } from '../../api.js';
import { SLOW_CLIENT_GAP_MS } from '../diagnosis/constants.js';
import { b64, cramMd5Response, digestMd5Response } from './sasl.js';
import { handshakeThenSilence, helloThenRejectCertificate } from './tls-client.js';
import { ScriptedClient, SimulationError, type WireOptions } from './wire.js';
import { SMTP_RUNNERS, type SmtpScenarioId } from './smtp-scenarios.js';
import { POP3_RUNNERS, type Pop3ScenarioId } from './pop3-scenarios.js';

/** The Nokia 6233's silence after `* BAD Invalid tag` (seed: "[20 seconds delay]"). */
export const NOKIA_PAUSE_MS = 20_000;
/** Symbian fetches bodies in chunks of this many bytes (QUIRKS.md, Device facts). */
export const SYMBIAN_CHUNK_BYTES = 20_480;
/** The Nokia 6234 of seed reply 4 checks mail this many times in one run. */
export const NOKIA6234_CHECKS = 2;

export type ScenarioId =
  | 'nokia6233-cram-md5'
  | 'nokia6233-digest-md5'
  | 'nokia6233-automatic'
  | 'nokia6233-login'
  | 'nokia6233-ssl-no-ca'
  | 'nokia6233-ssl-ca-no-command'
  | 'nokia-select-before-login-result'
  | 'nokia6234-full-body'
  | 'symbian-s60'
  | SmtpScenarioId
  | Pop3ScenarioId;

export interface Scenario {
  id: ScenarioId;
  title: string;
  /** Where the behaviour comes from. */
  source: string;
  /** Which lab listener it targets: plaintext IMAP, implicit TLS (993), SMTP submission (587, STARTTLS) or implicit TLS (465). */
  listener: 'imap' | 'imaps' | 'smtp' | 'smtps' | 'pop3' | 'pop3s';
  /** Reading mail (IMAP) or sending it (SMTP). */
  direction: Direction;
  /** Findings the diagnosis must give for it against the lab with default settings (20 s pause, no TLS). */
  expectedFindings: FindingId[];
  expectedVerdict: Verdict;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'nokia6233-cram-md5',
    title: 'Nokia 6233, CRAM-MD5: stray empty line after login, 20 s pause, never opens the inbox',
    source: 'seed 000_664ad5272e44b3b0 (Nokia 6233 firmware 05.10, tcpdump of the CRAM-MD5 exchange)',
    listener: 'imap',
    direction: 'receiving',
    expectedFindings: ['empty-line-after-auth', 'auth-success-ignored', 'slow-client-gap', 'no-mailbox-selected'],
    expectedVerdict: 'fail',
  },
  {
    id: 'nokia6233-digest-md5',
    title: 'Nokia 6233, DIGEST-MD5: login succeeds, the phone does not notice',
    source: 'seed 000_664ad5272e44b3b0 (DIGEST-MD5 transcript, "the whole transaction was done under 2s")',
    listener: 'imap',
    direction: 'receiving',
    expectedFindings: ['auth-success-ignored', 'no-mailbox-selected'],
    expectedVerdict: 'fail',
  },
  {
    id: 'nokia6233-automatic',
    title: 'Nokia 6233, "Automatic": DIGEST-MD5, then CRAM-MD5, then LOGIN on the same connection',
    source: 'seed 000_664ad5272e44b3b0 ("Automatic" transcript)',
    listener: 'imap',
    direction: 'receiving',
    expectedFindings: ['auth-success-ignored', 'auth-retry-after-success', 'cleartext-password', 'no-mailbox-selected'],
    expectedVerdict: 'fail',
  },
  {
    id: 'nokia6233-login',
    title: 'Nokia 6233, "Secure login" off: the plain LOGIN command, then the inbox',
    source:
      'seed 000_664ad5272e44b3b0 ("If I disabled secure login, it would use the plain IMAP LOGIN command, and things would work"); the commands after the login are not in the seed: SELECT and a header fetch, as the 6234 of reply 4 does without the bodies',
    listener: 'imap',
    direction: 'receiving',
    expectedFindings: ['cleartext-password'],
    expectedVerdict: 'pass',
  },
  {
    id: 'nokia6233-ssl-no-ca',
    title: 'Nokia 6233 on port 993 without the CA: TLS 1.0 RC4-MD5 hello, then unknown_ca',
    source: 'seed 000_664ad5272e44b3b0 ("imaps TLS negotiation failed"); RFC 2246 §7.2 alert 48',
    listener: 'imaps',
    direction: 'receiving',
    expectedFindings: ['tls-handshake-failed', 'legacy-tls-only'],
    expectedVerdict: 'fail',
  },
  {
    id: 'nokia6233-ssl-ca-no-command',
    title: 'Nokia 6233 on port 993 with the CA installed: TLS 1.0 established, then no command',
    source: 'seed 000_664ad5272e44b3b0 ("TLSv1 with cipher RC4-MD5", then no authentication attempt)',
    listener: 'imaps',
    direction: 'receiving',
    expectedFindings: ['tls-no-command', 'legacy-tls-only'],
    expectedVerdict: 'fail',
  },
  {
    id: 'nokia-select-before-login-result',
    title: 'Nokia with AUTH=LOGIN: SELECT INBOX sent before the login result',
    source: 'seed 000_664ad5272e44b3b0, reply 10 ("tries to select inbox even before the server confirmed the login")',
    listener: 'imap',
    direction: 'receiving',
    expectedFindings: ['command-before-auth-result', 'cleartext-password'],
    expectedVerdict: 'pass',
  },
  {
    id: 'nokia6234-full-body',
    title: 'Nokia 6234: downloads every message whole on every check',
    source: 'seed 000_664ad5272e44b3b0, reply 4 ("transferred 100k plus" per check)',
    listener: 'imap',
    direction: 'receiving',
    expectedFindings: ['full-body-download', 'cleartext-password'],
    expectedVerdict: 'pass',
  },
  {
    id: 'symbian-s60',
    title: 'Symbian S60: decimal tags, LOGIN with literals, LIST "" "", 20480-byte chunks, two in flight',
    source: 'QUIRKS.md, Device facts (Symbian IMAP client behaviour)',
    listener: 'imap',
    direction: 'receiving',
    expectedFindings: ['full-body-download', 'cleartext-password'],
    expectedVerdict: 'pass',
  },
  {
    id: 'nokia6233-smtp-cram-md5',
    title: 'Nokia 6233 sending mail: EHLO, AUTH CRAM-MD5, one message — works',
    source: 'seed 000_664ad5272e44b3b0 ("SMTP authentication using CRAM-MD5 and DIGEST-MD5 works fine")',
    listener: 'smtp',
    direction: 'sending',
    expectedFindings: [],
    expectedVerdict: 'pass',
  },
  {
    id: 'nokia6233-smtp-digest-md5',
    title: 'Nokia 6233 sending mail with DIGEST-MD5 (digest-uri smtp/…, empty final response) — works',
    source: 'seed 000_664ad5272e44b3b0 (as above); RFC 2831 §2.1.3, RFC 4954 §4',
    listener: 'smtp',
    direction: 'sending',
    expectedFindings: [],
    expectedVerdict: 'pass',
  },
  {
    id: 'smtp-auth-equals-only',
    title: 'A client that logs in only when it sees the pre-standard "250-AUTH=" line (else sends without AUTH)',
    source: 'QUIRKS.md smtp-no-auth: Outlook Express 4, Exchange 5.0 (Postfix broken_sasl_auth_clients)',
    listener: 'smtp',
    direction: 'sending',
    expectedFindings: ['smtp-no-auth'],
    expectedVerdict: 'fail',
  },
  {
    id: 'smtp-bare-lf-device',
    title: 'An alarm panel that ends every SMTP line with a bare LF (AUTH LOGIN, one alert message)',
    source: 'QUIRKS.md smtp-bare-lf; RFC 5321 §2.3.8',
    listener: 'smtp',
    direction: 'sending',
    expectedFindings: ['smtp-bare-lf', 'cleartext-password'],
    expectedVerdict: 'pass',
  },
  {
    id: 'scan-to-email-tls10-3des',
    title: 'A scan-to-email printer: STARTTLS with TLS 1.0 and only 3DES, AUTH LOGIN, a PDF attached',
    source: 'the scan-to-email population: scanners, printers and NAS boxes on TLS 1.0 with RC4/3DES and AUTH LOGIN, which current servers refuse',
    listener: 'smtp',
    direction: 'sending',
    expectedFindings: ['legacy-tls-only'],
    expectedVerdict: 'pass',
  },
  {
    id: 'series40-pop3-download-all',
    title: 'Series 40 phone on POP3 (USER/PASS): no UIDL, downloads every message on every check',
    source: 'QUIRKS.md pop3-no-uidl (Series 40 phones set to retrieve messages); seed reply 4 (the 6234 that downloads 100 KB per check, over IMAP)',
    listener: 'pop3',
    direction: 'receiving',
    expectedFindings: ['pop3-no-uidl', 'cleartext-password'],
    expectedVerdict: 'pass',
  },
  {
    id: 'series60-pop3-stls-leave-on-server',
    title: 'Series 60 phone on POP3 with STLS and "leave on server": UIDL, then only new messages',
    source: 'QUIRKS.md, Device facts (Symbian: TLS 1.0, STARTTLS); RFC 1939 §7 UIDL, RFC 2595 STLS',
    listener: 'pop3',
    direction: 'receiving',
    expectedFindings: [],
    expectedVerdict: 'pass',
  },
  {
    id: 'winmobile-pop3-stale-number',
    title: 'Windows Mobile Pocket Inbox: RETR by a message number remembered from the last check',
    source: 'QUIRKS.md pop3-stale-message-number (smartphonemag.com, January 2006)',
    listener: 'pop3',
    direction: 'receiving',
    expectedFindings: ['pop3-stale-message-number', 'cleartext-password'],
    expectedVerdict: 'pass',
  },
];

export interface RunOptions {
  host: string;
  port: number;
  /** Implicit TLS for the plaintext scenarios (the two 993 scenarios always use TLS). */
  tls?: boolean;
  user: string;
  password: string;
  /** The Nokia 6233's pause after the stray empty line (default NOKIA_PAUSE_MS). */
  pauseMs?: number;
  signal?: AbortSignal;
  /** Every line sent and received, as "C: …" / "S: …". */
  onLine?: (line: string) => void;
  /** Connect from this address (see WireOptions.localAddress). */
  localAddress?: string;
  /** For the CA-installed scenario: force a transport (default gnutls-cli when installed). */
  tlsTransport?: 'gnutls-cli' | 'node:tls';
}

export interface ScenarioRun {
  id: ScenarioId;
  transcript: string[];
  /** Facts worth printing: the TLS transport and suite, messages fetched, … */
  notes: string[];
}

/** The findings a run must give, given its options (no slow-client-gap with a short pause; no cleartext over TLS). */
export function expectedFindings(id: ScenarioId, opts: { pauseMs?: number; tls?: boolean } = {}): FindingId[] {
  const s = scenario(id);
  return s.expectedFindings.filter((f) => {
    if (f === 'slow-client-gap') return (opts.pauseMs ?? NOKIA_PAUSE_MS) > SLOW_CLIENT_GAP_MS;
    if (f === 'cleartext-password') return !opts.tls;
    return true;
  });
}

export function scenario(id: string): Scenario {
  const s = SCENARIOS.find((x) => x.id === id);
  if (!s) throw new SimulationError(`unknown scenario '${id}' (try: ${SCENARIOS.map((x) => x.id).join(', ')})`);
  return s;
}

async function open(o: RunOptions, wire: WireOptions): Promise<ScriptedClient> {
  if (!o.tls) return ScriptedClient.connect(o.host, o.port, wire);
  const sock = tlsConnect({ host: o.host, port: o.port, rejectUnauthorized: false, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
  await new Promise<void>((resolve, reject) => {
    sock.once('secureConnect', resolve);
    sock.once('error', reject);
  });
  return new ScriptedClient(sock, wire);
}

async function greeting(c: ScriptedClient): Promise<string> {
  const g = await c.readLine();
  if (g === null) throw new SimulationError('the server closed the connection before its greeting');
  return g;
}

/** Send a command and read up to its tagged response. */
async function command(c: ScriptedClient, tag: string, text: string): Promise<string[]> {
  c.send(`${tag} ${text}\r\n`);
  return c.readUntilTagged(tag);
}

/** LOGOUT: the seed's Cyrus sent `* BYE` and closed without the tagged OK; accept either. */
async function logout(c: ScriptedClient, tag: string): Promise<void> {
  c.send(`${tag} LOGOUT\r\n`);
  for (;;) {
    const l = await c.readLine().catch(() => null);
    if (l === null || l.startsWith(tag + ' ')) break;
  }
  await c.close();
}

async function digestLogin(c: ScriptedClient, tag: string, o: RunOptions, notes: string[]): Promise<string> {
  c.send(`${tag} AUTHENTICATE DIGEST-MD5\r\n`);
  const ch = await c.readContinuation();
  const r = digestMd5Response(o.user, o.password, ch, o.host);
  c.send(r.response + '\r\n');
  const next = await c.readContinuationOrTagged(tag);
  if (next.continuation !== undefined) {
    const rsp = Buffer.from(next.continuation, 'base64').toString('latin1');
    if (!rsp.includes(`rspauth=${r.rspauth}`)) notes.push(`server rspauth did not match (${rsp})`);
    // RFC 2831 §2.1.3: the empty response that completes the exchange (correct, not a quirk).
    c.send('\r\n');
    const lines = await c.readUntilTagged(tag);
    return lines[lines.length - 1];
  }
  return next.tagged!;
}

async function nokiaTail(c: ScriptedClient, first: number): Promise<void> {
  // Seed: NOOP, EXPUNGE, CLOSE, LOGOUT — the phone never SELECTs.
  await command(c, `A${first}`, 'NOOP');
  await command(c, `A${first + 1}`, 'EXPUNGE');
  await command(c, `A${first + 2}`, 'CLOSE');
  await logout(c, `A${first + 3}`);
}

/** What the 6233 does once it has noticed a login: open the inbox, fetch the headers, log out. */
async function inboxCheck(c: ScriptedClient, first: number): Promise<void> {
  const sel = await command(c, `A${first}`, 'SELECT INBOX');
  const exists = Number(/^\* (\d+) EXISTS/im.exec(sel.join('\n'))?.[1] ?? 0);
  if (exists > 0) await command(c, `A${first + 1}`, `FETCH 1:${exists} (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)])`);
  await logout(c, `A${first + (exists > 0 ? 2 : 1)}`);
}

type Runner = (o: RunOptions, wire: WireOptions, notes: string[]) => Promise<void>;

const RUNNERS: Record<ScenarioId, Runner> = {
  ...SMTP_RUNNERS,
  ...POP3_RUNNERS,
  async 'nokia6233-cram-md5'(o, wire) {
    const c = await open(o, wire);
    await greeting(c);
    c.send('A0 AUTHENTICATE CRAM-MD5\r\n');
    const ch = await c.readContinuation();
    c.send(cramMd5Response(o.user, o.password, ch) + '\r\n');
    await c.readUntilTagged('A0');
    // Seed: the stray CRLF right after "A0 OK", then 20 s of silence (the server's BAD arrives meanwhile).
    c.send('\r\n');
    await c.drain(Math.max(o.pauseMs ?? NOKIA_PAUSE_MS, 50));
    await nokiaTail(c, 1);
  },
  async 'nokia6233-digest-md5'(o, wire, notes) {
    const c = await open(o, wire);
    await greeting(c);
    await digestLogin(c, 'A0', o, notes);
    await nokiaTail(c, 1);
  },
  async 'nokia6233-automatic'(o, wire, notes) {
    // Seed: "It appears to try DIGEST-MD5 first, CRAM-MD5 then, and then resort to LOGIN", and
    // it fails to notice a challenge-response success. It chooses from the CAPABILITY answer, so
    // a server that offers neither challenge mechanism gets the LOGIN command, which it notices.
    const c = await open(o, wire);
    await greeting(c);
    const caps = (await command(c, 'A0', 'CAPABILITY')).join(' ').toUpperCase();
    let n = 1;
    let loggedIn = false;
    if (caps.includes('AUTH=DIGEST-MD5')) {
      await digestLogin(c, `A${n++}`, o, notes);
      loggedIn = true;
    }
    if (caps.includes('AUTH=CRAM-MD5')) {
      const tag = `A${n++}`;
      c.send(`${tag} AUTHENTICATE CRAM-MD5\r\n`);
      const r = await c.readContinuationOrTagged(tag);
      if (r.continuation !== undefined) {
        if (loggedIn) {
          // A server that starts a second exchange instead of refusing it: the phone cancels.
          notes.push('the server offered a second CRAM-MD5 exchange; cancelled with "*"');
          c.send('*\r\n');
          await c.readUntilTagged(tag);
        } else {
          c.send(cramMd5Response(o.user, o.password, r.continuation) + '\r\n');
          await c.readUntilTagged(tag);
          loggedIn = true;
        }
      }
    }
    const loginTag = `A${n++}`;
    const login = await command(c, loginTag, `LOGIN "${o.user}" "${o.password}"`);
    if (!loggedIn && /^\S+ OK/i.test(login[login.length - 1] ?? '')) {
      notes.push('no challenge mechanism offered: the phone used the LOGIN command');
      await inboxCheck(c, n);
      return;
    }
    await nokiaTail(c, n);
  },
  async 'nokia6233-login'(o, wire) {
    const c = await open(o, wire);
    await greeting(c);
    await command(c, 'A0', `LOGIN "${o.user}" "${o.password}"`);
    await inboxCheck(c, 1);
  },
  async 'nokia6233-ssl-no-ca'(o, wire, notes) {
    const r = await helloThenRejectCertificate(o.host, o.port, { signal: o.signal, onLine: wire.onLine });
    notes.push(`TLS: ${r.outcome}; server handshake messages ${r.flight.handshakeTypes.join(',')}`);
  },
  async 'nokia6233-ssl-ca-no-command'(o, wire, notes) {
    const r = await handshakeThenSilence(o.host, o.port, { signal: o.signal, onLine: wire.onLine, transport: o.tlsTransport });
    notes.push(`TLS transport ${r.transport}${r.cipher ? `, suite ${r.cipher}` : ''}`);
  },
  async 'nokia-select-before-login-result'(o, wire) {
    const c = await open(o, wire);
    await greeting(c);
    c.send('A0 AUTHENTICATE LOGIN\r\n');
    await c.readContinuation();
    c.send(b64(o.user) + '\r\n');
    await c.readContinuation();
    // Seed reply 10: the password and SELECT INBOX leave together, before the login result.
    c.send(b64(o.password) + '\r\nA1 SELECT INBOX\r\n');
    await c.readUntilTagged('A0');
    await c.readUntilTagged('A1');
    await logout(c, 'A2');
  },
  async 'nokia6234-full-body'(o, wire, notes) {
    for (let check = 0; check < NOKIA6234_CHECKS; check++) {
      const c = await open(o, wire);
      await greeting(c);
      await command(c, 'A0', `LOGIN ${o.user} ${o.password}`);
      const sel = await command(c, 'A1', 'SELECT INBOX');
      const exists = Number(/^\* (\d+) EXISTS/im.exec(sel.join('\n'))?.[1] ?? 0);
      if (exists > 0) {
        const lines = await command(c, 'A2', `FETCH 1:${exists} (UID FLAGS RFC822)`);
        notes.push(`check ${check + 1}: ${exists} message(s), ${lines.reduce((n, l) => n + l.length, 0)} bytes of responses`);
      }
      await logout(c, exists > 0 ? 'A3' : 'A2');
    }
  },
  async 'symbian-s60'(o, wire, notes) {
    const c = await open(o, wire);
    let n = 0;
    const tag = () => String(++n);
    await greeting(c);
    const caps = (await command(c, tag(), 'CAPABILITY')).join(' ');
    if (/LOGINDISABLED/i.test(caps)) {
      // Symbian aborts when LOGINDISABLED is advertised (QUIRKS.md).
      notes.push('LOGINDISABLED advertised: Symbian gives up');
      await logout(c, tag());
      return;
    }
    const lt = tag();
    c.send(`${lt} LOGIN {${Buffer.byteLength(o.user)}}\r\n`);
    await c.readContinuation();
    c.send(`${o.user} {${Buffer.byteLength(o.password)}}\r\n`);
    await c.readContinuation();
    c.send(`${o.password}\r\n`);
    await c.readUntilTagged(lt);
    await command(c, tag(), 'LIST "" ""');
    await command(c, tag(), 'SELECT INBOX');
    const list = await command(c, tag(), 'UID FETCH 1:* (UID FLAGS RFC822.SIZE BODYSTRUCTURE)');
    const messages = list
      .filter((l) => /^\* \d+ FETCH/i.test(l))
      .map((l) => ({ uid: /UID (\d+)/i.exec(l)?.[1], size: Number(/RFC822\.SIZE (\d+)/i.exec(l)?.[1] ?? 0) }))
      .filter((m): m is { uid: string; size: number } => m.uid !== undefined);
    let chunks = 0;
    for (const m of messages) {
      // Two chunk requests in flight at a time, then their answers (pipelining, QUIRKS.md).
      for (let off = 0; off < Math.max(m.size, 1); off += 2 * SYMBIAN_CHUNK_BYTES) {
        const t1 = tag();
        const t2 = tag();
        c.send(`${t1} UID FETCH ${m.uid} (BODY.PEEK[1]<${off}.${SYMBIAN_CHUNK_BYTES}>)\r\n${t2} UID FETCH ${m.uid} (BODY.PEEK[1]<${off + SYMBIAN_CHUNK_BYTES}.${SYMBIAN_CHUNK_BYTES}>)\r\n`);
        await c.readUntilTagged(t1);
        await c.readUntilTagged(t2);
        chunks += 2;
      }
    }
    notes.push(`${messages.length} message(s), ${chunks} chunk request(s)`);
    await logout(c, tag());
  },
};

/** Run one scenario to its end. Rejects with SimulationError when the server does not play along. */
export async function runScenario(id: string, opts: RunOptions): Promise<ScenarioRun> {
  const s = scenario(id);
  const transcript: string[] = [];
  const notes: string[] = [];
  const wire: WireOptions = {
    signal: opts.signal,
    localAddress: opts.localAddress,
    onLine: (l) => {
      if (transcript.length < 10_000) transcript.push(l);
      opts.onLine?.(l);
    },
  };
  await RUNNERS[s.id](opts, wire, notes);
  return { id: s.id, transcript, notes };
}
