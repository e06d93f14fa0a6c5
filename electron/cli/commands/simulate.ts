/**
 * `mailprobe simulate SCENARIO --host H --port N [--tls] [--user U] [--password P] [--pause-ms N]`
 * `mailprobe simulate --list`
 * Runs a scripted phone (electron/lab/simulate) against the lab or any IMAP server and prints
 * what it sent and received. The account defaults to the lab's (user "phone", the password kept
 * in the data directory's account.json); the lab prints it when it starts.
 * Exit 0 when the phone played its script to the end, 1 when the server did not play along,
 * 2 for bad usage.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCOUNT_FILE, DEFAULT_USER } from '../../lab/account.js';
import { defaultDataDir } from '../../lab/paths.js';
import { SCENARIOS, expectedFindings, runScenario, scenario } from '../../lab/simulate/index.js';
import { UsageError, parseFlags, parsePort } from '../usage.js';

function storedAccount(dataDir: string): { user?: string; password?: string } {
  const file = join(dataDir, ACCOUNT_FILE);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { user?: string; password?: string };
  } catch {
    return {};
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    host: { type: 'string' },
    port: { type: 'string' },
    tls: { type: 'boolean' },
    user: { type: 'string' },
    password: { type: 'string' },
    'pause-ms': { type: 'string' },
    'data-dir': { type: 'string' },
    list: { type: 'boolean' },
    quiet: { type: 'boolean' },
  });
  if (values.list) {
    const mark = { imap: '      ', imaps: '[993] ', smtp: '[587] ', smtps: '[465] ', pop3: '[110] ', pop3s: '[995] ' } as const;
    for (const s of SCENARIOS) process.stdout.write(`${s.id.padEnd(34)} ${mark[s.listener]}${s.title}\n${''.padEnd(41)}source: ${s.source}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one SCENARIO (try: ${SCENARIOS.map((s) => s.id).join(', ')})`);
  let s;
  try {
    s = scenario(positionals[0]);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const host = values.host ?? '127.0.0.1';
  if (values.port === undefined) throw new UsageError(`--port N is required (the lab's ${s.listener.toUpperCase()} port, from its ready line)`);
  const port = parsePort('port', values.port, 0);
  let pauseMs: number | undefined;
  if (values['pause-ms'] !== undefined) {
    if (!/^\d+$/.test(values['pause-ms'])) throw new UsageError(`--pause-ms must be a number of milliseconds, got '${values['pause-ms']}'`);
    pauseMs = Number(values['pause-ms']);
  }
  const stored = storedAccount(values['data-dir'] ?? defaultDataDir());
  const user = values.user ?? stored.user ?? DEFAULT_USER;
  const password = values.password ?? stored.password;
  if (password === undefined && s.id !== 'nokia6233-ssl-no-ca' && s.id !== 'nokia6233-ssl-ca-no-command') {
    throw new UsageError('--password is required (no lab account found; the lab prints its account when it starts)');
  }
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  try {
    process.stdout.write(`# ${s.id}: ${s.title}\n# source: ${s.source}\n`);
    const r = await runScenario(s.id, {
      host,
      port,
      tls: values.tls === true,
      user,
      password: password ?? '',
      pauseMs,
      signal: ac.signal,
      onLine: values.quiet ? undefined : (l) => process.stdout.write(l + '\n'),
    });
    for (const n of r.notes) process.stdout.write(`# ${n}\n`);
    process.stdout.write(`# done; the lab's diagnosis should show: ${expectedFindings(s.id, { pauseMs, tls: values.tls === true }).join(', ')}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`mailprobe simulate: ${s.id} stopped: ${(err as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
  }
}
