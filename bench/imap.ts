/**
 * `npm run bench:imap`: phone-like IMAP sessions against the lab (recording on, in its own
 * process, as `mailprobe lab` runs) and, in the same run, against Dovecot 2.3 serving the same
 * Maildir (writeMaildir of the seeded store). A session is what a phone does on each check:
 * LOGIN, SELECT INBOX, FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE), LOGOUT.
 *
 * Prints: one at a time (median, p95 ms), 50 at a time (wall ms per burst of 50, sessions/s),
 * the ratios lab/Dovecot, and 1000 concurrent sessions against the lab (must be zero errors).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSeededStore, writeMaildir } from '../electron/lab/mailbox/index.js';
import { startDovecot } from '../test/support/dovecot.js';
import { BURST_SIZE, fmt, lineSession, massive, measure, startLabProcess } from './support.js';

const USER = 'phone';
const PASSWORD = '123456';
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 200);
const BURSTS = Number(process.env.BENCH_BURSTS ?? 10);

/** One phone-like session over a raw socket; resolves with its duration in ms and the FETCH count. */
async function phoneSession(port: number): Promise<{ ms: number; fetched: number }> {
  let step = 0;
  let fetched = 0;
  const steps: Array<[string, string]> = [
    ['L1', `L1 LOGIN ${USER} ${PASSWORD}\r\n`],
    ['S1', 'S1 SELECT INBOX\r\n'],
    ['F1', 'F1 FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)\r\n'],
    ['Q1', 'Q1 LOGOUT\r\n'],
  ];
  const ms = await lineSession(
    port,
    (line, write) => {
      if (step === 0 && line.startsWith('* OK')) {
        write(steps[0][1]);
        step = 1;
        return;
      }
      if (/^\* \d+ FETCH /.test(line)) fetched++;
      const cur = steps[step - 1];
      if (cur && line.startsWith(cur[0] + ' ')) {
        if (!line.startsWith(cur[0] + ' OK')) throw new Error(`${cur[0]} failed: ${line}`);
        if (step < steps.length) write(steps[step][1]);
        step++;
      }
    },
    () => step > steps.length,
    () => `step ${step}`,
  );
  return { ms, fetched };
}

/** One phone session, for measure(): its duration in ms (the FETCH count is checked separately). */
async function timedSession(port: number): Promise<number> {
  return (await phoneSession(port)).ms;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'mp-bench-'));
  chmodSync(work, 0o755); // Dovecot's auth and mail processes (dovecot, nobody) must reach their files
  const maildir = join(work, 'mail');
  const store = createSeededStore({ user: USER });
  writeMaildir(store, maildir);
  const count = store.messages('INBOX').length;
  const lab = await startLabProcess(['--bind', '127.0.0.1', '--imap-port', '0', '--imaps-port', '0', '--smtp-port', '0', '--smtps-port', '0', '--pop3-port', '0', '--pop3s-port', '0', '--http-port', '0',
    '--data-dir', join(work, 'lab'), '--mailbox', maildir, '--user', USER, '--password', PASSWORD], { built: true });
  const labPort = lab.listeners.imap.port;
  const dovecot = await startDovecot({ dir: join(work, 'dovecot'), maildir, user: USER, password: PASSWORD });
  try {
    console.log(`IMAP benchmark: ${count} messages in INBOX; ${SEQUENTIAL} sequential sessions, ${BURSTS} bursts of ${BURST_SIZE}`);
    const [labFetched, dovecotFetched] = [(await phoneSession(labPort)).fetched, (await phoneSession(dovecot.port)).fetched];
    if (labFetched !== count || dovecotFetched !== count) throw new Error(`FETCH returned ${labFetched} (lab) / ${dovecotFetched} (dovecot), expected ${count}`);
    const l = await measure(() => timedSession(labPort), SEQUENTIAL, BURSTS);
    const d = await measure(() => timedSession(dovecot.port), SEQUENTIAL, BURSTS);
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

    await massive('the lab', () => phoneSession(labPort));
  } finally {
    dovecot.stop();
    await lab.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
