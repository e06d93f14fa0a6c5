/**
 * The engine side of the wizard's API (electron/api.ts, Requests): one object that answers
 * `call(method, params)` and feeds subscribers the live stream. Electron main (over IPC) and the
 * browser-mode control server (over HTTP/SSE) are both thin transports over it.
 *
 * The diagnosis runs here, incrementally, on every event; the UI only renders what it is sent.
 * Events are batched (STREAM_BATCH_MS) so a burst of 50,000 costs a few messages, not 50,000.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type {
  ApiError,
  ListenerName,
  ApiMethod,
  ApiParams,
  ApiResult,
  ApiStreamMessage,
  AppInfo,
  Diagnosis,
  LabEvent,
  LabStartRequest,
  LabStatus,
  Pop3MailboxChange,
  SessionSummary,
  TestPlanItem,
  UiMode,
} from '../../api.js';
import { API_METHODS } from '../../api.js';
import type { LabOptions, RunningLab } from '../lab-types.js';
import { readEvents } from '../recorder/read.js';
import { isCaptureOnly } from '../recorder/redact.js';
import type { EngineDeps, IncrementalDiagnosisLike } from './deps.js';
import { firewallHint, listNetworkInterfaces } from './net.js';
import { loadProfiles } from '../profiles/index.js';
import { defaultProfilesDir, packageVersion } from '../package-root.js';

const POP3_MAILBOX_CHANGES: readonly Pop3MailboxChange[] = ['off', 'delete', 'add', 'both'];

/** Events are forwarded to the UI in batches at most this often. */
export const STREAM_BATCH_MS = 50;
/** The diagnosis is recomputed and pushed at most this often while events flow. */
export const DIAGNOSIS_INTERVAL_MS = 250;
/** A subscriber's initial replay is cut into messages of this many events. */
export const SNAPSHOT_CHUNK = 5000;
/** Refused control requests recorded into one session; more are only counted. */
export const MAX_RECORDED_REFUSALS = 50;
/**
 * The simulated Nokia's pause after its stray empty line in demo mode: the seed's phone waits
 * 20 s; 6 s keeps the demo short and still above the 5 s that makes a slow-client-gap finding.
 */
export const DEMO_PAUSE_MS = 6000;

/** Port sets the technician can choose: the phone accepts any port typed in its settings. */
export const PORT_SETS = {
  /** The lab's defaults: 143/993 (SMTP 587/465, POP3 110/995) when allowed, else its own unprivileged fallbacks (1143/1993, 1110/1995). */
  standard: {},
  high: { imapPort: 1143, imapsPort: 1993, smtpPort: 1587, smtpsPort: 1465, pop3Port: 1110, pop3sPort: 1995, httpPort: 8080 },
  // Every listener, SMTP too: a default port left in a set would collide with another lab.
  any: { imapPort: 0, imapsPort: 0, smtpPort: 0, smtpsPort: 0, pop3Port: 0, pop3sPort: 0, httpPort: 0 },
} as const;

/** Every mechanism, so any phone setting can be tested without restarting the lab. */
const WIZARD_MECHANISMS: LabOptions['mechanisms'] = ['CRAM-MD5', 'DIGEST-MD5', 'LOGIN', 'PLAIN'];

export interface EngineOptions {
  mode: UiMode;
  dataDir: string;
  deps: EngineDeps;
  /** A lab started by `mailprobe lab --ui`: the wizard shows it and does not stop it. */
  lab?: RunningLab;
  /** Options the wizard's lab starts with (tests shorten timeouts, choose ports). */
  labDefaults?: Partial<LabOptions>;
  profilesDir?: string;
  /** Overrides for tests. */
  batchMs?: number;
  diagnosisMs?: number;
  demoPauseMs?: number;
}

export interface Refusal {
  status: number;
  reason: string;
  method: string;
  path: string;
  remote?: string;
  origin?: string;
  host?: string;
}

/**
 * Lines of a file and its first line, read in 1 MiB chunks: a session can be hundreds of
 * megabytes (MAX_RECORDED_BYTES) and the session list must not load it whole.
 */
export function countLines(file: string): { lines: number; first: string } {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let lines = 0;
  let first: string | undefined;
  let head = '';
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      let at = buf.indexOf(10);
      if (first === undefined) {
        head += buf.toString('utf8', 0, at === -1 || at >= n ? n : at);
        if (at !== -1 && at < n) first = head;
      }
      while (at !== -1 && at < n) {
        lines++;
        at = buf.indexOf(10, at + 1);
      }
    }
  } finally {
    closeSync(fd);
  }
  return { lines, first: first ?? head };
}

