/**
 * What `startLab` takes and returns: the contract between the engine's orchestration
 * (electron/lab/lab.ts) and its adapters (the CLI's `lab` command, Electron main, the
 * browser-mode control server, tests).
 */
import type { ListenerAddress, ListenerName, NetworkTrust, Pop3MailboxChange } from '../api.js';
import type { SessionRecorder } from './recorder/recorder.js';
import type { TlsEngineChoice } from './tls/types.js';
import type { SaslMechanismName } from './sasl/types.js';
import type { SmtpAuthPolicy } from './smtp/options.js';
import type { VariantMode } from './variants.js';

export interface LabOptions {
  /** Address to listen on; the default is the LAN address the phone can reach (handoff/address). */
  bind: string;
  /** 0 picks a free port; undefined means the listener's default. null disables the listener. */
  imapPort: number | null;
  imapsPort: number | null;
  /** SMTP submission with STARTTLS (587) and implicit TLS (465, RFC 8314). */
  smtpPort: number | null;
  smtpsPort: number | null;
  /** POP3 with STLS (110) and implicit TLS (995, RFC 8314). */
  pop3Port: number | null;
  pop3sPort: number | null;
  httpPort: number | null;
  dataDir: string;
  /** An mbox file or a Maildir to serve instead of the seeded mailbox. */
  mailbox?: string;
  /**
   * `--max-message-size`: the largest message the lab's mail store takes, in bytes: a message of
   * the `mailbox` (one past it fails the start, or is served empty with a note when only its
   * file's size tells), an IMAP APPEND (the literal limit and APPENDLIMIT follow it), an SMTP
   * delivery to the INBOX. Default MAX_MESSAGE_BYTES (50 MiB), at most MAX_MESSAGE_SIZE_OPTION_BYTES.
   */
  maxMessageSize: number;
  user: string;
  password: string;
  mechanisms: SaslMechanismName[];
  /** Cyrus-like `* BAD Invalid tag` on an empty command line, or ignore it. */
  emptyLine: 'strict' | 'lenient';
  /** Advertise LOGINDISABLED (and refuse LOGIN / AUTH PLAIN/LOGIN) before TLS. */
  loginDisabledWithoutTls: boolean;
  tls: TlsEngineChoice;
  /** The lab's own network (default) or one the technician does not trust; recorded in lab.start for the diagnosis. */
  network: NetworkTrust;
  greeting: string;
  /** `--smtp-auth`: AUTH required before MAIL (the default, as on submission servers), optional, or not offered. */
  smtpAuth: SmtpAuthPolicy;
  /** SASL mechanisms offered over SMTP (default: the same as IMAP). */
  smtpMechanisms: SaslMechanismName[];
  /** AUTH only inside TLS (Postfix's smtpd_tls_auth_only). */
  smtpAuthTlsOnly: boolean;
  /** Also send the pre-standard `250-AUTH=…` line (Postfix's broken_sasl_auth_clients). */
  smtpLegacyAuthLine: boolean;
  /** SIZE (RFC 1870): the largest message accepted, in bytes. */
  smtpMaxSize: number;
  /** A bare LF in DATA: refuse the message (550 5.5.2) or accept it. */
  smtpBareLf: 'reject' | 'accept';
  /** `MAIL FROM:` syntax: exactly `MAIL FROM:<addr>`, or also with a space / without brackets. */
  smtpMailFrom: 'strict' | 'lenient';
  /** SASL mechanisms offered over POP3 AUTH (RFC 5034; default: the same as IMAP). */
  pop3Mechanisms: SaslMechanismName[];
  /** A timestamp in the POP3 greeting, so that APOP can be used (RFC 1939 §7). */
  pop3Apop: boolean;
  /** USER/PASS and plaintext SASL over POP3 without TLS. */
  pop3PlaintextWithoutTls: boolean;
  /** Delete and/or add an INBOX message before each next POP3 check (`--pop3-change-mailbox`). */
  pop3MailboxChange: Pop3MailboxChange;
  /** Device profile id from resources/profiles, if the technician picked one. */
  profile?: string;
  /** `auto`: vary the server's behaviour from one connection of a phone to the next (variants.ts). */
  variants?: VariantMode;
}

export interface RunningLab {
  recorder: SessionRecorder;
  sessionDir: string;
  listeners: Partial<Record<ListenerName, ListenerAddress>>;
  handoffUrl?: string;
  account: { user: string; password: string };
  options: LabOptions;
  /** Close listeners and connections, record lab.stop, close the recorder. Idempotent. */
  stop(reason?: string): Promise<void>;
}
