/**
 * A private Dovecot 2.3 (/usr/sbin/dovecot) on a high loopback port serving a Maildir, the
 * reference server for tests and bench/imap.ts (recipe in PEERS.md): its own base_dir, state
 * and log in a temp dir, passwd-file passdb with a {PLAIN} password, static userdb as nobody.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const DOVECOT_BIN = '/usr/sbin/dovecot';
const NOBODY_UID = 65534;
const NOGROUP_GID = 65534;

export interface DovecotServer {
  port: number;
  /** The POP3 port, when started with `pop3: true`. */
  pop3Port?: number;
  dir: string;
  stop(): void;
}

export function dovecotAvailable(): boolean {
  return existsSync(DOVECOT_BIN);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function chownTree(path: string): void {
  chownSync(path, NOBODY_UID, NOGROUP_GID);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e));
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on ${port} in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Start Dovecot in `dir` serving the Maildir at `maildir` (INBOX there, Maildir++ folders) for
 * one user. `dir` must be empty or new; the Maildir is chowned to nobody (uid 0 is refused).
 */
export async function startDovecot(opts: {
  dir: string;
  maildir: string;
  user: string;
  password: string;
  processLimit?: number;
  /**
   * Authentication and TLS settings to test (Mailprobe's generated configuration): Dovecot's
   * own defaults (`disable_plaintext_auth = yes`, `auth_mechanisms = plain`, no TLS) come
   * first and these lines after them, so they are what Dovecot runs with.
   */
  settings?: string;
  /** Also serve POP3 (dovecot-pop3d) on a port of its own: `pop3Port` in the result. */
  pop3?: boolean;
}): Promise<DovecotServer> {
  const port = await freePort();
  const pop3Port = opts.pop3 ? await freePort() : undefined;
  const { dir } = opts;
  for (const d of ['run', 'state']) mkdirSync(join(dir, d), { recursive: true });
  chmodSync(dir, 0o755);
  const limit = opts.processLimit ?? 1200;
  writeFileSync(join(dir, 'passwd'), `${opts.user}:{PLAIN}${opts.password}::::::\n`, { mode: 0o644 });
  writeFileSync(
    join(dir, 'dovecot.conf'),
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
listen = 127.0.0.1
protocols = imap${pop3Port ? ' pop3' : ''}
${opts.settings === undefined ? 'ssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain login cram-md5 digest-md5' : `ssl = no\ndisable_plaintext_auth = yes\nauth_mechanisms = plain\n${opts.settings}`}
first_valid_uid = 0
mail_location = maildir:${opts.maildir}
default_process_limit = ${limit}
default_client_limit = ${limit * 2}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${opts.maildir}
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
  process_limit = ${limit}
}
service imap {
  process_limit = ${limit}
}
${pop3Port ? `service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = ${pop3Port}
  }
  inet_listener pop3s {
    port = 0
  }
  process_limit = ${limit}
}
service pop3 {
  process_limit = ${limit}
}
# Many sessions of one user from one address at once (bench:pop3 runs 50); Dovecot's default is 10.
protocol pop3 {
  mail_max_userip_connections = ${limit}
}
pop3_uidl_format = %08Xu%08Xv
` : ''}
service anvil {
  client_limit = ${limit * 3 + 10}
}
service auth {
  client_limit = ${limit * 3 + 10}
}
`,
  );
  chownTree(opts.maildir);
  // The master daemonizes and keeps inherited fds: give it none, or execFileSync waits forever.
  execFileSync(DOVECOT_BIN, ['-c', join(dir, 'dovecot.conf')], { stdio: 'ignore' });
  await waitForPort(port, 10_000);
  if (pop3Port) await waitForPort(pop3Port, 10_000);
  return {
    port,
    pop3Port,
    dir,
    stop() {
      try {
        execFileSync(DOVECOT_BIN, ['-c', join(dir, 'dovecot.conf'), 'stop'], { stdio: 'ignore' });
      } catch {
        // already stopped
      }
    },
  };
}
