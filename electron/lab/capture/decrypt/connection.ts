/**
 * One TLS connection read from both directions of a capture. The two directions may be fed in
 * any interleaving (a reader may hand over all of one direction first), so each direction keeps
 * a queue of records, and a record is processed only once what it depends on has been seen:
 * the server's hello before the client's key exchange, the keys before a ChangeCipherSpec.
 * The handshake transcript is built in protocol order from that, which is what the extended
 * master secret hashes (RFC 7627 §3).
 */
import type { KeyObject } from 'node:crypto';
import { parseClientHello, type ParsedClientHello } from '../../tls/hello.js';
import { rawRsaDecrypt } from '../../tls/legacy/rsa.js';
import { cipherSuiteName, hex4 } from '../../tls/names.js';
import { RecordFramer, type TlsRecord } from './framer.js';
import { encryptedPremaster, EXT_ENCRYPT_THEN_MAC, EXT_EXTENDED_MASTER_SECRET, EXT_SESSION_TICKET, firstCertificate, HandshakeBuffer, HS, parseServerHello, sessionTicket, Truncated, type ServerHello } from './handshake.js';
import { keyBlock, masterSecret, versionLabel, sessionHash, SSL30, TLS13, tls13NextSecret, tls13TrafficKeys, type DirectionKeys } from './kdf.js';
import type { KeyLogIndex, KeyLogLabel } from './keylog.js';
import { Aead13, createOpener, resyncOpen, type OpenResult, type RecordOpener } from './protection.js';
import { keyForCertificate } from './server-key.js';
import type { CachedSession, SessionCache } from './session-cache.js';
import { decryptSuiteById, type DecryptSuite } from './suites.js';

export type Direction = 'c2s' | 's2c';
export type DecryptStatus = 'decrypting' | 'no-secret' | 'unsupported' | 'lost-sync';
export type DecryptOutput =
  | { kind: 'plaintext'; direction: Direction; bytes: Buffer; timestampMs: number }
  | { kind: 'status'; state: DecryptStatus; detail: string };

/** Ciphertext held while waiting for the other direction (e.g. a reader that feeds the whole
 * client stream first): beyond this the direction is given up with a status. */
export const MAX_PENDING_BYTES = 8 * 1024 * 1024;
export const PREMASTER_LENGTH = 48;

const CONTENT = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23 } as const;
const SIDE: Record<Direction, string> = { c2s: "client's", s2c: "server's" };

export interface ConnectionContext {
  keyLog: KeyLogIndex;
  serverKeys: readonly KeyObject[];
  cache: SessionCache;
}

class DirectionState {
  readonly framer = new RecordFramer();
  queue: TlsRecord[] = [];
  queuedBytes = 0;
  readonly handshake = new HandshakeBuffer();
  encrypted = false;
  opener?: RecordOpener;
  /** TLS 1.3: the current traffic secret (for KeyUpdate). */
  secret?: Buffer;
  opened = 0;
  /** The previous record was damaged by a gap and the cipher chains state across records. */
  afterDamage = false;
  dead = false;
  /** Searching for the next record after a lost header; the record that ended the search. */
  resyncing = false;
  resynced?: { result: Extract<OpenResult, { ok: true }>; lost: number };
  /** A record of this direction has been looked at (the first must be a handshake). */
  seenRecord = false;
  /** Why this direction ends after its queued records (the framing was lost). */
  endDetail?: string;
  /** TLS 1.3: handshake messages inside encrypted records. */
  readonly inner = new HandshakeBuffer();
}

export class TlsConnection {
  private readonly dirs: Record<Direction, DirectionState> = { c2s: new DirectionState(), s2c: new DirectionState() };
  private out: DecryptOutput[] = [];
  private hello?: ParsedClientHello;
  private server?: ServerHello;
  private helloRetry = false;
  private suite?: DecryptSuite;
  private version = 0;
  private transcript: Buffer[] = [];
  private certificate?: Buffer;
  private serverHelloDone = false;
  private master?: Buffer;
  /** Which secret the keys came from, for a status when they turn out wrong. */
  private secretName = '';
  private keys?: { client: DirectionKeys; server: DirectionKeys };
  private ticket?: Buffer;
  /** Set once nothing more can be decrypted (no secret, unsupported, handshake lost). */
  private finished = false;

  constructor(private readonly ctx: ConnectionContext) {}

