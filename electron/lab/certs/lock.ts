/**
 * A lock file that serialises certificate creation across processes. `mailprobe cert` and a
 * running `mailprobe lab` (or two labs on one data directory) must never each create a CA at the
 * same moment: the last rename would win, and a phone could have installed a CA the lab no longer
 * uses (the CA is made once and reused so a phone configured once keeps working).
 *
 * The lock is a file created with O_CREAT|O_EXCL ('wx'), atomic on a local file system, holding
 * who owns it (pid, host, the owner process's start time, when it was taken, a random token).
 * A waiter retries with a short backoff while a live process holds it; it takes the lock over,
 * recording why, when the owner is gone (same host, `kill(pid, 0)` → ESRCH; or this very pid
 * but an earlier process, as after a container restart) or the lock is older than any legitimate
 * hold could be. It gives up after `LOCK_TIMEOUT_MS` with an error naming the lock file, so the
 * technician knows what to remove if nothing else is running.
 *
 * Removing a stale lock is itself guarded (`<lock>.takeover`, also 'wx'): without it two waiters
 * that both judged the same lock stale could each delete it, and the second delete would remove
 * the fresh lock the first had just created, leaving two holders.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** The lock file's name inside the certificate directory. */
export const LOCK_FILE_NAME = 'certs.lock';
export const LOCK_FILE_MODE = 0o600;
/** A waiter gives up after this long. Creating a CA and a server certificate takes well under a
 * second with node:crypto key generation; this leaves room for a loaded two-core laptop. */
export const LOCK_TIMEOUT_MS = 30_000;
/** A lock older than this is stale even if its pid is alive (the pid may have been reused by an
 * unrelated process, or the data directory is shared with another machine where the pid means
 * nothing). Far beyond any legitimate hold, and beyond LOCK_TIMEOUT_MS, so a waiter never takes a
 * lock from a slow but working owner: it times out with a clear error first. */
export const LOCK_STALE_MS = 120_000;
/** An owner writes its record right after creating the file; an empty or unreadable lock (or
 * takeover guard, held only for a few synchronous calls) older than this was left by a process
 * that died in between. */
export const LOCK_WRITE_GRACE_MS = 2_000;
/** Backoff between attempts: starts short (the usual hold is brief), doubles up to the maximum. */
export const LOCK_RETRY_MIN_MS = 10;
export const LOCK_RETRY_MAX_MS = 200;

/** What the lock file holds (one JSON line). */
export interface LockOwner {
  pid: number;
  host: string;
  /** When the owner process started (ms since epoch): tells this pid from an earlier one. */
  processStartedAt: number;
  /** When the lock was taken (ms since epoch). */
  acquiredAt: number;
  token: string;
  /** Why the previous lock was taken over, when it was. */
  tookOver?: string;
}

export class CertLockTimeoutError extends Error {
  readonly code = 'ECERTLOCK';
  constructor(
    readonly lockPath: string,
    readonly waitedMs: number,
    readonly owner?: LockOwner,
  ) {
    const who = owner ? `process ${owner.pid} on ${owner.host}, since ${new Date(owner.acquiredAt).toISOString()}` : 'an unknown process';
    super(
      `the certificate directory is locked by ${who}: gave up after ${Math.round(waitedMs / 1000)} s waiting for ${lockPath} ` +
        '(if no other mailprobe is running, delete that file)',
    );
    this.name = 'CertLockTimeoutError';
  }
}

export interface CertLockOptions {
  /** Give up after this long (default LOCK_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Take over a lock older than this (default LOCK_STALE_MS). */
  staleMs?: number;
}

export interface HeldLock {
  path: string;
  owner: LockOwner;
  /** Why a stale lock was taken over to get this one (undefined when it was free). */
  tookOver?: string;
  /** Remove the lock if it is still ours; idempotent, never throws. */
  release(): void;
}

/** This process's start time, rounded: the same in every module instance and worker thread. */
const PROCESS_STARTED_AT = Math.round(Date.now() - process.uptime() * 1000);
/** Two readings of one process's start time differ by clock granularity only. */
const START_TIME_TOLERANCE_MS = 1_000;

export function lockPathFor(dir: string): string {
  return join(dir, LOCK_FILE_NAME);
}

/** Run `fn` holding the directory's lock; released in every case, also when `fn` throws. */
export async function withCertLock<T>(dir: string, fn: (lock: HeldLock) => Promise<T>, opts: CertLockOptions = {}): Promise<T> {
  const lock = await acquireCertLock(dir, opts);
  try {
    return await fn(lock);
  } finally {
    lock.release();
  }
}

