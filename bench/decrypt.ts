/**
 * `npm run bench:decrypt`: how fast the capture decryptor reads TLS, per suite, beside tshark
 * decrypting the same bytes with the same key log in the same run.
 *
 * For each suite a real connection is recorded through a TCP proxy: gnutls-cli (the only client
 * here with RC4) sends a text file of IMAP-like lines to `gnutls-serv --echo`, which sends each
 * back, with gnutls's key log. The two recorded directions are then
 *  - decrypted by `createTlsDecryptor` in 64 KiB pushes (best of ROUNDS), and
 *  - written as a classic pcap (Ethernet/IPv4/TCP, server port 993 so tshark dissects IMAP over
 *    TLS on its own) and read by `tshark -r FILE -o tls.keylog_file:KEYS -Y imap -T fields
 *    -e frame.number` (best of ROUNDS; tshark's start-up, measured on an empty pcap, is shown
 *    too).
 * MB/s counts TLS bytes of both directions. `measureDecrypt` is exported for bench:capture.
 * Usage: node --import tsx bench/decrypt.ts [--megabytes N]
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTlsDecryptor, parseKeyLog, type CaptureSecrets } from '../electron/lab/capture/decrypt/index.js';
import { freePort, waitForPort } from '../test/support/dovecot.js';
import { testPki } from '../test/tls/harness.js';
import { startRecordingProxy } from '../test/capture/decrypt/support.js';
import { tempDir } from '../test/support/temp.js';

const argMb = process.argv.indexOf('--megabytes');
const MEGABYTES = argMb > 0 ? Number(process.argv[argMb + 1]) : 8;
const ROUNDS = 3;
const PUSH_SIZE = 64 * 1024;
const SEGMENT = 1448;

const SUITES = [
  ['RC4-128-SHA (TLS 1.0)', 'NONE:+VERS-TLS1.0:+ARCFOUR-128:+SHA1:+RSA:+COMP-NULL:+SIGN-ALL:+CTYPE-X509'],
  ['AES-128-CBC-SHA (TLS 1.2)', 'NONE:+VERS-TLS1.2:+AES-128-CBC:+SHA1:+RSA:+COMP-NULL:+SIGN-ALL:+CTYPE-X509'],
  ['AES-128-GCM (TLS 1.2)', 'NONE:+VERS-TLS1.2:+AES-128-GCM:+AEAD:+RSA:+COMP-NULL:+SIGN-ALL:+CTYPE-X509'],
] as const;

/** Decrypt two recorded directions in `pushSize` pieces; seconds taken and plaintext bytes. */
export function measureDecrypt(c2s: Buffer, s2c: Buffer, secrets: CaptureSecrets, pushSize = PUSH_SIZE): { seconds: number; plaintextBytes: number; states: string[] } {
  const t0 = process.hrtime.bigint();
  const d = createTlsDecryptor(secrets);
  let plaintextBytes = 0;
  const states: string[] = [];
  const feed = (dir: 'c2s' | 's2c', b: Buffer, at: number): void => {
    for (const o of d.push(dir, b.subarray(at, at + pushSize), 0)) {
      if (o.kind === 'plaintext') plaintextBytes += o.bytes.length;
      else states.push(o.state);
    }
  };
  // Interleave the directions as a capture reader would.
  for (let a = 0, b = 0; a < c2s.length || b < s2c.length; a += pushSize, b += pushSize) {
    if (a < c2s.length) feed('c2s', c2s, a);
    if (b < s2c.length) feed('s2c', s2c, b);
  }
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, plaintextBytes, states };
}

// ───────────── a minimal classic pcap of one TCP connection (RFC-less: libpcap format) ─────────────

function packet(src: 1 | 2, seq: number, ack: number, flags: number, payload: Buffer): Buffer {
  const eth = Buffer.alloc(14);
  eth[5] = src;
  eth[11] = 3 - src;
  eth.writeUInt16BE(0x0800, 12);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 20 + payload.length, 2);
  ip[8] = 64;
  ip[9] = 6;
  ip.writeUInt32BE(src === 1 ? 0x7f000001 : 0x7f000002, 12);
  ip.writeUInt32BE(src === 1 ? 0x7f000002 : 0x7f000001, 16);
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(src === 1 ? 50000 : 993, 0);
  tcp.writeUInt16BE(src === 1 ? 993 : 50000, 2);
  tcp.writeUInt32BE(seq >>> 0, 4);
  tcp.writeUInt32BE(ack >>> 0, 8);
  tcp[12] = 0x50;
  tcp[13] = flags;
  tcp.writeUInt16BE(65535, 14);
  return Buffer.concat([eth, ip, tcp, payload]);
}

