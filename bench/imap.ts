/**
 * `npm run bench:imap`: phone-like IMAP sessions against the lab (recording on, in its own
 * process, as `mailprobe lab` runs) and, in the same run, against Dovecot 2.3 serving the same
 * Maildir (writeMaildir of the seeded store). A session is what a phone does on each check:
 * LOGIN, SELECT INBOX, FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE), LOGOUT.
 *
 * Prints: one at a time (median, p95 ms), 50 at a time (wall ms per burst of 50, sessions/s),
 * the ratios lab/Dovecot, and 1000 concurrent sessions against the lab (must be zero errors).
 */
import { spawn, execSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSeededStore, writeMaildir } from '../electron/lab/mailbox/index.js';
import { startDovecot } from '../test/support/dovecot.js';

const USER = 'phone';
const PASSWORD = '123456';
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 200);
const BURSTS = Number(process.env.BENCH_BURSTS ?? 10);
const BURST_SIZE = 50;
const MASSIVE = 1000;

/** One phone-like session over a raw socket; resolves with its duration in ms and the FETCH count. */
function phoneSession(port: number): Promise<{ ms: number; fetched: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const s = connect({ port, host: '127.0.0.1' });
    s.setNoDelay(true);
    let buf = '';
    let step = 0;
    let fetched = 0;
    const steps: Array<[string, string]> = [
      ['L1', `L1 LOGIN ${USER} ${PASSWORD}\r\n`],
      ['S1', 'S1 SELECT INBOX\r\n'],
      ['F1', 'F1 FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)\r\n'],
      ['Q1', 'Q1 LOGOUT\r\n'],
    ];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`session timed out at step ${step}`));
    }, 60_000);
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (;;) {
        const i = buf.indexOf('\r\n');
        if (i < 0) return;
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (step === 0 && line.startsWith('* OK')) {
          s.write(steps[0][1]);
          step = 1;
          continue;
        }
        if (/^\* \d+ FETCH /.test(line)) fetched++;
        const cur = steps[step - 1];
        if (cur && line.startsWith(cur[0] + ' ')) {
          if (!line.startsWith(cur[0] + ' OK')) {
            s.destroy();
            clearTimeout(timer);
            reject(new Error(`${cur[0]} failed: ${line}`));
            return;
          }
          if (step < steps.length) s.write(steps[step][1]);
          step++;
        }
      }
    });
    s.on('close', () => {
      clearTimeout(timer);
      if (step > steps.length) resolve({ ms: performance.now() - t0, fetched });
      else reject(new Error(`closed at step ${step}`));
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
}

interface Figures {
  median: number;
  p95: number;
  burstWallMedian: number;
  perSecond: number;
  fetched: number;
}

async function measure(port: number): Promise<Figures> {
  for (let i = 0; i < 20; i++) await phoneSession(port); // warm-up
  const times: number[] = [];
  let fetched = 0;
  for (let i = 0; i < SEQUENTIAL; i++) {
    const r = await phoneSession(port);
    times.push(r.ms);
    fetched = r.fetched;
  }
  times.sort((a, b) => a - b);
  const walls: number[] = [];
  let total = 0;
  const tAll = performance.now();
  for (let b = 0; b < BURSTS; b++) {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: BURST_SIZE }, () => phoneSession(port)));
    walls.push(performance.now() - t0);
    total += BURST_SIZE;
  }
  const elapsed = performance.now() - tAll;
  walls.sort((a, b) => a - b);
  return { median: pct(times, 0.5), p95: pct(times, 0.95), burstWallMedian: pct(walls, 0.5), perSecond: (total / elapsed) * 1000, fetched };
}

