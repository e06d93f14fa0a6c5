/**
 * `mailprobe diagnose SESSION_DIR | events.jsonl | capture.pcap[ng] [--json] [--network trusted|untrusted]
 *                    [--keylog FILE] [--server-key KEY.pem]`
 * Prints the readable timeline (attempts with ✓/✗ steps, findings with advice), or with --json
 * the Diagnosis of DESIGN.md. Exit 0 whatever the verdict (a failing phone is not a failing
 * command); 2 with one line when the input is missing or unreadable.
 * A capture is read as a stream by Mailprobe's own reader (electron/lab/capture/reader) and
 * its events go straight into the incremental diagnosis: the file is never held in memory.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import type { DeviceProfile, LabEvent } from '../../api.js';
import { IncrementalDiagnosis, diagnose, formatDiagnosis } from '../../lab/diagnosis/index.js';
import { defaultProfilesDir } from '../../lab/package-root.js';
import { loadProfiles } from '../../lab/profiles/index.js';
import { CAPTURE_MAGICS, CaptureFormatError, readCapture, readKeyLogFile, readServerKeys } from '../../lab/capture/reader/index.js';
import { readEvents } from '../../lab/recorder/index.js';
import { NETWORK_TRUST, UsageError, oneOf, parseFlags } from '../usage.js';
import type { Diagnosis, NetworkTrust } from '../../api.js';

function isCapture(path: string): boolean {
  try {
    if (statSync(path).isDirectory()) return false;
    const fd = openSync(path, 'r');
    const buf = Buffer.alloc(4);
    const n = readSync(fd, buf, 0, 4, 0);
    closeSync(fd);
    if (n === 4 && CAPTURE_MAGICS.includes(buf.toString('hex'))) return true;
  } catch {
    return false;
  }
  return /\.(pcap|pcapng|cap)$/i.test(path);
}

function checkExists(input: string): void {
  try {
    statSync(input);
  } catch (err) {
    throw new UsageError(`cannot read ${input}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
}

function loadEvents(input: string): LabEvent[] {
  try {
    return readEvents(input);
  } catch (err) {
    throw new UsageError(`cannot read ${input}: ${(err as Error).message.split('\n')[0]}`);
  }
}

interface CaptureInput {
  keyLog: string[];
  serverKeys: KeyObject[];
}

async function diagnoseCapture(path: string, secrets: CaptureInput, network: NetworkTrust | undefined, profiles: DeviceProfile[]): Promise<Diagnosis> {
  const engine = new IncrementalDiagnosis({ network, profiles });
  try {
    await readCapture(path, (ev) => engine.push(ev), { ...secrets, profiles });
  } catch (err) {
    if (err instanceof CaptureFormatError || (err as NodeJS.ErrnoException).code) throw new UsageError(`cannot read capture ${path}: ${(err as Error).message}`);
    throw err;
  }
  return engine.result();
}

function readSecrets(keylog: string | undefined, serverKeys: string[]): CaptureInput {
  const out: CaptureInput = { keyLog: [], serverKeys: [] };
  if (keylog !== undefined) {
    try {
      out.keyLog = readKeyLogFile(keylog);
    } catch (err) {
      throw new UsageError(`cannot read key log ${keylog}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  for (const k of serverKeys) {
    try {
      out.serverKeys.push(...readServerKeys(k));
    } catch (err) {
      throw new UsageError(`cannot read server key ${k}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return out;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    json: { type: 'boolean' },
    network: { type: 'string' },
    keylog: { type: 'string' },
    'server-key': { type: 'string', multiple: true },
  });
  if (positionals.length !== 1) throw new UsageError('expected one SESSION_DIR, events.jsonl or capture.pcap');
  // Without the flag: what the lab recorded in lab.start (its own network unless the technician said otherwise).
  const network = values.network === undefined ? undefined : oneOf('network', values.network, NETWORK_TRUST, 'trusted');
  const input = positionals[0];
  checkExists(input);
  const profiles = loadProfiles(defaultProfilesDir());
  const serverKeyPaths = (values['server-key'] as string[] | undefined) ?? [];
  const capture = isCapture(input);
  if (!capture && (values.keylog !== undefined || serverKeyPaths.length > 0)) throw new UsageError('--keylog and --server-key apply to a capture (pcap or pcapng) only');
  const d = capture
    ? await diagnoseCapture(input, readSecrets(values.keylog as string | undefined, serverKeyPaths), network, profiles)
    : diagnose(loadEvents(input), { network, profiles });
  process.stdout.write(values.json ? JSON.stringify(d, null, 2) + '\n' : formatDiagnosis(d));
  return 0;
}
