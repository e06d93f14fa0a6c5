/**
 * Python's imaplib (standard library): LOGIN, SELECT INBOX, one FETCH 1:* (BODY.PEEK[]), LOGOUT.
 * STARTTLS through `starttls(ssl_context=…)`, IMAPS through IMAP4_SSL; the context either
 * verifies against the CA file (chain and name: create_default_context) or not at all.
 */
import { runPython } from './python.js';
import type { ClientDriver } from './types.js';

const SCRIPT = String.raw`
import imaplib
if o['security'] == 'imaps':
    m = imaplib.IMAP4_SSL(o['host'], o['port'], ssl_context=ctx)
else:
    m = imaplib.IMAP4(o['host'], o['port'])
    if o['security'] == 'starttls':
        m.starttls(ssl_context=ctx)
m.login(o['user'], o['password'])
m.select('INBOX', readonly=True)
typ, data = m.fetch('1:*', '(BODY.PEEK[])')
assert typ == 'OK', data
for i, part in enumerate(p for p in data if isinstance(p, tuple)):
    save(i + 1, part[1])
m.logout()
`;

export const imaplib: ClientDriver = {
  name: 'imaplib',
  pkg: 'python3 (standard library)',
  securities: ['plain', 'starttls', 'imaps'],
  trusts: { starttls: ['lab-ca', 'none', 'foreign-ca'], imaps: ['lab-ca', 'none', 'foreign-ca'] },
  run: (o) => runPython(SCRIPT, o),
};
