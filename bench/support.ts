/**
 * What every `npm run bench:*` protocol benchmark shares: percentiles, one-at-a-time and
 * 50-at-a-time measurement of a session function, the lab in its own process (as `mailprobe
 * lab` runs), and the open-file check before 1000 concurrent sessions.
 */
import { execSync, spawn } from 'node:child_process';
import { connect } from 'node:net';
import type { ProbeMemory } from './lab-probe.js';
import { LAB_UNUSED_ENVIRONMENT } from '../test/support/node-environment.js';

export const BURST_SIZE = 50;

export { LAB_UNUSED_ENVIRONMENT };

/**
 * The bench's environment without LAB_UNUSED_ENVIRONMENT: the lab's process is started in it.
 * NODE_EXTRA_CA_CERTS (set on this sandbox, pointing at the whole system CA bundle) is read and
 * parsed by Node before any script runs, about 70 ms of each start here. It adds CAs for the TLS
 * connections a program makes, and the lab makes none (it only serves, and never relays). A
 * technician's machine does not set it, so the lab is measured without it; `nodeStartCost`
 * prints what it costs.
 */
export function labEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of LAB_UNUSED_ENVIRONMENT) delete env[k];
  return env;
}

/** Node's own start (`node -e 0`, median of `runs`) in the bench's environment and in labEnvironment(), in ms. */
export function nodeStartCost(runs = 5): { inherited: number; lab: number; removed: string[] } {
  const median = (env: NodeJS.ProcessEnv) => {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      execSync(`"${process.execPath}" -e 0`, { env });
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b)[runs >> 1];
  };
  return { inherited: median(process.env), lab: median(labEnvironment()), removed: LAB_UNUSED_ENVIRONMENT.filter((k) => process.env[k] !== undefined) };
}
export const MASSIVE = 1000;

export function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
}

export function fmt(n: number, d = 1): string {
  return n.toFixed(d).padStart(8);
}

export interface Figures {
  median: number;
  p95: number;
  burstWallMedian: number;
  perSecond: number;
}

/** Sessions run before measuring, by `measure` itself unless the bench warmed every server up first (`warmUp`). */
export const WARM_UP_SESSIONS = 20;

/** `n` sessions one at a time, not measured. */
export async function warmUp(session: () => Promise<number>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await session();
}

/** Warm up (unless `warm: false`: done before), then `sequential` sessions one at a time and `bursts` bursts of 50 at a time. */
export async function measure(session: () => Promise<number>, sequential: number, bursts: number, opts: { warm?: boolean } = {}): Promise<Figures> {
  if (opts.warm !== false) await warmUp(session, WARM_UP_SESSIONS);
  const times: number[] = [];
  for (let i = 0; i < sequential; i++) times.push(await session());
  times.sort((a, b) => a - b);
  const walls: number[] = [];
  let total = 0;
  const tAll = performance.now();
  for (let b = 0; b < bursts; b++) {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: BURST_SIZE }, () => session()));
    walls.push(performance.now() - t0);
    total += BURST_SIZE;
  }
  const elapsed = performance.now() - tAll;
  walls.sort((a, b) => a - b);
  return { median: pct(times, 0.5), p95: pct(times, 0.95), burstWallMedian: pct(walls, 0.5), perSecond: (total / elapsed) * 1000 };
}

/**
 * `measure` for several servers at once, interleaved: one session to each in turn, then one burst
 * to each in turn. On a shared machine the load moves within a run; taken in turn, every server
 * is measured under the same load, so the ratios mean something even when the figures move.
 */
export async function measureInterleaved(servers: ReadonlyArray<readonly [string, () => Promise<number>]>, sequential: number, bursts: number, progress?: (text: string) => void): Promise<Map<string, Figures>> {
  for (let i = 0; i < WARM_UP_SESSIONS; i++) for (const [, session] of servers) await session(); // warm-up
  const times = new Map(servers.map(([name]) => [name, [] as number[]]));
  for (let i = 0; i < sequential; i++) {
    for (const [name, session] of servers) times.get(name)!.push(await session());
    if (progress && (i + 1) % 50 === 0) progress(`one at a time: ${i + 1} of ${sequential} rounds`);
  }
  const walls = new Map(servers.map(([name]) => [name, [] as number[]]));
  for (let b = 0; b < bursts; b++) {
    for (const [name, session] of servers) {
      const t0 = performance.now();
      await Promise.all(Array.from({ length: BURST_SIZE }, () => session()));
      walls.get(name)!.push(performance.now() - t0);
    }
  }
  const out = new Map<string, Figures>();
  for (const [name] of servers) {
    const t = times.get(name)!.sort((a, b) => a - b);
    const w = walls.get(name)!;
    const busy = w.reduce((a, b) => a + b, 0);
    w.sort((a, b) => a - b);
    out.set(name, { median: pct(t, 0.5), p95: pct(t, 0.95), burstWallMedian: pct(w, 0.5), perSecond: ((w.length * BURST_SIZE) / busy) * 1000 });
  }
  return out;
}

export interface LabProcess {
  listeners: Record<string, { host: string; port: number }>;
  sessionDir: string;
  pid: number;
  /** With `probe`: the lab process's memory after a forced GC (bench/lab-probe.ts). */
  memory(): Promise<ProbeMemory>;
  /** With `probe`: a heap snapshot of the lab process written to `path`. */
  heapSnapshot(path: string): Promise<string>;
  stop(): Promise<void>;
}

