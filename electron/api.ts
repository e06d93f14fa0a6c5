/**
 * The one typed contract between the engine (electron/lab) and everything that shows it:
 * the renderer (through the preload bridge or the browser-mode control server), the CLI's
 * JSON output, the report. Pure types and plain data: no imports, no Node, no DOM, so both
 * the Node side and the web side compile it.
 *
 * Stable formats (../shared/DESIGN.md): events.jsonl lines are `LabEvent`s, `diagnose --json`
 * prints a `Diagnosis`. Add fields freely; never rename or repurpose one.
 */

// ───────────────────────────── Events ─────────────────────────────

/** Fields every event has. `seq` counts 1, 2, 3… within a session; `t` is ISO time with ms. */
export interface EventBase {
  seq: number;
  t: string;
  /** Connection id ("c1", "c2", …) where the event belongs to a connection. */
  conn?: string;
}

/** Which listener a connection arrived on. */
export type ListenerName = 'imap' | 'imaps' | 'smtp' | 'smtps' | 'pop3' | 'pop3s' | 'http' | 'ui';

export interface ListenerAddress {
  host: string;
  port: number;
}

export interface LabStartEvent extends EventBase {
  kind: 'lab.start';
  version: string;
  listeners: Partial<Record<ListenerName, ListenerAddress>>;
  /** The lab account the phone is told to use. `password` is a secret (redacted in exports). */
  account: { user: string; password: string };
  /** Server behaviour in force (mechanisms, empty-line mode, tls engine choice, …). */
  settings: Record<string, unknown>;
  handoffUrl?: string;
}

export interface LabStopEvent extends EventBase {
  kind: 'lab.stop';
  reason: string;
}

export interface ConnOpenEvent extends EventBase {
  kind: 'conn.open';
  conn: string;
  proto: ListenerName;
  /** "ip:port" of the phone. */
  remote: string;
  /** "ip:port" of the lab side. */
  local: string;
  port: number;
}

/**
 * Bytes as they travelled. Exactly one of `text` / `b64`: `text` when the bytes are valid
 * UTF-8 with no control characters other than CR, LF and TAB; `b64` otherwise.
 */
export interface BytesEvent extends EventBase {
  kind: 'c2s' | 's2c';
  conn: string;
  text?: string;
  b64?: string;
  /** true when the bytes travelled inside TLS (recorded in clear). */
  tls?: true;
  /**
   * Set when the payload was cut to the recording limit: the original length in bytes.
   * The recorded part is a prefix, followed by nothing (the marker is this field).
   */
  truncated?: number;
  /**
   * Character ranges [start, end) of `text` (or the whole payload when `b64`) that are
   * secrets: passwords, AUTHENTICATE payloads, LOGIN arguments. Exports redact them.
   */
  secrets?: Array<[number, number]>;
}

export interface TlsHelloEvent extends EventBase {
  kind: 'tls.hello';
  conn: string;
  /** "record" (TLS record layer) or "sslv2" (SSLv2-compatible hello). */
  format: 'record' | 'sslv2';
  /** Record-layer and ClientHello legacy versions, e.g. "TLSv1", "TLSv1.2". */
  recordVersion?: string;
  clientVersion: string;
  /** From the supported_versions extension when present. */
  supportedVersions?: string[];
  /** Highest version the client offers, all things considered. */
  maxVersion: string;
  /** IANA names, in the client's order; GREASE as "GREASE", unknown as "0xNNNN". */
  cipherSuites: string[];
  compression: number[];
  /** Extension names in order ("server_name", "renegotiation_info", "0xNNNN", …). */
  extensions: string[];
  sni?: string;
  signatureAlgorithms?: string[];
  groups?: string[];
  ja3?: string;
  ja3Hash?: string;
  ja4?: string;
}

export type TlsEngineName = 'modern' | 'legacy';

export interface TlsEstablishedEvent extends EventBase {
  kind: 'tls.established';
  conn: string;
  version: string;
  /** IANA suite name, e.g. "TLS_RSA_WITH_RC4_128_MD5". */
  cipher: string;
  engine: TlsEngineName;
  /** "implicit" (port 993) or "starttls". */
  mode?: 'implicit' | 'starttls';
}

export type TlsFailureReason =
  | 'no-shared-cipher'
  | 'protocol-version'
  | 'client-rejected-certificate'
  | 'client-closed'
  | 'malformed'
  | 'timeout'
  | 'internal';

export interface TlsFailedEvent extends EventBase {
  kind: 'tls.failed';
  conn: string;
  reason: TlsFailureReason;
  /** Alert name (e.g. "unknown_ca") and who sent it. */
  alert?: string;
  alertFrom?: 'client' | 'server';
  description?: string;
}

export interface AuthEvent extends EventBase {
  kind: 'auth';
  conn: string;
  mechanism: string; // "LOGIN-COMMAND" for the IMAP LOGIN command, else the SASL name
  user: string;
  ok: boolean;
  reason?: string;
}

