/**
 * `npm run bench:mailbox`: a customer-sized mailbox (2 GB, about 20,000 messages, 100 with 1–20 MB
 * attachments; bench/mailbox-corpus.ts), as an mbox and as a Maildir, served by the lab (`mailprobe
 * lab --mailbox FILE`, the built CLI in its own process, as a technician runs it) and, in the same
 * run, by Dovecot 2.3 from its own copy of the same files (Dovecot writes indexes and status
 * headers; the lab's input stays untouched, which the bench checks).
 *
 * The lab's start without a mailbox, twice: its first start in a fresh data directory (which
 * makes its CA and certificates, as a technician's first start does) and a later one. Then for
 * each server and format: time to ready and to the first SELECT, from the process's start (the
 * lab's are later starts; Dovecot's SELECT is unindexed: a fresh copy), FETCH 1:* (FLAGS ENVELOPE RFC822.SIZE), SEARCH on a header and on the body, a full
 * download (FETCH 1:* BODY.PEEK[], MB/s) and the server's peak resident memory (the lab's VmHWM;
 * Dovecot's imap processes sampled from /proc). Prints them side by side with the issue's targets
 * marked met or not met. The lab is started without the environment variables that slow every
 * Node start and that it has no use for (NODE_EXTRA_CA_CERTS: bench/support.ts,
 * LAB_UNUSED_ENVIRONMENT); what they cost is printed.
 *
 * MAILPROBE_BENCH_MAILBOX_GB (default 2) sets the size (0.2 for a quick run);
 * MAILPROBE_BENCH_CACHE (default $TMPDIR/mailprobe-bench-cache) keeps the generated mail between
 * runs; MAILPROBE_BENCH_SEED (default 1) picks another mailbox of the same shape. Needs
 * `npm run build:node` (the script does it) and dovecot-imapd; run it as root (Dovecot serves
 * the mail as nobody).
 */
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dovecotAvailable, startDovecot } from '../test/support/dovecot.js';
import { ImapProbe } from './imap-probe.js';
import { BODY_WORD, ensureCorpus, FULL_SIZE_GB, SUBJECT_WORD, type Corpus } from './mailbox-corpus.js';
import { procMemory, watchMemory } from './proc-memory.js';
import { labEnvironment, nodeStartCost } from './support.js';
import { tempDir } from '../test/support/temp.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'mailprobe.js');
const USER = 'customer';
const PASSWORD = 'bench-mailbox-2048';

const GB = Number(process.env.MAILPROBE_BENCH_MAILBOX_GB ?? FULL_SIZE_GB);
const SEED = Number(process.env.MAILPROBE_BENCH_SEED ?? 1);
const CACHE = process.env.MAILPROBE_BENCH_CACHE ?? join(tmpdir(), 'mailprobe-bench-cache');

/** The issue's targets. */
const TARGET_LAB_PEAK_RSS = 300 * 1024 * 1024;
/** How long the lab may take to print its ready line with a big mailbox. */
const READY_TIMEOUT_MS = 15 * 60_000;
/** One command (a SELECT that indexes 2 GB, a full download) may take this long. */
const COMMAND_TIMEOUT_MS = 30 * 60_000;
/** A server whose memory passes this is stopped: the machine is shared. */
const RSS_GUARD_BYTES = 4 * 1024 * 1024 * 1024;
const SAMPLE_EVERY_MS = 50;

type Format = 'mbox' | 'Maildir';

interface Figures {
  label: string;
  error?: string;
  readyMs?: number;
  /** From start to the first SELECT's OK (ready, connect, LOGIN, SELECT). */
  firstSelectFromStartMs?: number;
  selectMs?: number;
  exists?: number;
  fetchMs?: number;
  fetched?: number;
  subjectMs?: number;
  subjectHits?: number;
  bodyMs?: number;
  bodyHits?: number;
  downloadMs?: number;
  downloadBytes?: number;
  downloaded?: number;
  peakRss?: number;
  peakNote?: string;
  /** The command being measured, for the per-phase peaks. */
  phase: Phase;
  /** Peak resident memory sampled during each phase (the lab's at ready: its VmHWM then). */
  phasePeaks: Partial<Record<Phase, number>>;
}

