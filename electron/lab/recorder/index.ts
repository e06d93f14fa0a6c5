export { SessionRecorder, newSessionId, MAX_RECORDED_BYTES, MAX_PENDING_EVENT_BYTES, PRINTABLE_FAST_PATH_MIN_BYTES } from './recorder.js';
export type { BytesOrigin, BytesStreamRecorder, EventListener, RecordBytesOptions, RecorderOptions } from './recorder.js';
export { encodeBytes, decodeBytes, payloadPieces, PieceCutter, MAX_EVENT_PAYLOAD_BYTES } from './bytes.js';
export { redactEvent, redactEvents, isCaptureOnly, REDACTED } from './redact.js';
export { readEvents, parseEvents, eventsPath, EVENTS_FILE } from './read.js';
