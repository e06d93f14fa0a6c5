/**
 * `mailprobe`: the headless entry point. A thin adapter: parse the command line, call the
 * engine, print, return the exit code (0 success, 1 the work failed, 2 bad usage or input).
 * Each command lives in ./commands/<name>.ts and exports `run(argv)`.
 */
import { readMaildirAhead } from '../lab/mailbox/maildir-readahead.js';
import { exitCodeAfterOutput, tolerateGoneReader } from './output.js';
import { UsageError } from './usage.js';

const USAGE = `usage:
  mailprobe start    [--browser] [--no-open] [--port N] [--data-dir DIR]
                     (opens the wizard: Electron where available, else browser mode)
  mailprobe lab      [--bind ADDR] [--imap-port N] [--imaps-port N] [--smtp-port N] [--smtps-port N]
                     [--http-port N] [--data-dir DIR] [--mailbox MBOX_OR_MAILDIR] [--max-message-size BYTES]
                     [--profile DEVICE] [--user U] [--password P]
                     [--mechanisms LIST] [--empty-line strict|lenient] [--tls modern|legacy|auto]
                     [--smtp-auth required|optional|off] [--smtp-mechanisms LIST] [--smtp-auth-tls-only]
                     [--smtp-auth-equals-line] [--smtp-max-size BYTES] [--smtp-bare-lf reject|accept]
                     [--smtp-mail-from strict|lenient]
                     [--pop3-port N] [--pop3s-port N] [--pop3-mechanisms LIST] [--pop3-no-apop] [--pop3-tls-only]
                     [--pop3-change-mailbox off|delete|add|both]
                     [--variants off|auto] [--network trusted|untrusted] [--json] [--ui] [--ui-port N]
  mailprobe cert     --out DIR --host NAME_OR_IP... [--profile legacy|modern] [--new-ca] [--data-dir DIR]
                     (writes the lab CA and BOTH server certificates, SHA-256 and SHA-1; the lab
                     serves each client the one it can check; --profile no longer chooses)
  mailprobe diagnose SESSION_DIR | events.jsonl | capture.pcap  [--json] [--network trusted|untrusted]
  mailprobe report   SESSION_DIR --out report.pdf [--include-secrets]
                     [--technician NAME] [--ticket ID] [--paper a4|letter]
  mailprobe export   SESSION_DIR --pcapng OUT.pcapng [--include-secrets]
                     (the session as a capture Wireshark opens; redacted unless --include-secrets)
  mailprobe sessions [--data-dir DIR] [--json]
  mailprobe simulate SCENARIO --host H --port N [--tls]
                     [--user U] [--password P] [--pause-ms N] [--data-dir DIR] [--quiet] [--list]`;

/** The usage lines of one command (its line in USAGE and the continuation lines under it). */
function commandUsage(name: string): string {
  const lines = USAGE.split('\n').slice(1);
  const start = lines.findIndex((l) => l.startsWith(`  mailprobe ${name} `));
  if (start < 0) return USAGE;
  let end = start + 1;
  while (end < lines.length && !lines[end].startsWith('  mailprobe ')) end++;
  return 'usage:\n' + lines.slice(start, end).join('\n');
}

type CommandModule = { run(argv: string[]): Promise<number> };

const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  start: () => import('./commands/start.js'),
  lab: () => import('./commands/lab.js'),
  cert: () => import('./commands/cert.js'),
  diagnose: () => import('./commands/diagnose.js'),
  report: () => import('./commands/report.js'),
  export: () => import('./commands/export.js'),
  sessions: () => import('./commands/sessions.js'),
  simulate: () => import('./commands/simulate.js'),
};

/** The value of --mailbox (`--mailbox X` or `--mailbox=X`), as the command's own parser will read it. */
function mailboxArgument(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') return undefined;
    if (args[i] === '--mailbox') return args[i + 1];
    if (args[i].startsWith('--mailbox=')) return args[i].slice('--mailbox='.length);
  }
  return undefined;
}

export async function main(argv: string[]): Promise<number> {
  tolerateGoneReader(process.stdout, 'stdout');
  tolerateGoneReader(process.stderr, 'stderr');
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`mailprobe: unknown command '${name}' (try: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandUsage(name) + '\n');
    if (name === 'simulate') {
      const { SCENARIOS } = await import('../lab/simulate/index.js');
      process.stdout.write('scenarios:\n' + SCENARIOS.map((s) => `  ${s.id.padEnd(34)} ${s.title}`).join('\n') + '\n');
    }
    return 0;
  }
  // `lab --mailbox DIR`: a Maildir's names are read on the threadpool while the lab's modules
  // load, so the scan of a large Maildir overlaps the start instead of following it.
  if (name === 'lab') {
    const mailbox = mailboxArgument(rest);
    if (mailbox) void readMaildirAhead(mailbox);
  }
  try {
    const mod = await load();
    return exitCodeAfterOutput(await mod.run(rest));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`mailprobe ${name}: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`mailprobe ${name}: ${(err as Error).message}\n`);
    if (process.env.MAILPROBE_DEBUG) process.stderr.write(String((err as Error).stack) + '\n');
    return 1;
  }
}
