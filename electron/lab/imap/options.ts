/** What an IMAP server instance needs: the shared store, the recorder, the account and its behaviour settings. */
import type { MailStoreApi } from '../mailbox/types.js';
import type { SessionRecorder } from '../recorder/recorder.js';
import type { SaslMechanismName } from '../sasl/types.js';
import type { TlsAcceptor } from '../tls/types.js';
import type { ServerVariant, VariantRotation } from '../variants.js';
import type { LiteralSpoolBudget, OpenLiteralFile } from './literal-spool.js';
import {
  IDLE_COMMAND_MAX_MS,
  IDLE_TIMEOUT_MS,
  LITERAL_SPOOL_HIGH_WATER_BYTES,
  LITERAL_SPOOL_THRESHOLD,
  MAX_ARGUMENT_LITERAL_BYTES,
  MAX_BAD_COMMANDS,
  MAX_CONNECTIONS,
  MAX_LINE_BYTES,
  MAX_LITERAL_BYTES,
  MAX_LITERALS_PER_COMMAND,
  MAX_PREAUTH_LITERAL_BYTES,
  MAX_SPOOLED_LITERAL_BYTES,
  PRE_AUTH_TIMEOUT_MS,
} from './limits.js';

export interface ImapLimits {
  maxLineBytes: number;
  maxLiteralBytes: number;
  /** Literals this large or larger are written to a session file as they arrive (LITERAL_SPOOL_THRESHOLD). */
  literalSpoolThresholdBytes: number;
  /** Bytes queued for the spool file before the socket is paused (LITERAL_SPOOL_HIGH_WATER_BYTES). */
  literalSpoolHighWaterBytes: number;
  /** Literal bytes of one command other than APPEND (MAX_ARGUMENT_LITERAL_BYTES). */
  maxArgumentLiteralBytes: number;
  /** Spooled literal bytes in flight across the lab's IMAP connections (MAX_SPOOLED_LITERAL_BYTES). */
  maxSpooledLiteralBytes: number;
  /** Literal limit before authentication. */
  maxPreAuthLiteralBytes: number;
  /** Literals in one command; the literal bytes of one command together stay under the literal limit. */
  maxLiteralsPerCommand: number;
  maxConnections: number;
  /** Autologout after this long without input once authenticated (RFC 3501 §5.4). */
  idleTimeoutMs: number;
  /** Total time allowed before authentication succeeds. */
  preAuthTimeoutMs: number;
  /** Longest single IDLE command. */
  idleCommandMaxMs: number;
  maxBadCommands: number;
  /** Largest payload of one c2s/s2c event; longer units are recorded as several events (recorder.recordBytes). */
  maxEventPayloadBytes?: number;
}

export const DEFAULT_LIMITS: ImapLimits = {
  maxLineBytes: MAX_LINE_BYTES,
  maxLiteralBytes: MAX_LITERAL_BYTES,
  literalSpoolThresholdBytes: LITERAL_SPOOL_THRESHOLD,
  literalSpoolHighWaterBytes: LITERAL_SPOOL_HIGH_WATER_BYTES,
  maxArgumentLiteralBytes: MAX_ARGUMENT_LITERAL_BYTES,
  maxSpooledLiteralBytes: MAX_SPOOLED_LITERAL_BYTES,
  maxPreAuthLiteralBytes: MAX_PREAUTH_LITERAL_BYTES,
  maxLiteralsPerCommand: MAX_LITERALS_PER_COMMAND,
  maxConnections: MAX_CONNECTIONS,
  idleTimeoutMs: IDLE_TIMEOUT_MS,
  preAuthTimeoutMs: PRE_AUTH_TIMEOUT_MS,
  idleCommandMaxMs: IDLE_COMMAND_MAX_MS,
  maxBadCommands: MAX_BAD_COMMANDS,
};

export interface ImapServerOptions {
  store: MailStoreApi;
  recorder: SessionRecorder;
  account: { user: string; password: string };
  mechanisms: SaslMechanismName[];
  emptyLine: 'strict' | 'lenient';
  loginDisabledWithoutTls: boolean;
  /** Text of the `* OK` greeting. */
  greeting: string;
  /** Used in CRAM-MD5 challenges and the DIGEST-MD5 realm. */
  hostname: string;
  /** STARTTLS and the IMAPS listener need one; without it STARTTLS is not advertised. */
  tlsAcceptor: TlsAcceptor | null;
  limits: ImapLimits;
  /** Where spooled literals go (default: the session's LITERAL_SPOOL_DIR) and how their files are opened (tests: a slow disk). */
  literalSpool?: { dir?: string; open?: OpenLiteralFile };
  /** The lab-wide count of spooled bytes in flight (maxSpooledLiteralBytes), shared by every connection; the server makes one. */
  literalSpoolBudget?: LiteralSpoolBudget;
  /** Server version sent in the ID response. */
  version: string;
  /** `--variants auto`: each new connection's behaviour comes from here (variants.ts). */
  variants?: VariantRotation | null;
  /** The variant this connection's options were made from (set per connection by the server). */
  variant?: ServerVariant;
}
