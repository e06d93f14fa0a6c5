/**
 * `startLab`: the engine's orchestration, called in-process by the CLI (`mailprobe lab`),
 * Electron main, the browser-mode control server and tests. It opens the session recorder,
 * the account, the mail store, the certificates and TLS acceptor, the IMAP/IMAPS and SMTP/SMTPS
 * listeners and the HTTP hand-off server, records `lab.start`, and gives back a handle to stop it
 * all.
 */
import { loadProfiles } from './profiles/index.js';
import { defaultProfilesDir, packageVersion } from './package-root.js';
import { hostname } from 'node:os';
import type { DeviceInfo, DeviceProfile, ListenerAddress, ListenerName } from '../api.js';
import { loadOrCreateAccount } from './account.js';
import { ensureLabCertificates, labCertificateHosts, markCertificatesInUse, type LabCertificates } from './certs/index.js';
import { chooseLanAddress, HANDOFF_DEFAULT_PORT, startHandoffServer, type HandoffServer } from './handoff/index.js';
import { createImapServer, type ImapServer } from './imap/server.js';
import { imapVariants, VariantRotation } from './variants.js';
import { DEFAULT_LIMITS, type ImapLimits, type ImapServerOptions } from './imap/options.js';
import type { LabOptions, RunningLab } from './lab-types.js';
import { readMaildirAhead } from './mailbox/maildir-readahead.js';
import { checkMailboxPath, createSeededStore, customerMailStore, indexMailbox, MailStore, MAX_MESSAGE_BYTES, type IndexingProgress } from './mailbox/index.js';
import { MAX_SPOOLED_LITERAL_BYTES } from './imap/limits.js';
import type { MailStoreApi } from './mailbox/types.js';
import { defaultDataDir } from './paths.js';
import { SessionRecorder } from './recorder/recorder.js';
import { SASL_MECHANISMS } from './sasl/types.js';
import { createTlsAcceptor } from './tls/index.js';
import type { TlsAcceptor } from './tls/types.js';
import { createSmtpServer, type SmtpServer } from './smtp/server.js';
import { createPop3Server, DEFAULT_POP3_BEHAVIOUR, DEFAULT_POP3_LIMITS, type Pop3Limits, type Pop3Server } from './pop3/index.js';
import { DEFAULT_SMTP_BEHAVIOUR, DEFAULT_SMTP_LIMITS, type SmtpLimits } from './smtp/options.js';
import { join } from 'node:path';

export const DEFAULT_GREETING = 'Mailprobe lab IMAP4rev1 server ready';

/** Preferred ports, then the unprivileged fallbacks tried when they cannot be bound (then a free port). */
export const DEFAULT_PORTS = { imap: [143, 1143], imaps: [993, 1993], smtp: [587, 1587], smtps: [465, 1465], pop3: [110, 1110], pop3s: [995, 1995] } as const;

/** Text after `220 <hostname> ESMTP` in the SMTP greeting. */
export const DEFAULT_SMTP_GREETING = 'Mailprobe lab (captures mail, never relays)';

/** Folder of a session where accepted SMTP messages are kept. */
export const MESSAGES_DIR = 'messages';

/** Folder of a session where the lab's store keeps the messages it receives (APPEND, deliveries): never the technician's mailbox. */
export const STORE_DIR = 'store';

/** Least time between two `mailbox.indexing` progress events (and onIndexing calls); the last one always comes. */
export const INDEXING_PROGRESS_INTERVAL_MS = 250;

