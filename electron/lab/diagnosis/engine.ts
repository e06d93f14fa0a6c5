/**
 * The diagnosis engine: events in, Diagnosis out, no I/O.
 *
 * `IncrementalDiagnosis` takes events one at a time (the wizard's live timeline) with bounded
 * work per event: the bytes of a c2s/s2c event go through that connection's framers once; every
 * other event touches only its connection and the rules. `result()` assembles the current
 * Diagnosis from the rules' findings and the attempts (cost proportional to those, never to the
 * log). `diagnose(events)` is the same engine fed the whole log, so the incremental result after
 * the last event equals the batch result by construction.
 */
import type { Attempt, Diagnosis, DeviceInfo, DeviceProfile, Finding, LabEvent, NetworkTrust } from '../../api.js';
import { matchProfile } from '../profiles/index.js';
import { resolve } from './resolution/index.js';
import { decodeBytes } from '../recorder/bytes.js';
import { isCaptureOnly } from '../recorder/redact.js';
import { AttemptTracker } from './attempts.js';
import { addressOf } from './certificate-refusal.js';
import { findingText } from './catalog.js';
import { ConnState, type ClientItem, type ItemSink, type ServerItem } from './conversation.js';
import { deviceFromUserAgent } from '../device/index.js';
import { mergeDevice } from './device.js';
import { createRules, type Rule, type RuleHost } from './rules/index.js';
import { FindingStore, type StoredFinding } from './store.js';
import { isSmtpProto, verdicts } from './directions.js';
import { SmtpAttemptTracker } from './smtp/attempts.js';
import { SmtpConn, type SmtpClientItem, type SmtpServerItem, type SmtpSink } from './smtp/conversation.js';
import { isPop3Proto, Pop3AttemptTracker } from './pop3/attempts.js';
import { Pop3Conn, type Pop3ClientItem, type Pop3ServerItem, type Pop3Sink } from './pop3/conversation.js';

export interface DiagnosisOptions {
  /**
   * Device profiles (resources/profiles): the resolution names the phone's own settings from
   * the profile that matches the device, else from the generic one.
   */
  profiles?: readonly DeviceProfile[];
  /**
   * The network the phone used, overriding what `lab.start` recorded (`diagnose --network`).
   * Without either: a lab session (it has `lab.start`) is on the lab's own, trusted network;
   * anything else (a packet capture) may be any network, so it counts as untrusted.
   */
  network?: NetworkTrust;
}

export class IncrementalDiagnosis {
  private readonly conns = new Map<string, ConnState>();
  private readonly store = new FindingStore();
  private readonly rules: Rule[] = createRules();
  private readonly attempts = new AttemptTracker();
  private readonly smtpAttempts = new SmtpAttemptTracker();
  /** The SMTP reading of connections on the smtp/smtps listeners (dropped on conn.close). */
  private readonly smtpConns = new Map<string, SmtpConn>();
  private readonly pop3Attempts = new Pop3AttemptTracker();
  /** The POP3 reading of connections on the pop3/pop3s listeners (dropped on conn.close). */
  private readonly pop3Conns = new Map<string, Pop3Conn>();
  /** Seq at which each attempt's connection was first seen: attempts are listed in that order. */
  private readonly attemptOrder = new Map<string, number>();
  private device: DeviceInfo | undefined;
  private stopped = false;
  /** From lab.start: undefined until it is seen. */
  private labNetwork: NetworkTrust | undefined;
  private count = 0;
  /** Exceptions thrown by rules (a bug, never a reason to lose the rest of the diagnosis). */
  readonly ruleErrors: Array<{ rule: string; seq: number; message: string }> = [];
  private currentSeq = 0;

  private readonly findingsCache = { changes: -1, list: [] as Finding[], byId: new Map<string, { version: number; finding: Finding }>() };
  private readonly host: RuleHost;
  private readonly sink: ItemSink;
  private readonly smtpSink: SmtpSink;
  private readonly pop3Sink: Pop3Sink;

