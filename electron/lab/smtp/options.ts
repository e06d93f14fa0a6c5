/** What an SMTP server instance needs: the store to deliver to, the spool, the recorder, the account and its behaviour settings. */
import type { MailStoreApi } from '../mailbox/types.js';
import type { SessionRecorder } from '../recorder/recorder.js';
import type { SaslMechanismName } from '../sasl/types.js';
import type { TlsAcceptor } from '../tls/types.js';
import {
  COMMAND_TIMEOUT_MS,
  HEADER_CAPTURE_BYTES,
  MAX_BAD_COMMANDS,
  MAX_COMMAND_LINE_BYTES,
  MAX_CONNECTIONS,
  MAX_DELIVERED_BYTES,
  MAX_DELIVERED_MESSAGES,
  MAX_MESSAGE_BYTES,
  MAX_RECIPIENTS,
  MAX_SPOOL_BYTES,
  SETUP_TIMEOUT_MS,
} from './limits.js';

export interface SmtpLimits {
  maxLineBytes: number;
  /** Advertised as SIZE (RFC 1870) and enforced in DATA. */
  maxMessageBytes: number;
  maxRecipients: number;
  maxConnections: number;
  setupTimeoutMs: number;
  commandTimeoutMs: number;
  maxBadCommands: number;
  headerCaptureBytes: number;
  maxSpoolBytes: number;
  maxDeliveredMessages: number;
  maxDeliveredBytes: number;
  /** Bytes kept per c2s/s2c event (encodeBytes). */
  maxEventPayloadBytes?: number;
}

export const DEFAULT_SMTP_LIMITS: SmtpLimits = {
  maxLineBytes: MAX_COMMAND_LINE_BYTES,
  maxMessageBytes: MAX_MESSAGE_BYTES,
  maxRecipients: MAX_RECIPIENTS,
  maxConnections: MAX_CONNECTIONS,
  setupTimeoutMs: SETUP_TIMEOUT_MS,
  commandTimeoutMs: COMMAND_TIMEOUT_MS,
  maxBadCommands: MAX_BAD_COMMANDS,
  headerCaptureBytes: HEADER_CAPTURE_BYTES,
  maxSpoolBytes: MAX_SPOOL_BYTES,
  maxDeliveredMessages: MAX_DELIVERED_MESSAGES,
  maxDeliveredBytes: MAX_DELIVERED_BYTES,
};

/** `--smtp-auth`: AUTH needed before MAIL (RFC 6409 §4.3 submission), offered but not needed, or not offered. */
export type SmtpAuthPolicy = 'required' | 'optional' | 'off';

/** The server's behaviour, as the technician sets it (wizard settings, CLI flags). */
export interface SmtpBehaviour {
  mechanisms: SaslMechanismName[];
  auth: SmtpAuthPolicy;
  /** AUTH offered and accepted only inside TLS (Postfix's smtpd_tls_auth_only). */
  authRequiresTls: boolean;
  /**
   * Also send the pre-standard `250-AUTH=LOGIN PLAIN` line, for clients that read only that form
   * (Outlook Express 4, Exchange 5.0; Postfix's broken_sasl_auth_clients).
   */
  legacyAuthLine: boolean;
  /** A bare LF in DATA (RFC 5321 §2.3.8): refuse the message (Postfix's smtpd_forbid_bare_newline) or accept it. */
  bareLf: 'reject' | 'accept';
  /** `MAIL FROM:<addr>` exactly (Postfix's strict_rfc821_envelopes), or also a space after the colon and no brackets. */
  mailFrom: 'strict' | 'lenient';
}

export const DEFAULT_SMTP_BEHAVIOUR: Omit<SmtpBehaviour, 'mechanisms'> = {
  auth: 'required',
  authRequiresTls: false,
  legacyAuthLine: false,
  bareLf: 'accept',
  mailFrom: 'lenient',
};

export interface SmtpServerOptions extends SmtpBehaviour {
  /** The lab INBOX gets every accepted message (the phone's next check shows it). */
  store: MailStoreApi;
  recorder: SessionRecorder;
  /** Where accepted messages are kept: <session>/messages. */
  spoolDir: string;
  account: { user: string; password: string };
  /** In the greeting, EHLO reply and CRAM-MD5/DIGEST-MD5 challenges. */
  hostname: string;
  /** Text after `220 <hostname> ESMTP`. */
  greeting: string;
  tlsAcceptor: TlsAcceptor | null;
  limits: SmtpLimits;
}