/** Options beyond LabOptions, for tests and embedders. */
export interface LabExtras {
  /** Smaller limits make abuse tests fast. */
  limits?: Partial<ImapLimits>;
  /** Where and how IMAP spools large literals (tests: a slow disk); default the session folder. */
  imapLiteralSpool?: ImapServerOptions['literalSpool'];
  smtpLimits?: Partial<SmtpLimits>;
  pop3Limits?: Partial<Pop3Limits>;
  /** Serve this store instead of the seeded one or --mailbox. */
  store?: MailStoreApi;
  /** Ready-made certificates (tests share one CA instead of generating one per lab). */
  certificates?: LabCertificates;
  /** Told about fallbacks and other things the user should know (the CLI prints them on stderr). */
  onWarning?: (message: string) => void;
  /** Progress while a --mailbox is indexed (as the `mailbox.indexing` events, at most every INDEXING_PROGRESS_INTERVAL_MS). */
  onIndexing?: (progress: IndexingProgress) => void;
  /**
   * The lab as soon as its listeners are bound and `lab.start` is recorded, before a --mailbox is
   * indexed (startLab resolves once it is): the wizard's control engine attaches here, so the
   * `mailbox.indexing` progress reaches it as it comes. Awaited before indexing starts.
   */
  onBound?: (lab: StartedLab) => void | Promise<void>;
}

export interface StartedLab extends RunningLab {
  imap: ImapServer;
  smtp: SmtpServer;
  pop3: Pop3Server;
  handoff?: HandoffServer;
  store: MailStoreApi;
  warnings: string[];
}

/** A profile id (`--profile`, the wizard's Phone step) that resources/profiles does not have. */
export class UnknownProfileError extends Error {
  override name = 'UnknownProfileError';
  constructor(
    readonly id: string,
    readonly known: string[],
  ) {
    super(`unknown device profile '${id}' (known: ${known.join(', ')})`);
  }
}

/**
 * The largest `maxMessageSize` (`--max-message-size`) and the smallest: a message that size must
 * fit, as an APPEND literal, in the spool of all the literals in flight (MAX_SPOOLED_LITERAL_BYTES);
 * the MIME structure of a message is parsed from all of it, read once, so the lab's memory grows
 * with it while a client asks for BODYSTRUCTURE; and a message needs room for its header.
 */
export const MAX_MESSAGE_SIZE_OPTION_BYTES = MAX_SPOOLED_LITERAL_BYTES;
export const MIN_MESSAGE_SIZE_OPTION_BYTES = 1024;

/** A `maxMessageSize` the lab can take: whole bytes, from MIN_ to MAX_MESSAGE_SIZE_OPTION_BYTES. */
export const isTakeableMessageSize = (n: number): boolean => Number.isInteger(n) && n >= MIN_MESSAGE_SIZE_OPTION_BYTES && n <= MAX_MESSAGE_SIZE_OPTION_BYTES;

/**
 * The store: given, the technician's mailbox (checked now, so a bad path fails before anything is
 * created, and indexed once the listeners are bound), or the seeded corpus (in memory).
 */
function openStore(opts: LabOptions, extras: LabExtras): MailStoreApi {
  if (extras.store) return extras.store;
  if (opts.mailbox) {
    // An mbox file or a Maildir (MailboxFileError names the path when it is neither).
    // A Maildir's names are read on the threadpool meanwhile (the CLI may have started it already).
    if (checkMailboxPath(opts.mailbox) === 'maildir') void readMaildirAhead(opts.mailbox);
    return customerMailStore({ maxMessageBytes: opts.maxMessageSize });
  }
  return createSeededStore({ user: opts.user, now: new Date(), maxMessageBytes: opts.maxMessageSize });
}

