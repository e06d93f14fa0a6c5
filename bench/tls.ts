/**
 * `npm run bench:tls`: full TLS handshakes per second on loopback, per engine and suite, with
 * reference servers measured the same way in the same run:
 *  - `openssl s_time -new` (OpenSSL's own client loop) against the lab's engines and against
 *    `openssl s_server` (TLS 1.0 AES128-SHA, TLS 1.2);
 *  - a Node client loop that speaks TLS 1.0/1.1 with RSA key exchange (built on node:crypto and
 *    the lab's record primitives; OpenSSL 3 clients cannot offer RC4/3DES at all) against the
 *    legacy engine and against `gnutls-serv` for RC4 and 3DES.
 * The server under test runs in a child process so client and server each get a core.
 * Usage: node --import tsx bench/tls.ts [--seconds N]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { SessionRecorder } from '../electron/lab/recorder/recorder.js';
import { createTlsAcceptor } from '../electron/lab/tls/index.js';
import { legacySuiteByName, type LegacySuite } from '../electron/lab/tls/legacy/suites.js';
import type { TlsEngineChoice } from '../electron/lab/tls/types.js';
import { GNUTLS_SUITES, testPki } from '../test/tls/harness.js';
import { legacyHandshake } from '../test/tls/phone-client.js';
import { tempDir } from '../test/support/temp.js';

const argSeconds = process.argv.indexOf('--seconds');
const SECONDS = argSeconds > 0 ? Number(process.argv[argSeconds + 1]) : 3;
/** Alternating rounds for the legacy server-flight comparison. */
const FLIGHT_ROUNDS = 5;

// ───────────────────────── server mode (child process) ─────────────────────────

type LegacyFlight = 'record-per-message' | 'one-record';

