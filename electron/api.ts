/**
 * The one typed contract between the engine (electron/lab) and everything that shows it:
 * the renderer (through the preload bridge or the browser-mode control server), the CLI's
 * JSON output, the report. Pure types and plain data: no imports, no Node, no DOM, so both
 * the Node side and the web side compile it.
 *
 * Stable formats (docs/events.md, docs/diagnosis.md): events.jsonl lines are `LabEvent`s, `diagnose --json`
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

/**
 * Whether the network between the phone and the lab is one the technician trusts (the lab's own
 * Wi-Fi: the default) or not (a shop or customer network). It sets how loudly the diagnosis
 * speaks about passwords sent in clear. Recorded in `lab.start` settings as `network`.
 */
export type NetworkTrust = 'trusted' | 'untrusted';

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
  /**
   * The server behaviour variant this connection was served with, when the lab varies its own
   * behaviour from one connection to the next (`--variants auto`): an id such as "v3".
   */
  variant?: string;
  /** What that variant changes, in a few words ("no challenge mechanisms: only LOGIN"). */
  variantLabel?: string;
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
   * Set when the payload was cut: the original length in bytes. Only bad input (a command line
   * past the server's limit) and the session file's overall cap cut payloads; the recorded part
   * is a prefix (empty past the cap), followed by nothing (the marker is this field).
   */
  truncated?: number;
  /**
   * This payload continues the previous c2s/s2c event of the same connection and direction:
   * one unit of traffic (a response, a literal) longer than one event holds, recorded whole as
   * several events in wire order. Readers that show events as lines treat it as more of the same.
   */
  continued?: true;
  /**
   * Character ranges [start, end) of `text` (or the whole payload when `b64`) that are
   * secrets: passwords, AUTHENTICATE payloads, LOGIN arguments. Exports redact them.
   */
  secrets?: Array<[number, number]>;
}

/**
 * The bytes of a TLS connection as they crossed the wire (records, ciphertext and all), from the
 * ClientHello on: what a packet capture of the connection would hold. The plaintext inside is
 * recorded as c2s/s2c with `tls: true`; plaintext connections get no wire events (their c2s/s2c
 * bytes are the wire bytes). Always base64. `truncated` as in BytesEvent (the session file's cap).
 */
export interface WireBytesEvent extends EventBase {
  kind: 'wire.c2s' | 'wire.s2c';
  conn: string;
  b64: string;
  truncated?: number;
}

/**
 * One TLS secret of a connection as an NSS key log line (`CLIENT_RANDOM <client_random>
 * <master_secret>` for TLS ≤ 1.2, `CLIENT_HANDSHAKE_TRAFFIC_SECRET …` and the others for TLS 1.3),
 * so a capture of the session can be decrypted. A secret: every export redacts it.
 */