function writePcap(file: string, chunks: Array<{ dir: 'c2s' | 's2c'; bytes: Buffer }>): void {
  const out: Buffer[] = [];
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(65535, 16);
  gh.writeUInt32LE(1, 20);
  out.push(gh);
  let t = 0;
  const add = (p: Buffer): void => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1_700_000_000 + Math.floor(t / 1e6), 0);
    h.writeUInt32LE(t % 1e6, 4);
    h.writeUInt32LE(p.length, 8);
    h.writeUInt32LE(p.length, 12);
    out.push(h, p);
    t += 10;
  };
  const seq = { c2s: 1000, s2c: 5000 };
  add(packet(1, seq.c2s - 1, 0, 0x02, Buffer.alloc(0)));
  add(packet(2, seq.s2c - 1, seq.c2s, 0x12, Buffer.alloc(0)));
  add(packet(1, seq.c2s, seq.s2c, 0x10, Buffer.alloc(0)));
  for (const c of chunks) {
    for (let o = 0; o < c.bytes.length; o += SEGMENT) {
      const seg = c.bytes.subarray(o, o + SEGMENT);
      const from = c.dir === 'c2s' ? 1 : 2;
      const other = c.dir === 'c2s' ? 's2c' : 'c2s';
      add(packet(from, seq[c.dir], seq[other], 0x18, seg));
      seq[c.dir] += seg.length;
    }
  }
  writeFileSync(file, Buffer.concat(out));
}

// ───────────────────────── recording ─────────────────────────

async function record(priority: string, input: string, dir: string) {
  const pki = testPki();
  const port = await freePort();
  const server = spawn('gnutls-serv', ['--echo', '-p', String(port), '--x509keyfile', join(pki.dir, 'server.key'), '--x509certfile', join(pki.dir, 'server.pem'), '--priority', priority], { stdio: 'ignore' });
  try {
    await waitForPort(port, 10_000);
    const proxy = await startRecordingProxy(port);
    const keylog = join(dir, `keys-${port}.log`);
    await new Promise<void>((resolve, reject) => {
      const c = spawn('gnutls-cli', ['--x509cafile', pki.caFile, '-p', String(proxy.port), '--priority', priority, 'localhost'], { stdio: ['pipe', 'ignore', 'ignore'], env: { ...process.env, SSLKEYLOGFILE: keylog } });
      c.on('error', reject);
      c.on('close', () => resolve());
      // Let the handshake finish before the data, then close after the echo had time to come back.
      setTimeout(() => c.stdin.write(readFileSync(input), () => setTimeout(() => c.stdin.end(), 1500)), 300);
    });
    const rec = await proxy.connection(0);
    await proxy.close();
    return { rec, keyLog: parseKeyLog(readFileSync(keylog, 'utf8')) };
  } finally {
    server.kill();
  }
}

function tsharkSeconds(pcap: string, keylog: string): { seconds: number; frames: number } {
  let best = Infinity;
  let frames = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = process.hrtime.bigint();
    const out = execFileSync('tshark', ['-n', '-r', pcap, '-o', `tls.keylog_file:${keylog}`, '-Y', 'imap', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
    frames = out.split('\n').filter(Boolean).length;
  }
  return { seconds: best, frames };
}

async function main(): Promise<void> {
  const dir = tempDir('mailprobe-bench-decrypt-');
  const input = join(dir, 'input.txt');
  const lines: string[] = [];
  for (let n = 0, size = 0; size < MEGABYTES * 1024 * 1024; n++) {
    const l = `a${n} APPEND INBOX {64}\r\nSubject: message ${n} of the bench, lorem ipsum dolor sit amet\r\n`;
    lines.push(l);
    size += l.length;
  }
  writeFileSync(input, lines.join(''));
  const empty = join(dir, 'empty.pcap');
  writePcap(empty, []);
  const emptyRun = tsharkSeconds(empty, '/dev/null');
  const rows: string[][] = [['suite', 'TLS bytes', 'mailprobe MB/s', 'tshark MB/s', 'tshark s (start-up ' + emptyRun.seconds.toFixed(2) + ' s)', 'plaintext', 'imap frames']];
  for (const [name, priority] of SUITES) {
    const { rec, keyLog } = await record(priority, input, dir);
    const c2s = rec.stream('c2s');
    const s2c = rec.stream('s2c');
    const total = c2s.length + s2c.length;
    let best = Infinity;
    let plain = 0;
    let states: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const m = measureDecrypt(c2s, s2c, { keyLog, serverKeys: [] });
      best = Math.min(best, m.seconds);
      plain = m.plaintextBytes;
      states = m.states;
    }
    if (states.join() !== 'decrypting') throw new Error(`${name}: ${states.join(', ')}`);
    const pcap = join(dir, `${name.replace(/\W+/g, '_')}.pcap`);
    writePcap(pcap, rec.chunks);
    const keys = join(dir, `${name.replace(/\W+/g, '_')}.keys`);
    writeFileSync(keys, keyLog.join('\n') + '\n');
    const ts = tsharkSeconds(pcap, keys);
    const mb = total / 1e6;
    rows.push([name, String(total), (mb / best).toFixed(1), (mb / ts.seconds).toFixed(1), ts.seconds.toFixed(2), String(plain), String(ts.frames)]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
