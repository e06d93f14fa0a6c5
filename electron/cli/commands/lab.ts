/**
 * `mailprobe lab` (DESIGN.md, "The command line"): start the lab, print one `ready {json}` line
 * when every listener is up, with --json every event as one JSON line after it, and stop
 * cleanly on SIGINT/SIGTERM/SIGHUP (lab.stop recorded, exit 0). Bad options: exit 2, one line.
 * A stdout or stderr whose reader went away is written no more (./output.ts); the lab goes on.
 */
import { qrTerminal } from '../../lab/handoff/index.js';
import { indexingText, type LabEvent, type NoteEvent } from '../../api.js';
import { isTakeableMessageSize, MAX_MESSAGE_SIZE_OPTION_BYTES, MIN_MESSAGE_SIZE_OPTION_BYTES, startLab, UnknownProfileError, type StartedLab } from '../../lab/lab.js';
import type { MailboxFileError } from '../../lab/mailbox/index.js';
import type { LabOptions } from '../../lab/lab-types.js';
import { readEvents, redactEvent } from '../../lab/recorder/index.js';
import { isSaslMechanismName } from '../../lab/sasl/index.js';
import type { SaslMechanismName } from '../../lab/sasl/types.js';
import { outputStream, type StreamGone } from '../output.js';
import { NETWORK_TRUST, UsageError, oneOf, parseFlags, parsePort } from '../usage.js';

const FLAGS = {
  bind: { type: 'string' },
  'imap-port': { type: 'string' },
  'imaps-port': { type: 'string' },
  'smtp-port': { type: 'string' },
  'smtps-port': { type: 'string' },
  'pop3-port': { type: 'string' },
  'pop3s-port': { type: 'string' },
  'pop3-mechanisms': { type: 'string' },
  'pop3-no-apop': { type: 'boolean' },
  'pop3-tls-only': { type: 'boolean' },
  'pop3-change-mailbox': { type: 'string' },
  'http-port': { type: 'string' },
  'data-dir': { type: 'string' },
  mailbox: { type: 'string' },
  'max-message-size': { type: 'string' },
  profile: { type: 'string' },
  user: { type: 'string' },
  password: { type: 'string' },
  mechanisms: { type: 'string' },
  'empty-line': { type: 'string' },
  variants: { type: 'string' },
  tls: { type: 'string' },
  'smtp-auth': { type: 'string' },
  'smtp-mechanisms': { type: 'string' },
  'smtp-auth-tls-only': { type: 'boolean' },
  'smtp-auth-equals-line': { type: 'boolean' },
  'smtp-max-size': { type: 'string' },
  'smtp-bare-lf': { type: 'string' },
  'smtp-mail-from': { type: 'string' },
  network: { type: 'string' },
  json: { type: 'boolean' },
  ui: { type: 'boolean' },
  'ui-port': { type: 'string' },
} as const;

function optionalPort(flag: string, value: string | undefined): number | undefined {
  return value === undefined ? undefined : parsePort(flag, value, 0);
}

function parseMechanisms(value: string | undefined, flag = 'mechanisms'): SaslMechanismName[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  if (names.length === 0) throw new UsageError(`--${flag} needs a comma-separated list, e.g. CRAM-MD5,PLAIN`);
  for (const n of names) {
    if (!isSaslMechanismName(n)) throw new UsageError(`--${flag}: unknown mechanism '${n}' (PLAIN, LOGIN, CRAM-MD5, DIGEST-MD5)`);
  }
  return [...new Set(names)] as SaslMechanismName[];
}

/** A size flag: digits only, a whole number of bytes; `ok` says whether the lab can take it, `range` says what it can. */
function parseByteCount(flag: string, value: string | undefined, ok: (n: number) => boolean, range: string): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!ok(n)) throw new UsageError(`--${flag} must be a number of bytes ${range}, got '${value}'`);
  return n;
}

