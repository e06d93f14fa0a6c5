/**
 * The engine modules the control API drives, loaded by name so the wizard keeps working (with
 * the feature switched off and the reason shown) while a module is absent from a build.
 * Tests pass their own `EngineDeps` to run the API against fakes or the real modules.
 */
import type { Diagnosis, LabEvent, ScenarioInfo } from '../../api.js';
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
  sessionId?: string;
  profile?: string;
}

export interface EngineDeps {
  startLab?: (opts: Partial<LabOptions>) => Promise<RunningLab>;
  createDiagnosis?: () => IncrementalDiagnosisLike;
  qrSvg?: (url: string) => string | Promise<string>;
  chooseLanAddress?: () => string | undefined;
  renderReport?: (input: ReportInput) => Promise<Buffer>;
  scenarios?: ScenarioInfo[];
  runScenario?: (id: string, opts: ScenarioRunOptions) => Promise<unknown>;
}

type Loose = Record<string, unknown>;

async function tryImport(spec: string): Promise<Loose | undefined> {
  try {
    return (await import(/* @vite-ignore */ spec)) as Loose;
  } catch (err) {
    const code = (err as { code?: string }).code;
    // Only "not there" is tolerated; a module that exists but throws while loading is a bug to see.
    if (code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module|Failed to load url|does not exist/i.test(String(err))) return undefined;
    throw err;
  }
}

/** Scenario lists come as an array or a record; either way the UI wants id + title. */
export function normaliseScenarios(raw: unknown): ScenarioInfo[] {
  const list: unknown[] = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? Object.entries(raw).map(([id, v]) => ({ id, ...(v as object) })) : [];
  return list
    .map((s) => s as Partial<ScenarioInfo> & { name?: string; summary?: string })
    .filter((s) => typeof s.id === 'string')
    .map((s) => ({ id: s.id as string, title: s.title ?? s.name ?? (s.id as string), description: s.description ?? s.summary, tls: s.tls }));
}

/** Load whatever engine modules exist next to this one. */
export async function loadEngineDeps(): Promise<EngineDeps> {
  const [lab, diagnosis, handoff, report, simulate] = await Promise.all([
    tryImport('../lab.js'),
    tryImport('../diagnosis/index.js'),
    tryImport('../handoff/index.js'),
    tryImport('../report/index.js'),
    tryImport('../simulate/index.js'),
  ]);
  const deps: EngineDeps = {};
  if (typeof lab?.startLab === 'function') deps.startLab = lab.startLab as EngineDeps['startLab'];
  if (typeof diagnosis?.IncrementalDiagnosis === 'function') {
    const Ctor = diagnosis.IncrementalDiagnosis as new () => IncrementalDiagnosisLike;
    deps.createDiagnosis = () => new Ctor();
  }
  if (typeof handoff?.qrSvg === 'function') deps.qrSvg = handoff.qrSvg as EngineDeps['qrSvg'];
  if (typeof handoff?.chooseLanAddress === 'function') {
    // handoff's chooseLanAddress answers { address, fallback, … }; the wizard wants the address.
    const choose = handoff.chooseLanAddress as () => string | { address?: string; fallback?: boolean } | undefined;
    deps.chooseLanAddress = () => {
      const c = choose();
      return typeof c === 'string' ? c : c && !c.fallback ? c.address : undefined;
    };
  }
  if (typeof report?.renderReport === 'function') deps.renderReport = report.renderReport as EngineDeps['renderReport'];
  if (typeof simulate?.runScenario === 'function') {
    deps.runScenario = simulate.runScenario as EngineDeps['runScenario'];
    deps.scenarios = normaliseScenarios(simulate.SCENARIOS);
  }
  return deps;
}
