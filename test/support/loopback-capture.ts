/**
 * A real capture of loopback traffic with dumpcap (Wireshark's capture engine, root here):
 * started, waited for until it really captures, and stopped so the file is complete.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** Time between dumpcap's "Capturing on" and packets really being captured. */
export const CAPTURE_SETTLE_MS = 500;

/**
 * Time given to dumpcap to read the last packets from its socket before it is stopped: SIGTERM
 * ends its reading, and what it had not read yet is lost. On a busy machine (the whole suite
 * at load 8 and more) 200 ms lost the last packets of a session.
 */
export const CAPTURE_DRAIN_MS = 1000;

export interface LoopbackCapture {
  file: string;
  /** Stop capturing (SIGTERM: dumpcap finishes the file) and wait for it to exit. */
  stop(): Promise<void>;
}

export function dumpcapUsable(): boolean {
  const r = spawnSync('dumpcap', ['-D'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 && /\blo\b/.test(r.stdout) && (process.getuid?.() === 0 || /any/.test(r.stdout));
}

/** Capture TCP on the given ports: `-i lo` gives Ethernet frames, `-i any` Linux cooked (SLL/SLL2). */
export async function startLoopbackCapture(file: string, ports: number[], opts: { iface?: 'lo' | 'any'; format?: 'pcapng' | 'pcap' } = {}): Promise<LoopbackCapture> {
  const filter = ports.map((p) => `tcp port ${p}`).join(' or ');
  const args = ['-i', opts.iface ?? 'lo', '-f', filter, '-w', file, ...(opts.format === 'pcap' ? ['-P'] : [])];
  const child: ChildProcess = spawn('dumpcap', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never left running behind a failed start.
      child.kill('SIGTERM');
      reject(new Error(`dumpcap did not start: ${stderr}`));
    }, 10_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      // "Capturing on 'Loopback: lo'": the filter is compiled and the socket is open.
      if (/Capturing on/.test(stderr)) {
        clearTimeout(timer);
        // dumpcap says so before the kernel really delivers on "any": packets of the next
        // few hundred ms were seen missing. Its file is written only at the end, so there is
        // nothing to poll: a short wait.
        setTimeout(resolve, CAPTURE_SETTLE_MS);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dumpcap exited (${code}): ${stderr}`));
    });
  });
  return {
    file,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        // Let dumpcap read the last packets before stopping.
        setTimeout(() => child.kill('SIGTERM'), CAPTURE_DRAIN_MS);
      }),
  };
}
