/**
 * A private Postfix 3.7 smtpd on a high loopback port: the reference SMTP server for tests and
 * bench/smtp.ts. Everything lives in a temp dir: the configuration (`postfix -c DIR`), the queue,
 * the log (maillog_file, no syslog needed) and, for SASL, a private Dovecot auth service whose
 * socket Postfix reaches with `smtpd_sasl_type = dovecot`. Like the lab it never relays: every
 * transport is `discard`, unless `relayTo` names a loopback server to relay to (a real MTA client).
 *
 * What was needed on this machine (Debian 12): the data directory owned by `postfix` (master's
 * lock file), `maillog_file_prefixes` covering the log path, and running the `postfix` command
 * under a pty (`script`) when its fatal messages should be seen at all.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { DOVECOT_BIN, freePort, waitForPort } from './dovecot.js';

export const POSTFIX_BIN = '/usr/sbin/postfix';

export interface PostfixServer {
  /** Submission with STARTTLS (when a certificate was given) and AUTH. */
  port: number;
  /** Implicit TLS (smtpd_tls_wrappermode), when a certificate was given. */
  smtpsPort?: number;
  dir: string;
  /** The main.cf lines that matter, for the bench's output. */
  summary: string;
  log(): string;
  stop(): void;
}

export interface PostfixOptions {
  /** A new directory; it and its parents must be searchable by the postfix user. */
  dir: string;
  user: string;
  password: string;
  /** PEM files for STARTTLS and the wrapper-mode port. */
  tls?: { certFile: string; keyFile: string };
  /** More main.cf lines (e.g. `strict_rfc821_envelopes = yes`). */
  extra?: string[];
  /**
   * Postfix as a client instead of a sink: every message it accepts (from 127.0.0.1, no AUTH
   * needed) is relayed by its smtp(8) client to this server, with SASL (Cyrus, static
   * credentials) and no TLS. Used to see what a real MTA client sends (BDAT when offered).
   */
  relayTo?: { host: string; port: number; user: string; password: string };
}

export function postfixAvailable(): boolean {
  return existsSync(POSTFIX_BIN) && existsSync(DOVECOT_BIN) && userInfo().uid === 0;
}

function postfixCommand(dir: string, verb: string): void {
  execFileSync('script', ['-qc', `${POSTFIX_BIN} -c ${join(dir, 'conf')} ${verb}`, '/dev/null'], { stdio: 'ignore', timeout: 30_000 });
}

/** Dovecot with no mail protocol at all: only its auth service, as Postfix's SASL backend. */
function startAuthDovecot(dir: string, user: string, password: string): { socket: string; stop(): void } {
  const d = join(dir, 'dovecot');
  for (const sub of ['run', 'state']) mkdirSync(join(d, sub), { recursive: true });
  writeFileSync(join(d, 'passwd'), `${user}:{PLAIN}${password}::::::\n`, { mode: 0o644 });
  const conf = join(d, 'dovecot.conf');
  writeFileSync(
    conf,
    `base_dir = ${d}/run
state_dir = ${d}/state
log_path = ${d}/dovecot.log
protocols =
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 digest-md5
first_valid_uid = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${d}/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  unix_listener auth-postfix {
    mode = 0666
  }
  client_limit = 4000
}
service anvil {
  client_limit = 4000
}
`,
  );
  execFileSync(DOVECOT_BIN, ['-c', conf], { stdio: 'ignore' });
  return {
    socket: join(d, 'run', 'auth-postfix'),
    stop() {
      try {
        execFileSync(DOVECOT_BIN, ['-c', conf, 'stop'], { stdio: 'ignore' });
      } catch {
        // already stopped
      }
    },
  };
}

