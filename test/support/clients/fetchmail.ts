/**
 * fetchmail 6.4 (Debian `fetchmail`): one poll of INBOX with `keep fetchall`, each message
 * handed to an MDA that writes it to a file. It upgrades with STARTTLS on its own whenever the
 * server offers it, so plaintext needs `sslproto ''`; STARTTLS is made mandatory with
 * `sslproto TLS1.2+`. `sslcertck` verifies against `sslcertfile`; `no sslcertck` is its switch
 * for not verifying (fetchmail(1), "--sslcertck").
 */
import { mkdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { networkTimeoutSeconds, runTool, writeConfig } from './exec.js';
import { filesIn } from './store.js';
import type { ClientDriver, ClientRunOptions } from './types.js';

function rcFile(o: ClientRunOptions, outDir: string): string {
  const tls = { plain: "sslproto ''", starttls: 'sslproto TLS1.2+', imaps: 'ssl' }[o.security];
  const trust = o.security === 'plain' ? '' : o.trust === 'none' ? 'no sslcertck' : `sslcertck sslcertfile "${o.caFile}"`;
  return [
    'set no syslog',
    `poll ${o.host} service ${o.port} protocol IMAP timeout ${networkTimeoutSeconds(o.timeoutMs)}`,
    `  user "${o.user}" there with password "${o.password}"`,
    `  keep fetchall ${tls} ${trust}`,
    // $$ (the shell's pid) names each delivery: one shell per message.
    `  mda "/bin/sh -c 'cat > ${outDir}/msg.$$'"`,
    '',
  ].join('\n');
}

export const fetchmail: ClientDriver = {
  name: 'fetchmail',
  pkg: 'fetchmail',
  securities: ['plain', 'starttls', 'imaps'],
  trusts: { starttls: ['lab-ca', 'none', 'foreign-ca'], imaps: ['lab-ca', 'none', 'foreign-ca'] },
  cannot: ['cannot verify by IP: it checks the name against DNS names only (PEERS.md)'],
  refuses: (m) =>
    m.trust === 'lab-ca' && isIP(m.host) !== 0
      ? 'fetchmail matches the certificate against its DNS names only, never its IP addresses: by IP it says "hostname mismatch"'
      : undefined,
  async run(o) {
    const outDir = join(o.workDir, 'out');
    mkdirSync(outDir);
    const rc = writeConfig(join(o.workDir, 'fetchmailrc'), rcFile(o, outDir));
    const r = await runTool('fetchmail', ['-f', rc, '--pidfile', join(o.workDir, 'fetchmail.pid'), '--nosyslog', '-v', '--nodetach'], {
      env: { HOME: o.workDir, FETCHMAILHOME: o.workDir },
      timeoutMs: o.timeoutMs,
    });
    return { ...r, messages: filesIn(outDir) };
  },
};
