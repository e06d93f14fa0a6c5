/**
 * Scripted devices that send mail (SMTP submission, RFC 6409), byte for byte as the devices
 * do, usable against the lab or any submission server. Each cites its source.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { b64, cramMd5Response, digestMd5Response } from './sasl.js';
import { legacyTlsConnect } from './legacy-tls.js';
import { ScriptedClient, SimulationError, type WireOptions } from './wire.js';

/** What a runner gets (RunOptions of scenarios.ts, without the IMAP-only fields). */
export interface SmtpRunOptions {
  host: string;
  port: number;
  /** Implicit TLS (port 465, RFC 8314) instead of the plaintext/STARTTLS port. */
  tls?: boolean;
  user: string;
  password: string;
  signal?: AbortSignal;
}

/** IANA value of the one suite the scan-to-email device offers: TLS_RSA_WITH_3DES_EDE_CBC_SHA (RFC 2246 appendix A.5). */
export const SCANNER_SUITES: readonly number[] = [0x000a];

/** Bytes of the scanned "PDF" the scan-to-email device attaches (base64 in the message). */
export const SCAN_ATTACHMENT_BYTES = 6 * 1024;

interface Reply {
  code: number;
  lines: string[];
}

/** One reply (RFC 5321 §4.2.1): lines up to the one with a space (or nothing) after the code. */
async function reply(c: ScriptedClient): Promise<Reply> {
  const lines: string[] = [];
  for (;;) {
    const l = await c.readLine();
    if (l === null) throw new SimulationError(`the server closed the connection${lines.length ? ` after "${lines[lines.length - 1]}"` : ''}`);
    lines.push(l);
    const m = /^(\d{3})(-?)/.exec(l);
    if (m && m[2] !== '-') return { code: Number(m[1]), lines };
  }
}

/** Send one command with the device's line end and read its reply. */
async function say(c: ScriptedClient, line: string, eol = '\r\n'): Promise<Reply> {
  c.send(line + eol);
  return reply(c);
}

async function expectCode(r: Reply, want: number, what: string): Promise<Reply> {
  if (r.code !== want) throw new SimulationError(`${what}: the server answered "${r.lines[r.lines.length - 1]}"`);
  return r;
}