export async function acquireCertLock(dir: string, opts: CertLockOptions = {}): Promise<HeldLock> {
  const path = lockPathFor(dir);
  const timeoutMs = opts.timeoutMs ?? LOCK_TIMEOUT_MS;
  const staleMs = opts.staleMs ?? LOCK_STALE_MS;
  const started = Date.now();
  const token = randomBytes(12).toString('hex');
  let delay = LOCK_RETRY_MIN_MS;
  let tookOver: string | undefined;
  let last: SeenLock | undefined;
  for (;;) {
    const owner: LockOwner = {
      pid: process.pid,
      host: hostname(),
      processStartedAt: PROCESS_STARTED_AT,
      acquiredAt: Date.now(),
      token,
      ...(tookOver ? { tookOver } : {}),
    };
    if (tryCreate(path, owner)) return held(path, owner, tookOver);
    const seen = readLock(path);
    if (seen) {
      last = seen;
      const why = staleReason(seen, staleMs);
      if (why && removeStale(path, seen)) {
        tookOver = why;
        continue; // try to create it at once
      }
    }
    const waited = Date.now() - started;
    if (waited >= timeoutMs) throw new CertLockTimeoutError(path, waited, last?.owner);
    await sleep(Math.min(timeoutMs - waited, delay * (0.5 + Math.random())));
    delay = Math.min(delay * 2, LOCK_RETRY_MAX_MS);
  }
}

function held(path: string, owner: LockOwner, tookOver: string | undefined): HeldLock {
  let released = false;
  return {
    path,
    owner,
    tookOver,
    release() {
      if (released) return;
      released = true;
      // Only our own lock: if ours was (wrongly) taken over, the new owner's must stay.
      if (readLock(path)?.owner?.token !== owner.token) return;
      try {
        unlinkSync(path);
      } catch {
        // already gone; a lock we cannot delete is taken over once we have exited
      }
    },
  };
}

/** Create the file exclusively and write the owner into it; false when it already exists. */
function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', LOCK_FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  let written = false;
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`);
    written = true;
  } finally {
    closeSync(fd);
    if (!written) unlinkSync(path); // never leave an empty lock behind us (ENOSPC, EIO)
  }
  return true;
}

interface SeenLock {
  /** Identity of what was seen: a different file (or content) under the same name differs. */
  id: string;
  owner?: LockOwner;
  mtimeMs: number;
}

function readLock(path: string): SeenLock | undefined {
  let raw: string;
  let ino: number;
  let mtimeMs: number;
  try {
    const st = statSync(path);
    ino = st.ino;
    mtimeMs = st.mtimeMs;
    raw = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  return { id: `${ino}:${raw}`, owner: parseOwner(raw), mtimeMs };
}

function parseOwner(raw: string): LockOwner | undefined {
  try {
    const o = JSON.parse(raw) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.acquiredAt === 'number' && typeof o.token === 'string') {
      return { processStartedAt: 0, ...o } as LockOwner;
    }
  } catch {
    // empty (owner between open and write, or died there) or foreign content
  }
  return undefined;
}

/** Whether a process with this id runs on this host (`kill(pid, 0)`; EPERM: it exists but
 * belongs to another user). The one liveness test of the certificate directory (also in-use.ts). */
export function pidAlive(pid: number): boolean {
  // What kill() cannot take (0 and negatives name process groups) names no process.
  if (!Number.isInteger(pid) || pid <= 0 || pid > 0x7fffffff) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user, so it is alive.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Why the lock seen is stale, or undefined while its owner may still be working. */
function staleReason(seen: SeenLock, staleMs: number): string | undefined {
  const o = seen.owner;
  if (!o) {
    const age = Date.now() - seen.mtimeMs;
    return age > LOCK_WRITE_GRACE_MS ? `the lock file was unreadable and ${Math.round(age / 1000)} s old` : undefined;
  }
  if (o.host === hostname()) {
    if (o.pid === process.pid) {
      // Another module instance or worker of this very process is live; an earlier process with
      // the same pid (a container restarted after a crash always gets the same pid) is not.
      if (Math.abs(o.processStartedAt - PROCESS_STARTED_AT) > START_TIME_TOLERANCE_MS) {
        return `its owner (pid ${o.pid}) was an earlier process with this same pid`;
      }
    } else if (!pidAlive(o.pid)) {
      return `its owner (pid ${o.pid}) is no longer running`;
    }
  }
  const age = Date.now() - o.acquiredAt;
  if (age > staleMs) return `it was ${Math.round(age / 1000)} s old (pid ${o.pid} on ${o.host}), over the ${Math.round(staleMs / 1000)} s limit`;
  return undefined;
}

/** Delete the stale lock seen, unless it changed meanwhile; true when it was deleted. */
function removeStale(path: string, seen: SeenLock): boolean {
  const guard = `${path}.takeover`;
  const me: LockOwner = { pid: process.pid, host: hostname(), processStartedAt: PROCESS_STARTED_AT, acquiredAt: Date.now(), token: 'takeover' };
  if (!tryCreate(guard, me)) {
    // Another waiter is taking over right now; a guard left by one that died is cleared here.
    const g = readLock(guard);
    if (g && staleGuard(g)) {
      try {
        unlinkSync(guard);
      } catch {
        // someone else cleared it
      }
    }
    return false;
  }
  try {
    const again = readLock(path);
    if (!again || again.id !== seen.id) return false; // released or replaced: judge afresh
    unlinkSync(path);
    return true;
  } finally {
    try {
      unlinkSync(guard);
    } catch {
      // nothing to do: a leftover guard is cleared as stale
    }
  }
}

function staleGuard(g: SeenLock): boolean {
  if (Date.now() - g.mtimeMs > LOCK_WRITE_GRACE_MS) return true;
  const o = g.owner;
  return o !== undefined && o.host === hostname() && o.pid !== process.pid && !pidAlive(o.pid);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