  push(direction: Direction, bytes: Buffer, timestampMs: number): DecryptOutput[] {
    const d = this.dirs[direction];
    if (!this.finished && !d.dead && !d.framer.failed) {
      this.enqueue(direction, d.framer.push(bytes, timestampMs));
      const failed = d.framer.failure();
      if (failed) d.endDetail = failed.detail;
    }
    this.pump();
    return this.drain();
  }

  gap(direction: Direction, bytes: number): DecryptOutput[] {
    const d = this.dirs[direction];
    if (!this.finished && !d.dead && !d.framer.failed) {
      // Inside a record the framing survives and the record comes out marked damaged. Over a
      // header, records that carry no state from one to the next (explicit-IV CBC, AEAD) can be
      // found again by trying candidates; otherwise the records already framed are still read,
      // then the direction ends.
      const resyncable = d.encrypted && d.opener !== undefined && !d.opener.chained && d.queue.length === 0;
      const r = d.framer.gap(bytes, resyncable ? (rec) => this.resyncCheck(direction, rec) : undefined);
      if (r === 'scanning') {
        if (!d.resyncing) this.status('lost-sync', `${bytes} bytes missing from the ${SIDE[direction]} stream cover a record header: looking for the next record that decrypts`);
        d.resyncing = true;
      } else if (r !== 'kept') d.endDetail = r.detail;
    }
    this.pump();
    return this.drain();
  }

