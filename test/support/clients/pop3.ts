/**
 * Real POP3 clients driven the way their manuals say, for the POP3 lab (test/pop3/): getmail6's
 * SimplePOP3Retriever / SimplePOP3SSLRetriever and mutt's `pop://` / `pops://` folders. They run
 * through the same helpers as their IMAP drivers (getmail as nobody with waitpid reaping, mutt
 * under script(1) answering its certificate prompt).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { networkTimeoutSeconds, runTool, writeConfig } from './exec.js';
import { deliverEverythingKeep, runGetmail } from './getmail.js';
import { readAndQuitSettings, runMutt } from './mutt.js';
import { filesIn } from './store.js';
import type { ClientRunOptions, ClientRunResult, Trust } from './types.js';

/** RFC 1939 plaintext port, STLS on it (RFC 2595 §4), or implicit TLS (RFC 8314, port 995). */
export type Pop3Security = 'plain' | 'stls' | 'pop3s';

export interface Pop3RunOptions extends Omit<ClientRunOptions, 'security'> {
  security: Pop3Security;
  /** Log in with APOP (RFC 1939 §7) instead of USER/PASS, where the client has a switch for it. */
  apop?: boolean;
  /** Keep track of messages seen by their UIDL (fetchmail's `uidl`), across runs in the same work directory. */
  uidl?: boolean;
}

export interface Pop3Mode {
  security: Pop3Security;
  trust: Trust;
  host: string;
  apop?: boolean;
  uidl?: boolean;
}

export interface Pop3ClientDriver {
  name: string;
  pkg: string;
  modes: Pop3Mode[];
  run(o: Pop3RunOptions): Promise<ClientRunResult>;
}

/**
 * getmail6: no STLS in its POP3 retrievers. With `ca_certs` the SSL retriever verifies the chain
 * against it (CERT_REQUIRED); without, it verifies nothing (its default). `read_all` and
 * `delete = false`: a "leave on server" client that reads everything.
 */
export const getmailPop3: Pop3ClientDriver = {
  name: 'getmail6',
  pkg: 'getmail6',
  modes: [
    { security: 'plain', trust: 'none', host: '127.0.0.1' },
    { security: 'plain', trust: 'none', host: '127.0.0.1', apop: true },
    { security: 'pop3s', trust: 'lab-ca', host: '127.0.0.1' },
    { security: 'pop3s', trust: 'lab-ca', host: 'localhost' },
    { security: 'pop3s', trust: 'none', host: 'localhost' },
    { security: 'pop3s', trust: 'foreign-ca', host: 'localhost' },
  ],
  run(o) {
    return runGetmail(o, (maildir, caFile) => {
      const ssl = o.security === 'pop3s';
      return `[retriever]
type = ${ssl ? 'SimplePOP3SSLRetriever' : 'SimplePOP3Retriever'}
server = ${o.host}
port = ${o.port}
username = ${o.user}
password = ${o.password}
use_apop = ${o.apop ? 'true' : 'false'}
timeout = ${networkTimeoutSeconds(o.timeoutMs)}
${ssl && o.trust !== 'none' ? `ca_certs = ${caFile}\n` : ''}
${deliverEverythingKeep(maildir)}`;
    });
  },
};

/**
 * mutt 2.2: `pop://` with or without STLS (`ssl_starttls`), `pops://` for implicit TLS. It
 * verifies against `ssl_ca_certificates_file` and has no switch to skip verification; it picks
 * a SASL mechanism by itself (`pop_authenticators` unset). The spool is opened, every message
 * tagged and copied to an mbox (RETR of each), and mutt quits without deleting (nothing marked).
 */
