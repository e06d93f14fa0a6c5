/** Spawn the built CLI (`node bin/mailprobe.js …`; `npm run build:node` first) and read its ready line. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { runPeer, type RunResult } from './run.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'mailprobe.js');

export interface ReadyInfo {
  listeners: Record<string, { host: string; port: number }>;
  sessionDir: string;
  handoffUrl?: string;
}

export interface LabProcess {
  child: ChildProcessWithoutNullStreams;
  ready: ReadyInfo;
  /** stdout lines after the ready line, as they arrive. */
  lines: string[];
  stderr: () => string;
  exited: Promise<number | null>;
  /** Wait until a stdout line matches. */
  waitLine(pred: (line: string) => boolean, timeoutMs?: number): Promise<string>;
}

export interface SpawnLabOptions {
  /** Close the lab's stderr before it writes anything (its reader went away at once). */
  stderrClosed?: boolean;
}

export function spawnLab(args: string[], timeoutMs = 15_000, opts: SpawnLabOptions = {}): Promise<LabProcess> {
  const child = spawn(process.execPath, [BIN, 'lab', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  if (opts.stderrClosed) child.stderr.destroy();
  let out = '';
  let err = '';
  const lines: string[] = [];
  const watchers = new Set<() => void>();
  let running = true;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => ((running = false), resolve(code))));
  // A test that fails before it stops its lab must not leave the lab running (and its ports
  // bound) for the rest of the run.
  onTestFinished(() => {
    if (running) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    let ready: ReadyInfo | null = null;
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ready line; stderr: ${err}`));
    }, timeoutMs);
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      let i: number;
      while ((i = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, i);
        out = out.slice(i + 1);
        if (!ready) {
          if (!line.startsWith('ready ')) continue;
          ready = JSON.parse(line.slice(6)) as ReadyInfo;
          clearTimeout(t);
          resolve({
            child,
            ready,
            lines,
            stderr: () => err,
            exited,
            waitLine(pred, ms = 5000) {
              return new Promise((res, rej) => {
                const check = () => {
                  const hit = lines.find(pred);
                  if (hit !== undefined) {
                    watchers.delete(check);
                    clearTimeout(tt);
                    res(hit);
                  }
                };
                const tt = setTimeout(() => {
                  watchers.delete(check);
                  rej(new Error('timeout waiting for a stdout line'));
                }, ms);
                watchers.add(check);
                check();
              });
            },
          });
        } else {
          lines.push(line);
          for (const w of [...watchers]) w();
        }
      }
    });
    child.on('exit', (code) => {
      if (!ready) {
        clearTimeout(t);
        reject(new Error(`lab exited with ${code} before ready; stderr: ${err}`));
      }
    });
  });
}

/** Run a short CLI command to completion. */
export function runCli(args: string[], timeoutMs = 15_000): Promise<RunResult> {
  return runPeer(process.execPath, [BIN, ...args], { timeoutMs });
}
