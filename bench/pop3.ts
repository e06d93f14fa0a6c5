/**
 * `npm run bench:pop3`: phone-like POP3 sessions against the lab (recording on, in its own
 * process, as `mailprobe lab` runs) and, in the same run, against Dovecot 2.3's pop3 serving the
 * same Maildir. A session is what a "download everything" phone does on each check: USER, PASS,
 * STAT, UIDL, RETR of every message of the 22-message INBOX, QUIT.
 *
 * Prints one at a time (median, p95 ms), 50 at a time (wall ms per burst, sessions/s), the
 * ratios lab/Dovecot, and 1000 concurrent sessions against the lab (must be zero errors).
 */
import { execSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSeededStore, writeMaildir } from '../electron/lab/mailbox/index.js';
import { startDovecot } from '../test/support/dovecot.js';
import { startLabProcess } from './support.js';

const USER = 'phone';
const PASSWORD = '123456';
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 200);
const BURSTS = Number(process.env.BENCH_BURSTS ?? 10);
const BURST_SIZE = 50;
const MASSIVE = 1000;

/** One session over a raw socket; resolves with its duration and the bytes of message text read. */
function phoneSession(port: number): Promise<{ ms: number; retrieved: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const s = connect({ port, host: '127.0.0.1' });
    s.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    let count = 0;
    let retrieved = 0;
    let bytes = 0;
    // What the client waits for next: a status line, or the end of a multi-line body.
    let expecting: 'greeting' | 'user' | 'pass' | 'stat' | 'uidl' | 'retr' | 'quit' = 'greeting';
    let inBody = false;
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`session timed out waiting for ${expecting}`));
    }, 60_000);
    const fail = (why: string) => {
      clearTimeout(timer);
      s.destroy();
      reject(new Error(why));
    };
    const nextRetr = () => {
      if (retrieved < count) {
        s.write(`RETR ${retrieved + 1}\r\n`);
        expecting = 'retr';
      } else {
        s.write('QUIT\r\n');
        expecting = 'quit';
      }
    };
    s.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      for (;;) {
        if (inBody) {
          const end = buf.indexOf('\r\n.\r\n');
          const startsWithEnd = buf.subarray(0, 3).toString('latin1') === '.\r\n';
          if (end < 0 && !startsWithEnd) return;
          const cut = startsWithEnd ? 3 : end + 5;
          if (expecting === 'retr') bytes += cut;
          buf = buf.subarray(cut);
          inBody = false;
          if (expecting === 'uidl') nextRetr();
          else if (expecting === 'retr') {
            retrieved++;
            nextRetr();
          }
          continue;
        }
        const i = buf.indexOf('\r\n');
        if (i < 0) return;
        const line = buf.subarray(0, i).toString('latin1');
        buf = buf.subarray(i + 2);
        if (!line.startsWith('+OK')) return fail(`${expecting}: ${line}`);
        switch (expecting) {
          case 'greeting':
            s.write(`USER ${USER}\r\n`);
            expecting = 'user';
            break;
          case 'user':
            s.write(`PASS ${PASSWORD}\r\n`);
            expecting = 'pass';
            break;
          case 'pass':
            s.write('STAT\r\n');
            expecting = 'stat';
            break;
          case 'stat':
            count = Number(line.split(' ')[1]);
            s.write('UIDL\r\n');
            expecting = 'uidl';
            break;
          case 'uidl':
          case 'retr':
            inBody = true;
            break;
          case 'quit':
            break;
        }
      }
    });
    s.on('close', () => {
      clearTimeout(timer);
      if (expecting === 'quit') resolve({ ms: performance.now() - t0, retrieved, bytes });
      else reject(new Error(`closed while waiting for ${expecting}`));
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

async function measure(port: number): Promise<{ median: number; p95: number; burstWallMedian: number; perSecond: number; retrieved: number; bytes: number }> {
  for (let i = 0; i < 20; i++) await phoneSession(port);
  const times: number[] = [];
  let retrieved = 0;
  let bytes = 0;
  for (let i = 0; i < SEQUENTIAL; i++) {
    const r = await phoneSession(port);
    times.push(r.ms);
    retrieved = r.retrieved;
    bytes = r.bytes;
  }
  times.sort((a, b) => a - b);
  const walls: number[] = [];
  const tAll = performance.now();
  for (let b = 0; b < BURSTS; b++) {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: BURST_SIZE }, () => phoneSession(port)));
    walls.push(performance.now() - t0);
  }
  const elapsed = performance.now() - tAll;
  walls.sort((a, b) => a - b);
  return { median: pct(times, 0.5), p95: pct(times, 0.95), burstWallMedian: pct(walls, 0.5), perSecond: ((BURSTS * BURST_SIZE) / elapsed) * 1000, retrieved, bytes };
}