export function apiError(code: ApiError['error']['code'], message: string): ApiError {
  return { error: { code, message } };
}

export function isApiError(x: unknown): x is ApiError {
  return !!x && typeof x === 'object' && 'error' in x && typeof (x as ApiError).error?.message === 'string';
}

interface WizardFile {
  label?: string;
  wizard?: { profile?: string };
}

/**
 * A session's wizard.json (written by session.save): undefined when there is none; `{}` when it
 * is there but unreadable (the session still counts as saved).
 */
function readWizardFile(dir: string): WizardFile | undefined {
  const file = join(dir, 'wizard.json');
  if (!existsSync(file)) return undefined;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as WizardFile | null) ?? {};
  } catch {
    return {};
  }
}

const EMPTY_DIAGNOSIS: Diagnosis = { verdict: 'inconclusive', directions: { receiving: 'untested', sending: 'untested' }, attempts: [], findings: [] };

type Handler<M extends ApiMethod> = (params: ApiParams<M>) => Promise<ApiResult<M>> | ApiResult<M>;
type Listener = (msg: ApiStreamMessage) => void;

class HandledError extends Error {
  constructor(readonly apiError: ApiError) {
    super(apiError.error.message);
  }
}
const fail = (code: ApiError['error']['code'], message: string): never => {
  throw new HandledError(apiError(code, message));
};

export class Engine {
  readonly mode: UiMode;
  readonly dataDir: string;
  private readonly deps: EngineDeps;
  private lab: RunningLab | undefined;
  private startedBy: 'cli' | 'ui' | undefined;
  private replay: { id: string; dir: string } | undefined;
  private address: string | undefined;
  private demo = false;
  private profile: string | undefined;
  private events: LabEvent[] = [];
  private lastSeq = 0;
  private pending: LabEvent[] = [];
  private diag: IncrementalDiagnosisLike | undefined;
  private diagnosis: Diagnosis = EMPTY_DIAGNOSIS;
  private diagDirty = false;
  private lastDiagAt = 0;
  private batchTimer: NodeJS.Timeout | undefined;
  private diagTimer: NodeJS.Timeout | undefined;
  private unsubscribeLab: (() => void) | undefined;
  private listeners = new Set<Listener>();
  private demoAbort: AbortController | undefined;
  private refusalsRecorded = 0;
  readonly refusals: Refusal[] = [];
  private readonly handlers: { [M in ApiMethod]: Handler<M> };

  constructor(private readonly opts: EngineOptions) {
    this.mode = opts.mode;
    this.dataDir = opts.dataDir;
    this.deps = opts.deps;
    this.handlers = {
      'app.info': () => this.info(),
      'profiles.list': () => loadProfiles(this.opts.profilesDir ?? defaultProfilesDir()),
      'net.interfaces': () => listNetworkInterfaces(undefined, this.preferredAddress()),
      'lab.start': (p) => this.startLab(p),
      'lab.stop': () => this.stopLab('stopped from the wizard'),
      'lab.status': () => this.status(),
      'handoff.qr': () => this.handoffQr(),
      'plan.select': (p) => this.selectTest(p.test),
      'demo.scenarios': () => this.deps.scenarios ?? [],
      'demo.run': (p) => this.runDemo(p.scenario),
      'sessions.list': () => this.listSessions(),
      'session.open': (p) => this.openSession(p.id),
      'session.save': (p) => this.saveSession(p.label, p.wizard),
      'report.export': (p) => this.exportReport(p.includeSecrets),
    };
    if (opts.lab) this.attach(opts.lab, 'cli');
  }

  // ─────────────── transport-facing ───────────────

  /** Answer one request. Never throws: errors come back as `ApiError` data. */
  async call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M> | ApiError> {
    if (!(API_METHODS as readonly string[]).includes(method)) return apiError('not-found', `unknown method '${String(method)}'`);
    const handler = this.handlers[method] as Handler<M>;
    try {
      return await handler((params ?? {}) as ApiParams<M>);
    } catch (err) {
      if (err instanceof HandledError) return err.apiError;
      const message = (err as Error).message ?? String(err);
      this.recordLabError(`control:${method}`, err as Error);
      return apiError('internal', message);
    }
  }