  constructor(private readonly options: DiagnosisOptions = {}) {
    const isStopped = () => this.stopped;
    const network = () => options.network ?? this.labNetwork ?? 'untrusted';
    this.host = {
      store: this.store,
      conn: (id) => this.conns.get(id),
      smtp: (id) => this.smtpConns.get(id),
      pop3: (id) => this.pop3Conns.get(id),
      get stopped() {
        return isStopped();
      },
      get network() {
        return network();
      },
    };
    this.sink = {
      client: (item: ClientItem, conn: ConnState) => {
        for (const r of this.rules) if (r.onClient) this.guard(r, () => r.onClient!(item, conn, this.host));
        this.attempts.onClient(item, conn);
      },
      server: (item: ServerItem, conn: ConnState) => {
        for (const r of this.rules) if (r.onServer) this.guard(r, () => r.onServer!(item, conn, this.host));
        this.attempts.onServer(item, conn);
      },
    };
    this.smtpSink = {
      client: (item: SmtpClientItem, conn: SmtpConn) => {
        for (const r of this.rules) if (r.onSmtpClient) this.guard(r, () => r.onSmtpClient!(item, conn, this.host));
        this.smtpAttempts.onClient(item, conn);
      },
      server: (item: SmtpServerItem, conn: SmtpConn) => {
        for (const r of this.rules) if (r.onSmtpServer) this.guard(r, () => r.onSmtpServer!(item, conn, this.host));
        this.smtpAttempts.onServer(item, conn);
      },
    };
    this.pop3Sink = {
      client: (item: Pop3ClientItem, conn: Pop3Conn) => {
        for (const r of this.rules) if (r.onPop3Client) this.guard(r, () => r.onPop3Client!(item, conn, this.host));
        this.pop3Attempts.onClient(item, conn);
      },
      server: (item: Pop3ServerItem, conn: Pop3Conn) => {
        for (const r of this.rules) if (r.onPop3Server) this.guard(r, () => r.onPop3Server!(item, conn, this.host));
        this.pop3Attempts.onServer(item, conn);
      },
    };
  }

  /** Number of events pushed so far. */
  get eventCount(): number {
    return this.count;
  }