/** What the server is doing: where a peak comes from. */
type Phase = 'start' | 'select' | 'envelope' | 'search' | 'download';
const PHASES: ReadonlyArray<[Phase, string]> = [
  ['start', 'start → ready'],
  ['select', 'LOGIN, SELECT'],
  ['envelope', 'FETCH ENVELOPE'],
  ['search', 'SEARCH'],
  ['download', 'FETCH BODY[]'],
];

/** A sample of `bytes` resident during the current phase. */
function notePeak(f: Figures, bytes: number): void {
  if (bytes <= 0) return; // no process sampled (Dovecot's imap process comes with the connection)
  f.phasePeaks[f.phase] = Math.max(f.phasePeaks[f.phase] ?? 0, bytes);
}

const hits = (kept: string[]) => kept.reduce((n, l) => n + l.replace(/^\* SEARCH ?/, '').split(' ').filter(Boolean).length, 0);

/** LOGIN, SELECT INBOX and the measured commands, on one connection. */
async function measureSession(port: number, startedAt: number, f: Figures): Promise<void> {
  const t = { timeoutMs: COMMAND_TIMEOUT_MS };
  const c = await ImapProbe.open(port, 60_000);
  try {
    f.phase = 'select';
    await c.command('l1', `LOGIN ${USER} ${PASSWORD}`, t);
    const sel = await c.command('s1', 'SELECT INBOX', { ...t, keep: '* ' });
    f.firstSelectFromStartMs = performance.now() - startedAt;
    f.selectMs = sel.ms;
    f.exists = Number(sel.kept.map((l) => /^\* (\d+) EXISTS/.exec(l)?.[1]).find(Boolean) ?? NaN);
    f.phase = 'envelope';
    const meta = await c.command('f1', 'FETCH 1:* (FLAGS ENVELOPE RFC822.SIZE)', t);
    [f.fetchMs, f.fetched] = [meta.ms, meta.untagged];
    f.phase = 'search';
    const subject = await c.command('h1', `SEARCH SUBJECT ${SUBJECT_WORD}`, { ...t, keep: '* SEARCH' });
    [f.subjectMs, f.subjectHits] = [subject.ms, hits(subject.kept)];
    const body = await c.command('b1', `SEARCH BODY ${BODY_WORD}`, { ...t, keep: '* SEARCH' });
    [f.bodyMs, f.bodyHits] = [body.ms, hits(body.kept)];
    f.phase = 'download';
    const all = await c.command('d1', 'FETCH 1:* BODY.PEEK[]', t);
    [f.downloadMs, f.downloadBytes, f.downloaded] = [all.ms, all.literalBytes, all.untagged];
    await c.command('q1', 'LOGOUT', { timeoutMs: 10_000, allowFail: true }).catch(() => undefined);
  } finally {
    c.close();
  }
}

interface LabChild {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

/** `mailprobe lab` as a user runs it; rejects with the lab's own last words if it exits before its ready line. */
function startLab(dataDir: string, mailbox: string | null): Promise<LabChild> {
  const args = [BIN, 'lab', '--bind', '127.0.0.1', '--data-dir', dataDir, '--user', USER, '--password', PASSWORD];
  for (const p of ['imap', 'imaps', 'smtp', 'smtps', 'pop3', 'pop3s', 'http']) args.push(`--${p}-port`, '0');
  if (mailbox) args.push('--mailbox', mailbox);
  const child = spawn(process.execPath, args, { env: labEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`no ready line after ${READY_TIMEOUT_MS / 60_000} min`));
    }, READY_TIMEOUT_MS);
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^ready (.*)$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const ready = JSON.parse(m[1]) as { listeners: Record<string, { port: number }> };
      resolve({ pid: child.pid!, port: ready.listeners.imap.port, stop });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const last = err.trim().split('\n').filter(Boolean).at(-1) ?? '';
      reject(new Error(`the lab exited (${signal ?? `code ${code}`}) before it was ready${last ? `: ${last}` : ''}`));
    });
  });
}

/** Size, count and newest mtime of the files under `path`: the lab must leave them as they were. */
function fingerprint(path: string): string {
  const st = statSync(path);
  if (!st.isDirectory()) return `${st.size}:${st.mtimeMs}`;
  let n = 0;
  let bytes = 0;
  let newest = 0;
  for (const sub of ['cur', 'new', 'tmp']) {
    const dir = join(path, sub);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      const s = statSync(join(dir, f));
      n += 1;
      bytes += s.size;
      newest = Math.max(newest, s.mtimeMs);
    }
  }
  return `${n}:${bytes}:${newest}`;
}

