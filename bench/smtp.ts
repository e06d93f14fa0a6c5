/**
 * `npm run bench:smtp`: submission sessions against the lab (recording on, every message kept in
 * the session and delivered to the INBOX, in its own process as `mailprobe lab` runs) and, in the
 * same run, against the two servers a user would pick instead: MailDev (npm, the developers' SMTP
 * test server, keeping messages in a directory) and a private Postfix 3.7 smtpd (its
 * configuration is printed). A session is what a phone does to send one mail: EHLO, AUTH PLAIN,
 * MAIL, RCPT, DATA of 10 KB, QUIT.
 *
 * Prints: one at a time (median, p95 ms), 50 at a time (wall ms per burst, sessions/s), the
 * ratios, 1000 concurrent sessions against the lab (must be zero errors), and the lab's resident
 * memory over 10,000 sessions (must stay flat).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from '../test/support/dovecot.js';
import { startPostfix, type PostfixServer } from '../test/support/postfix.js';
import { BURST_SIZE, fmt, lineSession, massive, measure, startLabProcess, type Figures } from './support.js';

const USER = 'phone';
const PASSWORD = '123456';
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 200);
const BURSTS = Number(process.env.BENCH_BURSTS ?? 10);
const MEMORY_SESSIONS = Number(process.env.BENCH_MEMORY_SESSIONS ?? 10_000);
const MESSAGE_BYTES = 10 * 1024;

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

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function row(label: string, pick: (f: Figures) => number, l: Figures, m: Figures, p: Figures | null, digits: number): string {
  const pv = p ? fmt(pick(p), digits) : '     n/a';
  const pr = p ? fmt(pick(l) / pick(p), 2) : '     n/a';
  return `${label.padEnd(25)}${fmt(pick(l), digits)}      ${fmt(pick(m), digits)}      ${pv}      ${fmt(pick(l) / pick(m), 2)}      ${pr}`;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'mp-bench-smtp-'));
  chmodSync(work, 0o755); // Postfix's daemons (user postfix) must reach their directories
  const lab = await startLabProcess(['--bind', '127.0.0.1', '--imap-port', '0', '--imaps-port', '0', '--smtp-port', '0', '--smtps-port', '0', '--pop3-port', '0', '--pop3s-port', '0', '--http-port', '0',
    '--data-dir', join(work, 'lab'), '--user', USER, '--password', PASSWORD, '--smtp-auth', 'required']);
  const labPort = lab.listeners.smtp.port;
  const maildev = await startMaildev(join(work, 'maildev'));
  let postfix: PostfixServer | null = null;
  try {
    if (userInfo().uid === 0) postfix = await startPostfix({ dir: join(work, 'postfix'), user: USER, password: PASSWORD });
    else console.log('Postfix: NOT RUN (a private Postfix needs root here)');
    console.log(`SMTP benchmark: EHLO, AUTH PLAIN, MAIL, RCPT, DATA of ${MESSAGE.length} bytes, QUIT; ${SEQUENTIAL} sequential sessions, ${BURSTS} bursts of ${BURST_SIZE}`);
    console.log(`  lab: mailprobe lab --smtp-auth required, recording to events.jsonl, messages kept in <session>/messages and delivered to the INBOX`);
    console.log(`  MailDev ${maildev.version}: --incoming-user/--incoming-pass, --mail-directory, --disable-web`);
    if (postfix) console.log(`  ${postfix.summary}`);
    const l = await measure(() => sendSession(labPort), SEQUENTIAL, BURSTS);
    const m = await measure(() => sendSession(maildev.port), SEQUENTIAL, BURSTS);
    const p = postfix ? await measure(() => sendSession(postfix!.port), SEQUENTIAL, BURSTS) : null;
    const kept = readdirSync(join(lab.sessionDir, 'messages')).length;
    console.log('');
    console.log('                          lab (recording)      MailDev      Postfix      lab/MailDev  lab/Postfix');
    console.log(row('one at a time, median ms', (f) => f.median, l, m, p, 2));
    console.log(row('one at a time, p95 ms', (f) => f.p95, l, m, p, 2));
    console.log(row('50 at a time, wall ms', (f) => f.burstWallMedian, l, m, p, 1));
    console.log(row('50 at a time, sessions/s', (f) => f.perSecond, l, m, p, 0));
    console.log(`\nmessages the lab kept so far: ${kept}`);
    const half = (a: number, b: number) => (a <= b / 2 ? 'met' : 'NOT met');
    console.log(`target lab median <= half of MailDev's: ${half(l.median, m.median)}; of Postfix's: ${p ? half(l.median, p.median) : 'n/a'}`);
    console.log(`target lab 50-at-a-time wall <= half of MailDev's: ${half(l.burstWallMedian, m.burstWallMedian)}; of Postfix's: ${p ? half(l.burstWallMedian, p.burstWallMedian) : 'n/a'}`);

    await massive('the lab', () => sendSession(labPort));

    // Memory over many sessions, 50 at a time: resident set size of the lab's process.
    console.log(`\nlab memory over ${MEMORY_SESSIONS} sessions (50 at a time), resident MiB:`);
    const checkpoints: Array<[number, number]> = [[0, rssMiB(lab.pid)]];
    let done = 0;
    let errors = 0;
    while (done < MEMORY_SESSIONS) {
      const n = Math.min(BURST_SIZE, MEMORY_SESSIONS - done);
      const r = await Promise.allSettled(Array.from({ length: n }, () => sendSession(labPort)));
      errors += r.filter((x) => x.status === 'rejected').length;
      done += n;
      if (done % 1000 === 0) checkpoints.push([done, rssMiB(lab.pid)]);
    }
    console.log('  ' + checkpoints.map(([n, mb]) => `${n}: ${mb.toFixed(0)}`).join(', '));
    const after2k = checkpoints.find(([n]) => n === 2000)?.[1] ?? checkpoints[1][1];
    const last = checkpoints.at(-1)![1];
    const growth = last - after2k;
    console.log(`  growth from 2,000 to ${MEMORY_SESSIONS} sessions: ${growth.toFixed(1)} MiB; errors: ${errors}`);
    console.log(`target memory flat (growth under 32 MiB past the INBOX cap): ${growth < 32 && errors === 0 ? 'met' : 'NOT met'}`);
    if (growth >= 32 || errors) process.exitCode = 1;
  } finally {
    postfix?.stop();
    maildev.stop();
    await lab.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