/** Listen on the first port that works: the given one, else the fallbacks, else a free one. */
async function listenWithFallback<Name extends keyof typeof DEFAULT_PORTS>(
  server: { listen(name: Name, port: number, host: string): Promise<ListenerAddress> },
  name: Name,
  requested: number | undefined,
  host: string,
  warn: (m: string) => void,
): Promise<ListenerAddress> {
  if (requested !== undefined) {
    try {
      return await server.listen(name, requested, host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new Error(`cannot listen on ${host}:${requested} for ${name} (${code === 'EADDRINUSE' ? 'port in use' : code === 'EACCES' ? 'permission denied' : code})`);
    }
  }
  const candidates = [...DEFAULT_PORTS[name], 0];
  let lastErr: unknown;
  for (const port of candidates) {
    try {
      const addr = await server.listen(name, port, host);
      if (port !== DEFAULT_PORTS[name][0]) {
        warn(`${name}: port ${DEFAULT_PORTS[name][0]} is not available (${(lastErr as NodeJS.ErrnoException)?.code ?? 'in use'}); listening on ${addr.port}`);
      }
      return addr;
    } catch (err) {
      lastErr = err;
    }
  }
  throw lastErr;
}

export async function startLab(partial: Partial<LabOptions> & LabExtras = {}): Promise<StartedLab> {
  const { limits, imapLiteralSpool, smtpLimits, pop3Limits, store: _store, certificates: _certs, onWarning, onIndexing, onBound, ...given } = partial;
  // First, before anything is created: an unknown profile id is refused, and a message size the lab cannot take.
  const chosen = profileDevice(given.profile);
  const maxMessageSize = given.maxMessageSize ?? MAX_MESSAGE_BYTES;
  if (!isTakeableMessageSize(maxMessageSize)) {
    throw new TypeError(`the maximum message size must be a whole number of bytes from ${MIN_MESSAGE_SIZE_OPTION_BYTES} to ${MAX_MESSAGE_SIZE_OPTION_BYTES}, got ${maxMessageSize}`);
  }
  const dataDir = given.dataDir ?? defaultDataDir();
  const account = loadOrCreateAccount(dataDir, given.user, given.password);
  const lan = chooseLanAddress({ bind: given.bind });
  const host = hostname();
  // Ports as asked: a number (0 = any free port), undefined (the default, with fallbacks), or
  // null (listener off). `options` gets the ports actually bound once the listeners are up.
  const wanted = { imap: given.imapPort, imaps: given.imapsPort, smtp: given.smtpPort, smtps: given.smtpsPort, pop3: given.pop3Port, pop3s: given.pop3sPort, http: given.httpPort };
  const mechanisms = given.mechanisms ?? [...SASL_MECHANISMS];
  const options: LabOptions = {
    bind: lan.listen,
    imapPort: null,
    imapsPort: null,
    smtpPort: null,
    smtpsPort: null,
    pop3Port: null,
    pop3sPort: null,
    httpPort: null,
    dataDir,
    mailbox: given.mailbox,
    maxMessageSize,
    user: account.user,
    password: account.password,
    mechanisms,
    emptyLine: given.emptyLine ?? 'strict',
    loginDisabledWithoutTls: given.loginDisabledWithoutTls ?? false,
    tls: given.tls ?? 'auto',
    network: given.network ?? 'trusted',
    greeting: given.greeting ?? DEFAULT_GREETING,
    smtpAuth: given.smtpAuth ?? DEFAULT_SMTP_BEHAVIOUR.auth,
    smtpMechanisms: given.smtpMechanisms ?? mechanisms,
    smtpAuthTlsOnly: given.smtpAuthTlsOnly ?? DEFAULT_SMTP_BEHAVIOUR.authRequiresTls,
    smtpLegacyAuthLine: given.smtpLegacyAuthLine ?? DEFAULT_SMTP_BEHAVIOUR.legacyAuthLine,
    smtpMaxSize: given.smtpMaxSize ?? smtpLimits?.maxMessageBytes ?? DEFAULT_SMTP_LIMITS.maxMessageBytes,
    smtpBareLf: given.smtpBareLf ?? DEFAULT_SMTP_BEHAVIOUR.bareLf,
    smtpMailFrom: given.smtpMailFrom ?? DEFAULT_SMTP_BEHAVIOUR.mailFrom,
    pop3Mechanisms: given.pop3Mechanisms ?? mechanisms,
    pop3Apop: given.pop3Apop ?? DEFAULT_POP3_BEHAVIOUR.apop,
    pop3PlaintextWithoutTls: given.pop3PlaintextWithoutTls ?? DEFAULT_POP3_BEHAVIOUR.plaintextWithoutTls,
    pop3MailboxChange: given.pop3MailboxChange ?? DEFAULT_POP3_BEHAVIOUR.mailboxChange,
    profile: given.profile,
    variants: given.variants ?? 'off',
  };
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    onWarning?.(m);
  };
  if (lan.warning) warn(lan.warning);

  const store = openStore(options, partial);
  const wantsTls = [wanted.imap, wanted.imaps, wanted.smtp, wanted.smtps, wanted.pop3, wanted.pop3s].some((p) => p !== null);
  let certs: LabCertificates | undefined = partial.certificates;
  let releaseCertificates: (() => void) | undefined;
  if (!certs && (wantsTls || wanted.http !== null)) {
    certs = await ensureLabCertificates({ dataDir, hosts: labCertificateHosts(lan.address, host) });
    // e.g. an older version's SHA-256 CA re-signed with SHA-1: phones need the new ca.crt.
    for (const w of certs.warnings ?? []) warn(w);
    // While this lab runs, `mailprobe cert --new-ca` must not swap the CA under it.
    releaseCertificates = markCertificatesInUse(certs.dir);
  }
  let tlsAcceptor: TlsAcceptor | null = null;
  if (certs) tlsAcceptor = createTlsAcceptor({ certificates: certs, engine: options.tls });

  const recorder = new SessionRecorder({ dataDir });
  // What the lab receives (APPEND, SMTP deliveries) goes to the session's own directory, read back on demand.
  if (!partial.store && store instanceof MailStore) store.storeDir = join(recorder.dir, STORE_DIR);
  const version = packageVersion();
  let connCounter = 0;
  const imap = createImapServer(
    {
      store,
      recorder,
      account,
      mechanisms: options.mechanisms,
      emptyLine: options.emptyLine,
      loginDisabledWithoutTls: options.loginDisabledWithoutTls,
      greeting: options.greeting,
      hostname: host || 'mailprobe',
      tlsAcceptor,
      // An APPEND may bring a message as large as the store takes (APPENDLIMIT says so, RFC 7889).
      limits: { ...DEFAULT_LIMITS, maxLiteralBytes: options.maxMessageSize, ...limits },
      literalSpool: imapLiteralSpool,
      version,
      variants: options.variants === 'auto' ? new VariantRotation(imapVariants(options)) : null,
    },
    () => `c${++connCounter}`,
  );
  const smtp = createSmtpServer(
    {
      store,
      recorder,
      spoolDir: join(recorder.dir, MESSAGES_DIR),
      account,
      hostname: host || 'mailprobe',
      greeting: DEFAULT_SMTP_GREETING,
      tlsAcceptor,
      limits: { ...DEFAULT_SMTP_LIMITS, ...smtpLimits, maxMessageBytes: options.smtpMaxSize },
      mechanisms: options.smtpMechanisms,
      auth: options.smtpAuth,
      authRequiresTls: options.smtpAuthTlsOnly,
      legacyAuthLine: options.smtpLegacyAuthLine,
      bareLf: options.smtpBareLf,
      mailFrom: options.smtpMailFrom,
    },
    () => `c${++connCounter}`,
  );
  const pop3 = createPop3Server(
    {
      store,
      recorder,
      account,
      hostname: host || 'mailprobe',
      tlsAcceptor,
      limits: { ...DEFAULT_POP3_LIMITS, ...pop3Limits },
      mechanisms: options.pop3Mechanisms,
      apop: options.pop3Apop,
      plaintextWithoutTls: options.pop3PlaintextWithoutTls,
      mailboxChange: options.pop3MailboxChange,
    },
    () => `c${++connCounter}`,
  );

  const listeners: Partial<Record<ListenerName, ListenerAddress>> = {};
  let handoff: HandoffServer | undefined;
  try {
    if (wanted.imap !== null) {
      listeners.imap = await listenWithFallback(imap, 'imap', wanted.imap, options.bind, warn);
    }
    if (wanted.imaps !== null && tlsAcceptor) {
      listeners.imaps = await listenWithFallback(imap, 'imaps', wanted.imaps, options.bind, warn);
    }
    if (wanted.smtp !== null) {
      listeners.smtp = await listenWithFallback(smtp, 'smtp', wanted.smtp, options.bind, warn);
    }
    if (wanted.smtps !== null && tlsAcceptor) {
      listeners.smtps = await listenWithFallback(smtp, 'smtps', wanted.smtps, options.bind, warn);
    }
    if (wanted.pop3 !== null) {
      listeners.pop3 = await listenWithFallback(pop3, 'pop3', wanted.pop3, options.bind, warn);
    }
    if (wanted.pop3s !== null && tlsAcceptor) {
      listeners.pop3s = await listenWithFallback(pop3, 'pop3s', wanted.pop3s, options.bind, warn);
    }
    if (wanted.http !== null && certs) {
      handoff = await startHandoffServer({
        host: options.bind,
        port: wanted.http ?? HANDOFF_DEFAULT_PORT,
        recorder,
        certs,
        urlHost: lan.address,
        settings: {
          imapHost: lan.address,
          imapPort: listeners.imap?.port,
          imapsPort: listeners.imaps?.port,
          smtpPort: listeners.smtp?.port,
          smtpsPort: listeners.smtps?.port,
          user: account.user,
          password: account.password,
        },
      });
      listeners.http = { host: handoff.host, port: handoff.port };
    }
  } catch (err) {
    await Promise.all([imap.close(), smtp.close(), pop3.close()]);
    await handoff?.close();
    releaseCertificates?.();
    recorder.close();
    throw err;
  }
  // The concrete values, now that the ports are known.
  options.imapPort = listeners.imap?.port ?? null;
  options.imapsPort = listeners.imaps?.port ?? null;
  options.smtpPort = listeners.smtp?.port ?? null;
  options.smtpsPort = listeners.smtps?.port ?? null;
  options.pop3Port = listeners.pop3?.port ?? null;
  options.pop3sPort = listeners.pop3s?.port ?? null;
  options.httpPort = listeners.http?.port ?? null;

  const settings: Record<string, unknown> = {
    mechanisms: options.mechanisms,
    emptyLine: options.emptyLine,
    loginDisabledWithoutTls: options.loginDisabledWithoutTls,
    tls: options.tls,
    variants: options.variants,
    network: options.network,
    greeting: options.greeting,
    maxMessageSize: options.maxMessageSize,
    smtp: {
      auth: options.smtpAuth,
      mechanisms: options.smtpMechanisms,
      authTlsOnly: options.smtpAuthTlsOnly,
      legacyAuthLine: options.smtpLegacyAuthLine,
      maxSize: options.smtpMaxSize,
      bareLf: options.smtpBareLf,
      mailFrom: options.smtpMailFrom,
    },
    pop3: { mechanisms: options.pop3Mechanisms, apop: options.pop3Apop, plaintextWithoutTls: options.pop3PlaintextWithoutTls, mailboxChange: options.pop3MailboxChange },
    bind: options.bind,
    address: lan.address,
  };
  if (options.profile) settings.profile = options.profile;
  if (options.mailbox) settings.mailbox = options.mailbox;
  recorder.record({ kind: 'lab.start', version, listeners, account, settings, ...(handoff ? { handoffUrl: handoff.url } : {}) });
  for (const w of warnings) recorder.record({ kind: 'note', text: w });
  // The technician's choice names the phone until the phone names itself (hand-off page, IMAP ID).
  if (chosen) recorder.record({ kind: 'device', device: chosen });
  recorder.flush();
  let stopping: Promise<void> | null = null;
  /** Aborted by stop(): a customer mailbox still being indexed is not read on for nobody. */
  const indexing = new AbortController();
  const lab: StartedLab = {
    recorder,
    sessionDir: recorder.dir,
    listeners,
    handoffUrl: handoff?.url,
    account,
    options,
    imap,
    smtp,
    pop3,
    handoff,
    store,
    warnings,
    stop(reason = 'stopped') {
      indexing.abort(new LabStoppedWhileIndexing());
      stopping ??= (async () => {
        await Promise.all([imap.close(), smtp.close(), pop3.close(), handoff?.close()]);
        releaseCertificates?.();
        recorder.record({ kind: 'lab.stop', reason });
        recorder.close();
      })();
      return stopping;
    },
  };
  try {
    await onBound?.(lab);
  } catch (err) {
    await lab.stop(`could not start: ${(err as Error).message}`);
    throw err;
  }
  if (options.mailbox && !partial.store && store instanceof MailStore) {
    // Clients that connect meanwhile wait (the listeners are not open yet): nobody sees a
    // partial message count. Progress goes to the events log and to onIndexing.
    try {
      await indexMailbox(store, options.mailbox, {
        signal: indexing.signal,
        onProgress: throttledProgress(recorder, onIndexing),
        // Found when a client first needs the file (its name did not give its size): said, not fatal.
        onOverLimit: (file, size, limit) => {
          const text = `${file} is ${size} bytes, more than the limit of ${limit}: it is served as an empty message; --max-message-size raises the limit`;
          recorder.record({ kind: 'note', text });
          onWarning?.(text);
        },
      });
    } catch (err) {
      // Stopped while it indexed: the indexing gave up where it was; the stop was asked for, it is no error.
      if (err instanceof LabStoppedWhileIndexing) return lab;
      if (!stopping) {
        await Promise.all([imap.close(), smtp.close(), pop3.close(), handoff?.close()]);
        releaseCertificates?.();
        recorder.record({ kind: 'lab.stop', reason: `the mailbox could not be read: ${(err as Error).message}` });
        recorder.close();
      }
      throw err;
    }
  }
  // Stopped while it indexed (the wizard's Stop, Ctrl+C): nothing more to open.
  if (stopping) return lab;
  imap.open();
  smtp.open();
  pop3.open();

  return lab;
}

