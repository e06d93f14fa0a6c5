/**
 * getmail6 (Debian `getmail6`): SimpleIMAPRetriever (plaintext only: it has no STARTTLS) or
 * SimpleIMAPSSLRetriever, `read_all` into a Maildir. With `ca_certs` it verifies the chain and
 * the name; without, it verifies nothing (its default). It refuses to deliver as root, so as
 * root it runs as nobody (setpriv), in a work directory nobody owns.
 *
 * getmail 6.18 forks a child per delivery and learns of its exit from a SIGCHLD handler it
 * installs only after the fork (getmailcore/baseclasses.py, forkchild / _wait_for_child): a
 * child that exits first is never noticed and the run stops with "waiting child pid … timed out"
 * (getmail6 issues 52, 226, 245). On two busy cores that happens within 22 messages. So getmail
 * runs here with that reaping replaced by a plain waitpid(); everything else is Debian's getmail
 * as it is.
 */
import { chmodSync, chownSync, copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { networkTimeoutSeconds, runTool, writeConfig } from './exec.js';
import { DEBIAN_PYTHON } from './python.js';
import { maildirMessages } from './store.js';
import type { ClientDriver, ClientRunOptions, ClientRunResult } from './types.js';

const NOBODY = { uid: 65534, gid: 65534 };

const GETMAIL = '/usr/bin/getmail';

/** Run /usr/bin/getmail with ForkingBase reaping its delivery child by waitpid() instead of SIGCHLD. */
const REAP_BY_WAITPID = String.raw`
import os, runpy, sys
from getmailcore.baseclasses import ForkingBase
from getmailcore.exceptions import getmailOperationError
def wait_for_child(self, childpid):
    pid, status = os.waitpid(childpid, 0)
    if os.WIFSIGNALED(status):
        raise getmailOperationError('child pid %d killed by signal %d' % (pid, os.WTERMSIG(status)))
    return os.WEXITSTATUS(status)
ForkingBase._prepare_child = lambda self: None
ForkingBase._wait_for_child = wait_for_child
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
`;

function chownTree(path: string): void {
  chownSync(path, NOBODY.uid, NOBODY.gid);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e));
}

function rcFile(o: ClientRunOptions, maildir: string, caFile: string): string {
  const retriever = o.security === 'imaps' ? 'SimpleIMAPSSLRetriever' : 'SimpleIMAPRetriever';
  const verify = o.security === 'imaps' && o.trust !== 'none' ? `ca_certs = ${caFile}\n` : '';
  return `[retriever]
type = ${retriever}
server = ${o.host}
port = ${o.port}
username = ${o.user}
password = ${o.password}
mailboxes = ("INBOX",)
timeout = ${networkTimeoutSeconds(o.timeoutMs)}
${verify}
${deliverEverythingKeep(maildir)}`;
}

/** getmail's delivery: into the Maildir, every message (`read_all`), nothing deleted on the server. */
export function deliverEverythingKeep(maildir: string): string {
  return `[destination]
type = Maildir
path = ${maildir}/

[options]
read_all = true
delete = false
verbose = 1
`;
}

export const getmail: ClientDriver = {
  name: 'getmail6',
  pkg: 'getmail6',
  securities: ['plain', 'imaps'],
  trusts: { imaps: ['lab-ca', 'none', 'foreign-ca'] },
  cannot: ['no STARTTLS (its IMAP retrievers are plaintext or implicit TLS)'],
  async run(o) {
    return runGetmail(o, (maildir, caFile) => rcFile(o, maildir, caFile));
  },
};

/**
 * Run Debian's getmail with the rc file `rc(maildir, caFile)` gives, delivering into a Maildir in
 * `o.workDir`, as nobody when the test runs as root; the messages it delivered. Shared by the
 * IMAP and POP3 retrievers.
 */
export async function runGetmail(o: Pick<ClientRunOptions, 'workDir' | 'caFile' | 'timeoutMs'>, rc: (maildir: string, caFile: string) => string): Promise<ClientRunResult> {
  const maildir = join(o.workDir, 'mail');
  for (const d of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, d), { recursive: true });
  mkdirSync(join(o.workDir, 'state'), { recursive: true });
  // The lab's certs directory is private to its owner: hand getmail a copy of the CA.
  const caFile = join(o.workDir, 'ca.pem');
  copyFileSync(o.caFile, caFile);
  const rcPath = writeConfig(join(o.workDir, 'getmailrc'), rc(maildir, caFile));
  const getmail = [DEBIAN_PYTHON, '-c', REAP_BY_WAITPID, GETMAIL, `--rcfile=${rcPath}`, `--getmaildir=${join(o.workDir, 'state')}`];
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    chmodSync(o.workDir, 0o755);
    chownTree(o.workDir);
  }
  const [cmd, ...args] = asRoot ? ['setpriv', `--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, '--clear-groups', ...getmail] : getmail;
  const r = await runTool(cmd, args, { env: { HOME: o.workDir }, timeoutMs: o.timeoutMs });
  return { ...r, messages: maildirMessages(maildir) };
}