const fmt = (n: number, d = 1) => n.toFixed(d).padStart(8);

async function main(): Promise<void> {
  const nofile = Number(execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim());
  const work = mkdtempSync(join(tmpdir(), 'mp-bench-pop3-'));
  chmodSync(work, 0o755); // Dovecot's processes (dovecot, nobody) must reach their files
  const maildir = join(work, 'mail');
  const store = createSeededStore({ user: USER });
  writeMaildir(store, maildir);
  const count = store.messages('INBOX').length;
  // The lab as users run it (the built command), POP3 serving the same Maildir.
  const lab = await startLabProcess(['--bind', '127.0.0.1', '--imap-port', '0', '--imaps-port', '0', '--pop3-port', '0', '--pop3s-port', '0', '--smtp-port', '0', '--smtps-port', '0', '--http-port', '0',
    '--data-dir', join(work, 'lab'), '--mailbox', maildir, '--user', USER, '--password', PASSWORD], { built: true });
  const labPort = lab.listeners.pop3.port;
  const dovecot = await startDovecot({ dir: join(work, 'dovecot'), maildir, user: USER, password: PASSWORD, pop3: true });
  try {
    console.log(`POP3 benchmark: ${count} messages in INBOX, every one retrieved per session; ${SEQUENTIAL} sequential sessions, ${BURSTS} bursts of ${BURST_SIZE}`);
    console.log('Reference: Dovecot 2.3 pop3 (dovecot-pop3d), private config: passwd-file passdb, Maildir, pop3_uidl_format = %08Xu%08Xv');
    const l = await measure(labPort);
    const d = await measure(dovecot.pop3Port!);
    if (l.retrieved !== count || d.retrieved !== count) throw new Error(`RETR count ${l.retrieved} (lab) / ${d.retrieved} (dovecot), expected ${count}`);
    console.log('');
    console.log('                          lab (recording)    Dovecot 2.3    lab/Dovecot');
    console.log(`bytes per session        ${fmt(l.bytes, 0)}          ${fmt(d.bytes, 0)}`);
    console.log(`one at a time, median ms ${fmt(l.median, 2)}          ${fmt(d.median, 2)}       ${fmt(l.median / d.median, 2)}`);
    console.log(`one at a time, p95 ms    ${fmt(l.p95, 2)}          ${fmt(d.p95, 2)}       ${fmt(l.p95 / d.p95, 2)}`);
    console.log(`50 at a time, wall ms    ${fmt(l.burstWallMedian, 1)}          ${fmt(d.burstWallMedian, 1)}       ${fmt(l.burstWallMedian / d.burstWallMedian, 2)}`);
    console.log(`50 at a time, sessions/s ${fmt(l.perSecond, 0)}          ${fmt(d.perSecond, 0)}       ${fmt(l.perSecond / d.perSecond, 2)}`);
    console.log('');
    console.log(`target lab median <= half of Dovecot's: ${l.median <= d.median / 2 ? 'met' : 'NOT met'}`);
    console.log(`target lab 50-at-a-time wall <= half of Dovecot's: ${l.burstWallMedian <= d.burstWallMedian / 2 ? 'met' : 'NOT met'}`);
    const need = MASSIVE * 2 + 200;
    if (nofile < need) {
      console.log(`\n1000 concurrent sessions: NOT RUN: ulimit -n is ${nofile}, need at least ${need}`);
      process.exitCode = 1;
    } else {
      const t0 = performance.now();
      const results = await Promise.allSettled(Array.from({ length: MASSIVE }, () => phoneSession(labPort)));
      const errors = results.filter((r) => r.status === 'rejected');
      console.log(`\n1000 concurrent sessions against the lab: ${MASSIVE - errors.length} ok, ${errors.length} errors, wall ${(performance.now() - t0).toFixed(0)} ms`);
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
