/**
 * The certificate lock across processes: `mailprobe cert` and a running lab (or two labs) on one
 * directory must end with ONE CA, the one on disk, so the CA a phone installed is the lab's.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { copyFileSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CertLockTimeoutError,
  LOCK_FILE_NAME,
  LOCK_RETRY_MAX_MS,
  LOCK_RETRY_MIN_MS,
  LOCK_STALE_MS,
  LOCK_TIMEOUT_MS,
  LOCK_WRITE_GRACE_MS,
  ensureLabCertificates,
  fingerprint,
} from '../../electron/lab/certs/index.js';
import { acquireCertLock, withCertLock, type LockOwner } from '../../electron/lab/certs/lock.js';
import { tmp } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const childScript = join(here, 'lock-child.ts');
const HOSTS = ['127.0.0.1', 'localhost'];

const children: ChildProcess[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Child {
  proc: ChildProcess;
  /** The next line the child prints. */
  line(): Promise<string>;
  send(line: string): void;
}

function child(args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', childScript, ...args], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(proc);
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const queue: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    const w = waiting.shift();
    if (w) w(l);
    else queue.push(l);
  });
  const exited = new Promise<string>((_, reject) => proc.on('exit', (code) => reject(new Error(`child exited ${code}: ${stderr}`))));
  exited.catch(() => undefined);
  return {
    proc,
    line: () => {
      const q = queue.shift();
      if (q !== undefined) return Promise.resolve(q);
      return Promise.race([new Promise<string>((resolve) => waiting.push(resolve)), exited]);
    },
    send: (l) => proc.stdin!.write(`${l}\n`),
  };
}

/** A pid that belonged to a process which has exited. */
async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => p.on('exit', resolve));
  return p.pid!;
}

/** A live process that is not this one (it holds nothing, it only has to be alive). */
function livePid(): number {
  const p = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  children.push(p);
  return p.pid!;
}

function writeLock(dir: string, owner: Partial<LockOwner>): string {
  const path = join(dir, LOCK_FILE_NAME);
  const full: LockOwner = { pid: process.pid, host: hostname(), processStartedAt: 0, acquiredAt: Date.now(), token: 'planted', ...owner };
  writeFileSync(path, JSON.stringify(full), { mode: 0o600 });
  return path;
}

const onDisk = (dir: string) => fingerprint(readFileSync(join(dir, 'ca.crt')), 'sha256');

describe('certificate creation across processes', () => {
  it('two processes creating the CA at the same moment end with ONE CA, the one on disk', async () => {
    const dir = tmp('mp-lock-');
    const a = child(['race', dir]);
    const b = child(['race', dir]);
    expect(await a.line()).toBe('ready');
    expect(await b.line()).toBe('ready');
    a.send('go');
    b.send('go');
    const ra = JSON.parse(await a.line()) as { caSha256: string; caCreated: boolean; warnings: string[] };
    const rb = JSON.parse(await b.line()) as { caSha256: string; caCreated: boolean; warnings: string[] };
    expect(ra.caSha256).toBe(rb.caSha256);
    expect(ra.caSha256).toBe(onDisk(dir));
    // Exactly one of them made it; the other re-read the disk inside the lock and reused it.
    expect([ra.caCreated, rb.caCreated].sort()).toEqual([false, true]);
    expect([...ra.warnings, ...rb.warnings]).toEqual([]);
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
    // And this process, a third caller, keeps that CA too.
    const c = await ensureLabCertificates({ outDir: dir, hosts: HOSTS });
    expect(c.caCreated).toBe(false);
    expect(c.caSha256).toBe(ra.caSha256);
  });

  it('a live holder in another process makes the caller wait, then it reuses the CA the holder wrote', async () => {
    const dir = tmp('mp-lock-');
    const holder = child(['hold', dir]);
    expect(await holder.line()).toBe('locked');
    let settled = false;
    const waiting = ensureLabCertificates({ outDir: dir, hosts: HOSTS }).finally(() => (settled = true));
    // While the holder "creates" the CA (here: puts one made elsewhere in place), the caller waits.
    const other = tmp('mp-lock-src-');
    const made = await ensureLabCertificates({ outDir: other, hosts: HOSTS });
    for (const f of ['ca.key', 'ca.pem', 'ca.crt']) copyFileSync(join(other, f), join(dir, f));
    await new Promise((r) => setTimeout(r, 4 * LOCK_RETRY_MAX_MS));
    expect(settled).toBe(false);
    holder.send('release');
    expect(await holder.line()).toBe('released');
    const c = await waiting;
    expect(c.caCreated).toBe(false);
    expect(c.caSha256).toBe(made.caSha256);
    expect(onDisk(dir)).toBe(made.caSha256);
  });
});