async function openPlain(o: SmtpRunOptions, wire: WireOptions): Promise<{ c: ScriptedClient; sock?: Socket }> {
  if (o.tls) {
    const sock = tlsConnect({ host: o.host, port: o.port, rejectUnauthorized: false, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    await new Promise<void>((resolve, reject) => {
      sock.once('secureConnect', resolve);
      sock.once('error', reject);
    });
    return { c: new ScriptedClient(sock, wire) };
  }
  const sock = netConnect({ host: o.host, port: o.port });
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  sock.setNoDelay(true);
  return { c: new ScriptedClient(sock, wire), sock };
}

function message(o: SmtpRunOptions, subject: string, body: string, eol = '\r\n', extraHeaders: string[] = []): string {
  const lines = [`From: <${o.user}@lab.example>`, `To: <${o.user}@lab.example>`, `Subject: ${subject}`, `Message-ID: <${Date.now()}.${Math.floor(Math.random() * 1e6)}@device>`, ...extraHeaders, '', ...body.split('\n')];
  // RFC 5321 §4.5.2: a line starting with "." gets one more.
  return lines.map((l) => (l.startsWith('.') ? '.' + l : l)).join(eol) + eol;
}

/** MAIL, RCPT, DATA, the content, "."; returns the final reply. */
async function envelope(c: ScriptedClient, o: SmtpRunOptions, content: string, eol = '\r\n'): Promise<Reply> {
  const mail = await say(c, `MAIL FROM:<${o.user}@lab.example>`, eol);
  if (mail.code !== 250) return mail;
  await expectCode(await say(c, `RCPT TO:<${o.user}@lab.example>`, eol), 250, 'RCPT');
  await expectCode(await say(c, 'DATA', eol), 354, 'DATA');
  c.send(content + '.' + eol);
  return reply(c);
}

async function quit(c: ScriptedClient, eol = '\r\n'): Promise<void> {
  c.send('QUIT' + eol);
  await reply(c).catch(() => undefined);
  await c.close();
}

/** The Nokia 6233's outgoing mail (seed: "SMTP authentication using CRAM-MD5 and DIGEST-MD5 works fine"). */
async function nokiaSend(o: SmtpRunOptions, wire: WireOptions, mechanism: 'CRAM-MD5' | 'DIGEST-MD5', notes: string[]): Promise<void> {
  const { c } = await openPlain(o, wire);
  await expectCode(await reply(c), 220, 'greeting');
  await expectCode(await say(c, 'EHLO Nokia6233'), 250, 'EHLO');
  const first = await say(c, `AUTH ${mechanism}`);
  await expectCode(first, 334, `AUTH ${mechanism}`);
  const challenge = first.lines[0].slice(4);
  let result: Reply;
  if (mechanism === 'CRAM-MD5') {
    result = await say(c, cramMd5Response(o.user, o.password, challenge));
  } else {
    const r = digestMd5Response(o.user, o.password, challenge, o.host, undefined, 'smtp');
    const second = await say(c, r.response);
    if (second.code === 334) {
      const rsp = Buffer.from(second.lines[0].slice(4), 'base64').toString('latin1');
      if (!rsp.includes(`rspauth=${r.rspauth}`)) notes.push(`server rspauth did not match (${rsp})`);
      // RFC 2831 §2.1.3: the empty response that completes the exchange.
      result = await say(c, '');
    } else result = second;
  }
  await expectCode(result, 235, `AUTH ${mechanism}`);
  const done = await envelope(c, o, message(o, `Test from the Nokia 6233 (${mechanism})`, 'Sent from my Nokia 6233.', '\r\n', ['X-Mailer: Nokia6233/05.10']));
  notes.push(`message: ${done.lines[done.lines.length - 1]}`);
  await quit(c);
}

export type SmtpScenarioId = 'nokia6233-smtp-cram-md5' | 'nokia6233-smtp-digest-md5' | 'smtp-auth-equals-only' | 'smtp-bare-lf-device' | 'scan-to-email-tls10-3des';

export type SmtpRunner = (o: SmtpRunOptions, wire: WireOptions, notes: string[]) => Promise<void>;

export const SMTP_RUNNERS: Record<SmtpScenarioId, SmtpRunner> = {
  'nokia6233-smtp-cram-md5': (o, wire, notes) => nokiaSend(o, wire, 'CRAM-MD5', notes),
  'nokia6233-smtp-digest-md5': (o, wire, notes) => nokiaSend(o, wire, 'DIGEST-MD5', notes),
  async 'smtp-auth-equals-only'(o, wire, notes) {
    // Outlook Express 4 / Exchange 5.0 (QUIRKS.md, Postfix broken_sasl_auth_clients): only the
    // pre-standard "250-AUTH=LOGIN" line makes it log in, and then only with LOGIN.
    const { c } = await openPlain(o, wire);
    await expectCode(await reply(c), 220, 'greeting');
    const ehlo = await expectCode(await say(c, 'EHLO oe4'), 250, 'EHLO');
    const legacy = ehlo.lines.some((l) => /^250[ -]AUTH=/i.test(l));
    if (legacy) {
      await expectCode(await say(c, 'AUTH LOGIN'), 334, 'AUTH LOGIN');
      await expectCode(await say(c, b64(o.user)), 334, 'AUTH LOGIN user');
      await expectCode(await say(c, b64(o.password)), 235, 'AUTH LOGIN password');
      notes.push('the server offered the AUTH= line: logged in with LOGIN');
    } else notes.push('no AUTH= line offered: sending without logging in');
    const done = await envelope(c, o, message(o, 'Test from Outlook Express 4', 'Hello.'));
    notes.push(`message: ${done.lines[done.lines.length - 1]}`);
    await quit(c);
  },
  async 'smtp-bare-lf-device'(o, wire, notes) {
    // An alarm panel's firmware that ends every line with LF alone (QUIRKS.md smtp-bare-lf; RFC 5321 §2.3.8).
    const lf = '\n';
    const { c } = await openPlain(o, wire);
    await expectCode(await reply(c), 220, 'greeting');
    await expectCode(await say(c, 'EHLO alarm-panel', lf), 250, 'EHLO');
    await expectCode(await say(c, 'AUTH LOGIN', lf), 334, 'AUTH LOGIN');
    await expectCode(await say(c, b64(o.user), lf), 334, 'AUTH LOGIN user');
    await expectCode(await say(c, b64(o.password), lf), 235, 'AUTH LOGIN password');
    const done = await envelope(c, o, message(o, 'ALARM zone 3', 'Zone 3 (back door) opened at 03:12.\nPanel ID 0042.', lf), lf);
    notes.push(`message: ${done.lines[done.lines.length - 1]}`);
    await quit(c, lf);
  },
  async 'scan-to-email-tls10-3des'(o, wire, notes) {
    // A multifunction printer's scan-to-email: TLS 1.0 with 3DES only, AUTH LOGIN, a PDF attached.
    let c: ScriptedClient;
    let sock: Socket;
    if (o.tls) {
      sock = netConnect({ host: o.host, port: o.port });
      await new Promise<void>((resolve, reject) => {
        sock.once('connect', resolve);
        sock.once('error', reject);
      });
      const t = await legacyTlsConnect(sock, SCANNER_SUITES);
      notes.push(`TLS 1.0 ${t.suite.name} (implicit)`);
      c = new ScriptedClient(t.stream, wire);
      await expectCode(await reply(c), 220, 'greeting');
    } else {
      const plain = await openPlain({ ...o, tls: false }, wire);
      sock = plain.sock!;
      await expectCode(await reply(plain.c), 220, 'greeting');
      await expectCode(await say(plain.c, 'EHLO MFP-3000'), 250, 'EHLO');
      await expectCode(await say(plain.c, 'STARTTLS'), 220, 'STARTTLS');
      const t = await legacyTlsConnect(sock, SCANNER_SUITES);
      notes.push(`TLS 1.0 ${t.suite.name} after STARTTLS`);
      c = new ScriptedClient(t.stream, wire);
    }
    await expectCode(await say(c, 'EHLO MFP-3000'), 250, 'EHLO');
    await expectCode(await say(c, 'AUTH LOGIN'), 334, 'AUTH LOGIN');
    await expectCode(await say(c, b64(o.user)), 334, 'AUTH LOGIN user');
    await expectCode(await say(c, b64(o.password)), 235, 'AUTH LOGIN password');
    const pdf = Buffer.alloc(SCAN_ATTACHMENT_BYTES, '%PDF-1.4 scan ').toString('base64').replace(/.{76}/g, '$&\n');
    const body = ['This is a multi-part message in MIME format.', '', '--scan', 'Content-Type: application/pdf; name="scan0001.pdf"', 'Content-Transfer-Encoding: base64', '', pdf.trimEnd(), '--scan--'].join('\n');
    const done = await envelope(c, o, message(o, 'Scanned document scan0001.pdf', body, '\r\n', ['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="scan"']));
    notes.push(`message: ${done.lines[done.lines.length - 1]}`);
    await quit(c);
  },
};
