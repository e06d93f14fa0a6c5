/** Browser mode and the engine side of the wizard's API. */
export { startControlServer, MAX_BODY_BYTES, SSE_HEARTBEAT_MS } from './server.js';
export type { ControlServer, ControlServerOptions } from './server.js';
export { Engine, apiError, isApiError, STREAM_BATCH_MS, DIAGNOSIS_INTERVAL_MS, SNAPSHOT_CHUNK, MAX_RECORDED_REFUSALS, PORT_SETS } from './engine.js';
export type { EngineOptions, Refusal } from './engine.js';
export { loadEngineDeps, normaliseScenarios } from './deps.js';
export type { EngineDeps, IncrementalDiagnosisLike, ScenarioRunOptions, ReportInput } from './deps.js';
export { CSP_HEADER, CSP_META, TOKEN_HEADER, TOKEN_BYTES, checkRequest, allowedHosts, allowedOrigins } from './policy.js';
export { loadProfiles, matchProfile, validateProfile } from '../profiles/index.js';
export { listNetworkInterfaces, firewallHint } from './net.js';
