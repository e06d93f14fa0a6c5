/**
 * `npm run bench:capture`: a capture of many mail sessions, diagnosed by `mailprobe diagnose`
 * (the built CLI, a child process) and, in the same run, dissected by tshark
 * (`-Y imap -T fields -e imap.request -e imap.response`), the reference reader.
 *
 * The capture: the lab and its simulated phones (IMAP, IMAPS, SMTP, POP3, STARTTLS) plus curl
 * over IMAP STARTTLS, captured once on loopback with dumpcap; then multiplied to the target
 * size: each copy gets its own client address (10.x.y.z), its own sequence numbers and a time
 * offset, the lab's ports are mapped to the standard ones (143, 993, 587, 465, 110, 995, so
 * tshark dissects them with no decode-as), and copies run 64 at a time, interleaved as a busy
 * server's capture would be. The TLS keys (the lab's tls.keylog events and curl's SSLKEYLOGFILE)
 * are handed to both readers.
 *
 * Prints, side by side: wall and CPU time, MB/s and peak RSS (VmHWM from /proc/PID/status) of
 * each, and of Mailprobe's capture reader alone (events made and dropped: its memory is the
 * streaming part; the diagnosis keeps one attempt per connection, so it grows with those).
 * Target: Mailprobe's full diagnosis at least as fast as tshark's dissection alone, and its
 * memory bounded (flat in the file size). CAPTURE_BENCH_MB sets the size (default 1024).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CaptureStreamReader, decodeFrame, LINKTYPE } from '../electron/lab/capture/reader/index.js';
import { runScenario, gnutlsAvailable } from '../electron/lab/simulate/index.js';
import { enhancedPacket, interfaceBlock, sectionHeader } from '../test/support/capture-writer.js';
import { startLoopbackCapture } from '../test/support/loopback-capture.js';
import { startTestLab } from '../test/support/lab.js';
import { keepTempDir, tempDir } from '../test/support/temp.js';
import { runPeer } from '../test/support/run.js';
import { readEvents } from '../electron/lab/recorder/index.js';

const TARGET_MB = Number(process.env.CAPTURE_BENCH_MB ?? 1024);
/** Copies of the seed capture in flight at once. */
const PARALLEL = 64;
const ROOT = join(import.meta.dirname, '..');
const work = tempDir('mp-bench-capture-');

interface SeedPacket {
  ts: number;
  data: Buffer;
  /** Offsets in the frame: IPv4 source, destination; TCP header. */
  ip: number;
  tcp: number;
  fromServer: boolean;
}

async function makeSeed(): Promise<{ packets: SeedPacket[]; keyLog: string; portMap: Map<number, number> }> {
  const lab = await startTestLab({ smtpPort: 0, smtpsPort: 0, pop3Port: 0, pop3sPort: 0 });
  const L = lab.listeners;
  const portMap = new Map<number, number>([
    [L.imap!.port, 143], [L.imaps!.port, 993], [L.smtp!.port, 587], [L.smtps!.port, 465], [L.pop3!.port, 110], [L.pop3s!.port, 995],
  ]);
  const seedFile = join(work, 'seed.pcapng');
  const keyLogFile = join(work, 'curl-keys.log');
  const cap = await startLoopbackCapture(seedFile, [...portMap.keys()], { iface: 'lo' });
  const o = { host: '127.0.0.1', user: lab.account.user, password: lab.account.password, pauseMs: 20 };
  try {
    for (const id of ['nokia6233-cram-md5', 'nokia6233-digest-md5', 'nokia6233-automatic', 'nokia6233-login', 'nokia6234-full-body', 'symbian-s60', 'nokia-select-before-login-result']) await runScenario(id, { ...o, port: L.imap!.port });
    await runScenario('nokia6233-ssl-no-ca', { ...o, port: L.imaps!.port });
    if (gnutlsAvailable()) await runScenario('nokia6233-ssl-ca-no-command', { ...o, port: L.imaps!.port });
    for (const id of ['nokia6233-smtp-cram-md5', 'smtp-auth-equals-only', 'smtp-bare-lf-device']) await runScenario(id, { ...o, port: L.smtp!.port });
    for (const id of ['series40-pop3-download-all', 'winmobile-pop3-stale-number']) await runScenario(id, { ...o, port: L.pop3!.port });
    // A modern client over STARTTLS whose keys are logged: both readers get them.
    // Not spawnSync: the lab answering curl runs in this process.
    const curl = await runPeer('curl', ['-s', '-S', '-k', '--ssl-reqd', '--user', `${lab.account.user}:${lab.account.password}`, `imap://127.0.0.1:${L.imap!.port}/INBOX;UID=1`], { env: { ...process.env, SSLKEYLOGFILE: keyLogFile }, timeoutMs: 15_000 });
    if (curl.code !== 0) console.log(`curl over STARTTLS: exit ${curl.code} ${curl.stderr.trim()}`);
  } finally {
    await cap.stop();
    await lab.stop();
  }
  const packets: SeedPacket[] = [];
  const reader = new CaptureStreamReader({
    packet: (p) => {
      if (p.linkType !== LINKTYPE.ETHERNET) return;
      const r = decodeFrame(p.linkType, p.data);
      if (r.kind !== 'tcp') return;
      const data = Buffer.from(p.data);
      const ip = 14;
      const tcp = ip + (data[ip] & 0x0f) * 4;
      packets.push({ ts: p.timestampMs, data, ip, tcp, fromServer: portMap.has(r.segment.srcPort) });
    },
  });
  reader.push(readFileSync(seedFile));
  reader.end();
  // The lab's own secrets of every TLS connection (tls.keylog events), and curl's.
  const labKeys = readEvents(lab.sessionDir).flatMap((e) => (e.kind === 'tls.keylog' ? [e.line] : []));
  const curlKeys = existsSync(keyLogFile) ? readFileSync(keyLogFile, 'latin1').split('\n').filter(Boolean) : [];
  return { packets, keyLog: [...labKeys, ...curlKeys].join('\n') + '\n', portMap };
}

