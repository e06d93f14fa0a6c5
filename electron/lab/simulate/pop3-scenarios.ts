/**
 * Scripted phones that read mail over POP3 (RFC 1939), byte for byte as the devices do, usable
 * against the lab or any POP3 server. Each cites its source.
 */
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { ScriptedClient, SimulationError, type WireOptions } from './wire.js';

export interface Pop3RunOptions {
  host: string;
  port: number;
  /** Implicit TLS (port 995, RFC 8314) instead of the plaintext/STLS port. */
  tls?: boolean;
  user: string;
  password: string;
  signal?: AbortSignal;
  localAddress?: string;
}

export type Pop3ScenarioId = 'series40-pop3-download-all' | 'series60-pop3-stls-leave-on-server' | 'winmobile-pop3-stale-number';
export type Pop3Runner = (o: Pop3RunOptions, wire: WireOptions, notes: string[]) => Promise<void>;

/** One status line; throws when the server closed. */
async function status(c: ScriptedClient): Promise<string> {
  const l = await c.readLine();
  if (l === null) throw new SimulationError('the server closed the connection');
  return l;
}

async function say(c: ScriptedClient, line: string): Promise<string> {
  c.send(line + '\r\n');
  return status(c);
}

async function expectOk(c: ScriptedClient, line: string): Promise<string> {
  const r = await say(c, line);
  if (!r.startsWith('+OK')) throw new SimulationError(`${line.split(' ')[0]}: the server answered "${r}"`);
  return r;
}

/** The lines of a multi-line body up to ".", dot-unstuffed. */
async function body(c: ScriptedClient): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const l = await status(c);
    if (l === '.') return out;
    out.push(l.startsWith('..') ? l.slice(1) : l);
  }
}

async function open(o: Pop3RunOptions, wire: WireOptions): Promise<ScriptedClient> {
  if (!o.tls) return ScriptedClient.connect(o.host, o.port, wire);
  const sock = tlsConnect({ host: o.host, port: o.port, rejectUnauthorized: false, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
  await new Promise<void>((resolve, reject) => {
    sock.once('secureConnect', resolve);
    sock.once('error', reject);
  });
  return new ScriptedClient(sock, wire);
}

async function greeted(o: Pop3RunOptions, wire: WireOptions): Promise<ScriptedClient> {
  const c = await open(o, wire);
  const g = await status(c);
  if (!g.startsWith('+OK')) throw new SimulationError(`the server refused the connection: "${g}"`);
  return c;
}

async function userPass(c: ScriptedClient, o: Pop3RunOptions): Promise<void> {
  await expectOk(c, `USER ${o.user}`);
  await expectOk(c, `PASS ${o.password}`);
}

async function quit(c: ScriptedClient): Promise<void> {
  await say(c, 'QUIT').catch(() => undefined);
  await c.close();
}

/** Checks the Series 40 phone makes: two show that it downloads everything each time. */
const SERIES40_CHECKS = 2;

export const POP3_RUNNERS: Record<Pop3ScenarioId, Pop3Runner> = {
  async 'series40-pop3-download-all'(o, wire, notes) {
    // A Series 40 phone set to POP3 and "retrieve: messages" (QUIRKS.md pop3-no-uidl): no UIDL,
    // STAT then every message whole, on every check (two checks here).
    for (let check = 1; check <= SERIES40_CHECKS; check++) {
      const c = await greeted(o, wire);
      await userPass(c, o);
      const n = Number((await expectOk(c, 'STAT')).split(' ')[1] ?? 0);
      let bytes = 0;
      for (let i = 1; i <= n; i++) {
        await expectOk(c, `RETR ${i}`);
        bytes += (await body(c)).reduce((s, l) => s + l.length + 2, 0);
      }
      notes.push(`check ${check}: ${n} message(s), ${bytes} bytes downloaded`);
      await quit(c);
    }
  },
  async 'series60-pop3-stls-leave-on-server'(o, wire, notes) {
    // A Series 60 phone with "Security: STARTTLS" and "leave on server" (QUIRKS.md, Device facts):
    // CAPA, STLS, USER/PASS inside TLS, UIDL, then only the messages it has not seen (none kept
    // here: it fetches the first three, as a first check with a small retrieval limit does).
    let c = await greeted(o, wire);
    const caps = await expectOk(c, 'CAPA').then(() => body(c));
    if (!caps.includes('STLS')) throw new SimulationError('the server does not offer STLS');
    await expectOk(c, 'STLS');
    const sock = tlsConnect({ socket: c.stream as never, rejectUnauthorized: false, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }) as TLSSocket;
    await new Promise<void>((resolve, reject) => {
      sock.once('secureConnect', resolve);
      sock.once('error', reject);
    });
    c = new ScriptedClient(sock, wire);
    await userPass(c, o);
    await expectOk(c, 'UIDL');
    const uidls = await body(c);
    const fetch = uidls.slice(0, 3).map((l) => Number(l.split(' ')[0]));
    for (const n of fetch) {
      await expectOk(c, `RETR ${n}`);
      await body(c);
    }
    notes.push(`${uidls.length} message(s) on the server, ${fetch.length} downloaded, all left there`);
    await quit(c);
  },
  async 'winmobile-pop3-stale-number'(o, wire, notes) {
    // Windows Mobile Pocket Inbox auto-fetch (smartphonemag.com, January 2006): a first check
    // lists the maildrop and reads messages 1 and 2; the next check retrieves by the number it
    // remembered (3), without STAT, LIST or UIDL. On a lab whose mailbox does not change that
    // number still names message 3, so the diagnosis makes it a note; with the lab's mailbox
    // change between checks (--pop3-change-mailbox) it names another message and is a warning.
    const first = await greeted(o, wire);
    await userPass(first, o);
    await expectOk(first, 'LIST');
    await body(first);
    for (const n of [1, 2]) {
      await expectOk(first, `RETR ${n}`);
      await body(first);
    }
    await quit(first);
    const c = await greeted(o, wire);
    await userPass(c, o);
    const r = await say(c, 'RETR 3');
    if (r.startsWith('+OK')) await body(c);
    notes.push(`second check: RETR 3 without a list first: ${r.slice(0, 40)}`);
    await quit(c);
  },
};