  push(event: LabEvent): void {
    this.count++;
    // Raw TLS bytes and key log lines repeat what the c2s/s2c and tls.* events say; the rules
    // read those, so a session diagnoses the same with or without them.
    if (isCaptureOnly(event)) return;
    this.currentSeq = event.seq;
    // Bytes a capture lost are read like a payload of unknown content: the framers skip them.
    const ev: LabEvent = event.kind === 'capture.gap' ? { kind: event.direction, seq: event.seq, t: event.t, conn: event.conn, text: '', truncated: event.bytes, ...(event.tls ? { tls: true } : {}) } : event;
    if (ev.kind === 'c2s' || ev.kind === 's2c') {
      if (typeof ev.conn !== 'string') return;
      const conn = this.connFor(ev.conn);
      if (conn.start === undefined) conn.start = ev.t;
      conn.end = ev.t;
      if (isSmtpProto(conn.proto)) {
        this.smtpBytes(ev, conn);
        return;
      }
      if (isPop3Proto(conn.proto)) {
        this.pop3Bytes(ev, conn);
        return;
      }
      // POP3 and HTTP bytes are not IMAP: the IMAP rules must not read them as violations.
      if (conn.proto !== undefined && conn.proto !== 'imap' && conn.proto !== 'imaps') return;
      this.ensureAttempt(ev.conn, conn.proto, ev.seq, ev.t);
      this.attempts.touch(ev.conn, ev.t);
      const data = decodeBytes(ev);
      const missing = ev.truncated !== undefined ? Math.max(0, ev.truncated - data.length) : 0;
      if (data.length === 0 && missing > 0) this.attempts.markOpaque(ev.conn);
      const at = { seq: ev.seq, t: ev.t, tls: ev.tls === true };
      if (ev.kind === 'c2s') conn.clientBytes(data, at, missing, this.sink);
      else conn.serverBytes(data, at, missing, this.sink);
      return;
    }
    let conn: ConnState | undefined;
    if (ev.conn !== undefined) conn = ev.kind === 'conn.open' || this.conns.has(ev.conn) ? this.connFor(ev.conn) : undefined;
    switch (ev.kind) {
      case 'conn.open':
        conn!.proto = ev.proto;
        conn!.openSeq = ev.seq;
        conn!.port = ev.port;
        conn!.start = ev.t;
        if (ev.proto === 'imaps' || ev.proto === 'smtps' || ev.proto === 'pop3s') conn!.security = 'tls';
        if (isPop3Proto(ev.proto) && !this.pop3Conns.has(ev.conn)) {
          const pop3 = new Pop3Conn(ev.conn);
          pop3.proto = ev.proto;
          this.pop3Conns.set(ev.conn, pop3);
        }
        if (ev.local) conn!.localAddress = addressOf(ev.local);
        if (isSmtpProto(ev.proto) && !this.smtpConns.has(ev.conn)) {
          const smtp = new SmtpConn(ev.conn);
          smtp.proto = ev.proto;
          this.smtpConns.set(ev.conn, smtp);
        }
        this.ensureAttempt(ev.conn, ev.proto, ev.seq, ev.t);
        break;
      case 'tls.hello':
        if (!conn) conn = this.connFor(ev.conn);
        conn.tlsHello = { seq: ev.seq, maxVersion: ev.maxVersion, ...(ev.sni ? { sni: ev.sni } : {}) };
        break;
      case 'tls.failed':
        if (!conn) conn = this.connFor(ev.conn);
        if (ev.afterHandshake && ev.reason === 'protocol-version' && conn.tlsClientBytes === 0) conn.clearTextAfterHandshake = true;
        else if (ev.afterHandshake) conn.tlsErrorAfterHandshake = true;
        break;
      case 'input.rejected':
        // A refused renegotiation is the client speaking TLS after the handshake, not a
        // certificate check followed by a close.
        if (conn && ev.what === 'tls-renegotiation') conn.tlsErrorAfterHandshake = true;
        break;
      case 'tls.established':
        if (!conn) conn = this.connFor(ev.conn);
        conn.tlsEstablishedSeq = ev.seq;
        conn.tlsCertificate = { certificate: ev.certificate, names: ev.certificateNames };
        conn.security = ev.mode === 'starttls' || (conn.proto !== 'imaps' && conn.proto !== 'smtps' && conn.proto !== 'pop3s' && ev.mode !== 'implicit') ? 'starttls' : 'tls';
        break;
      case 'conn.close':
        if (conn) {
          conn.closed = true;
          conn.closedBy = ev.by;
          conn.end = ev.t;
        }
        break;
      case 'http.request':
        this.device = mergeDevice(this.device, ev.device ?? (ev.userAgent ? deviceFromUserAgent(ev.userAgent) : undefined));
        break;
      case 'device':
        this.device = mergeDevice(this.device, ev.device);
        break;
      case 'lab.start':
        this.labNetwork = ev.settings?.network === 'untrusted' ? 'untrusted' : 'trusted';
        break;
      case 'lab.stop':
        this.stopped = true;
        break;
      default:
        break;
    }
    for (const r of this.rules) if (r.onEvent) this.guard(r, () => r.onEvent!(ev, conn, this.host));
    this.attempts.onEvent(ev, conn);
    this.smtpAttempts.onEvent(ev, ev.conn !== undefined ? this.smtpConns.get(ev.conn) : undefined);
    this.pop3Attempts.onEvent(ev, ev.conn !== undefined ? this.pop3Conns.get(ev.conn) : undefined);
    if (ev.kind === 'conn.close') {
      this.conns.delete(ev.conn);
      this.smtpConns.delete(ev.conn);
      this.pop3Conns.delete(ev.conn);
    }
  }

  private ensureAttempt(conn: string, proto: string | undefined, seq: number, t: string): void {
    if (!this.attemptOrder.has(conn)) this.attemptOrder.set(conn, seq);
    this.attempts.ensure(conn, proto, seq, t);
    this.smtpAttempts.ensure(conn, proto, seq, t);
    this.pop3Attempts.ensure(conn, proto, seq, t);
  }

  /** c2s/s2c of a POP3 connection: its own framers and conversation, the POP3 rules and attempt. */
  private pop3Bytes(ev: LabEvent & { kind: 'c2s' | 's2c' }, conn: ConnState): void {
    let pop3 = this.pop3Conns.get(ev.conn);
    if (!pop3) {
      pop3 = new Pop3Conn(ev.conn);
      pop3.proto = conn.proto;
      this.pop3Conns.set(ev.conn, pop3);
    }
    this.ensureAttempt(ev.conn, conn.proto, ev.seq, ev.t);
    this.pop3Attempts.touch(ev.conn, ev.t);
    const data = decodeBytes(ev);
    const missing = ev.truncated !== undefined ? Math.max(0, ev.truncated - data.length) : 0;
    if (data.length === 0 && missing > 0) this.pop3Attempts.markOpaque(ev.conn);
    const at = { seq: ev.seq, t: ev.t, tls: ev.tls === true };
    if (ev.kind === 'c2s') {
      if (at.tls) conn.tlsClientBytes += data.length + missing;
      pop3.clientBytes(data, at, missing, this.pop3Sink);
    } else pop3.serverBytes(data, at, missing, this.pop3Sink);
  }

