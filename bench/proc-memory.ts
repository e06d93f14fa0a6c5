/**
 * Resident memory of benchmarked servers, from /proc (Linux): one process (VmRSS, and VmHWM,
 * its own peak), or a Dovecot master's children sampled while they run (imap processes come and
 * go with connections, so their peak is what the samples saw, plus each one's VmHWM).
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcMemory {
  rss: number;
  hwm: number;
  name: string;
  ppid: number;
}

/** kB fields of /proc/PID/status, in bytes; null once the process is gone. */
export function procMemory(pid: number): ProcMemory | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (name: string) => new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(status)?.[1] ?? '';
  const kb = (name: string) => Number(/^(\d+)/.exec(field(name))?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), name: field('Name').trim(), ppid: Number(field('PPid')) };
}

function childrenOf(ppid: number): Array<{ pid: number; mem: ProcMemory }> {
  const out: Array<{ pid: number; mem: ProcMemory }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const mem = procMemory(Number(entry));
    if (mem && mem.ppid === ppid) out.push({ pid: Number(entry), mem });
  }
  return out;
}

export interface MemoryWatch {
  /** Peak of the summed VmRSS of the watched processes over the samples. */
  peakSum: number;
  /** Largest VmHWM any watched process reported. */
  peakOne: number;
  /** Called on every sample with the current sum (a guard can stop a runaway server). */
  stop(): void;
}

/**
 * Sample every `everyMs`: the process `pid` alone, or (`children`) its children whose name is
 * in `names` (Dovecot's "imap" processes under the master).
 */
export function watchMemory(pid: number, opts: { everyMs: number; children?: boolean; names?: string[]; onSample?: (sum: number) => void }): MemoryWatch {
  const w: MemoryWatch = { peakSum: 0, peakOne: 0, stop: () => clearInterval(timer) };
  const sample = () => {
    const procs = opts.children ? childrenOf(pid).filter((c) => !opts.names || opts.names.includes(c.mem.name)) : [{ pid, mem: procMemory(pid) }].filter((p): p is { pid: number; mem: ProcMemory } => p.mem !== null);
    let sum = 0;
    for (const p of procs) {
      sum += p.mem.rss;
      w.peakOne = Math.max(w.peakOne, p.mem.hwm);
    }
    w.peakSum = Math.max(w.peakSum, sum);
    opts.onSample?.(sum);
  };
  const timer = setInterval(sample, opts.everyMs);
  sample();
  return w;
}
