/**
 * `npm run bench:smtp`: submission sessions against the lab (recording on, every message kept in
 * the session and delivered to the INBOX, in its own process as `mailprobe lab` runs) and, in the
 * same run, against the two servers a user would pick instead: MailDev (npm, the developers' SMTP
 * test server, keeping messages in a directory) and a private Postfix 3.7 smtpd (its
 * configuration is printed). A session is what a phone does to send one mail: EHLO, AUTH PLAIN,
 * MAIL, RCPT, DATA of 10 KB, QUIT.
 *
 * A fourth process is measured with them, as the floor: a Node responder that only answers
 * (bench/floor-smtp.ts). No Node server can take less with this client on this machine, so
 * lab − floor is the lab's own work per session (recording, the message file, AUTH), and
 * floor / Postfix says how much of a reference's time any Node server spends before doing
 * anything.
 *
 * The lab runs as users run it: the built command (bin/mailprobe.js), built by the npm script.
 *
 * The three are measured twice: each alone, back to back, and in turn (a session to each, then a
 * burst to each), so that the load of a shared machine falls on all of them alike. Both tables
 * are printed, with the targets for each. Progress is printed as it goes.
 *
 * Prints: one at a time (median, p95 ms), 50 at a time (wall ms per burst, sessions/s), the
 * ratios, 1000 concurrent sessions against the lab (must be zero errors), and the lab's memory
 * over 10,000 sessions (BENCH_MEMORY_SESSIONS) read in its own process after a forced GC:
 * resident size, heap, external buffers and open files (bench/lab-probe.ts), the references
 * stopped by then. BENCH_HEAP_SNAPSHOT=FILE writes a heap snapshot of the lab at the end;
 * MALLOC_ARENA_MAX reaches the lab's process from the environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from '../test/support/dovecot.js';
import { startPostfix, type PostfixServer } from '../test/support/postfix.js';
import { startFloorProcess } from './floor-smtp.js';
import { MAX_DELIVERED_MESSAGES } from '../electron/lab/smtp/limits.js';
import type { ProbeMemory } from './lab-probe.js';
import { BURST_SIZE, fmt, lineSession, massive, measure, measureInterleaved, startLabProcess, warmUp, type Figures } from './support.js';

const USER = 'phone';
const PASSWORD = '123456';
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 200);
/**
 * Sessions to every server, one at a time, before the first measurement. The client is the same
 * code for all three, but JIT-compiled as it runs: measured from cold, the first server measured
 * (the lab) would pay the client's warm-up (here the client used about 1.5 ms of CPU per session
 * over its sessions 21 to 220, and 0.65 ms after 700). Every server gets the same number.
 */
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 100);
const BURSTS = Number(process.env.BENCH_BURSTS ?? 10);
const MEMORY_SESSIONS = Number(process.env.BENCH_MEMORY_SESSIONS ?? 10_000);
const MESSAGE_BYTES = 10 * 1024;
/** Sessions between two memory readings of the lab. */
const MEMORY_CHECKPOINT = 1000;
/** Retained heap or external memory growing more than this past the first 2,000 sessions is a leak. */
const HEAP_GROWTH_LIMIT_MIB = 4;
/** Resident size: what the allocator keeps may move a little, not with every session. */
const RSS_GROWTH_LIMIT_MIB = 16;

/** A 10 KB message, CRLF lines of 76 characters, ending in CRLF (then the final "."). */
function tenKilobyteMessage(): string {
  const head = 'From: phone@lab.example\r\nTo: friend@example.com\r\nSubject: bench\r\nMessage-ID: <bench@phone.example>\r\n\r\n';
  const line = 'x'.repeat(76) + '\r\n';
  let body = '';
  while (head.length + body.length + line.length <= MESSAGE_BYTES) body += line;
  return head + body;
}
const MESSAGE = tenKilobyteMessage();
const PLAIN = Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64');