/** What a device is, as far as a User-Agent or an IMAP ID tells. */
export interface DeviceInfo {
  vendor?: string;
  model?: string;
  firmware?: string;
  platform?: string;
  source: 'http.request' | 'imap.id' | 'profile' | 'user';
}

export interface HttpRequestEvent extends EventBase {
  kind: 'http.request';
  conn?: string;
  method: string;
  path: string;
  status: number;
  userAgent?: string;
  device?: DeviceInfo;
  /** What was served: "page", "ca.crt", "ca.cer", "ca.pem", "qr", … */
  served?: string;
  bytes?: number;
  remote?: string;
}

/** The phone told us what it is through IMAP ID (RFC 2971). */
export interface DeviceEvent extends EventBase {
  kind: 'device';
  conn?: string;
  device: DeviceInfo;
  fields?: Record<string, string>;
}

export interface ConnCloseEvent extends EventBase {
  kind: 'conn.close';
  conn: string;
  /** Who ended it. */
  by: 'client' | 'server' | 'timeout' | 'error' | 'lab-stop';
  bytesIn: number;
  bytesOut: number;
  reason?: string;
}

/**
 * Input the lab refused or could not parse: a line too long, a literal too large, TLS or HTTP
 * on the plaintext IMAP port, … `what` is a short stable name; `sample` a bounded prefix.
 */
export interface InputRejectedEvent extends EventBase {
  kind: 'input.rejected';
  conn?: string;
  what: string;
  detail: string;
  sample?: string;
  sampleB64?: string;
  bytes?: number;
}

/** An unexpected exception inside the lab: answered NO [SERVERBUG], recorded, the lab goes on. */
export interface LabErrorEvent extends EventBase {
  kind: 'lab.error';
  conn?: string;
  where: string;
  message: string;
  stack?: string;
}

/** A free-form note from the technician or the wizard (test plan step, setting changed, …). */
export interface NoteEvent extends EventBase {
  kind: 'note';
  text: string;
  data?: Record<string, unknown>;
}

export type LabEvent =
  | LabStartEvent
  | LabStopEvent
  | ConnOpenEvent
  | BytesEvent
  | TlsHelloEvent
  | TlsEstablishedEvent
  | TlsFailedEvent
  | AuthEvent
  | HttpRequestEvent
  | DeviceEvent
  | ConnCloseEvent
  | InputRejectedEvent
  | LabErrorEvent
  | NoteEvent;

export type LabEventKind = LabEvent['kind'];

/** An event before the recorder stamps it with `seq` and `t`. */
export type EventInput = LabEvent extends infer E
  ? E extends LabEvent
    ? Omit<E, 'seq' | 't'>
    : never
  : never;

// ──────────────────────────── Diagnosis ────────────────────────────

export type Verdict = 'pass' | 'fail' | 'inconclusive';
export type StepName = 'connect' | 'tls' | 'auth' | 'client-accepted-auth' | 'select' | 'fetch' | 'logout';
export type StepResult = 'pass' | 'fail' | 'skipped';
export type Severity = 'error' | 'warning' | 'info';

/** Stable finding ids from ../shared/QUIRKS.md. */
export type FindingId =
  | 'empty-line-after-auth'
  | 'empty-line'
  | 'auth-success-ignored'
  | 'auth-retry-after-success'
  | 'command-before-auth-result'
  | 'digest-final-response-missing'
  | 'sasl-ir-unadvertised'
  | 'login-prompt-mismatch'
  | 'auth-failed'
  | 'cleartext-password'
  | 'no-mailbox-selected'
  | 'full-body-download'
  | 'slow-client-gap'
  | 'protocol-violation'
  | 'tls-handshake-failed'
  | 'tls-no-command'
  | 'legacy-tls-only'
  | 'cert-fetched'
  | 'cert-format-rejected';

export interface AttemptStep {
  step: StepName;
  result: StepResult;
  /** Event seqs that show it. */
  evidence: number[];
  /** A short human note ("CRAM-MD5 accepted for user 'phone'"). */
  note?: string;
}

export interface Attempt {
  conn: string;
  proto: 'imap' | 'smtp' | 'pop3';
  security: 'none' | 'starttls' | 'tls';
  mechanism?: string;
  steps: AttemptStep[];
  verdict: 'pass' | 'fail';
  /** First and last event time of the connection. */
  start?: string;
  end?: string;
}

export interface Finding {
  id: FindingId;
  severity: Severity;
  title: string;
  explanation: string;
  recommendation: string;
  /** Event seqs that prove it; never empty. */
  evidence: number[];
  conn?: string;
  /** Facts for the report and the UI (gap seconds, byte counts, offered suites, …). */
  data?: Record<string, unknown>;
}

export interface Diagnosis {
  verdict: Verdict;
  device?: DeviceInfo;
  attempts: Attempt[];
  findings: Finding[];
}

// ───────────────────────────── Errors ─────────────────────────────

/** Errors crossing the API boundary are plain tagged data, never thrown class instances. */
export interface ApiError {
  error: {
    code: 'bad-request' | 'not-found' | 'unauthorized' | 'conflict' | 'internal';
    message: string;
  };
}
