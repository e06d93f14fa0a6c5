/**
 * The diagnosis engine's public API: used by the CLI (`mailprobe diagnose`), the
 * report and the UI. Pure functions over events, no I/O.
 */
export { diagnose, IncrementalDiagnosis, type DiagnosisOptions } from './engine.js';
export { formatDiagnosis, type FormatOptions } from './format.js';
export { findingText, type FindingText } from './catalog.js';
export { STEP_ORDER } from './attempts.js';
export { deviceFromUserAgent } from '../device/index.js';
export * from './constants.js';
export { MAX_DATA_LIST } from './store.js';
export { MAX_PENDING_COMMANDS } from './conversation.js';
