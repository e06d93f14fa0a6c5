/**
 * offlineimap3 (Debian `offlineimap3`): a one-shot (`-o`) read-only sync of INBOX into a
 * Maildir. Over implicit TLS it demands a CA file (`sslcacertfile`) or the server certificate's
 * fingerprint (`cert_fingerprint`, the `pinned` mode). Its STARTTLS (`starttls = yes`, also its
 * default on a plaintext port that offers it) calls imaplib2's starttls() without a CA, so it
 * never verifies that certificate (offlineimap/imapserver.py, __start_tls): the only STARTTLS
 * mode it has is `none`.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { networkTimeoutSeconds, runTool, writeConfig } from './exec.js';
import { maildirMessages } from './store.js';
import type { ClientDriver, ClientRunOptions } from './types.js';

/** SHA-256 of each certificate's DER, hex, as cert_fingerprint takes them. */
function fingerprints(pemFiles: string[]): string {
  return pemFiles.map((f) => createHash('sha256').update(new X509Certificate(readFileSync(f)).raw).digest('hex')).join(', ');
}

function rcFile(o: ClientRunOptions, dir: string): string {
  const trust =
    o.security !== 'imaps' ? '' : o.trust === 'pinned' ? `cert_fingerprint = ${fingerprints(o.serverCertFiles)}` : `sslcacertfile = ${o.caFile}`;
  return `[general]
accounts = lab
metadata = ${dir}/meta
ui = basic

[Account lab]
localrepository = local
remoterepository = remote

[Repository local]
type = Maildir
localfolders = ${dir}/mail

[Repository remote]
type = IMAP
remotehost = ${o.host}
remoteport = ${o.port}
remoteuser = ${o.user}
remotepass = ${o.password}
ssl = ${o.security === 'imaps' ? 'yes' : 'no'}
starttls = ${o.security === 'starttls' ? 'yes' : 'no'}
${trust}
timeout = ${networkTimeoutSeconds(o.timeoutMs)}
readonly = True
folderfilter = lambda f: f == 'INBOX'
`;
}

export const offlineimap: ClientDriver = {
  name: 'offlineimap3',
  pkg: 'offlineimap3',
  securities: ['plain', 'starttls', 'imaps'],
  trusts: { starttls: ['none'], imaps: ['lab-ca', 'pinned', 'foreign-ca'] },
  cannot: ['cannot verify a STARTTLS certificate (it passes no CA to starttls())'],
  async run(o) {
    for (const d of ['meta', 'mail']) mkdirSync(join(o.workDir, d));
    const rc = writeConfig(join(o.workDir, 'offlineimaprc'), rcFile(o, o.workDir));
    const r = await runTool('offlineimap', ['-c', rc, '-o', '-u', 'basic'], { env: { HOME: o.workDir }, timeoutMs: o.timeoutMs });
    return { ...r, messages: maildirMessages(join(o.workDir, 'mail', 'INBOX')) };
  },
};