async function runLab(work: string, input: string, format: Format): Promise<Figures> {
  const f: Figures = { label: `lab ${format}`, phase: 'start', phasePeaks: {} };
  const before = fingerprint(input);
  const t0 = performance.now();
  let lab: LabChild | null = null;
  let guard: string | null = null;
  // Sampled from the ready line on; what came before (opening the mailbox) is in its VmHWM at ready.
  let watch: ReturnType<typeof watchMemory> | null = null;
  try {
    const starting = startLab(join(work, 'lab'), input);
    lab = await starting;
    f.readyMs = performance.now() - t0;
    const pid = lab.pid;
    const atReady = procMemory(pid)?.hwm;
    if (atReady !== undefined) notePeak(f, atReady);
    watch = watchMemory(pid, {
      everyMs: SAMPLE_EVERY_MS,
      onSample: (sum) => {
        notePeak(f, sum);
        if (sum > RSS_GUARD_BYTES && !guard) {
          guard = `stopped: its memory passed ${(RSS_GUARD_BYTES / 2 ** 30).toFixed(0)} GiB`;
          process.kill(pid, 'SIGKILL');
        }
      },
    });
    await measureSession(lab.port, t0, f);
    // VmHWM covers the whole life of the process, the start included.
    f.peakRss = procMemory(pid)?.hwm ?? watch.peakOne;
  } catch (err) {
    f.error = guard ?? (err as Error).message;
    if (watch) f.peakRss = watch.peakOne || undefined;
  } finally {
    watch?.stop();
    await lab?.stop();
  }
  if (fingerprint(input) !== before) f.error = (f.error ? f.error + '; ' : '') + 'the lab changed its input mailbox';
  return f;
}

/** The Dovecot master's pid: its master.pid may appear a moment after the port listens. */
async function dovecotMaster(dir: string): Promise<number> {
  const file = join(dir, 'run', 'master.pid');
  for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
  return Number(readFileSync(file, 'utf8').trim());
}

/** Dovecot's home with its own copy of the mail: Dovecot adds status headers to an mbox and index files beside the mail. */
interface DovecotCopy {
  home: string;
  mailLocation: string;
}

function copyForDovecot(work: string, corpus: Corpus, format: Format): DovecotCopy {
  const home = join(work, `dovecot-${format}-home`);
  mkdirSync(home, { recursive: true });
  if (format === 'mbox') {
    execFileSync('cp', ['--reflink=auto', corpus.mbox, join(home, 'inbox')]);
    mkdirSync(join(home, 'mail'));
    return { home, mailLocation: `mbox:${home}/mail:INBOX=${home}/inbox` };
  }
  execFileSync('cp', ['-r', '--reflink=auto', corpus.maildir, join(home, 'Maildir')]);
  return { home, mailLocation: `maildir:${home}/Maildir` };
}

/**
 * The dirty pages written so far go to disk now (sync(1)): each server is measured without the
 * writeback of what came before it (Dovecot's fresh copy of 2 GB, the lab's session file of
 * hundreds of MB) running in the kernel beside it.
 */
function settleWriteback(): void {
  execFileSync('sync');
}

