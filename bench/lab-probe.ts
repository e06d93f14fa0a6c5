/**
 * Loaded into the lab's own process by a benchmark only (`node --expose-gc --import
 * bench/lab-probe.ts`, see startLabProcess's `probe`): answers questions about the process's
 * memory over the IPC channel, so that a memory target can tell a leak (retained heap, buffers,
 * open files) from the allocator keeping pages (resident size alone). Nothing in the lab imports it.
 */
import { readdirSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';

export interface ProbeMemory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Open file descriptors (/proc/self/fd): a session that leaks a file or socket shows here. */
  fds: number;
  /** Handles and requests keeping the event loop alive (sockets, timers, fs requests). */
  activeResources: number;
}

type Request = { id: number; op: 'memory' } | { id: number; op: 'snapshot'; path: string };

const gc = (globalThis as { gc?: () => void }).gc;

function memory(): ProbeMemory {
  // Twice: the first pass finalises what the second frees (weak callbacks, external buffers).
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    fds: readdirSync('/proc/self/fd').length,
    activeResources: process.getActiveResourcesInfo().length,
  };
}

if (process.send) {
  process.on('message', (msg: Request) => {
    try {
      if (msg.op === 'memory') process.send!({ id: msg.id, memory: memory() });
      else process.send!({ id: msg.id, path: writeHeapSnapshot(msg.path) });
    } catch (err) {
      process.send!({ id: msg.id, error: (err as Error).message });
    }
  });
  // The channel must not keep the lab alive once it is told to stop.
  process.channel?.unref();
}