/** One sending session over a raw socket; resolves with its duration in ms. */
function sendSession(port: number): Promise<number> {
  // [expected reply code, what to send when it arrives]
  const steps: Array<[string, string]> = [
    ['220', 'EHLO phone.example\r\n'],
    ['250', `AUTH PLAIN ${PLAIN}\r\n`],
    ['235', 'MAIL FROM:<phone@lab.example>\r\n'],
    ['250', 'RCPT TO:<friend@example.com>\r\n'],
    ['250', 'DATA\r\n'],
    ['354', `${MESSAGE}.\r\n`],
    ['250', 'QUIT\r\n'],
    ['221', ''],
  ];
  let step = 0;
  return lineSession(
    port,
    (line, write) => {
      if (line[3] === '-') return; // a multi-line reply goes on
      const [want, send] = steps[step] ?? ['', ''];
      if (!line.startsWith(want + ' ')) throw new Error(`step ${step}: expected ${want}, got ${line}`);
      step += 1;
      if (send) write(send);
    },
    () => step === steps.length,
    () => `step ${step}`,
  );
}

/** MailDev 3 with SMTP AUTH, keeping messages in a directory, no web UI. */
async function startMaildev(dir: string): Promise<{ port: number; version: string; stop(): void }> {
  const port = await freePort();
  const bin = new URL('../node_modules/maildev/dist/bin/maildev.js', import.meta.url).pathname;
  const version = (JSON.parse(readFileSync(new URL('../node_modules/maildev/package.json', import.meta.url), 'utf8')) as { version: string }).version;
  mkdirSync(dir, { recursive: true });
  const child: ChildProcess = spawn(process.execPath, [bin, '--smtp', String(port), '--ip', '127.0.0.1', '--disable-web', '--incoming-user', USER, '--incoming-pass', PASSWORD, '--mail-directory', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port, 15_000);
  return { port, version, stop: () => child.kill('SIGTERM') };
}

const MiB = 1024 * 1024;
const t0 = performance.now();
/** A progress line, with the seconds since the bench started, at once (nothing waits for the end). */
function say(text: string): void {
  console.log(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${text}`);
}

async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  say(`${what}…`);
  const out = await fn();
  say(`${what}: done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return out;
}

function figuresLine(name: string, f: Figures): string {
  return `${name}: median ${f.median.toFixed(2)} ms, p95 ${f.p95.toFixed(2)} ms, 50 at a time ${f.burstWallMedian.toFixed(1)} ms per burst, ${f.perSecond.toFixed(0)} sessions/s`;
}

function row(label: string, pick: (f: Figures) => number, l: Figures, m: Figures, p: Figures | null, digits: number): string {
  const pv = p ? fmt(pick(p), digits) : '     n/a';
  const pr = p ? fmt(pick(l) / pick(p), 2) : '     n/a';
  return `${label.padEnd(25)}${fmt(pick(l), digits)}      ${fmt(pick(m), digits)}      ${pv}      ${fmt(pick(l) / pick(m), 2)}      ${pr}`;
}

function memoryLine(n: number, mem: ProbeMemory, rate: number): string {
  const mb = (b: number) => (b / MiB).toFixed(1);
  return `${String(n).padStart(6)} sessions: rss ${mb(mem.rss)} MiB, heap used ${mb(mem.heapUsed)} MiB, external ${mb(mem.external)} MiB (array buffers ${mb(mem.arrayBuffers)}), open fds ${mem.fds}, active handles ${mem.activeResources}; ${rate.toFixed(0)} sessions/s`;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'mp-bench-smtp-'));
  chmodSync(work, 0o755); // Postfix's daemons (user postfix) must reach their directories
  const lab = await timed('starting the lab (mailprobe lab, its own process)', () =>
    startLabProcess(
      ['--bind', '127.0.0.1', '--imap-port', '0', '--imaps-port', '0', '--smtp-port', '0', '--smtps-port', '0', '--pop3-port', '0', '--pop3s-port', '0', '--http-port', '0',
        '--data-dir', join(work, 'lab'), '--user', USER, '--password', PASSWORD, '--smtp-auth', 'required'],
      { probe: true, built: true },
    ),
  );
  const labPort = lab.listeners.smtp.port;
  let maildev: Awaited<ReturnType<typeof startMaildev>> | null = null;
  let postfix: PostfixServer | null = null;
  let floor: Awaited<ReturnType<typeof startFloorProcess>> | null = null;
  try {
    floor = await timed('starting the floor (a Node responder that only answers)', () => startFloorProcess());
    maildev = await timed('starting MailDev', () => startMaildev(join(work, 'maildev')));
    if (userInfo().uid === 0) postfix = await timed('starting Postfix', () => startPostfix({ dir: join(work, 'postfix'), user: USER, password: PASSWORD }));
    else say('Postfix: NOT RUN (a private Postfix needs root here)');
    console.log(`SMTP benchmark: EHLO, AUTH PLAIN, MAIL, RCPT, DATA of ${MESSAGE.length} bytes, QUIT; ${WARM_UP} warm-up sessions to each server before any is measured, ${SEQUENTIAL} sequential sessions, ${BURSTS} bursts of ${BURST_SIZE}`);
    console.log(`  lab: mailprobe lab --smtp-auth required, recording to events.jsonl, messages kept in <session>/messages and delivered to the INBOX (the first ${MAX_DELIVERED_MESSAGES} of a run, MAX_DELIVERED_MESSAGES; the rest are kept on disk only)`);
    console.log(`  MailDev ${maildev.version}: --incoming-user/--incoming-pass, --mail-directory, --disable-web`);
    if (postfix) console.log(`  ${postfix.summary}`);
    console.log('  floor: bench/floor-smtp.ts, a Node responder in its own process that answers each command and keeps nothing (the least a Node server takes with this client)');
    const mdPort = maildev.port;
    const pf = postfix;
    const servers: Array<readonly [string, () => Promise<number>]> = [['lab', () => sendSession(labPort)], ['MailDev', () => sendSession(mdPort)]];
    if (pf) servers.push(['Postfix', () => sendSession(pf.port)]);
    const floorPort = floor.port;
    servers.push(['floor', () => sendSession(floorPort)]);
    // Two ways, both printed: each server alone, back to back (hot, as a load generator sees it),
    // and all in turn (each session after the others' turns, so the load of the shared machine
    // falls on all alike, and each server starts its session from idle, as with a phone).
    for (const [name, session] of servers) await timed(`warming up ${name} (${WARM_UP} sessions, not measured)`, () => warmUp(session, WARM_UP));
    const alone = new Map<string, Figures>();
    for (const [name, session] of servers) {
      alone.set(name, await timed(`measuring ${name} alone`, () => measure(session, SEQUENTIAL, BURSTS, { warm: false })));
      say(figuresLine(name, alone.get(name)!));
    }
    const inTurn = await timed(`measuring ${servers.map(([n]) => n).join(', ')} in turn (a session to each, then a burst to each)`, () => measureInterleaved(servers, SEQUENTIAL, BURSTS, say));
    for (const [name, f] of inTurn) say(figuresLine(`${name}, in turn`, f));
    const kept = readdirSync(join(lab.sessionDir, 'messages')).length;
    const half = (a: number, b: number) => (a <= b / 2 ? 'met' : 'NOT met');
    for (const [title, figures] of [['each server alone, back to back', alone], ['in turn', inTurn]] as const) {
      const l = figures.get('lab')!;
      const m = figures.get('MailDev')!;
      const p = figures.get('Postfix') ?? null;
      console.log(`\n${title}:`);
      console.log('                          lab (recording)      MailDev      Postfix      lab/MailDev  lab/Postfix');
      console.log(row('one at a time, median ms', (f) => f.median, l, m, p, 2));
      console.log(row('one at a time, p95 ms', (f) => f.p95, l, m, p, 2));
      console.log(row('50 at a time, wall ms', (f) => f.burstWallMedian, l, m, p, 1));
      console.log(row('50 at a time, sessions/s', (f) => f.perSecond, l, m, p, 0));
      console.log(`target lab median <= half of MailDev's: ${half(l.median, m.median)}; of Postfix's: ${p ? half(l.median, p.median) : 'n/a'}`);
      console.log(`target lab 50-at-a-time wall <= half of MailDev's: ${half(l.burstWallMedian, m.burstWallMedian)}; of Postfix's: ${p ? half(l.burstWallMedian, p.burstWallMedian) : 'n/a'}`);
      const f = figures.get('floor')!;
      const ofPostfix = (pick: (x: Figures) => number) => (p ? `, ${(pick(f) / pick(p)).toFixed(2)} of Postfix's` : '');
      console.log(`floor (answers only): median ${f.median.toFixed(2)} ms${ofPostfix((x) => x.median)}, 50 at a time ${f.burstWallMedian.toFixed(1)} ms${ofPostfix((x) => x.burstWallMedian)}; the lab's own work: ${(l.median - f.median).toFixed(2)} ms per session one at a time, ${(l.burstWallMedian - f.burstWallMedian).toFixed(1)} ms per burst of ${BURST_SIZE}`);
    }
    console.log(`\nmessages the lab kept so far: ${kept}`);
    // The references are not needed past this point; stopping them gives the lab the machine.
    postfix?.stop();
    postfix = null;
    maildev.stop();
    maildev = null;
    floor.stop();
    floor = null;

    await massive('the lab', () => sendSession(labPort));

    // Memory over many sessions, 50 at a time, measured in the lab's process after a forced GC.
    console.log(`\nlab memory over ${MEMORY_SESSIONS} sessions (50 at a time; MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? 'unset'}):`);
    const checkpoints: Array<[number, ProbeMemory]> = [[0, await lab.memory()]];
    say(memoryLine(0, checkpoints[0][1], 0));
    let done = 0;
    let errors = 0;
    let firstError = '';
    let tStep = performance.now();
    while (done < MEMORY_SESSIONS) {
      const n = Math.min(BURST_SIZE, MEMORY_SESSIONS - done);
      const r = await Promise.allSettled(Array.from({ length: n }, () => sendSession(labPort)));
      for (const x of r) if (x.status === 'rejected') {
        errors += 1;
        firstError ||= String(x.reason);
      }
      done += n;
      if (done % MEMORY_CHECKPOINT === 0 || done === MEMORY_SESSIONS) {
        const mem = await lab.memory();
        checkpoints.push([done, mem]);
        say(memoryLine(done, mem, (MEMORY_CHECKPOINT / (performance.now() - tStep)) * 1000));
        tStep = performance.now();
      }
    }
    if (process.env.BENCH_HEAP_SNAPSHOT) say(`heap snapshot of the lab after ${done} sessions: ${await lab.heapSnapshot(process.env.BENCH_HEAP_SNAPSHOT)}`);
    const at = (n: number) => checkpoints.find(([k]) => k === n)?.[1] ?? checkpoints[1][1];
    const from = at(Math.min(2000, MEMORY_SESSIONS));
    const last = checkpoints.at(-1)![1];
    const growth = (pick: (m: ProbeMemory) => number) => (pick(last) - pick(from)) / MiB;
    console.log(`  growth from ${Math.min(2000, MEMORY_SESSIONS)} to ${MEMORY_SESSIONS} sessions: rss ${growth((x) => x.rss).toFixed(1)} MiB, heap used ${growth((x) => x.heapUsed).toFixed(1)} MiB, external ${growth((x) => x.external).toFixed(1)} MiB, open fds ${last.fds - from.fds}; errors: ${errors}${firstError ? ` (first: ${firstError})` : ''}`);
    const flat = growth((x) => x.heapUsed) < HEAP_GROWTH_LIMIT_MIB && growth((x) => x.external) < HEAP_GROWTH_LIMIT_MIB && last.fds - from.fds < 10;
    const rssFlat = growth((x) => x.rss) < RSS_GROWTH_LIMIT_MIB;
    console.log(`target memory flat: retained (heap, external, fds): ${flat ? 'met' : 'NOT met'}; resident (growth under ${RSS_GROWTH_LIMIT_MIB} MiB): ${rssFlat ? 'met' : 'NOT met'}`);
    if (!flat || !rssFlat || errors) process.exitCode = 1;
  } finally {
    postfix?.stop();
    maildev?.stop();
    floor?.stop();
    await lab.stop();
    rmSync(work, { recursive: true, force: true });
  }
  say('done');
}

await main();
