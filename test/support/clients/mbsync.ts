/**
 * mbsync (isync 1.4, Debian `isync`): a one-way pull of INBOX into a Maildir. It verifies every
 * TLS connection and has no switch to skip that; the way its manual gives to keep a certificate
 * it cannot verify is to list the server certificate itself in `CertificateFile` (what
 * mbsync-get-cert produces), which is the `pinned` mode. `SystemCertificates no` makes the CA
 * given here the only trust anchor, so the foreign-CA control means what it says.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { networkTimeoutSeconds, runTool, writeConfig, writePemBundle } from './exec.js';
import { maildirMessages } from './store.js';
import type { ClientDriver, ClientRunOptions } from './types.js';

function rcFile(o: ClientRunOptions, local: string, trustFile: string): string {
  const sslType = { plain: 'None', starttls: 'STARTTLS', imaps: 'IMAPS' }[o.security];
  return `IMAPAccount lab
Host ${o.host}
Port ${o.port}
User ${o.user}
Pass ${o.password}
SSLType ${sslType}
SystemCertificates no
CertificateFile ${trustFile}
Timeout ${networkTimeoutSeconds(o.timeoutMs)}

IMAPStore remote
Account lab

MaildirStore local
Path ${local}/
Inbox ${local}/INBOX

Channel pull
Far :remote:
Near :local:
Patterns INBOX
Sync Pull
Create Near
SyncState *
`;
}

export const mbsync: ClientDriver = {
  name: 'mbsync',
  pkg: 'isync',
  securities: ['plain', 'starttls', 'imaps'],
  trusts: { starttls: ['lab-ca', 'foreign-ca'], imaps: ['lab-ca', 'pinned', 'foreign-ca'] },
  cannot: ['no switch to skip verification (pinning the server certificate is its way)'],
  async run(o) {
    const local = join(o.workDir, 'mail');
    mkdirSync(local);
    const trustFile = writePemBundle(join(o.workDir, 'trust.pem'), o.trust === 'pinned' ? o.serverCertFiles : [o.caFile]);
    const rc = writeConfig(join(o.workDir, 'mbsyncrc'), rcFile(o, local, trustFile));
    const r = await runTool('mbsync', ['-c', rc, '-a'], { env: { HOME: o.workDir }, timeoutMs: o.timeoutMs });
    return { ...r, messages: maildirMessages(join(local, 'INBOX')) };
  },
};
