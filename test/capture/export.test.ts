/**
 * `mailprobe export SESSION --pcapng OUT`: a lab session with real clients (gnutls-cli with
 * RC4-MD5 and 3DES against the legacy engine; Python's imaplib, smtplib and poplib over
 * STARTTLS and implicit TLS at TLS 1.2 AES-CBC, AES-GCM and TLS 1.3 against the modern engine;
 * plaintext logins), exported, then read by tshark: with --include-secrets it decrypts every TLS
 * connection from the embedded keys alone and its IMAP, SMTP and POP3 dissectors show the
 * commands of the transcript; without, no keys, passwords overwritten, TLS undecryptable. Either
 * way tshark finds no bad checksum and no sequence trouble.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BytesEvent, LabEvent } from '../../electron/api.js';
import { main } from '../../electron/cli/main.js';
import type { StartedLab } from '../../electron/lab/lab.js';
import { decodeBytes } from '../../electron/lab/recorder/index.js';
import { TEST_PASSWORD, TEST_USER, eventsOf, startTestLab, tempDir, waitFor } from '../support/lab.js';
import { runPeer } from '../support/run.js';
import { gnutlsPriority, runInteractive } from '../tls/harness.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
const work = tempDir('mp-capture-export-');

type Proto = 'imap' | 'smtp' | 'pop3';
interface Run {
  name: string;
  proto: Proto;
  conn: string;
  /** The lab's listener port (for tshark's decode-as). */
  port: number;
  tls: boolean;
  cipher?: string;
  version?: string;
  engine?: string;
}

let lab: StartedLab;
const runs: Run[] = [];

function listener(name: string): number {
  const l = (lab.listeners as Record<string, { port: number } | undefined>)[name];
  if (!l) throw new Error(`no ${name} listener`);
  return l.port;
}

function newestConn(before: Set<string>): string {
  const open = eventsOf(lab).filter((e) => e.kind === 'conn.open' && !before.has(e.conn!));
  if (open.length !== 1) throw new Error(`expected one new connection, got ${open.length}`);
  return open[0].conn!;
}

function connsNow(): Set<string> {
  return new Set(eventsOf(lab).filter((e) => e.kind === 'conn.open').map((e) => e.conn!));
}

async function closed(conn: string): Promise<void> {
  await waitFor(() => eventsOf(lab).some((e) => e.kind === 'conn.close' && e.conn === conn), 10_000, `conn.close of ${conn}`);
}

function tlsOf(conn: string): { version?: string; cipher?: string; engine?: string } {
  const ev = eventsOf(lab).find((e) => e.kind === 'tls.established' && e.conn === conn) as Extract<LabEvent, { kind: 'tls.established' }> | undefined;
  return { version: ev?.version, cipher: ev?.cipher, engine: ev?.engine };
}

async function python(name: string, proto: Proto, listenerName: string, security: 'plain' | 'starttls' | 'tls', tlsOpts: { min?: string; max?: string; ciphers?: string } = {}): Promise<void> {
  const before = connsNow();
  const port = listener(listenerName);
  const arg = JSON.stringify({ proto, security, host: '127.0.0.1', port, user: TEST_USER, password: TEST_PASSWORD, ...tlsOpts });
  const r = await runPeer(PYTHON, [join(HERE, 'clients.py'), arg], { timeoutMs: 20_000 });
  expect(r.code, `${name}: ${r.stderr}`).toBe(0);
  const conn = newestConn(before);
  await closed(conn);
  runs.push({ name, proto, conn, port, tls: security !== 'plain', ...tlsOf(conn) });
}

async function gnutlsImap(name: string, suite: string, starttls: boolean): Promise<void> {
  const before = connsNow();
  const port = listener(starttls ? 'imap' : 'imaps');
  const args = ['--insecure', '-p', String(port), '--priority', gnutlsPriority('VERS-TLS1.0', suite), ...(starttls ? ['--starttls-proto=imap'] : []), '127.0.0.1'];
  const r = await runInteractive('gnutls-cli', args, [
    { waitFor: starttls ? 'Simple Client Mode' : '* OK', send: `a LOGIN ${TEST_USER} ${TEST_PASSWORD}\r\n` },
    { waitFor: 'a OK', send: 'b SELECT INBOX\r\n' },
    { waitFor: 'b OK', send: 'c LOGOUT\r\n' },
    { waitFor: 'c OK' },
  ], 15_000);
  expect(r.stdout, r.stderr).toContain('c OK');
  const conn = newestConn(before);
  await closed(conn);
  runs.push({ name, proto: 'imap', conn, port, tls: true, ...tlsOf(conn) });
}