export const muttPop3: Pop3ClientDriver = {
  name: 'mutt',
  pkg: 'mutt',
  modes: [
    { security: 'plain', trust: 'none', host: '127.0.0.1' },
    { security: 'stls', trust: 'lab-ca', host: '127.0.0.1' },
    { security: 'stls', trust: 'lab-ca', host: 'localhost' },
    { security: 'pop3s', trust: 'lab-ca', host: '127.0.0.1' },
    { security: 'pop3s', trust: 'lab-ca', host: 'localhost' },
    { security: 'stls', trust: 'foreign-ca', host: 'localhost' },
    { security: 'pop3s', trust: 'foreign-ca', host: 'localhost' },
  ],
  run(o) {
    const dir = o.workDir;
    mkdirSync(dir, { recursive: true });
    const noCa = join(dir, 'no-ca.pem');
    writeFileSync(noCa, '');
    const scheme = o.security === 'pop3s' ? 'pops' : 'pop';
    return runMutt(
      o,
      // A folder of its own: without one, a first start asks whether to create ~/Mail and that
      // prompt eats the pushed keys.
      `set folder="${dir}"
set spoolfile="${scheme}://${o.user}@${o.host}:${o.port}/"
set pop_pass="${o.password}"
set ssl_starttls=${o.security === 'stls' ? 'yes' : 'no'}
set ssl_force_tls=${o.security === 'plain' ? 'no' : 'yes'}
set ssl_ca_certificates_file="${o.security === 'plain' ? noCa : o.caFile}"
set certificate_file="${join(dir, 'certificates')}"
${readAndQuitSettings(o.timeoutMs)}`,
    );
  },
};

/**
 * fetchmail 6.4: `protocol POP3` (USER/PASS, or the best SASL mechanism it finds) or `APOP`,
 * `keep` (leave on server), one file per message through an MDA. It upgrades with STLS on its
 * own when offered, so plaintext needs `sslproto ''`; it matches certificates against DNS names
 * only (PEERS.md), so the verifying modes connect by name. With `uidl` it remembers the UIDLs
 * it has seen in `.fetchids` and fetches only new mail (without it, `fetchall`).
 */
export const fetchmailPop3: Pop3ClientDriver = {
  name: 'fetchmail',
  pkg: 'fetchmail',
  modes: [
    { security: 'plain', trust: 'none', host: '127.0.0.1' },
    { security: 'plain', trust: 'none', host: '127.0.0.1', apop: true },
    { security: 'plain', trust: 'none', host: '127.0.0.1', uidl: true },
    { security: 'stls', trust: 'lab-ca', host: 'localhost' },
    { security: 'pop3s', trust: 'lab-ca', host: 'localhost' },
    { security: 'pop3s', trust: 'foreign-ca', host: 'localhost' },
  ],
  async run(o) {
    const outDir = join(o.workDir, 'out');
    mkdirSync(outDir, { recursive: true });
    const tls = { plain: "sslproto ''", stls: 'sslproto TLS1.2+', pop3s: 'ssl' }[o.security];
    const trust = o.security === 'plain' ? '' : o.trust === 'none' ? 'no sslcertck' : `sslcertck sslcertfile "${o.caFile}"`;
    const rc = writeConfig(
      join(o.workDir, 'fetchmailrc'),
      [
        'set no syslog',
        `poll ${o.host} service ${o.port} protocol ${o.apop ? 'APOP' : 'POP3'} ${o.uidl ? 'uidl' : ''} timeout ${networkTimeoutSeconds(o.timeoutMs)}`,
        `  user "${o.user}" there with password "${o.password}"`,
        `  keep ${o.uidl ? '' : 'fetchall'} ${tls} ${trust}`,
        // $$ (the shell's pid) and the time name each delivery: one shell per message, and runs add up.
        `  mda "/bin/sh -c 'cat > ${outDir}/msg.$(date +%s%N).$$'"`,
        '',
      ].join('\n'),
    );
    const r = await runTool('fetchmail', ['-f', rc, '--pidfile', join(o.workDir, 'fetchmail.pid'), '--nosyslog', '-v', '--nodetach'], {
      env: { HOME: o.workDir, FETCHMAILHOME: o.workDir },
      timeoutMs: o.timeoutMs,
    });
    return { ...r, messages: filesIn(outDir) };
  },
};

export const POP3_REAL_CLIENTS: readonly Pop3ClientDriver[] = [fetchmailPop3, getmailPop3, muttPop3];