export interface TlsKeylogEvent extends EventBase {
  kind: 'tls.keylog';
  conn: string;
  line: string;
  secret: true;
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

/**
 * Which of the lab's two server certificates a connection was given (electron/lab/tls/README.md,
 * "Which certificate"): `sha1` for clients of the SHA-1 era (2006 phones cannot check SHA-256),
 * `sha256` for everyone else (OpenSSL 3, GnuTLS and Node refuse SHA-1 in a chain).
 */
export type ServedCertificate = 'sha1' | 'sha256';

export interface TlsEstablishedEvent extends EventBase {
  kind: 'tls.established';
  conn: string;
  version: string;
  /** IANA suite name, e.g. "TLS_RSA_WITH_RC4_128_MD5". */
  cipher: string;
  engine: TlsEngineName;
  /** "implicit" (port 993) or "starttls". */
  mode?: 'implicit' | 'starttls';
  /** The server certificate sent (absent in captures and in sessions of older versions). */
  certificate?: ServedCertificate;
  /** The names and addresses that certificate covers (its subjectAltName entries). */
  certificateNames?: string[];
}

export type TlsFailureReason =
  | 'no-shared-cipher'
  | 'protocol-version'
  /** The client's alert unknown_ca: it does not hold the lab CA. */
  | 'client-lacks-ca'
  /** It holds a CA but refused this certificate (bad_certificate, unsupported_certificate,
   * certificate_unknown, certificate_expired, certificate_revoked), or it closed right after a
   * modern handshake without a command (a check done after the handshake: mbsync, mutt). */
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
  /** The session had been established (`tls.established` came first): a fatal error later on,
   * such as a record with a bad MAC; the connection was closed. */
  afterHandshake?: true;
  /** The server certificate sent before the failure, when it got that far. */
  certificate?: ServedCertificate;
  certificateNames?: string[];
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
  /** `tls.hello`: the ClientHello of a capture matched one of the lab's own client profiles (JA3/JA4). */
  source: 'http.request' | 'imap.id' | 'profile' | 'user' | 'tls.hello';
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

/**
 * A message the lab accepted over SMTP (DATA ended with "." and was answered 250). It is kept in
 * the session (`path`, relative to the session folder) and, within the lab's bounds, delivered
 * to the lab INBOX; the lab never relays it anywhere.
 */
export interface SmtpMessageEvent extends EventBase {
  kind: 'smtp.message';
  conn: string;
  /** MAIL FROM reverse-path; "" for the null sender. */
  from: string;
  /** RCPT TO forward-paths, in order. */
  to: string[];
  /** Bytes kept, after dot-unstuffing. */
  size: number;
  /** Header fields of the message, raw (encoded-words left as they are); null when absent. */
  messageId: string | null;
  subject: string | null;
  /** e.g. "messages/0001.eml". */
  path: string;
  /** Delivered to the lab INBOX (the phone's next check shows it). */
  delivered: boolean;
  /** INBOX UID when delivered. */
  uid?: number;
  /** Why it was kept on disk only. */
  notDelivered?: string;
  /** Lines that ended in a bare LF (RFC 5321 §2.3.8), when any. */
  bareLfLines?: number;
  /** BODY= of MAIL FROM (7BIT, 8BITMIME), when given. */
  body?: string;
  /** MAIL FROM carried SMTPUTF8 (RFC 6531): `from`/`to` and the header may be UTF-8. */
  smtputf8?: boolean;
  /** Sent with BDAT (RFC 3030) rather than DATA: the number of chunks. */
  chunks?: number;
  /** The authenticated user, when the client authenticated. */
  user?: string;
}

/**
 * The lab changed the POP3 maildrop between two of the phone's checks, on request
 * (`--pop3-change-mailbox`): before the login of connection `conn` it deleted and/or added one
 * INBOX message, so that a phone trusting message numbers from its previous session is caught
 * (RFC 1939 §7: numbers are valid for one session only). `before` and `after` are the maildrop's
 * unique-ids (UIDL) in message-number order, the first POP3_CHANGE_LISTED of them.
 */
export interface Pop3MaildropChangedEvent extends EventBase {
  kind: 'pop3.changed';
  conn: string;
  /** What was done: "delete", "add" or both. */
  change: Pop3MailboxChange;
  removed?: { uidl: string; messageId: string | null };
  added?: { uidl: string; messageId: string };
  before: string[];
  after: string[];
}

/** `--pop3-change-mailbox`: what the lab does to the maildrop before each next POP3 check. */
export type Pop3MailboxChange = 'off' | 'delete' | 'add' | 'both';

/**
 * Progress while the lab indexes the technician's mailbox (`--mailbox`): bytes of the mbox file
 * read so far (of a Maildir: the sizes its file names give, ",S=", else 0), messages found; the
 * last one has `done: true` and comes just before the lab starts serving. At most a few per
 * second. The wizard gets them as they come: the control engine attaches to the lab once it is
 * bound, before it indexes (the lab's status is then already `running`, while `lab.start` has
 * not answered yet).
 */
export interface MailboxIndexingEvent extends EventBase {
  kind: 'mailbox.indexing';
  path: string;
  bytesDone: number;
  bytesTotal: number;
  messages: number;
  done: boolean;
}

/** "1.2 GB", "305 MB", "12 kB": decimal units, one decimal below 10. */
/**
 * 20000 → "20,000", as toLocaleString('en-US') writes a whole number: by hand, since the first
 * toLocaleString of a process loads ICU's locale data (tens of ms on a lab's start).
 */
export function groupedDigits(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+$)/g, ',');
}

