/**
 * The PDF report: what leaves the building. Right, readable by a customer, and safe
 * to send (secrets redacted unless asked for).
 */
export { renderReport, buildReport, type RenderReportInput, type BuiltReport } from './render.js';
export { writeReport, sessionCaFingerprints, fingerprintOf, certDer, type WriteReportOptions, type WrittenReport } from './session.js';
export { prepareEvents, makeScrubber, REDACTED, MIN_SCRUBBED_PASSWORD_LENGTH } from './secrets.js';
export { resolveFontsDir, FONT_FILES } from './fonts.js';
export { MAX_LINE_CHARS, MAX_LINES_PER_EVENT, BINARY_PREVIEW_BYTES, eventLines, describeEvent } from './transcript.js';
export { MAX_APPENDIX_PAGES, APPENDIX_HEAD_SHARE } from './sections/appendix.js';
export { selectAttempts, omittedWords, configurationKey, MAX_RANGES_IN_WORDS, type AttemptSelection, type ShownAttempt, type OmittedRange } from './select.js';
export { TIMELINE_GAP_MS, MAX_TIMELINE_ATTEMPTS, MAX_TIMELINE_ROWS, MAX_ARROW_LINES_PER_EVENT, timelineRows } from './sections/timeline.js';
export { MAX_DETAILED_FINDINGS, MAX_EVIDENCE_LINES } from './sections/findings.js';
export { MAX_TLS_OUTCOMES } from './sections/tls.js';
export { MAX_ATTEMPT_ROWS } from './sections/matrix.js';
export { MAX_TODO } from './sections/summary.js';
export { MAX_DOWNLOAD_ROWS } from './sections/certs.js';
export type { Paper } from './pdf.js';