/** The seed, copied and rewritten until the file reaches the target size. */
function multiply(seed: SeedPacket[], portMap: Map<number, number>, out: string): { bytes: number; packets: number; copies: number } {
  const fd = openSync(out, 'w');
  writeSync(fd, Buffer.concat([sectionHeader(), interfaceBlock({ linkType: LINKTYPE.ETHERNET, tsresolPow10: 6 })]));
  let bytes = 0;
  let packets = 0;
  let copy = 0;
  const t0 = seed[0].ts;
  const span = seed.at(-1)!.ts - t0;
  let waveStart = Date.parse('2026-11-29T08:00:00Z');
  const target = TARGET_MB * 1024 * 1024;
  while (bytes < target) {
    const wave: Array<{ ts: number; frame: Buffer }> = [];
    for (let i = 0; i < PARALLEL; i++, copy++) {
      const client = [10, (copy >> 16) & 0xff, (copy >> 8) & 0xff, copy & 0xff];
      const shift = waveStart + (i * span) / PARALLEL - t0;
      const seqDelta = (copy * 7919 * 65536) >>> 0;
      for (const p of seed) {
        const f = Buffer.from(p.data);
        // The client's address: source of what it sends, destination of what it receives.
        Buffer.from(client).copy(f, p.ip + (p.fromServer ? 16 : 12));
        const sp = f.readUInt16BE(p.tcp);
        const dp = f.readUInt16BE(p.tcp + 2);
        f.writeUInt16BE(portMap.get(sp) ?? sp, p.tcp);
        f.writeUInt16BE(portMap.get(dp) ?? dp, p.tcp + 2);
        f.writeUInt32BE((f.readUInt32BE(p.tcp + 4) + seqDelta) >>> 0, p.tcp + 4);
        if (f[p.tcp + 13] & 0x10) f.writeUInt32BE((f.readUInt32BE(p.tcp + 8) + seqDelta) >>> 0, p.tcp + 8);
        wave.push({ ts: p.ts + shift, frame: f });
      }
    }
    wave.sort((a, b) => a.ts - b.ts);
    const blocks = wave.map((w) => enhancedPacket({ timestampMs: w.ts, data: w.frame }, 6));
    const chunk = Buffer.concat(blocks);
    writeSync(fd, chunk);
    bytes += chunk.length;
    packets += blocks.length;
    waveStart += span + 1000;
  }
  closeSync(fd);
  return { bytes, packets, copies: copy };
}