  /** Subscribe to the stream: the current session is replayed first, then live messages follow. */
  subscribe(fn: Listener): () => void {
    for (const msg of this.snapshot()) fn(msg);
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** What a new subscriber needs to catch up: reset, the events so far, the diagnosis. */
  snapshot(): ApiStreamMessage[] {
    this.drain(false);
    const out: ApiStreamMessage[] = [{ type: 'reset', status: this.status() }];
    for (let i = 0; i < this.events.length; i += SNAPSHOT_CHUNK) out.push({ type: 'events', events: this.events.slice(i, i + SNAPSHOT_CHUNK) });
    out.push({ type: 'diagnosis', diagnosis: this.currentDiagnosis() });
    return out;
  }

  /** A control request that was refused (no token, foreign Origin or Host): kept and recorded. */
  recordRefusal(r: Refusal): void {
    this.refusals.push(r);
    if (this.refusals.length > 100) this.refusals.shift();
    const rec = this.lab?.recorder;
    if (!rec || rec.closed || this.refusalsRecorded >= MAX_RECORDED_REFUSALS) return;
    this.refusalsRecorded += 1;
    rec.record({
      kind: 'input.rejected',
      what: 'control-refused',
      detail: `${r.status} ${r.reason}: ${r.method} ${r.path}${r.origin ? ` origin=${r.origin}` : ''}${r.host ? ` host=${r.host}` : ''}`,
      sample: r.remote,
    });
  }

  /** The session directory holding a session id, when it exists. */
  sessionDir(id: string): string | undefined {
    if (!/^[\w.:-]+$/.test(id)) return undefined;
    const dir = join(this.dataDir, 'sessions', id);
    return existsSync(dir) ? dir : undefined;
  }

  currentSessionDir(): string | undefined {
    return this.lab?.sessionDir ?? this.replay?.dir;
  }

  /** Stop what the wizard started (not a lab the CLI owns) and the timers. */
  async close(): Promise<void> {
    this.demoAbort?.abort();
    if (this.lab && this.startedBy === 'ui') await this.stopLab('wizard closed');
    else this.detach();
    clearTimeout(this.batchTimer);
    clearTimeout(this.diagTimer);
    this.listeners.clear();
  }

  // ─────────────── stream plumbing ───────────────

  private emit(msg: ApiStreamMessage): void {
    for (const fn of this.listeners) {
      try {
        fn(msg);
      } catch {
        // a subscriber that went away (closed window, dropped SSE) must not stop the others
      }
    }
  }

  private resetSession(): void {
    this.events = [];
    this.pending = [];
    this.lastSeq = 0;
    this.diag = this.deps.createDiagnosis?.();
    this.diagnosis = EMPTY_DIAGNOSIS;
    this.diagDirty = false;
    this.refusalsRecorded = 0;
  }

  private ingest(ev: LabEvent): void {
    if (ev.seq <= this.lastSeq) return; // already read from the file at attach time
    this.lastSeq = ev.seq;
    // Raw TLS bytes and key log lines are for the capture export, not for the wizard.
    if (isCaptureOnly(ev)) return;
    this.events.push(ev);
    try {
      this.diag?.push(ev);
    } catch (err) {
      // A diagnosis bug must not stop the timeline; it shows as inconclusive.
      this.diag = undefined;
      this.recordLabError('diagnosis', err as Error);
    }
    this.diagDirty = true;
  }

  private onLabEvent = (ev: LabEvent): void => {
    this.pending.push(ev);
    if (!this.batchTimer) this.batchTimer = setTimeout(() => this.drain(true), this.opts.batchMs ?? STREAM_BATCH_MS);
  };

  /** Move pending events into the session and (when `send`) to subscribers. */
  private drain(send: boolean): void {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const fresh: LabEvent[] = [];
    for (const ev of batch) {
      const before = this.lastSeq;
      this.ingest(ev);
      if (this.lastSeq !== before && !isCaptureOnly(ev)) fresh.push(ev);
    }
    if (send && fresh.length > 0) {
      this.emit({ type: 'events', events: fresh });
      this.scheduleDiagnosis();
    }
  }

  private scheduleDiagnosis(): void {
    if (this.diagTimer) return;
    const interval = this.opts.diagnosisMs ?? DIAGNOSIS_INTERVAL_MS;
    const wait = Math.max(0, this.lastDiagAt + interval - Date.now());
    this.diagTimer = setTimeout(() => {
      this.diagTimer = undefined;
      this.lastDiagAt = Date.now();
      this.emit({ type: 'diagnosis', diagnosis: this.currentDiagnosis() });
    }, wait);
  }

  private currentDiagnosis(): Diagnosis {
    if (this.diagDirty && this.diag) {
      try {
        this.diagnosis = this.diag.result();
      } catch (err) {
        this.diag = undefined;
        this.recordLabError('diagnosis', err as Error);
      }
      this.diagDirty = false;
    }
    return this.diagnosis;
  }

  private recordLabError(where: string, err: Error): void {
    const rec = this.lab?.recorder;
    if (rec && !rec.closed) rec.record({ kind: 'lab.error', where, message: err.message, stack: err.stack });
  }

  private attach(lab: RunningLab, by: 'cli' | 'ui'): void {
    this.detach();
    this.lab = lab;
    this.startedBy = by;
    this.replay = undefined;
    this.resetSession();
    // Subscribe first, then read what was already written: nothing falls in between (seq dedupes).
    this.unsubscribeLab = lab.recorder.subscribe(this.onLabEvent);
    lab.recorder.flush();
    try {
      for (const ev of readEvents(lab.sessionDir)) this.ingest(ev);
    } catch {
      // a lab that has not written its first line yet: the live stream brings everything
    }
    this.drain(false);
    this.emitReset();
  }

  private detach(): void {
    this.unsubscribeLab?.();
    this.unsubscribeLab = undefined;
    this.drain(true);
    this.lab = undefined;
    this.startedBy = undefined;
  }

  private emitReset(): void {
    if (this.listeners.size === 0) return;
    const snapshot = this.snapshot();
    for (const fn of this.listeners) {
      for (const msg of snapshot) {
        try {
          fn(msg);
        } catch {
          // see emit()
        }
      }
    }
  }

  // ─────────────── requests ───────────────

  private info(): AppInfo {
    return {
      version: packageVersion(),
      mode: this.mode,
      platform: process.platform,
      dataDir: this.dataDir,
      features: {
        lab: !!this.deps.startLab || !!this.lab,
        diagnosis: !!this.deps.createDiagnosis,
        handoff: !!this.deps.qrSvg,
        report: !!this.deps.renderReport,
        demo: !!this.deps.runScenario && !!this.deps.startLab,
      },
    };
  }

  private preferredAddress(): string | undefined {
    try {
      return this.deps.chooseLanAddress?.();
    } catch {
      return undefined;
    }
  }

  status(): LabStatus {
    if (this.lab) {
      const address = this.address ?? this.lab.options.bind;
      return {
        state: 'running',
        sessionId: basename(this.lab.sessionDir),
        sessionDir: this.lab.sessionDir,
        listeners: this.lab.listeners,
        handoffUrl: this.lab.handoffUrl,
        account: this.lab.account,
        address,
        demo: this.demo,
        startedBy: this.startedBy,
        profile: this.profile ?? this.lab.options.profile,
        // In demo mode the simulated phone is on this computer: no firewall or Wi-Fi to worry about.
        firewallHint: this.demo ? undefined : this.hint(address),
        eventCount: this.lastSeq + this.pending.length,
      };
    }
    if (this.replay) {
      return { state: 'replay', sessionId: this.replay.id, sessionDir: this.replay.dir, listeners: {}, demo: false, eventCount: this.events.length };
    }
    return { state: 'stopped', listeners: {}, demo: false, eventCount: 0 };
  }

  /** The firewall/loopback hint, worded for who can change the address (the wizard or the CLI). */
  private hint(address: string): string {
    const text = firewallHint(address, this.lab?.listeners ?? {});
    if (this.startedBy === 'cli' && /only this computer/.test(text)) {
      return `The lab listens on loopback (${address}): only this computer can reach it. For a real phone, restart it with  mailprobe lab --bind <Wi-Fi address> --ui.`;
    }
    return text;
  }

  private async startLab(req: LabStartRequest): Promise<LabStatus> {
    if (!this.deps.startLab) fail('internal', 'the lab module is not part of this build (electron/lab/lab.ts)');
    if (!req || typeof req.address !== 'string' || req.address === '') fail('bad-request', 'lab.start needs the address the phone can reach');
    if (this.lab && this.startedBy === 'cli') {
      fail('conflict', 'the lab was started from the command line (mailprobe lab --ui); restart it there to change its address');
    }
    if (this.lab) await this.stopLab('restarted from the wizard');
    const ports = PORT_SETS[req.ports ?? (req.demo ? 'any' : 'standard')];
    if (!ports) fail('bad-request', `unknown port set '${String(req.ports)}'`);
    const options: Partial<LabOptions> = {
      mechanisms: WIZARD_MECHANISMS,
      emptyLine: 'strict',
      ...ports,
      ...this.opts.labDefaults,
      bind: req.address,
      dataDir: this.dataDir,
      profile: req.profile,
      variants: req.variants === 'auto' ? 'auto' : 'off',
      pop3MailboxChange: POP3_MAILBOX_CHANGES.includes(req.pop3MailboxChange as Pop3MailboxChange) ? req.pop3MailboxChange : 'off',
    };
    if (req.mailbox !== undefined && typeof req.mailbox !== 'string') fail('bad-request', 'lab.start: mailbox must be the path of an mbox file or a Maildir folder');
    if (req.mailbox?.trim()) options.mailbox = req.mailbox.trim();
    if (req.demo) Object.assign(options, PORT_SETS.any);
    let lab: RunningLab;
    // Attached as soon as the lab is bound, before a mailbox is indexed: the wizard shows the
    // `mailbox.indexing` progress as it comes rather than only the final "ready".
    let early: RunningLab | undefined;
    const attachEarly = (bound: RunningLab) => {
      early = bound;
      this.address = req.address;
      this.demo = !!req.demo;
      this.profile = req.profile;
      this.attach(bound, 'ui');
    };
    try {
      lab = await this.deps.startLab!(options, { onBound: attachEarly });
    } catch (err) {
      if (early && this.lab === early) {
        // Bound, then failed (the mailbox could not be read): the wizard shows the stopped lab's session.
        this.detach();
        this.replay = { id: basename(early.sessionDir), dir: early.sessionDir };
        this.emit({ type: 'status', status: this.status() });
      }
      const e = err as NodeJS.ErrnoException & { port?: number };
      // The technician's mailbox path is not a mailbox (missing, unreadable, not a Maildir, too big): their input, said as it is.
      if (e.name === 'MailboxFileError') fail('bad-request', e.message);
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
        const why = e.code === 'EACCES' ? 'needs administrator rights' : e.code === 'EADDRINUSE' ? 'is already in use' : 'is not an address of this computer';
        fail('conflict', `${e.code === 'EADDRNOTAVAIL' ? `address ${req.address}` : `a port on ${req.address}`} ${why} (${e.message}); choose "high ports" or another address`);
      }
      throw err;
    }
    if (early !== lab) attachEarly(lab);
    return this.status();
  }

