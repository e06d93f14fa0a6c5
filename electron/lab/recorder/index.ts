export { SessionRecorder, newSessionId, MAX_RECORDED_BYTES } from './recorder.js';
export type { BytesOrigin, EventListener, RecordBytesOptions, RecorderOptions } from './recorder.js';
export { encodeBytes, decodeBytes, payloadPieces, MAX_EVENT_PAYLOAD_BYTES } from './bytes.js';
export { redactEvent, redactEvents, isCaptureOnly, REDACTED } from './redact.js';
export { readEvents, parseEvents, eventsPath, EVENTS_FILE } from './read.js';
