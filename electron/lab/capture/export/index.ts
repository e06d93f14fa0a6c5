/**
 * `mailprobe export SESSION --pcapng OUT`: the session as a capture file Wireshark opens (and,
 * with the secrets, decrypts). Written to a temporary file next to OUT and renamed, so a failed
 * export never leaves half a capture under the requested name.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { readEvents } from '../../recorder/read.js';
import { exportPcapng, type PcapngExportOptions, type PcapngExportSummary } from './session.js';

export { exportPcapng, SECRET_FILL } from './session.js';
export type { ExportedConnection, PcapngExportOptions, PcapngExportSummary } from './session.js';
export { MSS_IPV4, MSS_IPV6, SEGMENTS_PER_ACK } from './tcp-flow.js';

/** Blocks are gathered up to this many bytes per write (a session of 100k packets is not 100k syscalls). */
export const WRITE_BATCH_BYTES = 1024 * 1024;

export interface WrittenCapture extends PcapngExportSummary {
  file: string;
  bytes: number;
}

/** `session`: a session directory or its events.jsonl. */
export function writePcapngFile(session: string, outFile: string, opts: PcapngExportOptions = {}): WrittenCapture {
  const events = readEvents(session).sort((a, b) => a.seq - b.seq);
  const target = resolve(outFile);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  // The file can hold passwords and TLS keys: readable by its owner only, like the session itself.
  const fd = openSync(tmp, 'w', 0o600);
  let bytes = 0;
  let batch: Buffer[] = [];
  let batched = 0;
  const drain = (): void => {
    if (batched === 0) return;
    writeSync(fd, batch.length === 1 ? batch[0] : Buffer.concat(batch, batched));
    batch = [];
    batched = 0;
  };
  try {
    const summary = exportPcapng(
      events,
      (block) => {
        batch.push(block);
        batched += block.length;
        bytes += block.length;
        if (batched >= WRITE_BATCH_BYTES) drain();
      },
      opts,
    );
    drain();
    closeSync(fd);
    renameSync(tmp, target);
    return { ...summary, file: target, bytes };
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw err;
  }
}
