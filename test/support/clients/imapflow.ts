/**
 * imapflow (npm), in this process: connect, lock INBOX, one FETCH 1:* of every message's source,
 * LOGOUT. `doSTARTTLS: true` makes STARTTLS mandatory, `false` forbids it; `tls.ca` is the CA it
 * verifies against (Node's checkServerIdentity covers IP SANs and DNS names),
 * `rejectUnauthorized: false` its switch for not verifying.
 */
import { readFileSync } from 'node:fs';
import { ImapFlow } from 'imapflow';
import type { ClientDriver } from './types.js';

export const imapflow: ClientDriver = {
  name: 'imapflow',
  pkg: 'imapflow (npm)',
  securities: ['plain', 'starttls', 'imaps'],
  trusts: { starttls: ['lab-ca', 'none', 'foreign-ca'], imaps: ['lab-ca', 'none', 'foreign-ca'] },
  async run(o) {
    const verify = o.trust !== 'none';
    const client = new ImapFlow({
      host: o.host,
      port: o.port,
      secure: o.security === 'imaps',
      doSTARTTLS: o.security === 'starttls',
      auth: { user: o.user, pass: o.password },
      tls: verify ? { ca: [readFileSync(o.caFile, 'utf8')], rejectUnauthorized: true } : { rejectUnauthorized: false },
      connectionTimeout: o.timeoutMs,
      greetingTimeout: o.timeoutMs,
      socketTimeout: o.timeoutMs,
      logger: false,
    });
    const log: string[] = [];
    client.on('error', (err: Error) => log.push(`error event: ${err.message}`));
    const messages: Buffer[] = [];
    try {
      await client.connect();
      const lock = await client.getMailboxLock('INBOX', { readOnly: true });
      try {
        for await (const msg of client.fetch('1:*', { source: true })) if (msg.source) messages.push(msg.source);
      } finally {
        lock.release();
      }
      await client.logout();
      return { code: 0, log: log.join('\n'), messages };
    } catch (err) {
      client.close();
      const e = err as Error & { code?: string };
      log.push(`${e.code ?? 'error'}: ${e.message}`);
      return { code: 1, log: log.join('\n'), messages };
    }
  },
};