  private async stopLab(reason: string): Promise<LabStatus> {
    this.demoAbort?.abort();
    this.demoAbort = undefined;
    const lab = this.lab;
    if (lab && this.startedBy === 'cli' && reason !== 'wizard closed') {
      fail('conflict', 'the lab was started from the command line: stop it there (Ctrl+C)');
    }
    if (lab) {
      await lab.stop(reason);
      this.drain(true);
      this.emit({ type: 'diagnosis', diagnosis: this.currentDiagnosis() });
      this.unsubscribeLab?.();
      this.unsubscribeLab = undefined;
      this.lab = undefined;
      // The session just recorded stays open for reading (Results, report) as a replay.
      this.replay = { id: basename(lab.sessionDir), dir: lab.sessionDir };
      this.startedBy = undefined;
      this.emit({ type: 'status', status: this.status() });
    }
    return this.status();
  }

  private async handoffQr(): Promise<{ url: string; svg: string }> {
    const url = this.lab?.handoffUrl;
    if (!url) fail('conflict', 'no hand-off page: start the lab first');
    if (!this.deps.qrSvg) fail('internal', 'the hand-off module (QR codes) is not part of this build');
    return { url: url!, svg: await this.deps.qrSvg!(url!) };
  }

  private selectTest(test: TestPlanItem): { seq: number } {
    const rec = this.lab?.recorder;
    if (!rec || rec.closed) fail('conflict', 'the lab is not running');
    if (!test || typeof test.id !== 'string') fail('bad-request', 'plan.select needs a test');
    const ev = rec!.record({
      kind: 'note',
      text: `Test: ${test.title}`,
      data: { test: { id: test.id, title: test.title, security: test.security, mechanism: test.mechanism, ...(test.direction ? { direction: test.direction } : {}) } },
    });
    return { seq: ev.seq };
  }