beforeAll(async () => {
  lab = await startTestLab({ smtpPort: 0, smtpsPort: 0, pop3Port: 0, pop3sPort: 0 });
  await gnutlsImap('gnutls-cli RC4-MD5 IMAPS', '+ARCFOUR-128:+MD5', false);
  await gnutlsImap('gnutls-cli 3DES IMAP STARTTLS', '+3DES-CBC:+SHA1', true);
  await python('imaplib IMAPS TLS 1.2 AES-CBC', 'imap', 'imaps', 'tls', { max: 'TLSv1_2', ciphers: 'AES128-SHA256' });
  await python('imaplib STARTTLS TLS 1.2 AES-GCM', 'imap', 'imap', 'starttls', { max: 'TLSv1_2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
  await python('imaplib IMAPS TLS 1.3', 'imap', 'imaps', 'tls', { min: 'TLSv1_3' });
  await python('imaplib plain', 'imap', 'imap', 'plain');
  await python('smtplib STARTTLS TLS 1.3', 'smtp', 'smtp', 'starttls');
  await python('smtplib 465 TLS 1.2', 'smtp', 'smtps', 'tls', { max: 'TLSv1_2' });
  await python('poplib POP3S TLS 1.2 AES-CBC', 'pop3', 'pop3s', 'tls', { max: 'TLSv1_2', ciphers: 'AES256-SHA' });
  await python('poplib STLS TLS 1.3', 'pop3', 'pop3', 'starttls');
  await python('poplib plain', 'pop3', 'pop3', 'plain');
}, 120_000);
afterAll(() => lab?.stop());

interface Exported {
  file: string;
  code: number;
  stdout: string;
  stderr: string;
  /** The `-d` options the export printed for the lab's non-standard ports. */
  decodeAs: string[];
}

async function exportSession(session: string, name: string, includeSecrets: boolean): Promise<Exported> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  const file = join(work, name);
  let code: number;
  try {
    code = await main(['export', session, '--pcapng', file, ...(includeSecrets ? ['--include-secrets'] : [])]);
  } finally {
    vi.restoreAllMocks();
  }
  const stdout = out.join('');
  const hint = /\(or tshark -r FILE (.*)\)/.exec(stdout)?.[1] ?? '';
  return { file, code, stdout, stderr: err.join(''), decodeAs: hint.split(/\s+/).filter(Boolean) };
}

/** tshark with checksum validation on, the export's decode-as options, and `args`. */
function tshark(x: Exported, args: string[]): string {
  return execFileSync('tshark', ['-r', x.file, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', ...x.decodeAs, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
}

/** Rows of `tshark -T fields`, split on tabs. */
function fields(x: Exported, filter: string, names: string[]): string[][] {
  const text = tshark(x, ['-Y', filter, '-T', 'fields', ...names.flatMap((n) => ['-e', n]), '-E', 'occurrence=a', '-E', 'aggregator=\u0001']);
  return text.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

/** The client's port of a connection, from its conn.open. */
function clientPort(events: LabEvent[], conn: string): string {
  const open = events.find((e) => e.kind === 'conn.open' && e.conn === conn) as Extract<LabEvent, { kind: 'conn.open' }>;
  return open.remote.slice(open.remote.lastIndexOf(':') + 1);
}

/**
 * Whether a client line answers a SASL challenge (IMAP `+ …`, SMTP `334 …`, POP3 `+ …`): such a
 * line is login data, not a command. tshark 4.0's SMTP dissector reads it as a command on one
 * connection and as a DATA fragment on another, so the comparison leaves those lines out on both
 * sides (the byte-exact comparison of the decrypted streams covers them).
 */
const CHALLENGE = /^(\+ |\+$|334[ -])/;

/** The command lines of a connection as the transcript has them (SMTP message content left out: it is not a command). */
function transcriptCommands(events: LabEvent[], conn: string, proto: Proto): string[] {
  const out: string[] = [];
  let lastServer = '';
  let partial = '';
  let inData = false;
  for (const e of events) {
    if (e.conn !== conn) continue;
    if (e.kind === 's2c') {
      const lines = decodeBytes(e).toString('utf8').split('\r\n').filter((l) => l !== '');
      lastServer = lines[lines.length - 1] ?? lastServer;
      continue;
    }
    if (e.kind !== 'c2s') continue;
    const pieces = (partial + decodeBytes(e).toString('utf8')).split('\r\n');
    partial = pieces.pop() ?? '';
    for (const l of pieces) {
      if (inData) {
        if (l === '.') inData = false;
        continue;
      }
      if (CHALLENGE.test(lastServer)) {
        lastServer = '';
        continue;
      }
      out.push(l);
      if (proto === 'smtp' && /^data$/i.test(l)) inData = true;
    }
  }
  return out;
}

/** The command lines tshark's mail dissectors show for the connection whose client port is `port`, in order. */
function dissectedCommands(rows: string[][], port: string): string[] {
  const lines: string[] = [];
  let lastServer = '';
  for (const [srcport, dstport, imap, smtp, popCmd, popParam, imapResponse, smtpResponse, popResponse] of rows) {
    if (dstport === port) {
      const said = (imapResponse || smtpResponse || popResponse || '').split('\u0001').filter((l) => l !== '');
      if (said.length > 0) lastServer = said[said.length - 1].replace(/\\r\\n$/, '');
      continue;
    }
    if (srcport !== port) continue;
    const said: string[] = [];
    // One frame can carry several lines (aggregated with \x01).
    if (imap) said.push(...imap.split('\u0001'));
    if (smtp) said.push(...smtp.split('\u0001').map((l) => l.replace(/\\r\\n$/, '')));
    if (popCmd) {
      const params = (popParam ?? '').split('\u0001');
      popCmd.split('\u0001').forEach((c, i) => said.push(params[i] ? `${c} ${params[i]}` : c));
    }
    if (CHALLENGE.test(lastServer)) {
      // The answer to a challenge, whatever the dissector made of it (even nothing).
      lastServer = '';
      said.shift();
    }
    lines.push(...said);
  }
  return lines;
}

/** The decrypted bytes of a TCP stream as tshark's TLS follow shows them, per direction, hex. */
function followTls(x: Exported, stream: string, clientPort: string): { c2s: string; s2c: string } {
  const text = tshark(x, ['-q', '-z', `follow,tls,raw,${stream}`]);
  const body = text.split(/^Node 1: .*$/m)[1]?.split(/^=+$/m)[0] ?? '';
  // Node 0 (lines without a tab) is whichever side tshark saw first: not always the client.
  const node0IsClient = new RegExp(`^Node 0: .*:${clientPort}$`, 'm').test(text);
  let first = '';
  let second = '';
  for (const line of body.split('\n')) {
    if (line.startsWith('\t')) second += line.trim();
    else first += line.trim();
  }
  return node0IsClient ? { c2s: first, s2c: second } : { c2s: second, s2c: first };
}

/** The plaintext the transcript has inside TLS, per direction, hex. */
function transcriptTls(events: LabEvent[], conn: string): { c2s: string; s2c: string } {
  const hex = (kind: 'c2s' | 's2c'): string =>
    events
      .filter((e) => e.kind === kind && e.conn === conn && e.tls)
      .map((e) => decodeBytes(e as BytesEvent).toString('hex'))
      .join('');
  return { c2s: hex('c2s'), s2c: hex('s2c') };
}

/** tcp.stream of each connection, by its client port. */
function streamsByClientPort(x: Exported): Map<string, string> {
  return new Map(fields(x, 'tcp.flags.syn == 1 && tcp.flags.ack == 0', ['tcp.srcport', 'tcp.stream']).map(([p, s]) => [p, s]));
}

const MAIL_FIELDS = ['tcp.srcport', 'tcp.dstport', 'imap.request', 'smtp.command_line', 'pop.request.command', 'pop.request.parameter', 'imap.response', 'smtp.response', 'pop.response'];

/** Frames tshark flags: bad IP or TCP checksums, and any TCP analysis flag (retransmission, lost or unseen segments, window trouble, duplicate ACKs). */
function flaggedFrames(x: Exported): string {
  return tshark(x, ['-Y', 'tcp.analysis.flags || tcp.checksum.status == 0 || ip.checksum.status == 0 || _ws.malformed || _ws.expert.severity >= 6291456']);
}

/** The pcapng block types in order (SHB 0x0a0d0d0a, IDB 1, EPB 6, DSB 0x0a). */
function blockTypes(file: string): number[] {
  const buf = readFileSync(file);
  const types: number[] = [];
  for (let at = 0; at + 12 <= buf.length; at += buf.readUInt32LE(at + 4)) types.push(buf.readUInt32LE(at));
  return types;
}

describe('mailprobe export --pcapng --include-secrets', () => {
  let x: Exported;
  let events: LabEvent[];
  beforeAll(async () => {
    events = eventsOf(lab);
    x = await exportSession(lab.sessionDir, 'with-secrets.pcapng', true);
  });

  it('writes the capture, says it is not redacted and warns on stderr', () => {
    expect(x.code).toBe(0);
    expect(x.stdout).toMatch(/^capture written: .*with-secrets\.pcapng \(11 connections, \d+ packets, \d+ KB, NOT redacted\)/);
    expect(x.stdout).toContain('TLS: ');
    expect(x.stdout).toMatch(/key log lines embedded for 9 of 9 TLS connections/);
    expect(x.stderr).toMatch(/^mailprobe export: warning: --include-secrets: .*TLS keys and the passwords/);
    expect(x.decodeAs.length).toBeGreaterThan(0);
    // It holds keys and passwords: readable by its owner only, like the session.
    expect(statSync(x.file).mode & 0o777).toBe(0o600);
  });

  it('has one Decryption Secrets Block, before the first packet', () => {
    const types = blockTypes(x.file);
    expect(types.slice(0, 3)).toEqual([0x0a0d0d0a, 1, 0x0a]);
    expect(types.filter((t) => t === 0x0a)).toHaveLength(1);
    expect(types.slice(3).every((t) => t === 6)).toBe(true);
  });

  it('tshark decrypts every TLS connection from the embedded keys and shows the commands of the transcript', () => {
    const rows = fields(x, 'imap || smtp || pop', MAIL_FIELDS);
    expect(runs.filter((r) => r.tls)).toHaveLength(9);
    for (const r of runs) {
      const want = transcriptCommands(events, r.conn, r.proto);
      expect(want.length, r.name).toBeGreaterThanOrEqual(3);
      expect(dissectedCommands(rows, clientPort(events, r.conn)), `${r.name} (${r.version} ${r.cipher})`).toEqual(want);
    }
    // Every TLS stream was decrypted: the bytes tshark decrypts are the transcript's, both ways.
    const streams = streamsByClientPort(x);
    for (const r of runs.filter((r) => r.tls)) {
      const port = clientPort(events, r.conn);
      const got = followTls(x, streams.get(port)!, port);
      const want = transcriptTls(events, r.conn);
      expect(want.c2s.length, r.name).toBeGreaterThan(0);
      expect(got, r.name).toEqual(want);
    }
  });

  it('covers the suites of both engines', () => {
    const seen = runs.filter((r) => r.tls).map((r) => `${r.engine} ${r.version} ${r.cipher}`);
    for (const want of ['legacy TLSv1 TLS_RSA_WITH_RC4_128_MD5', 'legacy TLSv1 TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'modern TLSv1.2 TLS_RSA_WITH_AES_128_CBC_SHA256', 'modern TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'modern TLSv1.3 TLS_AES_256_GCM_SHA384']) {
      expect(seen).toContain(want);
    }
  });

  it('tshark flags no checksum, sequence or analysis problem, and its expert info has no warning or error', () => {
    expect(flaggedFrames(x)).toBe('');
    const expert = tshark(x, ['-q', '-z', 'expert']);
    expect(expert).not.toMatch(/^(Errors|Warns) \(/m);
  });

  it('keeps addresses, ports and times as recorded', () => {
    const open = events.filter((e) => e.kind === 'conn.open') as Array<Extract<LabEvent, { kind: 'conn.open' }>>;
    const syns = fields(x, 'tcp.flags.syn == 1 && tcp.flags.ack == 0', ['ip.src', 'tcp.srcport', 'ip.dst', 'tcp.dstport', 'frame.time_epoch']);
    expect(syns.map(([src, sport, dst, dport]) => [`${src}:${sport}`, `${dst}:${dport}`])).toEqual(open.map((o) => [o.remote, o.local]));
    for (const [i, row] of syns.entries()) expect(Math.abs(Number(row[4]) * 1000 - Date.parse(open[i].t))).toBeLessThan(2);
    // The plaintext LOGIN of imaplib: the frame's time is the c2s event's.
    const plain = runs.find((r) => r.name === 'imaplib plain')!;
    const login = events.find((e) => e.kind === 'c2s' && e.conn === plain.conn && /LOGIN/.test(e.text ?? ''))!;
    const [frame] = fields(x, `imap.request contains "LOGIN" && tcp.srcport == ${clientPort(events, plain.conn)}`, ['frame.time_epoch']);
    expect(Math.abs(Number(frame[0]) * 1000 - Date.parse(login.t))).toBeLessThan(2);
  });

  it('shows the clear passwords', () => {
    expect(readFileSync(x.file).includes(Buffer.from(`LOGIN phone "${TEST_PASSWORD}"`))).toBe(true);
  });
});

describe('mailprobe export --pcapng (redacted, the default)', () => {
  let x: Exported;
  let events: LabEvent[];
  beforeAll(async () => {
    events = eventsOf(lab);
    x = await exportSession(lab.sessionDir, 'redacted.pcapng', false);
  });

  it('says it is redacted and that Wireshark will show the TLS as undecryptable; no warning', () => {
    expect(x.code).toBe(0);
    expect(x.stdout).toMatch(/^capture written: .*redacted\.pcapng \(11 connections, \d+ packets, \d+ KB, redacted\)/);
    expect(x.stdout).toMatch(/TLS: 9 connections without their keys: Wireshark shows their content as encrypted Application Data it cannot decrypt/);
    expect(x.stdout).toMatch(/passwords: \d+ bytes .* overwritten with X/);
    expect(x.stderr).toBe('');
  });

  it('has no Decryption Secrets Block and no password anywhere in the file', () => {
    expect(blockTypes(x.file)).not.toContain(0x0a);
    const bytes = readFileSync(x.file);
    expect(bytes.includes(Buffer.from(TEST_PASSWORD))).toBe(false);
    for (const ev of events) if (ev.kind === 'tls.keylog') expect(bytes.includes(Buffer.from(ev.line.split(' ')[2], 'hex'))).toBe(false);
  });

  it('blanks the passwords of the clear streams byte for byte, so the streams stay coherent', () => {
    const rows = fields(x, 'imap || pop', MAIL_FIELDS);
    const imapPlain = runs.find((r) => r.name === 'imaplib plain')!;
    const imapLines = dissectedCommands(rows, clientPort(events, imapPlain.conn));
    // The recorder's secret ranges of the LOGIN line (user and password), overwritten with X, same length.
    const login = events.find((e) => e.kind === 'c2s' && e.conn === imapPlain.conn && / LOGIN /.test(e.text ?? '')) as BytesEvent;
    let blanked = login.text!;
    for (const [a, b] of login.secrets!) blanked = blanked.slice(0, a) + 'X'.repeat(b - a) + blanked.slice(b);
    expect(blanked).not.toContain(TEST_PASSWORD);
    expect(imapLines.find((l) => / LOGIN /.test(l))).toBe(blanked.replace(/\r\n$/, ''));
    // Everything else is as the transcript has it.
    expect(imapLines.filter((l) => !/ LOGIN /.test(l))).toEqual(transcriptCommands(events, imapPlain.conn, 'imap').filter((l) => !/ LOGIN /.test(l)));
    const popPlain = runs.find((r) => r.name === 'poplib plain')!;
    expect(dissectedCommands(rows, clientPort(events, popPlain.conn))).toContain('PASS XXXXXX');
    expect(flaggedFrames(x)).toBe('');
  });

  it('leaves the TLS undecrypted: tshark sees application data and no mail command inside TLS', () => {
    const rows = fields(x, 'imap || smtp || pop', MAIL_FIELDS);
    for (const r of runs.filter((r) => r.tls)) {
      const lines = dissectedCommands(rows, clientPort(events, r.conn));
      // Only what was said in clear before STARTTLS, if anything.
      expect(lines.some((l) => /LOGIN|^PASS|^AUTH|^USER/i.test(l)), r.name).toBe(false);
      expect(lines.every((l) => /^(\S+ )?(CAPABILITY|STARTTLS)$|^ehlo |^STARTTLS$|^CAPA$|^STLS$/i.test(l)), `${r.name}: ${lines.join(' | ')}`).toBe(true);
    }
    const appData = fields(x, 'tls.app_data', ['tcp.stream']);
    expect(new Set(appData.map(([s]) => s)).size).toBe(9);
    // tshark decrypts nothing of any of them.
    const streams = streamsByClientPort(x);
    for (const r of runs.filter((r) => r.tls)) expect(followTls(x, streams.get(clientPort(events, r.conn))!, clientPort(events, r.conn)), r.name).toEqual({ c2s: '', s2c: '' });
  });
});