/** Run a command, sampling its peak RSS (VmHWM) until it exits. */
function measure(cmd: string, args: string[]): Promise<{ ms: number; cpuMs: number; peakKb: number; stdoutBytes: number; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let peakKb = 0;
    let cpuMs = 0;
    let stdoutBytes = 0;
    let stderr = '';
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
        // utime and stime (fields 14 and 15, clock ticks of 10 ms): the machine is shared, CPU time says more than wall time.
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpuMs = Math.max(cpuMs, (Number(f[11]) + Number(f[12])) * 10);
      } catch {
        // Exited between two samples.
      }
    };
    const timer = setInterval(sample, 25);
    child.stdout.on('data', (d: Buffer) => {
      stdoutBytes += d.length;
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ ms: performance.now() - t, cpuMs, peakKb, stdoutBytes, code, stderr });
    });
  });
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'electron', 'cli', 'main.js')) || process.env.CAPTURE_BENCH_BUILD !== '0') {
    const b = spawnSync('npx', ['tsc', '-p', 'tsconfig.node.json'], { cwd: ROOT, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('the build failed');
  }
  const seed = await makeSeed();
  const keyLog = join(work, 'keys.log');
  writeFileSync(keyLog, seed.keyLog);
  const file = join(work, 'sessions.pcapng');
  const g0 = performance.now();
  const made = multiply(seed.packets, seed.portMap, file);
  const genMs = performance.now() - g0;
  const size = statSync(file).size;
  const mb = size / (1024 * 1024);
  console.log(`capture: ${mb.toFixed(0)} MB, ${made.packets.toLocaleString('en')} packets, ${made.copies.toLocaleString('en')} copies of a ${seed.packets.length}-packet seed (generated in ${(genMs / 1000).toFixed(1)} s), ${seed.keyLog.split('\n').filter(Boolean).length} key log lines`);

  const mailprobe = await measure(process.execPath, [join(ROOT, 'bin', 'mailprobe.js'), 'diagnose', file, '--json', '--keylog', keyLog]);
  if (mailprobe.code !== 0) throw new Error(`mailprobe diagnose failed: ${mailprobe.stderr}`);
  // The reader alone (every event made, none kept): its memory must not grow with the file.
  const readerScript = `import('${join(ROOT, 'dist', 'electron', 'lab', 'capture', 'reader', 'index.js')}').then((m) => m.readCapture(${JSON.stringify(file)}, () => {}, { keyLog: [] }))`;
  const readerOnly = await measure(process.execPath, ['-e', readerScript]);
  if (readerOnly.code !== 0) throw new Error(`the reader failed: ${readerOnly.stderr}`);
  const tshark = await measure('tshark', ['-r', file, '-n', '-o', `tls.keylog_file:${keyLog}`, '-Y', 'imap', '-T', 'fields', '-e', 'imap.request', '-e', 'imap.response']);
  if (tshark.code !== 0) throw new Error(`tshark failed: ${tshark.stderr}`);

  const row = (name: string, r: { ms: number; cpuMs: number; peakKb: number; stdoutBytes: number }) =>
    `${name.padEnd(28)} ${(r.ms / 1000).toFixed(1).padStart(7)} s ${(r.cpuMs / 1000).toFixed(1).padStart(7)} s ${(mb / (r.cpuMs / 1000)).toFixed(1).padStart(7)} MB/s ${(r.peakKb / 1024).toFixed(0).padStart(6)} MB ${(r.stdoutBytes / 1024).toFixed(0).padStart(8)} KB`;
  console.log(`${''.padEnd(28)} ${'wall'.padStart(9)} ${'CPU'.padStart(9)} ${'MB/s CPU'.padStart(12)} ${'VmHWM'.padStart(9)} ${'output'.padStart(11)}`);
  console.log(row('mailprobe diagnose (full)', mailprobe));
  console.log(row('tshark -Y imap -T fields', tshark));
  console.log(row('(mailprobe reader alone)', readerOnly));
  const ratio = tshark.cpuMs / mailprobe.cpuMs;
  console.log(`tshark/mailprobe CPU time: ${ratio.toFixed(2)}× (target ≥ 1: ${ratio >= 1 ? 'met' : 'NOT met'}); wall ${(tshark.ms / mailprobe.ms).toFixed(2)}×; mailprobe peak RSS ${(mailprobe.peakKb / 1024).toFixed(0)} MB for a ${mb.toFixed(0)} MB file`);
  if (process.env.CAPTURE_BENCH_KEEP === '1') {
    keepTempDir(work);
    console.log(`kept ${file}`);
  } else rmSync(work, { recursive: true, force: true });
}

await main();