  private runDemo(scenario: string): { started: true } {
    const lab = this.lab;
    if (!lab) fail('conflict', 'start the lab (demo mode) first');
    if (!this.deps.runScenario) fail('internal', 'the simulator module is not part of this build');
    const info = (this.deps.scenarios ?? []).find((s) => s.id === scenario);
    if (!info) fail('not-found', `no scenario '${scenario}'`);
    // The scenario names its listener (a POP3 phone talks to pop3, a sending one to smtp).
    const name: ListenerName = info!.listener ?? (info!.tls ? 'imaps' : 'imap');
    const listener = lab!.listeners[name];
    if (!listener) fail('conflict', `the lab has no ${name.toUpperCase()} listener for this scenario`);
    this.demoAbort?.abort();
    const abort = new AbortController();
    this.demoAbort = abort;
    const host = listener!.host === '0.0.0.0' || listener!.host === '::' ? '127.0.0.1' : listener!.host;
    this.deps
      .runScenario!(scenario, {
        host,
        port: listener!.port,
        tls: name === 'imaps',
        user: lab!.account.user,
        password: lab!.account.password,
        pauseMs: this.opts.demoPauseMs ?? DEMO_PAUSE_MS,
        signal: abort.signal,
      })
      .catch((err: Error) => {
        if (!abort.signal.aborted && !lab!.recorder.closed) lab!.recorder.record({ kind: 'note', text: `Simulated phone stopped: ${err.message}` });
      });
    return { started: true };
  }

