/**
 * `mailprobe diagnose SESSION_DIR | events.jsonl | capture.pcap [--json]`
 * Prints the readable timeline (attempts with ✓/✗ steps, findings with advice), or with --json
 * the Diagnosis of DESIGN.md. Exit 0 whatever the verdict (a failing phone is not a failing
 * command); 2 with one line when the input is missing or unreadable.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { LabEvent } from '../../api.js';
import { diagnose, formatDiagnosis } from '../../lab/diagnosis/index.js';
import { defaultProfilesDir } from '../../lab/package-root.js';
import { loadProfiles } from '../../lab/profiles/index.js';
import { eventsFromTsharkFields, tsharkArgs } from '../../lab/diagnosis/pcap.js';
import { readEvents } from '../../lab/recorder/index.js';
import { UsageError, parseFlags } from '../usage.js';

/** pcap (both byte orders, µs and ns) and pcapng magic numbers. */
const PCAP_MAGICS = ['a1b2c3d4', 'd4c3b2a1', 'a1b23c4d', '4d3cb2a1', '0a0d0d0a'];

function isPcap(path: string): boolean {
  if (/\.(pcap|pcapng|cap)$/i.test(path)) return true;
  try {
    if (statSync(path).isDirectory()) return false;
    const fd = openSync(path, 'r');
    const buf = Buffer.alloc(4);
    readSync(fd, buf, 0, 4, 0);
    closeSync(fd);
    return PCAP_MAGICS.includes(buf.toString('hex'));
  } catch {
    return false;
  }
}

function readPcap(path: string): LabEvent[] {
  const r = spawnSync('tshark', tsharkArgs(path), { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  if (r.error) throw new UsageError(`cannot read capture ${path}: tshark is not available (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`);
  if (r.status !== 0) throw new UsageError(`cannot read capture ${path}: ${(r.stderr || 'tshark failed').trim().split('\n')[0]}`);
  return eventsFromTsharkFields(r.stdout);
}

function loadEvents(input: string): LabEvent[] {
  try {
    statSync(input);
  } catch (err) {
    throw new UsageError(`cannot read ${input}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  if (isPcap(input)) return readPcap(input);
  try {
    return readEvents(input);
  } catch (err) {
    throw new UsageError(`cannot read ${input}: ${(err as Error).message.split('\n')[0]}`);
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('expected one SESSION_DIR, events.jsonl or capture.pcap');
  const events = loadEvents(positionals[0]);
  const d = diagnose(events, { profiles: loadProfiles(defaultProfilesDir()) });
  process.stdout.write(values.json ? JSON.stringify(d, null, 2) + '\n' : formatDiagnosis(d));
  return 0;
}