  /** c2s/s2c of an SMTP connection: its own framers and conversation, the SMTP rules and attempt. */
  private smtpBytes(ev: LabEvent & { kind: 'c2s' | 's2c' }, conn: ConnState): void {
    let smtp = this.smtpConns.get(ev.conn);
    if (!smtp) {
      smtp = new SmtpConn(ev.conn);
      smtp.proto = conn.proto;
      this.smtpConns.set(ev.conn, smtp);
    }
    this.ensureAttempt(ev.conn, conn.proto, ev.seq, ev.t);
    this.smtpAttempts.touch(ev.conn, ev.t);
    const data = decodeBytes(ev);
    const missing = ev.truncated !== undefined ? Math.max(0, ev.truncated - data.length) : 0;
    if (data.length === 0 && missing > 0 && !smtp.inContent) this.smtpAttempts.markOpaque(ev.conn);
    const at = { seq: ev.seq, t: ev.t, tls: ev.tls === true };
    if (ev.kind === 'c2s') {
      // tls-no-command reads this: bytes the client sent inside TLS.
      if (at.tls) conn.tlsClientBytes += data.length + missing;
      smtp.clientBytes(data, at, missing, this.smtpSink);
    } else smtp.serverBytes(data, at, missing, this.smtpSink);
  }

  pushAll(events: Iterable<LabEvent>): this {
    for (const ev of events) this.push(ev);
    return this;
  }

  /**
   * The Diagnosis so far. Parts that did not change since the last call are the same objects
   * as before: treat the result as read-only (copy it to modify it).
   */
  result(): Diagnosis {
    const attempts = this.mergedAttempts();
    if (this.findingsCache.changes !== this.store.changes) {
      this.findingsCache.list = this.store.all().map((f) => {
        const hit = this.findingsCache.byId.get(f.id);
        if (hit && hit.version === f.version) return hit.finding;
        const finding = buildFinding(f);
        this.findingsCache.byId.set(f.id, { version: f.version, finding });
        return finding;
      });
      this.findingsCache.changes = this.store.changes;
    }
    const findings = this.findingsCache.list.slice();
    const { verdict, directions } = verdicts(attempts, { receiving: this.attempts.anyOpaque || this.pop3Attempts.anyOpaque, sending: this.smtpAttempts.anyOpaque });
    const d: Diagnosis = { verdict, directions, attempts, findings };
    if (this.device) d.device = { ...this.device };
    d.resolution = resolve(d, this.profile());
    return d;
  }

  /** IMAP and SMTP attempts in the order their connections appeared. */
  private mergedAttempts(): Attempt[] {
    const imap = this.attempts.result();
    const smtp = this.smtpAttempts.result();
    const pop3 = this.pop3Attempts.result();
    if (smtp.length === 0 && pop3.length === 0) return imap;
    const at = (a: Attempt) => this.attemptOrder.get(a.conn) ?? 0;
    return [...imap, ...smtp, ...pop3].sort((x, y) => at(x) - at(y));
  }

  private profile(): DeviceProfile | undefined {
    const profiles = this.options.profiles;
    if (!profiles?.length) return undefined;
    return matchProfile(profiles, this.device) ?? profiles.find((p) => p.id === 'generic');
  }

  private connFor(id: string): ConnState {
    let c = this.conns.get(id);
    if (!c) {
      c = new ConnState(id);
      this.conns.set(id, c);
    }
    return c;
  }

  private guard(rule: Rule, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (this.ruleErrors.length < 100) this.ruleErrors.push({ rule: rule.id, seq: this.currentSeq, message: (err as Error).message });
    }
  }
}

function buildFinding(f: StoredFinding): Finding {
  const data = structuredClone(f.data);
  const text = findingText(f.id, data);
  const out: Finding = { id: f.id, severity: f.severity, ...text, evidence: [...f.evidence] };
  if (f.conn !== undefined) out.conn = f.conn;
  if (Object.keys(data).length > 0) out.data = data;
  return out;
}

/** The Diagnosis of a whole session log (DESIGN.md, `diagnose --json`). */
export function diagnose(events: readonly LabEvent[], options: DiagnosisOptions = {}): Diagnosis {
  return new IncrementalDiagnosis(options).pushAll(events).result();
}