function sizeText(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${bytes} bytes` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/**
 * The progress line the CLI (stderr) and the wizard show for a mailbox.indexing event:
 * "indexing export.mbox: 1.2 GB of 2.0 GB, 12,034 messages", and once done
 * "ready: 12,034 messages in 7.6 s" (with the time it took, when known).
 */
export function indexingText(ev: Pick<MailboxIndexingEvent, 'path' | 'bytesDone' | 'bytesTotal' | 'messages' | 'done'>, elapsedMs?: number): string {
  const n = groupedDigits(ev.messages);
  if (ev.done) return `ready: ${n} message${ev.messages === 1 ? '' : 's'}${elapsedMs === undefined ? '' : ` in ${(elapsedMs / 1000).toFixed(1)} s`}`;
  const name = ev.path.split(/[\\/]/).filter(Boolean).pop() ?? ev.path;
  // A Maildir whose file names carry no sizes is indexed by its names: only the count is known.
  if (ev.bytesTotal === 0) return `indexing ${name}: ${n} messages`;
  return `indexing ${name}: ${sizeText(ev.bytesDone)} of ${sizeText(ev.bytesTotal)}, ${n} messages`;
}

/** A free-form note from the technician or the wizard (test plan step, setting changed, …). */
export interface NoteEvent extends EventBase {
  kind: 'note';
  text: string;
  data?: Record<string, unknown>;
}

/**
 * Bytes of a connection a packet capture does not hold (lost by the capture, an IP fragment
 * not reassembled, a snaplen cut): `bytes` octets missing at this point of that direction.
 * The reader never invents them; the diagnosis treats them as unknown content.
 */
export interface CaptureGapEvent extends EventBase {
  kind: 'capture.gap';
  conn: string;
  direction: 'c2s' | 's2c';
  bytes: number;
  /** The missing bytes were inside TLS. */
  tls?: true;
}

export type LabEvent =
  | LabStartEvent
  | LabStopEvent
  | ConnOpenEvent
  | BytesEvent
  | WireBytesEvent
  | TlsKeylogEvent
  | TlsHelloEvent
  | TlsEstablishedEvent
  | TlsFailedEvent
  | AuthEvent
  | HttpRequestEvent
  | DeviceEvent
  | ConnCloseEvent
  | InputRejectedEvent
  | LabErrorEvent
  | SmtpMessageEvent
  | Pop3MaildropChangedEvent
  | MailboxIndexingEvent
  | NoteEvent
  | CaptureGapEvent;

export type LabEventKind = LabEvent['kind'];

/** An event before the recorder stamps it with `seq` and `t`. */
export type EventInput = LabEvent extends infer E
  ? E extends LabEvent
    ? Omit<E, 'seq' | 't'>
    : never
  : never;

// ──────────────────────────── Diagnosis ────────────────────────────

export type Verdict = 'pass' | 'fail' | 'inconclusive';
/**
 * Steps per protocol (DESIGN.md) — IMAP: connect, tls, auth, client-accepted-auth, select, fetch,
 * logout; SMTP: connect, tls, ehlo, auth, client-accepted-auth, mail, rcpt, data, quit.
 */
export type StepName =
  | 'connect' | 'tls' | 'auth' | 'client-accepted-auth' | 'select' | 'fetch' | 'logout'
  | 'ehlo' | 'mail' | 'rcpt' | 'data' | 'quit'
  | 'list' | 'retr';
/** Which half of a phone's mail an attempt tests: reading (IMAP, POP3) or sending (SMTP). */
export type Direction = MailDirection;
/** A direction's verdict: `untested` when the phone made no attempt that way (or none could be read). */
export type DirectionVerdict = 'pass' | 'fail' | 'untested';
export type StepResult = 'pass' | 'fail' | 'skipped';
export type Severity = 'error' | 'warning' | 'info';

/** Stable finding ids (the catalogue: docs/findings.md). */
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
  | 'auth-not-checked'
  | 'cleartext-password'
  | 'no-mailbox-selected'
  | 'full-body-download'
  | 'slow-client-gap'
  | 'protocol-violation'
  | 'tls-handshake-failed'
  | 'tls-no-command'
  | 'legacy-tls-only'
  | 'cert-fetched'
  | 'cert-format-rejected'
  | 'smtp-no-auth'
  | 'smtp-auth-failed'
  | 'smtp-auth-before-ehlo'
  | 'smtp-bare-lf'
  | 'smtp-mail-from-syntax'
  | 'smtp-pipelining-unadvertised'
  | 'smtp-8bit-without-8bitmime'
  | 'smtp-auth-without-tls-refused'
  | 'smtp-message-too-large'
  | 'smtp-data-incomplete'
  | 'pop3-no-uidl'
  | 'pop3-stale-message-number'
  | 'pop3-delete-without-quit'
  | 'pop3-auth-failed'
  | 'pop3-apop-unsupported';

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
  /** IMAP and POP3 attempts are `receiving`, SMTP attempts `sending`. */
  direction: Direction;
  security: 'none' | 'starttls' | 'tls';
  mechanism?: string;
  /** The lab port the phone connected to. */
  port?: number;
  /** What TLS negotiated, when it did. */
  tls?: { version: string; cipher: string; engine: TlsEngineName };
  /** The server variant in force (`conn.open` `variant`). */
  variant?: string;
  variantLabel?: string;
  /** The test the technician said was running when the connection opened (`plan.select`). */
  planned?: { id: string; security: 'none' | 'starttls' | 'tls'; mechanism: string };
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
  /**
   * The session: `fail` when a tested direction failed, else `pass` when one passed, else
   * `inconclusive` (nothing tested, or nothing readable).
   */
  verdict: Verdict;
  /** Per direction: `pass` when an attempt that way passed, `fail` when attempts exist and none passed. */
  directions: Record<Direction, DirectionVerdict>;
  device?: DeviceInfo;
  attempts: Attempt[];
  findings: Finding[];
  /** What works for this phone and what the customer's server needs (DESIGN.md). */
  resolution?: Resolution;
}

// ──────────────────────────── Resolution ────────────────────────────

export type MailDirection = 'receiving' | 'sending';

/**
 * How well a configuration protects the password and the mail, most protected first:
 * TLS with a challenge-response login, TLS with a plain login, challenge-response without TLS,
 * plain without TLS.
 */
export type ProtectionLevel = 'tls-challenge' | 'tls-plain' | 'challenge' | 'plain';

/** One configuration the phone tried: the facts that tell it apart from another. */
export interface TriedConfiguration {
  proto: 'imap' | 'smtp' | 'pop3';
  /** The standard port for this protocol and security (143, 993, 587, 465, 110, 995). */
  port: number;
  /** The lab port the phone really used, when it differs from `port` (a fallback port). */
  labPort?: number;
  security: 'none' | 'starttls' | 'tls';
  /** "LOGIN-COMMAND", a SASL name, or null when the phone never tried to log in. */
  mechanism: string | null;
  /** The phone's own setting when it was on its automatic choice. */
  phoneMechanism?: string;
  tls: { version: string; cipher: string } | null;
  variant: string | null;
  variantLabel?: string;
  /** Connection ids of the attempts with this configuration. */
  attempts: string[];
}

export interface PhoneSetting {
  /** The phone's label for the setting (from the device profile). */
  setting: string;
  value: string;
  /** Whether the label and value were checked on a real phone. */
  verified: boolean;
}

export interface ServerNeeds {
  /** The server side in plain words. */
  needs: string[];
  /** Ready-to-paste configuration, or null where a stock server cannot meet the need. */
  dovecot: string | null;
  postfix: string | null;
  cyrus: string | null;
  /** What the configuration costs in security, in one or two sentences. */
  cost: string;
}

export interface WorkingConfiguration extends TriedConfiguration {
  protection: ProtectionLevel;
  /** The exact values to set on the phone. */
  phone: PhoneSetting[];
  /** The risk of this configuration in one sentence. */
  risk: string;
  server: ServerNeeds;
}

export interface FailingConfiguration extends TriedConfiguration {
  /** The findings that decided it (most serious first), or the step that failed. */
  because: string[];
  /** The last step that passed, for the nearest miss. */
  furthestStep: StepName;
}

export interface DirectionResolution {
  status: 'works' | 'fails' | 'untested';
  working: WorkingConfiguration[];
  failing: FailingConfiguration[];
  /** What remains worth trying, most protected first; empty once something works. */
  next: string[];
  /** When nothing works: the configuration that got furthest and what it would take. */
  nearestMiss?: { configuration: FailingConfiguration; wouldTake: string };
}

export interface Resolution {
  receiving: DirectionResolution;
  sending: DirectionResolution;
}

// ───────────────────────────── Errors ─────────────────────────────

/** Errors crossing the API boundary are plain tagged data, never thrown class instances. */
export interface ApiError {
  error: {
    code: 'bad-request' | 'not-found' | 'unauthorized' | 'conflict' | 'internal';
    message: string;
  };
}

// ──────────────────────────── Requests ────────────────────────────
// What the wizard asks of the engine. One transport-neutral shape: `call(method, params)`
// answers a result or an `ApiError` (never throws across the boundary), `subscribe` delivers
// the live stream. Electron carries it over IPC (preload → main), browser mode over HTTP
// (`POST /api/<method>`, token header) and Server-Sent Events (`/api/stream?token=…`).

/** Where the wizard runs: the Electron window or a browser on loopback. */
export type UiMode = 'electron' | 'browser';

export interface AppInfo {
  version: string;
  mode: UiMode;
  platform: string;
  dataDir: string;
  /** Which engine parts are present (a missing one disables its buttons, with the reason). */
  features: { lab: boolean; diagnosis: boolean; handoff: boolean; report: boolean; demo: boolean };
}

export interface NetworkInterfaceInfo {
  name: string;
  address: string;
  family: 'IPv4' | 'IPv6';
  internal: boolean;
  /** The address the engine would pick for a phone on the same Wi-Fi. */
  recommended: boolean;
  /** Human hint: "Wi-Fi", "Ethernet", "loopback (demo only)", "virtual (Docker)". */
  label?: string;
}

/** One setting the technician types on the phone, with the phone's own label for it. */
export interface ProfileField {
  /** The label as the phone shows it, e.g. "Incoming mail server". */
  label: string;
  /** true when the label was checked on a real device or its manual. */
  verified: boolean;
  note?: string;
}

export type ProfileFieldName = 'server' | 'port' | 'user' | 'password' | 'security' | 'mechanism';

/**
 * The phone's outgoing-mail (SMTP) settings screen: its own menu path and labels. `auth` is the
 * switch that turns the SMTP login on ("SMTP authorisation" on Series 40).
 */
export interface OutgoingProfile {
  menuPath: string[];
  menuPathVerified: boolean;
  fields: Partial<Record<ProfileFieldName | 'auth', ProfileField>>;
  /** The phone's words for the login switch being on. */
  authOn?: string;
}

/** The protocols a phone reads mail with. */
export type IncomingProtocol = 'imap' | 'pop3';

export interface IncomingProtocolSetting {
  /** The setting's label on the phone, e.g. "Mailbox type". */
  label: string;
  verified: boolean;
  note?: string;
  /** The phone's word for each protocol ("IMAP4", "POP3"). */
  choices: Partial<Record<IncomingProtocol, string>>;
  /** What the wizard proposes first. */
  default: IncomingProtocol;
}

export interface Pop3Choices {
  /** STLS on the plaintext port is 'starttls'; implicit TLS on 995 is 'tls'. */
  securityChoices: Partial<Record<'none' | 'starttls' | 'tls', string>>;
  /** "USER-PASS" (RFC 1939 USER/PASS), "APOP", or a SASL name (RFC 5034 AUTH). */
  mechanismChoices: Record<string, string>;
  /** The label of the login setting on POP3 mailboxes (often "APOP secure login"). */
  mechanismLabel: string;
  verified: boolean;
}

/** A device profile: resources/profiles/<id>.json. */
export interface DeviceProfile {
  id: string;
  vendor: string;
  model: string;
  platform: string;
  /** Model strings a User-Agent or IMAP ID may carry ("6233", "6234"). */
  matches: string[];
  /** Menu path to the incoming-mail settings, one entry per screen. */
  menuPath: string[];
  menuPathVerified: boolean;
  fields: Record<ProfileFieldName, ProfileField>;
  /** The outgoing-mail screen, where known; otherwise the wizard derives "Outgoing …" labels, unverified. */
  outgoing?: OutgoingProfile;
  /** The phone's words for each security choice and each mechanism choice. */
  securityChoices: Partial<Record<'none' | 'starttls' | 'tls', string>>;
  mechanismChoices: Record<string, string>;
  /**
   * The phone's "mailbox type" setting (Series 40: Edit mailboxes › Mailbox type): whether it
   * reads mail over IMAP or POP3, in the phone's words. Absent: the phone only does IMAP.
   */
  incomingProtocols?: IncomingProtocolSetting;
  /** POP3's security and login choices in the phone's words, where the phone offers POP3. */
  pop3?: Pop3Choices;
  /** How the CA certificate gets onto the phone. */
  certificate: { format: 'der'; steps: string[]; verified: boolean };
  notes: string[];
  /** Known problems, by finding id (QUIRKS.md). */
  knownQuirks: FindingId[];
}

export type LabState = 'stopped' | 'running' | 'replay';

export interface LabStatus {
  state: LabState;
  sessionId?: string;
  sessionDir?: string;
  listeners: Partial<Record<ListenerName, ListenerAddress>>;
  handoffUrl?: string;
  /** The lab account the phone is told to use (the technician types it: not redacted here). */
  account?: { user: string; password: string };
  /** The address the phone is told to use. */
  address?: string;
  demo: boolean;
  /** 'cli' when `mailprobe lab --ui` started the lab, 'ui' when the wizard did. */
  startedBy?: 'cli' | 'ui';
  profile?: string;
  /** Why the phone may not reach the lab (firewall, loopback address), with the ports. */
  firewallHint?: string;
  eventCount: number;
}

export interface LabStartRequest {
  /** The address the phone can reach (from net.interfaces); 127.0.0.1 for demo mode. */
  address: string;
  /** 'standard' = 143/993 when allowed, else the lab's fallbacks; 'high' = 1143/1993/8080; 'any' = free ports. */
  ports?: 'standard' | 'high' | 'any';
  profile?: string;
  demo?: boolean;
  /** 'auto': vary the server's behaviour from one connection of the phone to the next. */
  variants?: 'off' | 'auto';
  /** Change the POP3 maildrop between the phone's checks (delete and/or add a message). */
  pop3MailboxChange?: Pop3MailboxChange;
  /**
   * A customer's mailbox to serve instead of the seeded messages: the path of an mbox file or a
   * Maildir folder on this computer (`mailprobe lab --mailbox`), opened read-only. A path that is
   * not one is refused (`bad-request`, saying why) before anything starts.
   */
  mailbox?: string;
}

/** One test of the plan the wizard proposes (Configure step). */
export interface TestPlanItem {
  id: string;
  title: string;
  security: 'none' | 'starttls' | 'tls';
  /** SASL name, "LOGIN-COMMAND", or "AUTO" for the phone's automatic choice; POP3: "USER-PASS" or "APOP". */
  mechanism: string;
  /** The protocol the phone reads mail with in this test (absent: IMAP). */
  proto?: IncomingProtocol;
  /** Why this test is in the plan. */
  why: string;
  /** Reading mail (the default) or sending it: "send a mail from the phone". */
  direction?: Direction;
}

export interface ScenarioInfo {
  id: string;
  title: string;
  description?: string;
  /** Whether the scenario talks to the TLS port. */
  tls?: boolean;
  /** The lab listener it talks to (imap when absent, imaps when `tls`). */
  listener?: ListenerName;
}

export interface SessionSummary {
  id: string;
  dir: string;
  start?: string;
  events: number;
  /** Saved wizard state: the technician's label, the profile, the plan position. */
  label?: string;
  saved?: boolean;
}

export interface ReportExport {
  file: string;
  bytes: number;
  /** Browser mode: a loopback URL (token included) that downloads the PDF. */
  downloadUrl?: string;
}

/** Every request: its parameters and its result. */
export interface ApiRequests {
  'app.info': { params: Record<string, never>; result: AppInfo };
  'profiles.list': { params: Record<string, never>; result: DeviceProfile[] };
  'net.interfaces': { params: Record<string, never>; result: NetworkInterfaceInfo[] };
  'lab.start': { params: LabStartRequest; result: LabStatus };
  'lab.stop': { params: Record<string, never>; result: LabStatus };
  'lab.status': { params: Record<string, never>; result: LabStatus };
  'handoff.qr': { params: Record<string, never>; result: { url: string; svg: string } };
  /** Record the test being run now (a `note` event) so the report can group attempts by test. */
  'plan.select': { params: { test: TestPlanItem }; result: { seq: number } };
  'demo.scenarios': { params: Record<string, never>; result: ScenarioInfo[] };
  'demo.run': { params: { scenario: string }; result: { started: true } };
  'sessions.list': { params: Record<string, never>; result: SessionSummary[] };
  /** Reopen a recorded session read-only: the stream resets and replays it. */
  'session.open': { params: { id: string }; result: LabStatus };
  'session.save': { params: { label: string; wizard: Record<string, unknown> }; result: { file: string } };
  'report.export': { params: { includeSecrets: boolean }; result: ReportExport };
}

export type ApiMethod = keyof ApiRequests;
export type ApiParams<M extends ApiMethod> = ApiRequests[M]['params'];
export type ApiResult<M extends ApiMethod> = ApiRequests[M]['result'];

/** The method names, for routers that must reject anything else. */
export const API_METHODS: readonly ApiMethod[] = [
  'app.info', 'profiles.list', 'net.interfaces', 'lab.start', 'lab.stop', 'lab.status', 'handoff.qr',
  'plan.select', 'demo.scenarios', 'demo.run', 'sessions.list', 'session.open', 'session.save', 'report.export',
];

/** The live stream, in order. Events arrive in batches; the diagnosis is recomputed by the engine. */
export type ApiStreamMessage =
  /** A new session (lab started, session reopened): drop what you hold. */
  | { type: 'reset'; status: LabStatus }
  | { type: 'events'; events: LabEvent[] }
  | { type: 'diagnosis'; diagnosis: Diagnosis }
  | { type: 'status'; status: LabStatus };

/** What the renderer sees as `window.mailprobe` (Electron) or builds over HTTP (browser mode). */
export interface MailprobeApi {
  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M> | ApiError>;
  subscribe(listener: (msg: ApiStreamMessage) => void): () => void;
}
