/**
 * mutt 2.2 (Debian `mutt`, GnuTLS and GNU SASL): opens INBOX, tags every message and copies
 * them to an mbox, then quits. mutt is a screen program: it runs under script(1) for a pty
 * (PEERS.md), with TERM set, and its keys are pushed with `-e 'push …'`.
 *
 * Trust: `ssl_ca_certificates_file` (GnuTLS only) is the CA it verifies against; a certificate
 * it cannot verify makes it ask "(r)eject, accept (o)nce, (a)ccept always" — the driver rejects
 * and quits, as a careful user would. "accept always" stores the server certificate in
 * `certificate_file`; listing the lab's certificates there is the `pinned` mode.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { networkTimeoutSeconds, runAnswering, writeConfig, writePemBundle } from './exec.js';
import { mboxMessages } from './store.js';
import type { ClientDriver, ClientRunOptions, ClientRunResult } from './types.js';

const CERT_PROMPT = /\(r\)eject, accept \(o\)nce/;
/** The index with no folder: where mutt lands after a refused certificate. */
const NOTHING_OPEN = /No mailbox is open/;

function rcFile(o: ClientRunOptions, dir: string): string {
  const scheme = o.security === 'imaps' ? 'imaps' : 'imap';
  return `set folder="${scheme}://${o.user}@${o.host}:${o.port}/"
set spoolfile="+INBOX"
set imap_pass="${o.password}"
set ssl_starttls=${o.security === 'starttls' ? 'yes' : 'no'}
set ssl_force_tls=${o.security === 'plain' ? 'no' : 'yes'}
set ssl_ca_certificates_file="${o.trust === 'pinned' ? join(dir, 'no-ca.pem') : o.caFile}"
set certificate_file="${join(dir, 'certificates')}"
set imap_keepalive=300
${readAndQuitSettings(o.timeoutMs)}`;
}

/**
 * What every mutt run here sets besides the server: no caches, copies into a plain mbox without
 * questions, quit without moving, deleting or marking anything, messages in the server's order.
 */
export function readAndQuitSettings(timeoutMs: number): string {
  return `set header_cache=""
set message_cachedir=""
set mbox_type=mbox
set confirmcreate=no
set confirmappend=no
set quit=yes
set move=no
set delete=no
set mark_old=no
set sort=mailbox-order
set timeout=${networkTimeoutSeconds(timeoutMs)}
`;
}

export const mutt: ClientDriver = {
  name: 'mutt',
  pkg: 'mutt',
  securities: ['plain', 'starttls', 'imaps'],
  trusts: { starttls: ['lab-ca', 'foreign-ca'], imaps: ['lab-ca', 'pinned', 'foreign-ca'] },
  cannot: ['no switch to skip verification (a certificate it cannot verify is a prompt; pinning is its way)'],
  async run(o) {
    const dir = o.workDir;
    mkdirSync(join(dir, 'home'));
    writeFileSync(join(dir, 'no-ca.pem'), '');
    writePemBundle(join(dir, 'certificates'), o.trust === 'pinned' ? o.serverCertFiles : []);
    return runMutt(o, rcFile(o, dir));
  },
};

/**
 * Run mutt under script(1) with the rc text `rc` (its spoolfile the mailbox to open): tag every
 * message, copy them to an mbox, quit, rejecting a certificate it cannot verify. Shared by the
 * IMAP and POP3 drivers.
 */
export async function runMutt(o: Pick<ClientRunOptions, 'workDir' | 'timeoutMs'>, rc: string): Promise<ClientRunResult> {
  const dir = o.workDir;
  mkdirSync(join(dir, 'home'), { recursive: true });
  const rcPath = writeConfig(join(dir, 'muttrc'), rc);
  const mbox = join(dir, 'INBOX.mbox');
  const keys = `<tag-pattern>~A<enter><tag-prefix><copy-message>${mbox}<enter><quit>`;
  const r = await runAnswering('script', ['-qec', `mutt -n -F ${rcPath} -e 'push "${keys}"'`, '/dev/null'], {
    env: { HOME: join(dir, 'home'), TERM: 'vt100', LANG: 'C.UTF-8' },
    timeoutMs: o.timeoutMs,
    // Reject the certificate, then leave: nothing is open, so q quits at once.
    replies: [
      { when: CERT_PROMPT, send: 'r' },
      { when: NOTHING_OPEN, send: 'q' },
    ],
  });
  return { ...r, messages: mboxMessages(mbox) };
}