  private listSessions(): SessionSummary[] {
    const root = join(this.dataDir, 'sessions');
    if (!existsSync(root)) return [];
    const out: SessionSummary[] = [];
    for (const id of readdirSync(root)) {
      const dir = join(root, id);
      const file = join(dir, 'events.jsonl');
      if (!existsSync(file)) continue;
      const { lines: events, first } = countLines(file);
      let start: string | undefined;
      try {
        start = (JSON.parse(first) as LabEvent).t;
      } catch {
        start = statSync(file).mtime.toISOString();
      }
      const saved = readWizardFile(dir);
      out.push({ id, dir, start, events, label: saved?.label, saved: saved !== undefined });
    }
    return out.sort((a, b) => (b.start ?? '').localeCompare(a.start ?? ''));
  }

  private async openSession(id: string): Promise<LabStatus> {
    const dir = typeof id === 'string' ? this.sessionDir(id) : undefined;
    if (!dir) fail('not-found', `no session '${String(id)}' in ${join(this.dataDir, 'sessions')}`);
    if (this.lab && this.startedBy === 'cli') fail('conflict', 'the command-line lab is running: its session is the one shown');
    if (this.lab) await this.stopLab('another session was opened');
    this.resetSession();
    for (const ev of readEvents(dir!)) this.ingest(ev);
    this.replay = { id, dir: dir! };
    this.demo = false;
    // An unreadable wizard.json only loses the saved wizard position, not the events.
    this.profile = readWizardFile(dir!)?.wizard?.profile;
    this.emitReset();
    return this.status();
  }

  /** Wizard state (profile, test plan position, label) next to the session's events. */
  private saveSession(label: string, wizard: Record<string, unknown>): { file: string } {
    const dir = this.currentSessionDir();
    if (!dir) fail('conflict', 'no session to save: start the lab or open a session');
    const file = join(dir!, 'wizard.json');
    writeFileSync(file, JSON.stringify({ label: String(label ?? '').slice(0, 200), wizard: wizard ?? {}, savedAt: new Date().toISOString() }, null, 2) + '\n', { mode: 0o600 });
    return { file };
  }

  private async exportReport(includeSecrets: boolean): Promise<{ file: string; bytes: number }> {
    const dir = this.currentSessionDir();
    if (!dir) fail('conflict', 'no session to report on');
    if (!this.deps.renderReport) fail('internal', 'the report module is not part of this build (electron/lab/report)');
    this.lab?.recorder.flush();
    this.drain(true);
    const pdf = await this.deps.renderReport!({
      events: this.events,
      diagnosis: this.currentDiagnosis(),
      includeSecrets: !!includeSecrets,
      handoffUrl: this.lab?.handoffUrl,
    });
    const file = join(dir!, includeSecrets ? 'report-with-secrets.pdf' : 'report.pdf');
    writeFileSync(file, pdf, { mode: 0o600 });
    return { file, bytes: pdf.length };
  }
}