async function serve(engine: TlsEngineChoice, dir: string, flight: LegacyFlight): Promise<void> {
  const recorder = new SessionRecorder({ dataDir: tempDir('mailprobe-bench-tls-') });
  const acceptor = createTlsAcceptor({
    engine,
    legacyServerFlight: flight,
    identity: { keyPem: readFileSync(join(dir, 'server.key'), 'utf8'), certPem: readFileSync(join(dir, 'server.pem'), 'utf8'), caPem: readFileSync(join(dir, 'ca.pem'), 'utf8') },
  });
  let n = 0;
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    acceptor.accept(socket, { conn: `c${++n}`, mode: 'implicit', recorder }).then(
      (s) => {
        s.stream.on('error', () => undefined);
        s.stream.end('* OK bench\r\n');
      },
      () => undefined,
    );
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`));
  // Exit with the parent, even if it was killed: its end of our stdin closes.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

// ───────────────────────── servers ─────────────────────────

async function waitForPort(child: ChildProcess, re: RegExp, fixedPort?: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 10_000);
    const on = (d: Buffer): void => {
      out += d.toString();
      const m = re.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(fixedPort ?? Number(m[1]));
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
  });
}

async function labServer(engine: TlsEngineChoice, dir: string, flight: LegacyFlight = 'record-per-message'): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--serve', engine, dir, flight], { stdio: ['pipe', 'pipe', 'pipe'] });
  return { port: await waitForPort(child, /PORT (\d+)/), child };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

async function opensslServer(dir: string, args: string[]): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', join(dir, 'server.pem'), '-key', join(dir, 'server.key'), '-quiet', '-naccept', '1000000', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForListen(port);
  return { port, child };
}

async function gnutlsServer(dir: string, priority: string): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('gnutls-serv', ['-p', String(port), '--x509keyfile', join(dir, 'server.key'), '--x509certfile', join(dir, 'server.pem'), '--priority', priority, '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForListen(port);
  return { port, child };
}

async function waitForListen(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

// ───────────────────────── clients ─────────────────────────

/** openssl s_time -new: handshakes per second from its "N connections in T real seconds". */
function sTime(port: number, args: string[], seconds = SECONDS): number {
  const t0 = process.hrtime.bigint();
  const out = execFileSync('openssl', ['s_time', '-connect', `127.0.0.1:${port}`, '-new', '-time', String(seconds), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: (seconds + 20) * 1000 });
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  // "N connections in T real seconds" rounds T to whole seconds: use our own clock instead.
  const m = /(\d+) connections in [\d.]+ real seconds/.exec(out);
  if (!m) throw new Error(`unexpected s_time output: ${out}`);
  return Number(m[1]) / elapsed;
}

/** node:tls client loop (OpenSSL as client). */
async function nodeTlsLoop(port: number, opts: { minVersion: 'TLSv1' | 'TLSv1.2' | 'TLSv1.3'; maxVersion: 'TLSv1' | 'TLSv1.2' | 'TLSv1.3'; ciphers?: string }): Promise<number> {
  const end = Date.now() + SECONDS * 1000;
  let n = 0;
  while (Date.now() < end) {
    await new Promise<void>((resolve, reject) => {
      const s = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...opts, ciphers: opts.ciphers ?? 'DEFAULT:@SECLEVEL=0' }, () => {
        n += 1;
        s.destroy();
        resolve();
      });
      s.on('error', reject);
    });
  }
  return n / SECONDS;
}

async function legacyLoop(port: number, suite: LegacySuite, version: number): Promise<number> {
  const end = Date.now() + SECONDS * 1000;
  let n = 0;
  while (Date.now() < end) {
    await legacyHandshake(port, suite, version);
    n += 1;
  }
  return n / SECONDS;
}

// ───────────────────────── the run ─────────────────────────

interface Row {
  what: string;
  client: string;
  lab: number | string;
  reference: number | string;
  refName: string;
}

async function main(): Promise<void> {
  // The TLS tests' throwaway CA and server certificate (RSA-2048, SAN 127.0.0.1), made with openssl.
  const dir = testPki().dir;
  const rows: Row[] = [];
  const progress = (m: string): void => void process.stderr.write(`… ${m}\n`);
  const fmt = (v: number | string): string => (typeof v === 'number' ? v.toFixed(0) : v);
  const kill = (c: ChildProcess): void => {
    c.kill('SIGTERM');
  };

  progress("starting servers");
  const legacy = await labServer('legacy', dir);
  const modern = await labServer('modern', dir);
  try {
    // Warm-up (not reported): the server processes compile and JIT their hot paths first.
    progress('warm-up');
    for (const p of [legacy.port, modern.port]) sTime(p, ['-tls1', '-cipher', 'AES128-SHA:@SECLEVEL=0'], 1);
    // OpenSSL's client loop, against OpenSSL's server and the lab's engines.
    progress('openssl s_time rows');
    const ref10 = await opensslServer(dir, ['-tls1', '-cipher', 'AES128-SHA:@SECLEVEL=0']);
    const ref12 = await opensslServer(dir, ['-tls1_2']);
    try {
      const s10 = ['-tls1', '-cipher', 'AES128-SHA:@SECLEVEL=0'];
      rows.push({ what: 'TLSv1 TLS_RSA_WITH_AES_128_CBC_SHA, modern', client: 'openssl s_time', lab: sTime(modern.port, s10), reference: sTime(ref10.port, s10), refName: 'openssl s_server' });
      rows.push({ what: 'TLSv1 TLS_RSA_WITH_AES_128_CBC_SHA, legacy', client: 'openssl s_time', lab: sTime(legacy.port, s10), reference: '', refName: '(as above)' });
      rows.push({ what: 'TLSv1.1 TLS_RSA_WITH_AES_128_CBC_SHA, legacy', client: 'openssl s_time', lab: sTime(legacy.port, ['-tls1_1', '-cipher', 'AES128-SHA:@SECLEVEL=0']), reference: '', refName: '' });
      rows.push({ what: 'TLSv1.2 ECDHE-RSA-AES256-GCM, modern', client: 'openssl s_time', lab: sTime(modern.port, ['-tls1_2']), reference: sTime(ref12.port, ['-tls1_2']), refName: 'openssl s_server' });
    } finally {
      kill(ref10.child);
      kill(ref12.child);
    }
    rows.push({ what: 'TLSv1.3 TLS_AES_256_GCM_SHA384, modern', client: 'node:tls loop', lab: await nodeTlsLoop(modern.port, { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }), reference: '', refName: '' });

    // The 2006-phone client loop, against the legacy engine and gnutls-serv.
    for (const [name, gnutls] of GNUTLS_SUITES) {
      progress(name);
      const suite = legacySuiteByName(name)!;
      const lab = await legacyLoop(legacy.port, suite, 0x0301);
      let reference: number | string = '';
      {
        const ref = await gnutlsServer(dir, `NONE:+VERS-TLS1.0:+VERS-TLS1.1:${gnutls}:+RSA:+COMP-NULL:+SIGN-ALL:+CTYPE-X509`);
        try {
          reference = await legacyLoop(ref.port, suite, 0x0301);
        } catch (e) {
          reference = `error: ${(e as Error).message}`;
        } finally {
          kill(ref.child);
        }
      }
      rows.push({ what: `TLSv1 ${name}, legacy`, client: 'node 2006-phone loop', lab, reference, refName: reference === '' ? '' : 'gnutls-serv' });
    }
    const rc4md5 = legacySuiteByName('TLS_RSA_WITH_RC4_128_MD5')!;
    rows.push({ what: 'TLSv1.1 TLS_RSA_WITH_RC4_128_MD5, legacy', client: 'node 2006-phone loop', lab: await legacyLoop(legacy.port, rc4md5, 0x0302), reference: '', refName: '' });
    // The legacy server flight: one record per handshake message (what the lab sends) against
    // all three messages in one record (what it sent before), same client, same run.
    progress('legacy server flight');
    const oneRecord = await labServer('legacy', dir, 'one-record');
    try {
      await legacyLoop(oneRecord.port, rc4md5, 0x0301); // warm-up
      // Alternating rounds, median of each: a busy machine drifts more between two rows than
      // the difference being measured.
      const perMessage: number[] = [];
      const single: number[] = [];
      for (let i = 0; i < FLIGHT_ROUNDS; i++) {
        perMessage.push(await legacyLoop(legacy.port, rc4md5, 0x0301));
        single.push(await legacyLoop(oneRecord.port, rc4md5, 0x0301));
      }
      const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      rows.push({ what: `TLSv1 TLS_RSA_WITH_RC4_128_MD5, legacy, record per message (median of ${FLIGHT_ROUNDS})`, client: 'node 2006-phone loop', lab: median(perMessage), reference: median(single), refName: 'legacy, flight in one record' });
    } finally {
      kill(oneRecord.child);
    }
  } finally {
    kill(legacy.child);
    kill(modern.child);
  }

  const head = ['engine / version / suite', 'client', 'lab hs/s', 'reference hs/s', 'reference'];
  const table = [head, ...rows.map((r) => [r.what, r.client, fmt(r.lab), fmt(r.reference), r.refName])];
  const widths = head.map((_, i) => Math.max(...table.map((r) => r[i].length)));
  console.log(`\nFull TLS handshakes per second, one at a time on loopback, ${SECONDS} s per row, RSA-2048 server key (server in its own process)\n`);
  for (const [i, r] of table.entries()) {
    console.log(r.map((c, j) => (j >= 2 && j <= 3 ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

if (process.argv[2] === '--serve') {
  void serve(process.argv[3] as TlsEngineChoice, process.argv[4], process.argv[5] as LegacyFlight);
} else {
  main().then(
    () => process.exit(0),
    (e: Error) => {
      console.error(e);
      process.exit(1);
    },
  );
}