/** The flags as LabOptions. */
export function labOptionsFromArgv(argv: string[]): { options: Partial<LabOptions>; json: boolean; ui: boolean; uiPort?: number; notes: string[] } {
  const { values, positionals } = parseFlags(argv, FLAGS, true);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const notes: string[] = [];
  if (values.user !== undefined && (values.user === '' || /[\s"\\]/.test(values.user))) {
    throw new UsageError('--user must be non-empty, without spaces, quotes or backslashes');
  }
  if (values.password !== undefined && (values.password === '' || /[\r\n]/.test(values.password))) {
    throw new UsageError('--password must be non-empty and on one line');
  }
  const options: Partial<LabOptions> = {
    bind: values.bind,
    imapPort: optionalPort('imap-port', values['imap-port']),
    imapsPort: optionalPort('imaps-port', values['imaps-port']),
    httpPort: optionalPort('http-port', values['http-port']),
    dataDir: values['data-dir'],
    mailbox: values.mailbox,
    maxMessageSize: parseByteCount('max-message-size', values['max-message-size'], isTakeableMessageSize, `from ${MIN_MESSAGE_SIZE_OPTION_BYTES} to ${MAX_MESSAGE_SIZE_OPTION_BYTES}`),
    profile: values.profile,
    user: values.user,
    password: values.password,
    mechanisms: parseMechanisms(values.mechanisms),
    variants: values.variants === undefined ? undefined : oneOf('variants', values.variants, ['off', 'auto'] as const, 'off'),
    emptyLine: values['empty-line'] === undefined ? undefined : oneOf('empty-line', values['empty-line'], ['strict', 'lenient'] as const, 'strict'),
    tls: values.tls === undefined ? undefined : oneOf('tls', values.tls, ['modern', 'legacy', 'auto'] as const, 'auto'),
    smtpPort: optionalPort('smtp-port', values['smtp-port']),
    smtpsPort: optionalPort('smtps-port', values['smtps-port']),
    smtpAuth: values['smtp-auth'] === undefined ? undefined : oneOf('smtp-auth', values['smtp-auth'], ['required', 'optional', 'off'] as const, 'required'),
    smtpMechanisms: parseMechanisms(values['smtp-mechanisms'], 'smtp-mechanisms'),
    smtpAuthTlsOnly: values['smtp-auth-tls-only'],
    smtpLegacyAuthLine: values['smtp-auth-equals-line'],
    // At least 1 KiB, as for the store: a message needs its header.
    smtpMaxSize: parseByteCount('smtp-max-size', values['smtp-max-size'], (n) => n >= MIN_MESSAGE_SIZE_OPTION_BYTES, `of at least ${MIN_MESSAGE_SIZE_OPTION_BYTES}`),
    smtpBareLf: values['smtp-bare-lf'] === undefined ? undefined : oneOf('smtp-bare-lf', values['smtp-bare-lf'], ['reject', 'accept'] as const, 'accept'),
    pop3Port: optionalPort('pop3-port', values['pop3-port']),
    pop3sPort: optionalPort('pop3s-port', values['pop3s-port']),
    pop3Mechanisms: parseMechanisms(values['pop3-mechanisms'], 'pop3-mechanisms'),
    pop3Apop: values['pop3-no-apop'] ? false : undefined,
    pop3PlaintextWithoutTls: values['pop3-tls-only'] ? false : undefined,
    pop3MailboxChange: values['pop3-change-mailbox'] === undefined ? undefined : oneOf('pop3-change-mailbox', values['pop3-change-mailbox'], ['off', 'delete', 'add', 'both'] as const, 'off'),
    smtpMailFrom: values['smtp-mail-from'] === undefined ? undefined : oneOf('smtp-mail-from', values['smtp-mail-from'], ['strict', 'lenient'] as const, 'lenient'),
    network: values.network === undefined ? undefined : oneOf('network', values.network, NETWORK_TRUST, 'trusted'),
  };
  for (const k of Object.keys(options) as Array<keyof LabOptions>) if (options[k] === undefined) delete options[k];
  return { options, json: values.json ?? false, ui: values.ui ?? false, uiPort: optionalPort('ui-port', values['ui-port']), notes };
}

/**
 * How long after the ready line the hand-off QR code is drawn: a client that connects at once
 * (a script, a benchmark) has its first commands served before the QR library is loaded, which
 * costs tens of milliseconds of CPU. A person reading the terminal does not notice the wait.
 */
export const QR_DRAW_DELAY_MS = 300;

type NoteInput = Omit<NoteEvent, 'seq' | 't'>;

/**
 * The signals that end the lab cleanly (listeners closed, lab.stop recorded, exit 0): Ctrl+C, a
 * supervisor's stop, and the terminal the lab runs in being closed (SIGHUP, whose default would
 * end the process with the session never closed).
 */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function run(argv: string[]): Promise<number> {
  const { options, json, ui, uiPort, notes } = labOptionsFromArgv(argv);
  // When stdout or stderr goes away (its reader exited: `| head -1`, a jq that quit, a parent
  // that died), the lab goes on serving and stops writing to that stream; it does not exit.
  // Exiting would lose what the phone does next (a technician mid-test, the wizard with --ui,
  // a script that read the ready line and only needs the lab to keep running), while going on
  // loses nothing: every event is in events.jsonl, and a note there says when the stream went.
  // Ending the session stays what it always was: a stop signal (STOP_SIGNALS), by the lab's pid.
  // A vanished reader is seen at the next write to its stream (the kernel tells nobody sooner).
  const started: { lab?: StartedLab } = {};
  const goneBeforeStart: NoteInput[] = []; // recorded once the lab (and its session) exists
  const streamGone = (stream: 'stdout' | 'stderr') => (why: StreamGone) => {
    const note: NoteInput = {
      kind: 'note',
      text: `${stream} went away (${why.code}): the lab goes on serving and recording here, without writing to it`,
      data: { stream, code: why.code },
    };
    if (!started.lab) goneBeforeStart.push(note);
    else if (!started.lab.recorder.closed) started.lab.recorder.record(note);
  };
  const out = outputStream(process.stdout, streamGone('stdout'));
  const err = outputStream(process.stderr, streamGone('stderr'));
  const say = (text: string) => err.write(`mailprobe lab: ${text}\n`);
  for (const n of notes) say(n);
  let lab: StartedLab;
  let uiHandle: { url: string; close(): Promise<void> } | undefined;
  // Browser mode (DESIGN.md): the wizard's control server on loopback, showing this lab. Started
  // as soon as the lab is bound, so that the wizard shows a --mailbox being indexed, live.
  const startUi = async (bound: StartedLab) => {
    try {
      const { startControlServer } = await import('../../lab/control/server.js');
      uiHandle = await startControlServer({ port: uiPort ?? 0, lab: bound, dataDir: bound.options.dataDir });
      if (bound.options.mailbox) say(`the wizard is at ${uiHandle.url} (the mailbox is being indexed)`);
    } catch (e) {
      say(`--ui could not start (${(e as Error).message.split('\n')[0]}); running without the UI`);
    }
  };
  try {
    const indexingStarted = Date.now();
    lab = await startLab({
      ...options,
      onWarning: say,
      // A few lines a second at most (the lab throttles them); each line says where indexing is.
      onIndexing: (p) => say(indexingText(p, p.done ? Date.now() - indexingStarted : undefined)),
      onBound: ui ? startUi : undefined,
    });
  } catch (e) {
    await uiHandle?.close().catch(() => undefined);
    // A --mailbox that is not an mbox or a Maildir, a --bind that is not an address, a
    // --profile that names no profile (startLab checks it first, with the profiles it loads): bad input.
    if (e instanceof UnknownProfileError) throw new UsageError(`--profile must be one of ${e.known.join(', ')}, got '${e.id}'`);
    const failure = e as Error;
    if (failure.name === 'MailboxFileError' || e instanceof TypeError) {
      const line = failure.message.split('\n')[0];
      // One message of the customer's mailbox past the limit: the technician can raise it.
      const past = (e as Partial<MailboxFileError>).messageLimit !== undefined;
      throw new UsageError(past ? `${line}; --max-message-size BYTES raises the limit (up to ${MAX_MESSAGE_SIZE_OPTION_BYTES})` : line);
    }
    throw e;
  }
  started.lab = lab;
  for (const note of goneBeforeStart) lab.recorder.record(note);

  // Last line of defence (nothing a phone sends may kill the lab): a stray exception
  // from a timer or a socket callback is recorded as lab.error and the lab keeps serving.
  // Its message goes through `say`, which cannot fail: a handler whose own report threw again
  // would be called again, forever.
  process.on('uncaughtException', (e) => {
    lab.recorder.record({ kind: 'lab.error', where: 'process', message: e?.message ?? String(e), stack: e?.stack });
    lab.recorder.flush();
    say(`internal error recorded: ${e?.message ?? String(e)}`);
  });

  const ready: Record<string, unknown> = { listeners: lab.listeners, sessionDir: lab.sessionDir };
  if (lab.handoffUrl) ready.handoffUrl = lab.handoffUrl;
  if (uiHandle) ready.uiUrl = uiHandle.url;
  ready.account = { user: lab.account.user };
  const where = Object.entries(lab.listeners).map(([k, v]) => `${k} ${v.host}:${v.port}`).join(', ');
  say(`${where}; account: user ${lab.account.user}, password ${lab.account.password}`);

  // Signal handlers go in before the ready line: a supervisor may signal as soon as it reads it.
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      for (const s of STOP_SIGNALS) process.removeAllListeners(s);
      void (async () => {
        await uiHandle?.close().catch(() => undefined);
        await lab.stop(signal);
        // Nothing should keep the process alive now; if something does, do not hang the terminal.
        setTimeout(() => process.exit(0), 3000).unref();
        resolve(0);
      })();
    };
    for (const s of STOP_SIGNALS) process.once(s, stop);
  });

  const writeLine = (line: string) => out.write(line + '\n');
  if (json) {
    // Events recorded before the ready line (lab.start) follow it, then every new one, live,
    // until stdout goes away (then nothing reads them; they are all in events.jsonl).
    lab.recorder.flush();
    const earlier = readEvents(lab.sessionDir);
    writeLine('ready ' + JSON.stringify(ready));
    for (const ev of earlier) writeLine(JSON.stringify(redactEvent(ev)));
    const unsubscribe = lab.recorder.subscribe((ev: LabEvent) => {
      if (out.gone) unsubscribe();
      else writeLine(JSON.stringify(redactEvent(ev)));
    });
  } else {
    writeLine('ready ' + JSON.stringify(ready));
  }
  if (lab.handoffUrl) {
    // The short URL to type on a keypad, and the same as a QR code for phones that scan, on
    // stderr (stdout carries only the ready line and --json events, for scripts). The QR code a
    // moment after the ready line: drawing it loads the QR library, and the lab serves meanwhile.
    const handoffUrl = lab.handoffUrl;
    say(`on the phone's browser open ${handoffUrl}`);
    setTimeout(() => {
      if (err.gone) return; // nobody would see it
      void qrTerminal(handoffUrl, { ansi: Boolean(process.stderr.isTTY) }).then(
        (qr) => err.write(`${qr}\n`),
        () => undefined, // the URL is there to type
      );
    }, QR_DRAW_DELAY_MS).unref(); // a lab stopped meanwhile exits without drawing it
  }

  return await stopped;
}