  private drain(): DecryptOutput[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  private status(state: DecryptStatus, detail: string): void {
    this.out.push({ kind: 'status', state, detail });
  }

  private stop(state: 'no-secret' | 'unsupported', detail: string): void {
    if (this.finished) return;
    this.status(state, detail);
    this.finished = true;
  }

  private loseDirection(direction: Direction, detail: string, state: 'lost-sync' | 'unsupported' = 'lost-sync'): void {
    const d = this.dirs[direction];
    if (d.dead || this.finished) return;
    d.dead = true;
    d.queue = [];
    this.status(state, detail);
  }

  private enqueue(direction: Direction, records: TlsRecord[]): void {
    const d = this.dirs[direction];
    for (const r of records) {
      d.queue.push(r);
      d.queuedBytes += r.fragment.length;
    }
    if (d.queuedBytes > MAX_PENDING_BYTES) {
      this.loseDirection(direction, `more than ${MAX_PENDING_BYTES} bytes of the ${SIDE[direction]} stream wait for the other direction's handshake, which is not in the capture`);
    }
  }

  private pump(): void {
    try {
      this.pumpRecords();
    } catch (e) {
      // Bytes no rule above foresaw: the connection is given up with a status, never the capture.
      this.status('lost-sync', `the decryptor could not follow this connection: ${(e as Error).message}`);
      this.finished = true;
      for (const d of Object.values(this.dirs)) d.queue = [];
    }
  }

  private pumpRecords(): void {
    let progress = true;
    while (progress && !this.finished) {
      progress = false;
      for (const dir of ['c2s', 's2c'] as const) {
        while (!this.finished && this.step(dir)) progress = true;
      }
    }
    if (this.finished) for (const d of Object.values(this.dirs)) d.queue = [];
  }

  /** Process the next thing in this direction; false when blocked or empty. */
  private step(dir: Direction): boolean {
    const d = this.dirs[dir];
    if (d.dead) return false;
    // Handshake messages already reassembled come before the next record.
    if (!d.encrypted && d.handshake.peek()) return this.handshakeMessage(dir);
    const rec = d.queue[0];
    if (!rec) {
      if (d.endDetail === undefined) return false;
      if (!d.encrypted) {
        this.status('lost-sync', `the ${SIDE[dir]} handshake is incomplete in the capture (${d.endDetail}): the connection cannot be decrypted`);
        this.finished = true;
      } else {
        this.loseDirection(dir, `${d.endDetail}: the rest of the ${SIDE[dir]} stream is not decrypted`);
      }
      return false;
    }
    if (d.encrypted) {
      if (!d.opener) return false;
      this.shift(d);
      this.protectedRecord(dir, rec);
      return true;
    }
    if (!d.seenRecord) {
      d.seenRecord = true;
      if (rec.type !== CONTENT.handshake) {
        // RFC 5246 §7.3: every connection opens with the hellos in handshake records; this one
        // was captured after they passed, so there is nothing to derive keys from.
        this.status('lost-sync', `the capture starts inside the connection, after its TLS handshake (the ${SIDE[dir]} first record is of type ${rec.type}, not a handshake): it cannot be decrypted`);
        this.finished = true;
        return false;
      }
    }
    switch (rec.type) {
      case CONTENT.handshake:
        if (rec.damaged) {
          this.status('lost-sync', `bytes of the ${SIDE[dir]} handshake are missing from the capture: the connection cannot be decrypted`);
          this.finished = true;
          return false;
        }
        if (rec.ssl2Hello) {
          if (dir !== 'c2s' || this.hello) return this.protocolError(dir, 'an SSLv2-format record after the start');
          this.shift(d);
          return this.clientHello(rec.fragment);
        }
        this.shift(d);
        d.handshake.append(rec.fragment);
        return true;
      case CONTENT.changeCipherSpec:
        if (this.version === TLS13) {
          // RFC 8446 §5: a compatibility ChangeCipherSpec, unprotected and meaningless.
          this.shift(d);
          return true;
        }
        if (d.handshake.pending > 0) return false;
        if (!this.keys) {
          // The server's ChangeCipherSpec right after its hello: an abbreviated handshake whose
          // master secret nothing here gives (RFC 5246 §7.3, Figure 2).
          if (dir === 's2c' && this.server && !this.serverHelloDone) this.stop('no-secret', this.resumedWithoutSecret());
          return false;
        }
        this.shift(d);
        d.encrypted = true;
        d.opener = createOpener(this.suite!, this.version, dir === 'c2s' ? this.keys.client : this.keys.server, this.etm());
        return true;
      case CONTENT.alert:
        this.shift(d);
        return true;
      default:
        // Application data before this direction's keys: in TLS 1.3 the server's hello
        // switches both directions; wait for it.
        if (!this.server || this.version === TLS13) return false;
        return this.protocolError(dir, 'application data before ChangeCipherSpec');
    }
  }

  private shift(d: DirectionState): void {
    const r = d.queue.shift();
    if (r) d.queuedBytes -= r.fragment.length;
  }

  private protocolError(dir: Direction, what: string): boolean {
    this.loseDirection(dir, `the ${SIDE[dir]} stream is not TLS as expected: ${what}`);
    return false;
  }

  // ---- plaintext handshake (TLS ≤ 1.2, and the hellos of 1.3) ----

  private handshakeMessage(dir: Direction): boolean {
    const d = this.dirs[dir];
    const m = d.handshake.peek()!;
    let done: boolean;
    try {
      done = dir === 'c2s' ? this.clientMessage(m.type, m.body, m.raw) : this.serverMessage(m.type, m.body, m.raw);
    } catch (e) {
      if (!(e instanceof Truncated)) throw e;
      return this.protocolError(dir, `a malformed handshake message (type ${m.type})`);
    }
    if (!done) return false;
    d.handshake.consume();
    return true;
  }

  private clientHello(raw: Buffer): boolean {
    const parsed = parseClientHello(raw);
    if (parsed.status !== 'ok') {
      this.stop('unsupported', `the client's first message is not a readable ClientHello`);
      return false;
    }
    this.hello = parsed.hello;
    this.transcript.push(parsed.hello.handshakeMessage);
    this.ticket = parsed.hello.extensions.find((e) => e.type === EXT_SESSION_TICKET)?.data;
    return true;
  }

  private clientMessage(type: number, body: Buffer, raw: Buffer): boolean {
    if (type === HS.clientHello) {
      if (this.hello && !this.helloRetry) {
        if (!this.server) return false;
        this.stop('unsupported', 'a second ClientHello in clear (renegotiation without encryption) is not followed');
        return false;
      }
      const record = Buffer.concat([Buffer.from([CONTENT.handshake, 3, 1, raw.length >> 8, raw.length & 0xff]), raw]);
      this.helloRetry = false;
      if (this.hello) {
        // RFC 8446 §4.1.2: the second hello after a HelloRetryRequest keeps the same random.
        this.transcript.push(Buffer.from(raw));
        return true;
      }
      return this.clientHello(record);
    }
    if (!this.hello) return this.protocolError('c2s', `handshake message ${type} before the ClientHello`);
    if (!this.serverHelloDone) return false;
    this.transcript.push(Buffer.from(raw));
    if (type === HS.clientKeyExchange) this.clientKeyExchange(body);
    return true;
  }

  private serverMessage(type: number, body: Buffer, raw: Buffer): boolean {
    if (!this.hello) return false;
    // The server's second flight (NewSessionTicket) follows the client's key exchange, which
    // must enter the transcript first (RFC 5246 §7.3, Figure 1).
    if (this.serverHelloDone && !this.master) return false;
    if (type !== HS.serverHello && !this.server && !this.helloRetry) return this.protocolError('s2c', `handshake message ${type} before the ServerHello`);
    switch (type) {
      case HS.serverHello: {
        const sh = parseServerHello(body);
        this.transcript.push(Buffer.from(raw));
        if (sh.helloRetry) {
          this.helloRetry = true;
          this.version = sh.version;
          return true;
        }
        this.server = sh;
        this.serverHello(sh);
        return true;
      }
      case HS.certificate:
        this.certificate = firstCertificate(body);
        break;
      case HS.serverHelloDone:
        this.serverHelloDone = true;
        break;
      case HS.newSessionTicket: {
        const t = sessionTicket(body);
        if (t && this.master) this.ctx.cache.rememberTicket(t, this.cached());
        break;
      }
      default:
        break;
    }
    this.transcript.push(Buffer.from(raw));
    return true;
  }

  private cached(): CachedSession {
    return { master: this.master!, version: this.version, suiteId: this.suite!.id, extendedMasterSecret: this.ems() };
  }

  private ems(): boolean {
    return !!this.server?.extendedMasterSecret && !!this.hello?.extensions.some((e) => e.type === EXT_EXTENDED_MASTER_SECRET);
  }

  /** RFC 7366 §2: encrypt-then-MAC when both hellos carry the extension (not for SSL 3.0). */
  private etm(): boolean {
    return this.version !== SSL30 && !!this.server?.encryptThenMac && !!this.hello?.extensions.some((e) => e.type === EXT_ENCRYPT_THEN_MAC);
  }

  private describe(): string {
    return `${versionLabel(this.version)} ${this.suite ? this.suite.name : cipherSuiteName(this.server?.cipherSuite ?? 0)}`;
  }

  private randomHex(): string {
    return this.hello!.random.toString('hex');
  }

  private serverHello(sh: ServerHello): void {
    this.version = sh.version;
    const suite = decryptSuiteById(sh.cipherSuite);
    if (sh.version < SSL30 || sh.version > TLS13) {
      this.stop('unsupported', `protocol version ${hex4(sh.version)} is not one this decryptor reads`);
      return;
    }
    if (!suite) {
      this.stop('unsupported', `${versionLabel(sh.version)} cipher suite ${cipherSuiteName(sh.cipherSuite)} (${hex4(sh.cipherSuite)}) is not one this decryptor reads`);
      return;
    }
    if ((suite.kx === 'tls13') !== (sh.version === TLS13) || (sh.version === SSL30 && suite.kind === 'aead')) {
      this.stop('unsupported', `${suite.name} cannot be used with ${versionLabel(sh.version)}`);
      return;
    }
    this.suite = suite;
    if (sh.version === TLS13) {
      this.tls13Start();
      return;
    }
    const logged = this.ctx.keyLog.get('CLIENT_RANDOM', this.hello!.random);
    if (logged) {
      this.setMaster(logged, `master secret from the key log (CLIENT_RANDOM ${this.randomHex().slice(0, 16)}…)`, 'key log line');
      return;
    }
    const resumable = this.hello!.sessionId.length > 0 && this.hello!.sessionId.equals(sh.sessionId);
    const fromCache = (resumable ? this.ctx.cache.byId(sh.sessionId) : undefined) ?? (this.ticket ? this.ctx.cache.byTicket(this.ticket) : undefined);
    if (fromCache && fromCache.suiteId === suite.id && fromCache.version === sh.version) {
      // Resumed: the server answers the offered session with its Finished straight away; if it
      // sends a Certificate instead it is a full handshake and the key exchange decides.
      this.setMaster(fromCache.master, `resumed session: master secret from the earlier full handshake in this capture${resumable ? ` (session ID ${sh.sessionId.toString('hex').slice(0, 16)}…)` : ' (session ticket)'}`, 'master secret of the earlier session');
      return;
    }
    if (suite.kx !== 'rsa') {
      const kx = suite.kx === 'ecdhe' ? 'ECDHE' : 'DHE';
      if (this.ctx.serverKeys.length > 0 && this.ctx.keyLog.size === 0) {
        this.stop('unsupported', `${this.describe()} uses ${kx} key exchange: its forward secrecy means the server's RSA key cannot decrypt it; a key log (SSLKEYLOGFILE, --keylog) is needed`);
      } else {
        this.stop('no-secret', `${this.describe()} (${kx} key exchange): no key log line for client random ${this.randomHex()}`);
      }
      return;
    }
    if (this.ctx.serverKeys.length === 0) {
      this.pendingNoSecret = `${this.describe()}: no key log line for client random ${this.randomHex()} and no server key (--server-key) for its RSA key exchange`;
    }
  }

  /** When a full RSA handshake has no secret, say so when its key exchange (or the server's
   * abbreviated answer) shows which secret was needed. */
  private pendingNoSecret?: string;

  private resumedWithoutSecret(): string {
    return `${this.describe()}: a resumed session (abbreviated handshake) whose full handshake is not in this capture, and no key log line for client random ${this.randomHex()}`;
  }

  private setMaster(master: Buffer, source: string, secretName: string): void {
    this.master = master;
    this.secretName = secretName;
    this.keys = keyBlock(this.version, this.suite!, master, this.hello!.random, this.server!.random);
    this.ctx.cache.rememberId(this.server!.sessionId, this.cached());
    const ems = this.ems() ? ', extended master secret (RFC 7627)' : '';
    const etm = this.etm() && this.suite!.kind === 'cbc' ? ', encrypt-then-MAC (RFC 7366)' : '';
    this.status('decrypting', `${this.describe()}: ${source}${ems}${etm}`);
  }

  private clientKeyExchange(body: Buffer): void {
    if (this.master) return;
    if (this.suite!.kx !== 'rsa') return;
    if (this.pendingNoSecret) {
      this.stop('no-secret', this.pendingNoSecret);
      return;
    }
    const enc = encryptedPremaster(this.version, body);
    const candidates = this.certificate ? [keyForCertificate(this.ctx.serverKeys, this.certificate)].filter((k): k is KeyObject => k !== undefined) : this.ctx.serverKeys;
    if (candidates.length === 0) {
      this.stop('no-secret', `${this.describe()}: RSA key exchange but the server key does not match the certificate, and no key log line for client random ${this.randomHex()}`);
      return;
    }
    for (const key of candidates) {
      const pre = premasterFromBlock(rawRsaDecrypt(key, enc));
      if (!pre) continue;
      const sh = this.ems() ? sessionHash(this.version, this.suite!, this.transcript) : undefined;
      this.setMaster(masterSecret({ version: this.version, suite: this.suite!, preMaster: pre, clientRandom: this.hello!.random, serverRandom: this.server!.random, sessionHash: sh }), "master secret from the server's RSA key", 'server key');
      return;
    }
    this.stop('no-secret', `${this.describe()}: the server key does not decrypt the ClientKeyExchange (no PKCS#1 v1.5 premaster secret): it is not this server's key`);
  }

  // ---- TLS 1.3 ----

  private secret13(label: KeyLogLabel): Buffer | undefined {
    return this.ctx.keyLog.get(label, this.hello!.random);
  }

  private tls13Start(): void {
    const c = this.secret13('CLIENT_HANDSHAKE_TRAFFIC_SECRET');
    const s = this.secret13('SERVER_HANDSHAKE_TRAFFIC_SECRET');
    if (!c || !s) {
      this.stop('no-secret', `${this.describe()}: no CLIENT_HANDSHAKE_TRAFFIC_SECRET / SERVER_HANDSHAKE_TRAFFIC_SECRET key log lines for client random ${this.randomHex()} (TLS 1.3 always needs a key log: a server key cannot decrypt it)`);
      return;
    }
    this.install13('c2s', c);
    this.install13('s2c', s);
    this.secretName = 'TLS 1.3 key log lines';
    this.status('decrypting', `${this.describe()}: traffic secrets from the key log (client random ${this.randomHex().slice(0, 16)}…)`);
  }

  private install13(dir: Direction, secret: Buffer): void {
    const d = this.dirs[dir];
    const k = tls13TrafficKeys(this.suite!, secret);
    d.secret = secret;
    d.opener = new Aead13(this.suite!, k.key, k.iv);
    d.encrypted = true;
  }

  private innerHandshake13(dir: Direction, data: Buffer): void {
    const d = this.dirs[dir];
    d.inner.append(data);
    for (let m = d.inner.peek(); m; m = d.inner.peek()) {
      d.inner.consume();
      if (m.type === HS.finished && !this.appKeys[dir]) {
        const app = this.appSecret(dir);
        if (!app) {
          this.loseDirection(dir, `${this.describe()}: no ${dir === 'c2s' ? 'CLIENT' : 'SERVER'}_TRAFFIC_SECRET_0 key log line for client random ${this.randomHex()}: the ${SIDE[dir]} application data cannot be decrypted`);
          return;
        }
        this.install13(dir, app);
        this.appKeys[dir] = true;
      } else if (m.type === HS.keyUpdate && this.appKeys[dir]) {
        // RFC 8446 §4.6.3: the sender's next records use application_traffic_secret_N+1.
        this.install13(dir, tls13NextSecret(this.suite!, d.secret!));
      }
    }
  }

  private readonly appKeys: Record<Direction, boolean> = { c2s: false, s2c: false };

  private appSecret(dir: Direction): Buffer | undefined {
    return this.secret13(dir === 'c2s' ? 'CLIENT_TRAFFIC_SECRET_0' : 'SERVER_TRAFFIC_SECRET_0');
  }

  // ---- protected records ----

  /** Called by the framer for each candidate after a lost header: keep it if it opens. */
  private resyncCheck(dir: Direction, rec: TlsRecord): boolean {
    const d = this.dirs[dir];
    const found = d.opener ? resyncOpen(d.opener, rec.type, rec.version, rec.fragment) : undefined;
    if (!found) return false;
    d.resynced = found;
    d.resyncing = false;
    return true;
  }

  private protectedRecord(dir: Direction, rec: TlsRecord): void {
    const d = this.dirs[dir];
    const opener = d.opener!;
    if (rec.damaged) {
      opener.skip(rec.type, rec.version, rec.fragment);
      d.afterDamage = opener.chained;
      this.status('lost-sync', `a ${rec.fragment.length}-byte ${SIDE[dir]} record lost bytes in the capture: its plaintext is left out`);
      return;
    }
    if (this.version === TLS13 && rec.type !== CONTENT.applicationData) return;
    let r: OpenResult;
    if (rec.resynced && d.resynced) {
      r = d.resynced.result;
      this.status('decrypting', `${this.describe()}: the ${SIDE[dir]} stream decrypts again after ${d.resynced.lost} lost record${d.resynced.lost === 1 ? '' : 's'}`);
      d.resynced = undefined;
    } else r = opener.open(rec.type, rec.version, rec.fragment);
    if (!r.ok) {
      if (d.afterDamage) {
        d.afterDamage = false;
        this.status('lost-sync', `the ${SIDE[dir]} record after the missing bytes is lost too (${r.reason}): ${this.suite!.kind === 'stream' ? 'RC4' : 'SSL 3.0/TLS 1.0 CBC'} carries cipher state from one record to the next`);
        return;
      }
      if (d.opened === 0) {
        this.loseDirection(dir, `${this.describe()}: the ${SIDE[dir]} first encrypted record fails to verify (${r.reason}): wrong secret (${this.secretName})`);
      } else {
        this.loseDirection(dir, `${this.describe()}: a ${SIDE[dir]} record fails to verify (${r.reason}) after ${d.opened} good ones; nothing more is decrypted in this direction`);
      }
      return;
    }
    d.afterDamage = false;
    d.opened++;
    if (r.type === CONTENT.applicationData) {
      if (r.data.length > 0) this.out.push({ kind: 'plaintext', direction: dir, bytes: r.data, timestampMs: rec.timestampMs });
    } else if (r.type === CONTENT.handshake) {
      if (this.version === TLS13) this.innerHandshake13(dir, r.data);
      else if (d.opened > 1 && r.data[0] !== HS.helloRequest && r.data[0] !== HS.newSessionTicket) {
        this.loseDirection(dir, `${this.describe()}: renegotiation (an encrypted ${r.data[0] === HS.clientHello ? 'ClientHello' : `handshake message ${r.data[0]}`}) is not followed; nothing more is decrypted in this direction`, 'unsupported');
      }
    }
  }
}

/** RFC 8017 §7.2.2 EME-PKCS1-v1_5 decoding, leniently (a passive reader answers nobody, so no
 * oracle): 00 02, at least 8 non-zero bytes, 00, a 48-byte premaster secret. The version in its
 * first two bytes is not checked: some old clients put the negotiated version there (RFC 5246
 * §7.4.7.1), and the Finished MAC proves the secret anyway. */
function premasterFromBlock(em: Buffer | undefined): Buffer | undefined {
  if (!em || em.length < PREMASTER_LENGTH + 11 || em[0] !== 0 || em[1] !== 2) return undefined;
  const sep = em.indexOf(0, 2);
  if (sep < 10 || em.length - sep - 1 !== PREMASTER_LENGTH) return undefined;
  return Buffer.from(em.subarray(sep + 1));
}
