/**
 * The instrumented IMAP server. Most callers want `startLab` (../lab.ts); this is the
 * layer under it: listeners, sessions, the command table, the wire codec and the limits.
 */
export { createImapServer, SHUTDOWN_GRACE_MS, type ImapServer } from './server.js';
export { ImapSession } from './session.js';
export { DEFAULT_LIMITS, type ImapLimits, type ImapServerOptions } from './options.js';
export * from './limits.js';
export { COMMANDS } from './commands/index.js';
export { IMAP_LOGIN_MECHANISM } from './commands/login.js';
export { deviceFromId, MAX_ID_FIELDS } from './commands/id.js';
export { MAX_SEARCH_DEPTH } from './commands/search.js';
export { ImapBad, ImapNo, ParseError } from './errors.js';
export { Framer, literalMarker, type LineFrame, type LiteralSpec } from './codec/framer.js';
export { CommandReader, type Segment } from './codec/reader.js';
export { ResponseWriter, MAX_QUOTED_BYTES, quote, writeEnvelope, writeBodyStructure } from './codec/encoder.js';
