/**
 * The engine modules the control API drives. Every one is optional in `EngineDeps`: a missing
 * one switches its feature off in the wizard (with the reason shown), and tests pass fakes.
 */
import type { Diagnosis, LabEvent, ListenerName, ScenarioInfo } from '../../api.js';
import type { LabOptions, RunningLab } from '../lab-types.js';

export interface IncrementalDiagnosisLike {
  push(ev: LabEvent): void;
  result(): Diagnosis;
}

export interface ScenarioRunOptions {
  host: string;
  port: number;
  tls: boolean;
  user: string;
  password: string;
  pauseMs?: number;
  signal?: AbortSignal;
}

export interface ReportInput {
  events: LabEvent[];
  diagnosis: Diagnosis;
  includeSecrets: boolean;
  handoffUrl?: string;
}

/** What the engine hears while a lab starts. */
export interface LabStartHooks {
  /** The lab is bound and recording, before its --mailbox is indexed: attach now to stream the progress live. */
  onBound?: (lab: RunningLab) => void;
}

export interface EngineDeps {
  startLab?: (opts: Partial<LabOptions>, hooks?: LabStartHooks) => Promise<RunningLab>;
  createDiagnosis?: () => IncrementalDiagnosisLike;
  qrSvg?: (url: string) => string | Promise<string>;
  chooseLanAddress?: () => string | undefined;
  renderReport?: (input: ReportInput) => Promise<Buffer>;
  scenarios?: ScenarioInfo[];
  runScenario?: (id: string, opts: ScenarioRunOptions) => Promise<unknown>;
}

/** Scenario lists come as an array or a record; either way the UI wants id + title + port. */
/** The listeners a simulated device may target (the hand-off page and the UI are not mail). */
const LISTENERS: readonly ListenerName[] = ['imap', 'imaps', 'smtp', 'smtps', 'pop3', 'pop3s'];

export function normaliseScenarios(raw: unknown): ScenarioInfo[] {
  const list: unknown[] = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? Object.entries(raw).map(([id, v]) => ({ id, ...(v as object) })) : [];
  return list
    .map((s) => s as Partial<ScenarioInfo> & { name?: string; summary?: string; source?: string; listener?: string })
    .filter((s) => typeof s.id === 'string')
    .map((s) => ({
      id: s.id as string,
      title: s.title ?? s.name ?? (s.id as string),
      description: s.description ?? s.summary ?? s.source,
      tls: s.tls ?? (s.listener === 'imaps' || s.listener === 'smtps' || s.listener === 'pop3s'),
      ...(LISTENERS.includes(s.listener as ListenerName) ? { listener: s.listener as ListenerName } : {}),
    }));
}

/** The engine modules of this build. */
export async function loadEngineDeps(): Promise<EngineDeps> {
  // Loaded lazily so `mailprobe start` prints its URL without waiting for unrelated modules.
  const [lab, diagnosis, handoff, report, simulate, profiles, root] = await Promise.all([
    import('../lab.js'),
    import('../diagnosis/index.js'),
    import('../handoff/index.js'),
    import('../report/index.js'),
    import('../simulate/index.js'),
    import('../profiles/index.js'),
    import('../package-root.js'),
  ]);
  // The resolution names the phone's own settings from its profile.
  const deviceProfiles = profiles.loadProfiles(root.defaultProfilesDir());
  return {
    startLab: (opts, hooks) => lab.startLab({ ...opts, onBound: hooks?.onBound }),
    createDiagnosis: () => new diagnosis.IncrementalDiagnosis({ profiles: deviceProfiles }),
    qrSvg: (url) => handoff.qrSvg(url),
    chooseLanAddress: () => {
      const c = handoff.chooseLanAddress();
      return c.fallback ? undefined : c.address;
    },
    renderReport: (input) => report.renderReport(input),
    scenarios: normaliseScenarios(simulate.SCENARIOS),
    runScenario: (id, opts) => simulate.runScenario(id, opts),
  };
}