/** The lab as users run it: `mailprobe lab` in its own process (sources through tsx). */
function startLabProcess(dataDir: string, maildir: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const code = `const m = await import(${JSON.stringify(new URL('../electron/cli/main.ts', import.meta.url).pathname)}); process.exitCode = await m.main(process.argv.slice(1));`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', code, 'lab', '--bind', '127.0.0.1', '--imap-port', '0', '--imaps-port', '0', '--http-port', '0',
      '--data-dir', dataDir, '--mailbox', maildir, '--user', USER, '--password', PASSWORD],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^ready (.*)$/m.exec(out);
      if (m) {
        const ready = JSON.parse(m[1]) as { listeners: { imap: { port: number } } };
        resolve({
          port: ready.listeners.imap.port,
          stop: () => new Promise<void>((res) => {
            child.once('exit', () => res());
            child.kill('SIGTERM');
          }),
        });
      }
    });
    child.on('exit', (c) => reject(new Error(`lab exited with ${c}`)));
  });
}

function fmt(n: number, d = 1): string {
  return n.toFixed(d).padStart(8);
}

async function main(): Promise<void> {
  const nofile = Number(execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim());
  const need = MASSIVE * 2 + 200;
  const work = mkdtempSync(join(tmpdir(), 'mp-bench-'));
  chmodSync(work, 0o755); // Dovecot's auth and mail processes (dovecot, nobody) must reach their files
  const maildir = join(work, 'mail');
  const store = createSeededStore({ user: USER });
  writeMaildir(store, maildir);
  const count = store.messages('INBOX').length;
  const lab = await startLabProcess(join(work, 'lab'), maildir);
  const dovecot = await startDovecot({ dir: join(work, 'dovecot'), maildir, user: USER, password: PASSWORD });
  try {
    console.log(`IMAP benchmark: ${count} messages in INBOX; ${SEQUENTIAL} sequential sessions, ${BURSTS} bursts of ${BURST_SIZE}`);
    const l = await measure(lab.port);
    const d = await measure(dovecot.port);
    if (l.fetched !== count || d.fetched !== count) throw new Error(`FETCH returned ${l.fetched} (lab) / ${d.fetched} (dovecot), expected ${count}`);
    console.log('');
    console.log('                          lab (recording)    Dovecot 2.3    lab/Dovecot');
    console.log(`one at a time, median ms ${fmt(l.median, 2)}          ${fmt(d.median, 2)}       ${fmt(l.median / d.median, 2)}`);
    console.log(`one at a time, p95 ms    ${fmt(l.p95, 2)}          ${fmt(d.p95, 2)}       ${fmt(l.p95 / d.p95, 2)}`);
    console.log(`50 at a time, wall ms    ${fmt(l.burstWallMedian, 1)}          ${fmt(d.burstWallMedian, 1)}       ${fmt(l.burstWallMedian / d.burstWallMedian, 2)}`);
    console.log(`50 at a time, sessions/s ${fmt(l.perSecond, 0)}          ${fmt(d.perSecond, 0)}       ${fmt(l.perSecond / d.perSecond, 2)}`);
    console.log('');
    const okMedian = l.median <= d.median / 2;
    const okWall = l.burstWallMedian <= d.burstWallMedian / 2;
    console.log(`target lab median <= half of Dovecot's: ${okMedian ? 'met' : 'NOT met'}`);
    console.log(`target lab 50-at-a-time wall <= half of Dovecot's: ${okWall ? 'met' : 'NOT met'}`);

    if (nofile < need) {
      console.log(`\n1000 concurrent sessions: NOT RUN: ulimit -n is ${nofile}, need at least ${need} (raise it with 'ulimit -n ${need}')`);
      process.exitCode = 1;
    } else {
      const t0 = performance.now();
      const results = await Promise.allSettled(Array.from({ length: MASSIVE }, () => phoneSession(lab.port)));
      const errors = results.filter((r) => r.status === 'rejected');
      const wall = performance.now() - t0;
      console.log(`\n1000 concurrent sessions against the lab: ${MASSIVE - errors.length} ok, ${errors.length} errors, wall ${wall.toFixed(0)} ms`);
      if (errors.length) {
        console.log(`  first error: ${(errors[0] as PromiseRejectedResult).reason}`);
        process.exitCode = 1;
      }
    }
  } finally {
    dovecot.stop();
    await lab.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
