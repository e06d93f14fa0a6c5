/**
 * The instrumented SMTP submission server. Most callers want `startLab` (../lab.ts); this is the
 * layer under it: listeners, sessions, the command table, the wire codec, the spool and the limits.
 */
export { createSmtpServer, type SmtpServer } from './server.js';
export { SmtpSession, type Transaction } from './session.js';
export { DEFAULT_SMTP_BEHAVIOUR, DEFAULT_SMTP_LIMITS, type SmtpAuthPolicy, type SmtpBehaviour, type SmtpLimits, type SmtpServerOptions } from './options.js';
export * from './limits.js';
export { SMTP_COMMANDS } from './commands/index.js';
export { SmtpError, SMTP_ERRORS, type SmtpErrorCode } from './errors.js';
export { DataDecoder } from './codec/data.js';
export { parsePath, splitCommand, type EnvelopePath } from './codec/command.js';
export { formatReply, formatEhlo } from './codec/reply.js';
export { MessageSpool, SpoolWriter, type CapturedMessage } from './spool.js';
