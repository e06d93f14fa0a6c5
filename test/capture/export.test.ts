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
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
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
  lab = await startTestLab({ smtpPort: 0, smtpsPort: 0, pop3Port: 0, pop3sPort: 0, smtpAuth: 'optional' } as never);
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

let out: string[] = [];
let err: string[] = [];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
});
afterEach(() => vi.restoreAllMocks());

function tshark(file: string, args: string[]): string {
  return execFileSync('tshark', ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', ...decodeAs(), ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** The lab's random ports read as the mail protocols (what the export prints). */
function decodeAs(): string[] {
  const out: string[] = [];
  const names: Record<string, string> = { imap: 'imap', smtp: 'smtp', pop3: 'pop' };
  for (const [l, proto] of [['imap', 'imap'], ['smtp', 'smtp'], ['pop3', 'pop3']] as const) out.push('-d', `tcp.port==${listener(l)},${names[proto]}`);
  for (const [l, proto] of [['imaps', 'imap'], ['smtps', 'smtp'], ['pop3s', 'pop3']] as const) out.push('-d', `tls.port==${listener(l)},${names[proto]}`);
  return out;
}

describe('debug', () => {
  it('prints', async () => {
    const file = join(work, 'with-secrets.pcapng');
    const code = await main(['export', lab.sessionDir, '--pcapng', file, '--include-secrets']);
    vi.restoreAllMocks();
    console.log(code, out.join(''), err.join(''));
    console.log(runs);
    console.log(tshark(file, ['-Y', 'imap || smtp || pop', '-T', 'fields', '-e', 'tcp.stream', '-e', 'tcp.srcport', '-e', 'imap.request', '-e', 'smtp.command_line', '-e', 'pop.request.command', '-e', 'pop.request.parameter', '-E', 'occurrence=a', '-E', 'aggregator=|']))
    console.log(execFileSync('cp', [file, '/tmp/pcapx/with.pcapng']));;
    console.log(tshark(file, ['-q', '-z', 'expert']));
    void readFileSync;
    void decodeBytes;
  }, 60_000);
});