export interface LabProcessOptions {
  /** Load bench/lab-probe.ts into the lab (with --expose-gc) to ask it about its memory. */
  probe?: boolean;
  /** More node flags for the lab's process (e.g. `--cpu-prof` to profile it). */
  nodeArgs?: string[];
  /** Run the built command (bin/mailprobe.js) rather than the sources through tsx. */
  built?: boolean;
}

/**
 * The lab as users run it: `mailprobe lab ARGS` in its own process. With `built`, the built
 * command (bin/mailprobe.js, `npm run build:node` first), exactly what users run; otherwise the
 * sources through tsx, whose transform wraps every function made at run time in a naming helper
 * (esbuild's keepNames) that costs a property definition each time: figures for speed should be
 * taken from the built command.
 */
export function startLabProcess(args: string[], opts: LabProcessOptions = {}): Promise<LabProcess> {
  const probeArgs = opts.probe ? ['--expose-gc', '--import', 'tsx', '--import', new URL('./lab-probe.ts', import.meta.url).pathname] : [];
  const code = `const m = await import(${JSON.stringify(new URL('../electron/cli/main.ts', import.meta.url).pathname)}); process.exitCode = await m.main(process.argv.slice(1));`;
  const entry = opts.built ? [new URL('../bin/mailprobe.js', import.meta.url).pathname] : ['--import', 'tsx', '--input-type=module', '-e', code];
  const child = spawn(process.execPath, [...probeArgs, ...(opts.nodeArgs ?? []), ...entry, 'lab', ...args], { env: labEnvironment(), stdio: opts.probe ? ['ignore', 'pipe', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'] });
  let nextId = 0;
  const ask = <T>(msg: Record<string, unknown>, pick: (reply: Record<string, unknown>) => T): Promise<T> => {
    if (!opts.probe || !child.connected) return Promise.reject(new Error('the lab was started without the probe'));
    const id = ++nextId;
    return new Promise((resolve, reject) => {
      const onMessage = (reply: Record<string, unknown>) => {
        if (reply.id !== id) return;
        child.off('message', onMessage);
        if (typeof reply.error === 'string') reject(new Error(reply.error));
        else resolve(pick(reply));
      };
      child.on('message', onMessage);
      child.send({ id, ...msg });
    });
  };
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^ready (.*)$/m.exec(out);
      if (m) {
        const ready = JSON.parse(m[1]) as { listeners: LabProcess['listeners']; sessionDir: string };
        resolve({
          ...ready,
          pid: child.pid!,
          memory: () => ask({ op: 'memory' }, (r) => r.memory as ProbeMemory),
          heapSnapshot: (path) => ask({ op: 'snapshot', path }, (r) => r.path as string),
          stop: () =>
            new Promise<void>((res) => {
              if (child.exitCode !== null) return res();
              child.once('exit', () => res());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.on('exit', (c) => reject(new Error(`lab exited with ${c}`)));
  });
}

/** Open files this process may have; null when 1000 concurrent sessions (two sockets each here) fit. */
export function nofileShortfall(): string | null {
  const nofile = Number(execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim());
  const need = MASSIVE * 2 + 200;
  return nofile < need ? `ulimit -n is ${nofile}, need at least ${need} (raise it with 'ulimit -n ${need}')` : null;
}

/** 1000 sessions at once; prints ok/errors and sets a failing exit code on any error. */
export async function massive(what: string, session: () => Promise<unknown>): Promise<void> {
  const short = nofileShortfall();
  if (short) {
    console.log(`\n${MASSIVE} concurrent sessions: NOT RUN: ${short}`);
    process.exitCode = 1;
    return;
  }
  const t0 = performance.now();
  const results = await Promise.allSettled(Array.from({ length: MASSIVE }, () => session()));
  const errors = results.filter((r) => r.status === 'rejected');
  const wall = performance.now() - t0;
  console.log(`\n${MASSIVE} concurrent sessions against ${what}: ${MASSIVE - errors.length} ok, ${errors.length} errors, wall ${wall.toFixed(0)} ms`);
  if (errors.length) {
    console.log(`  first error: ${(errors[0] as PromiseRejectedResult).reason}`);
    process.exitCode = 1;
  }
}

/**
 * One scripted session over a raw socket, line by line: `onLine` gets each CRLF line and a
 * writer, throws to fail the session, and says from `done()` whether the script got to its end
 * by the time the server closed. Resolves with the duration in ms.
 */
export function lineSession(port: number, onLine: (line: string, write: (data: string) => void) => void, done: () => boolean, where: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const s = connect({ port, host: '127.0.0.1' });
    s.setNoDelay(true);
    let buf = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`session timed out at ${where()}`));
    }, 60_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      s.destroy();
      reject(err);
    };
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (;;) {
        const i = buf.indexOf('\r\n');
        if (i < 0) return;
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        try {
          onLine(line, (data) => s.write(data));
        } catch (err) {
          fail(err as Error);
          return;
        }
      }
    });
    s.on('close', () => {
      clearTimeout(timer);
      if (done()) resolve(performance.now() - t0);
      else reject(new Error(`closed at ${where()}`));
    });
    s.on('error', (e) => fail(e));
  });
}