async function runDovecot(work: string, copy: DovecotCopy, format: Format): Promise<Figures> {
  const f: Figures = { label: `Dovecot ${format}`, phase: 'start', phasePeaks: {} };
  const { home, mailLocation } = copy;
  const dir = join(work, `dovecot-${format}-run`);
  let server: Awaited<ReturnType<typeof startDovecot>> | null = null;
  let watch: ReturnType<typeof watchMemory> | null = null;
  try {
    const t0 = performance.now();
    server = await startDovecot({ dir, maildir: home, user: USER, password: PASSWORD, mailLocation });
    f.readyMs = performance.now() - t0;
    const master = await dovecotMaster(dir);
    watch = watchMemory(master, { everyMs: SAMPLE_EVERY_MS, children: true, names: ['imap'], onSample: (sum) => notePeak(f, sum) });
    await measureSession(server.port, t0, f);
    f.peakRss = Math.max(watch.peakSum, watch.peakOne);
    f.peakNote = 'imap processes';
  } catch (err) {
    f.error = (err as Error).message;
  } finally {
    watch?.stop();
    server?.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
  return f;
}

// ───────────────────────── the table ─────────────────────────

const MB = 1e6;
const sec = (ms?: number) => (ms === undefined ? '–' : (ms / 1000).toFixed(2));
const cell = (s: string) => s.padStart(16);

function row(name: string, runs: Figures[], value: (f: Figures) => string): string {
  return name.padEnd(40) + runs.map((f) => cell(f.error && value(f) === '–' ? 'failed' : value(f))).join('');
}

/** The lab's start → ready without a mailbox: its first start in a data directory, and a later one. */
function printStarts(starts: { first?: number; later?: number }): void {
  console.log('');
  const node = nodeStartCost();
  const ms = (n: number) => `${(n / 1000).toFixed(2)} s`;
  if (node.removed.length > 0) {
    console.log(`the lab is started without ${node.removed.join(', ')} (set here; the lab makes no outgoing TLS connection, and a technician's machine does not set it): Node's own start, node -e 0, ${ms(node.inherited)} with it, ${ms(node.lab)} without`);
  } else console.log(`Node's own start, node -e 0: ${ms(node.lab)}`);
  console.log(`lab start → ready, no mailbox: first start in a fresh data directory (makes its CA and certificates) ${sec(starts.first)} s; a later start (reuses them) ${sec(starts.later)} s`);
  console.log('  (the runs below are later starts: their data directory already has its certificates)');
}

function printTable(corpus: Corpus, runs: Figures[]): void {
  console.log('');
  console.log(`${(corpus.bytes / 1e9).toFixed(2)} GB, ${corpus.messages} messages (${corpus.withAttachments} with 1–20 MB attachments), as mbox and as Maildir`);
  console.log(''.padEnd(40) + runs.map((f) => cell(f.label)).join(''));
  console.log(row('start → ready (s)', runs, (f) => sec(f.readyMs)));
  console.log(row('start → first SELECT done (s)', runs, (f) => sec(f.firstSelectFromStartMs)));
  console.log(row('first SELECT alone (s)', runs, (f) => sec(f.selectMs)));
  console.log(row('  messages in INBOX', runs, (f) => (f.exists === undefined ? '–' : String(f.exists))));
  console.log(row('FETCH 1:* (FLAGS ENVELOPE RFC822.SIZE) (s)', runs, (f) => sec(f.fetchMs)));
  console.log(row(`SEARCH SUBJECT ${SUBJECT_WORD} (s)`, runs, (f) => sec(f.subjectMs)));
  console.log(row('  hits', runs, (f) => (f.subjectHits === undefined ? '–' : String(f.subjectHits))));
  console.log(row(`SEARCH BODY ${BODY_WORD} (s)`, runs, (f) => sec(f.bodyMs)));
  console.log(row('  hits', runs, (f) => (f.bodyHits === undefined ? '–' : String(f.bodyHits))));
  console.log(row('FETCH 1:* BODY.PEEK[] (s)', runs, (f) => sec(f.downloadMs)));
  console.log(row('  MB downloaded', runs, (f) => (f.downloadBytes === undefined ? '–' : (f.downloadBytes / MB).toFixed(0))));
  console.log(row('  MB/s', runs, (f) => (f.downloadBytes === undefined || !f.downloadMs ? '–' : (f.downloadBytes / MB / (f.downloadMs / 1000)).toFixed(1))));
  console.log(row('peak RSS (MB)', runs, (f) => (f.peakRss === undefined ? '–' : (f.peakRss / MB).toFixed(0))));
  for (const [phase, name] of PHASES) console.log(row(`  during ${name}`, runs, (f) => (f.phasePeaks[phase] === undefined ? '–' : (f.phasePeaks[phase]! / MB).toFixed(0))));
  for (const f of runs) if (f.error) console.log(`  ${f.label}: ${f.error}`);
  console.log('  (Dovecot: peak of its imap processes, sampled every 50 ms; lab: VmHWM of its process; by phase: samples every 50 ms, the lab\'s start → ready its VmHWM at ready)');

  console.log('\ntargets (issue: serve a 2 GB mailbox with bounded memory)');
  const verdict = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? 'met' : 'NOT MET');
  for (const format of ['mbox', 'Maildir'] as const) {
    const lab = runs.find((f) => f.label === `lab ${format}`)!;
    const dc = runs.find((f) => f.label === `Dovecot ${format}`)!;
    const labOk = !lab.error;
    const rss = lab.peakRss === undefined ? null : labOk && lab.peakRss < TARGET_LAB_PEAK_RSS;
    console.log(`  ${format}: lab peak RSS < ${TARGET_LAB_PEAK_RSS / 2 ** 20} MiB: ${verdict(rss)} (${lab.peakRss === undefined ? '–' : (lab.peakRss / 2 ** 20).toFixed(0) + ' MiB'})`);
    const selectOk = lab.firstSelectFromStartMs === undefined || dc.firstSelectFromStartMs === undefined ? (labOk ? null : false) : lab.firstSelectFromStartMs <= dc.firstSelectFromStartMs;
    console.log(`  ${format}: first SELECT (from start) no slower than Dovecot's unindexed one: ${verdict(selectOk)} (${sec(lab.firstSelectFromStartMs)} s vs ${sec(dc.firstSelectFromStartMs)} s)`);
    const rate = (f: Figures) => (f.downloadBytes && f.downloadMs ? f.downloadBytes / f.downloadMs : undefined);
    const [lr, dr] = [rate(lab), rate(dc)];
    const dlOk = lr === undefined || dr === undefined ? (labOk ? null : false) : lr >= dr;
    console.log(`  ${format}: full download throughput ≥ Dovecot's: ${verdict(dlOk)} (${lr === undefined ? '–' : ((lr * 1000) / MB).toFixed(1)} vs ${dr === undefined ? '–' : ((dr * 1000) / MB).toFixed(1)} MB/s)`);
  }
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'electron', 'cli', 'main.js'))) throw new Error('the CLI is not built: npm run build:node');
  if (!dovecotAvailable()) throw new Error('Dovecot is not installed (apt dovecot-imapd)');
  if (!(GB > 0)) throw new Error(`MAILPROBE_BENCH_MAILBOX_GB must be a positive number, not ${process.env.MAILPROBE_BENCH_MAILBOX_GB}`);
  console.log(`mailbox benchmark: ${GB} GB (MAILPROBE_BENCH_MAILBOX_GB), seed ${SEED}, cache ${CACHE}`);
  const t0 = performance.now();
  const corpus = ensureCorpus(CACHE, GB, SEED, (m) => console.log(m));
  console.log(`${corpus.generated ? 'generated' : 'from the cache'}: ${corpus.mbox} and ${corpus.maildir} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  // Dovecot's processes (dovecot, nobody) must reach the copies under the work folder.
  const work = tempDir('mp-bench-mailbox-');
  chmodSync(work, 0o755);
  const runs: Figures[] = [];
  const starts: { first?: number; later?: number } = {};
  try {
    // The lab's certificates are made on its first start in a data directory, as a technician's
    // first start makes them; every start after that reuses them, as the measured ones do.
    // Both are printed, without a mailbox: the start alone.
    for (const which of ['first', 'later'] as const) {
      const t = performance.now();
      const lab = await startLab(join(work, 'lab'), null);
      starts[which] = performance.now() - t;
      await lab.stop();
    }
    for (const format of ['mbox', 'Maildir'] as const) {
      const input = format === 'mbox' ? corpus.mbox : corpus.maildir;
      // The same page cache for both servers: Dovecot's copy is made before either runs (which
      // reads the lab's input and writes Dovecot's, so both are cached; the full download comes
      // after SEARCH BODY has read every message anyway), and each starts once the writeback
      // of what came before it is done. The lab runs first, as it always has.
      const copy = copyForDovecot(work, corpus, format);
      settleWriteback();
      console.log(`lab, ${format}…`);
      runs.push(await runLab(work, input, format));
      settleWriteback();
      console.log(`Dovecot, ${format}…`);
      runs.push(await runDovecot(work, copy, format));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  printStarts(starts);
  printTable(corpus, runs);
  console.log(`\nthe generated mailbox stays in ${corpus.dir} for the next run (remove it to free ${(corpus.bytes * 2 / 1e9).toFixed(1)} GB)`);
  if (runs.some((f) => f.error)) process.exitCode = 1;
}

main().catch((err: Error) => {
  console.error(`bench:mailbox: ${err.message}`);
  process.exitCode = 1;
});