/** Why indexing ended early: the lab was stopped meanwhile. */
class LabStoppedWhileIndexing extends Error {
  override name = 'LabStoppedWhileIndexing';
  constructor() {
    super('the lab stopped while it indexed the mailbox');
  }
}

/** `mailbox.indexing` events and onIndexing calls, at most every INDEXING_PROGRESS_INTERVAL_MS, the last (done) always. */
function throttledProgress(recorder: SessionRecorder, onIndexing: LabExtras['onIndexing']): (p: IndexingProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    // Stopped while it indexes: the session is closed, nobody to tell.
    if (recorder.closed || (!p.done && now - last < INDEXING_PROGRESS_INTERVAL_MS)) return;
    last = now;
    recorder.record({ kind: 'mailbox.indexing', path: p.path, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, messages: p.messages, done: p.done });
    recorder.flush();
    onIndexing?.(p);
  };
}

/** The device a profile id names (`--profile`, the wizard's Phone step); none for the generic one. */
function profileDevice(id: string | undefined): DeviceInfo | undefined {
  if (!id || id === 'generic') return undefined;
  let profiles: DeviceProfile[];
  try {
    profiles = loadProfiles(defaultProfilesDir());
  } catch {
    return undefined; // profiles missing from an odd install: the lab serves all the same
  }
  const p = profiles.find((x) => x.id === id);
  // A typo would silently give the generic advice in the report: refuse it instead.
  if (!p) throw new UnknownProfileError(id, profiles.map((x) => x.id));
  return { vendor: p.vendor, model: p.model, platform: p.platform, source: 'profile' };
}
