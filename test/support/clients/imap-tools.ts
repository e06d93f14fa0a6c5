/**
 * imap-tools (Debian `python3-imap-tools`): MailBoxUnencrypted, MailBoxTls (STARTTLS) or MailBox
 * (implicit TLS) with an ssl_context, login into INBOX, then its ordinary `fetch()` — one
 * UID FETCH per message, without marking them seen.
 */
import { runPython } from './python.js';
import type { ClientDriver } from './types.js';

const SCRIPT = String.raw`
from imap_tools import MailBox, MailBoxTls, MailBoxUnencrypted
if o['security'] == 'imaps':
    mb = MailBox(o['host'], o['port'], ssl_context=ctx)
elif o['security'] == 'starttls':
    mb = MailBoxTls(o['host'], o['port'], ssl_context=ctx)
else:
    mb = MailBoxUnencrypted(o['host'], o['port'])
mb.login(o['user'], o['password'], 'INBOX')
for i, msg in enumerate(mb.fetch(mark_seen=False)):
    save(i + 1, msg.obj.as_bytes())
mb.logout()
`;

export const imapTools: ClientDriver = {
  name: 'imap-tools',
  pkg: 'python3-imap-tools',
  securities: ['plain', 'starttls', 'imaps'],
  trusts: { starttls: ['lab-ca', 'none', 'foreign-ca'], imaps: ['lab-ca', 'none', 'foreign-ca'] },
  run: (o) => runPython(SCRIPT, o),
};