describe('stale locks are taken over, and why is recorded', () => {
  it('a lock whose owner pid is gone is taken over at once', async () => {
    const dir = tmp('mp-lock-');
    const pid = await deadPid();
    writeLock(dir, { pid });
    const t0 = Date.now();
    const c = await ensureLabCertificates({ outDir: dir, hosts: HOSTS });
    // At once: without waiting out the lock timeout (a live owner would make it wait all of it).
    expect(Date.now() - t0).toBeLessThan(LOCK_TIMEOUT_MS);
    expect(c.caCreated).toBe(true);
    expect(c.warnings).toEqual([`took over the stale certificate lock ${join(dir, LOCK_FILE_NAME)}: its owner (pid ${pid}) is no longer running`]);
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it('the new lock file records the takeover while it is held', async () => {
    const dir = tmp('mp-lock-');
    writeLock(dir, { pid: await deadPid() });
    await withCertLock(dir, async (lock) => {
      const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8')) as LockOwner;
      expect(owner.pid).toBe(process.pid);
      expect(owner.tookOver).toMatch(/no longer running/);
      expect(lock.tookOver).toBe(owner.tookOver);
    });
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it('a lock left by an earlier process with this same pid (a restarted container) is stale', async () => {
    const dir = tmp('mp-lock-');
    writeLock(dir, { pid: process.pid, processStartedAt: Date.now() - 3_600_000 });
    const lock = await acquireCertLock(dir, { timeoutMs: 500 });
    expect(lock.tookOver).toMatch(/earlier process with this same pid/);
    lock.release();
  });

  it(`a live owner's lock is stale only past LOCK_STALE_MS (${LOCK_STALE_MS} ms)`, async () => {
    expect(LOCK_STALE_MS).toBeGreaterThan(LOCK_TIMEOUT_MS); // a waiter gives up before it could rob a slow owner
    const pid = livePid();
    const young = tmp('mp-lock-');
    writeLock(young, { pid, acquiredAt: Date.now() - LOCK_STALE_MS + 10_000 });
    await expect(acquireCertLock(young, { timeoutMs: 300 })).rejects.toBeInstanceOf(CertLockTimeoutError);
    const old = tmp('mp-lock-');
    writeLock(old, { pid, acquiredAt: Date.now() - LOCK_STALE_MS - 1_000 });
    const lock = await acquireCertLock(old, { timeoutMs: 300 });
    expect(lock.tookOver).toMatch(new RegExp(`pid ${pid} .* over the ${LOCK_STALE_MS / 1000} s limit`));
    lock.release();
  });

  it(`an empty lock file is the owner between open and write until LOCK_WRITE_GRACE_MS (${LOCK_WRITE_GRACE_MS} ms), then stale`, async () => {
    const dir = tmp('mp-lock-');
    const path = join(dir, LOCK_FILE_NAME);
    writeFileSync(path, '');
    await expect(acquireCertLock(dir, { timeoutMs: 300 })).rejects.toBeInstanceOf(CertLockTimeoutError);
    const past = (Date.now() - LOCK_WRITE_GRACE_MS - 1_000) / 1000;
    utimesSync(path, past, past);
    const lock = await acquireCertLock(dir, { timeoutMs: 300 });
    expect(lock.tookOver).toMatch(/unreadable/);
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('a takeover guard left by a dead waiter does not block the takeover for long', async () => {
    const dir = tmp('mp-lock-');
    writeLock(dir, { pid: await deadPid() });
    const guard = `${join(dir, LOCK_FILE_NAME)}.takeover`;
    writeFileSync(guard, JSON.stringify({ pid: await deadPid(), host: hostname(), processStartedAt: 0, acquiredAt: Date.now(), token: 'takeover' }));
    const lock = await acquireCertLock(dir, { timeoutMs: 2_000 });
    expect(lock.tookOver).toMatch(/no longer running/);
    lock.release();
    expect(existsSync(guard)).toBe(false);
  });
});

describe('waiting has limits and always ends', () => {
  it(`gives up after LOCK_TIMEOUT_MS (${LOCK_TIMEOUT_MS} ms) with an error naming the lock file`, async () => {
    const dir = tmp('mp-lock-');
    const path = writeLock(dir, { pid: livePid() });
    vi.useFakeTimers();
    let error: unknown;
    const p = ensureLabCertificates({ outDir: dir, hosts: HOSTS }).catch((e: unknown) => (error = e));
    await vi.advanceTimersByTimeAsync(LOCK_TIMEOUT_MS - 1_000);
    expect(error).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1_000 + 2 * LOCK_RETRY_MAX_MS);
    await p;
    expect(error).toBeInstanceOf(CertLockTimeoutError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(/delete that file/);
    expect((error as CertLockTimeoutError).lockPath).toBe(path);
    // Nothing was created while waiting, and the holder's lock is left alone.
    expect(existsSync(join(dir, 'ca.crt'))).toBe(false);
    expect(JSON.parse(readFileSync(path, 'utf8')).token).toBe('planted');
  });

  it(`retries with a backoff from LOCK_RETRY_MIN_MS (${LOCK_RETRY_MIN_MS} ms) to LOCK_RETRY_MAX_MS (${LOCK_RETRY_MAX_MS} ms): a release is noticed promptly`, async () => {
    const dir = tmp('mp-lock-');
    const first = await acquireCertLock(dir);
    let got = 0;
    const second = acquireCertLock(dir).then((l) => ((got = Date.now()), l));
    await new Promise((r) => setTimeout(r, 1_000)); // the backoff has reached its maximum
    const released = Date.now();
    first.release();
    const lock = await second;
    expect(got - released).toBeLessThanOrEqual(1.5 * LOCK_RETRY_MAX_MS + 400);
    expect(lock.tookOver).toBeUndefined();
    lock.release();
  });

  it('the lock is released when creation throws, and the next call succeeds', async () => {
    const dir = tmp('mp-lock-');
    mkdirSync(join(dir, 'ca.pem')); // renaming the new CA onto a directory fails
    await expect(ensureLabCertificates({ outDir: dir, hosts: HOSTS })).rejects.toThrow();
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
    await expect(withCertLock(dir, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it('a released lock whose file is now someone else\'s is left in place', async () => {
    const dir = tmp('mp-lock-');
    const lock = await acquireCertLock(dir);
    const path = writeLock(dir, { token: 'someone-else' });
    lock.release();
    expect(JSON.parse(readFileSync(path, 'utf8')).token).toBe('someone-else');
  });
});