export async function startPostfix(opts: PostfixOptions): Promise<PostfixServer> {
  const { dir } = opts;
  const port = await freePort();
  const smtpsPort = opts.tls ? await freePort() : undefined;
  for (const sub of ['conf', 'queue', 'data']) mkdirSync(join(dir, sub), { recursive: true });
  chmodSync(dir, 0o755);
  // master(8) creates its lock file in data_directory as the mail owner.
  const postfixUid = Number(execFileSync('id', ['-u', 'postfix'], { encoding: 'utf8' }).trim());
  chownSync(join(dir, 'data'), postfixUid, -1);
  const auth = startAuthDovecot(dir, opts.user, opts.password);
  const settings = [
    'message_size_limit = 52428800',
    'smtpd_sasl_auth_enable = yes',
    'smtpd_sasl_type = dovecot',
    `smtpd_sasl_path = ${auth.socket}`,
    'smtpd_relay_restrictions = permit_sasl_authenticated, reject',
    'smtpd_client_connection_count_limit = 0',
    'smtpd_client_connection_rate_limit = 0',
    'default_process_limit = 1200',
    ...(opts.tls ? ['smtpd_tls_security_level = may', `smtpd_tls_cert_file = ${opts.tls.certFile}`, `smtpd_tls_key_file = ${opts.tls.keyFile}`, 'smtpd_tls_mandatory_protocols = >=TLSv1', 'smtpd_tls_protocols = >=TLSv1'] : []),
    ...(opts.relayTo
      ? [
          'mynetworks = 127.0.0.0/8',
          'smtpd_relay_restrictions = permit_mynetworks, reject',
          `relayhost = [${opts.relayTo.host}]:${opts.relayTo.port}`,
          'smtp_sasl_auth_enable = yes',
          `smtp_sasl_password_maps = static:${opts.relayTo.user}:${opts.relayTo.password}`,
          'smtp_sasl_security_options = noanonymous',
          'smtp_tls_security_level = none',
          'smtp_host_lookup = native',
        ]
      : []),
    ...(opts.extra ?? []),
  ];
  writeFileSync(
    join(dir, 'conf', 'main.cf'),
    `compatibility_level = 3.6
queue_directory = ${dir}/queue
data_directory = ${dir}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = postfix-ref.localdomain
mydestination =
default_transport = ${opts.relayTo ? 'smtp' : 'discard'}
relay_transport = ${opts.relayTo ? 'smtp' : 'discard'}
local_transport = discard
virtual_transport = discard
maillog_file = ${dir}/postfix.log
maillog_file_prefixes = ${dir}
${settings.join('\n')}
`,
  );
  writeFileSync(
    join(dir, 'conf', 'master.cf'),
    `127.0.0.1:${port} inet n - n - - smtpd
${smtpsPort ? `127.0.0.1:${smtpsPort} inet n - n - - smtpd -o smtpd_tls_wrappermode=yes\n` : ''}cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
proxymap  unix  - - n - - proxymap
discard   unix  - - n - - discard
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
error     unix  - - n - - error
retry     unix  - - n - - error
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
tlsmgr    unix  - - n 1000? 1 tlsmgr
postlog   unix-dgram n - n - 1 postlogd
`,
  );
  try {
    postfixCommand(dir, 'start');
    await waitForPort(port, 15_000);
  } catch (err) {
    auth.stop();
    const log = existsSync(join(dir, 'postfix.log')) ? readFileSync(join(dir, 'postfix.log'), 'utf8').slice(-2000) : '(no log)';
    throw new Error(`postfix did not start: ${(err as Error).message}\n${log}`);
  }
  return {
    port,
    smtpsPort,
    dir,
    summary: `Postfix 3.7 smtpd (postfix -c ${dir}/conf): ${settings.filter((s) => !s.includes('_file =')).join('; ')}; every transport discard`,
    log: () => (existsSync(join(dir, 'postfix.log')) ? readFileSync(join(dir, 'postfix.log'), 'utf8') : ''),
    stop() {
      try {
        postfixCommand(dir, 'stop');
      } catch {
        // already stopped
      }
      auth.stop();
    },
  };
}
