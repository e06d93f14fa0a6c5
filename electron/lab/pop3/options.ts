/** What a POP3 server instance needs: the mail store (the same INBOX IMAP serves), the recorder, the account, its behaviour. */
import type { Pop3MailboxChange } from '../../api.js';
import type { MailStoreApi } from '../mailbox/types.js';
import type { SessionRecorder } from '../recorder/recorder.js';
import type { SaslMechanismName } from '../sasl/types.js';
import type { TlsAcceptor } from '../tls/types.js';
import type { MailboxChanger } from './mailbox-change.js';
import { AUTH_TIMEOUT_MS, IDLE_TIMEOUT_MS, MAX_BAD_COMMANDS, MAX_COMMAND_LINE_BYTES, MAX_CONNECTIONS, MAX_MAILBOX_CHANGES } from './limits.js';

export interface Pop3Limits {
  maxLineBytes: number;
  maxConnections: number;
  authTimeoutMs: number;
  idleTimeoutMs: number;
  maxBadCommands: number;
  /** Mailbox changes between sessions in one lab run (`--pop3-change-mailbox`). */
  maxMailboxChanges: number;
  /** Bytes kept per c2s/s2c event (encodeBytes). */
  maxEventPayloadBytes?: number;
}

export const DEFAULT_POP3_LIMITS: Pop3Limits = {
  maxLineBytes: MAX_COMMAND_LINE_BYTES,
  maxConnections: MAX_CONNECTIONS,
  authTimeoutMs: AUTH_TIMEOUT_MS,
  idleTimeoutMs: IDLE_TIMEOUT_MS,
  maxBadCommands: MAX_BAD_COMMANDS,
  maxMailboxChanges: MAX_MAILBOX_CHANGES,
};

/** The server's behaviour, as the technician sets it. */
export interface Pop3Behaviour {
  /** SASL mechanisms for AUTH (RFC 5034). */
  mechanisms: SaslMechanismName[];
  /** A timestamp in the greeting, so that APOP (RFC 1939 §7) can be used. */
  apop: boolean;
  /** USER/PASS and plaintext SASL without TLS (Dovecot's disable_plaintext_auth = no). */
  plaintextWithoutTls: boolean;
  /** Delete and/or add a message before each next check (mailbox-change.ts). */
  mailboxChange: Pop3MailboxChange;
}

export const DEFAULT_POP3_BEHAVIOUR: Omit<Pop3Behaviour, 'mechanisms'> = { apop: true, plaintextWithoutTls: true, mailboxChange: 'off' };

export interface Pop3ServerOptions extends Pop3Behaviour {
  store: MailStoreApi;
  recorder: SessionRecorder;
  account: { user: string; password: string };
  /** In the greeting's APOP timestamp and the SASL challenges. */
  hostname: string;
  tlsAcceptor: TlsAcceptor | null;
  limits: Pop3Limits;
}

/** What each session gets: the server's options and the one mailbox changer they share. */
export interface Pop3SessionOptions extends Pop3ServerOptions {
  changer: MailboxChanger;
}
