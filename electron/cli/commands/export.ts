/**
 * `mailprobe export SESSION_DIR --pcapng OUT.pcapng [--include-secrets]`: the session as a
 * capture for Wireshark or tshark. Redacted by default (no TLS keys, passwords overwritten in
 * the clear streams); --include-secrets embeds the TLS keys (a Decryption Secrets Block, which
 * Wireshark reads by itself) and the passwords, with a warning. Exit 0 when written, 2 for bad
 * usage or an unreadable session, 1 when writing failed.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writePcapngFile, type ExportedConnection } from '../../lab/capture/export/index.js';
import { UsageError, parseFlags } from '../usage.js';

/** Ports Wireshark dissects as mail by default, per dissector (its tcp.port / tls.port preferences). */
const STANDARD_PORTS: Record<string, number[]> = { imap: [143], imaps: [993], smtp: [25, 587], smtps: [465], pop3: [110], pop3s: [995] };
/** Wireshark's dissector names for the lab's listeners. */
const DISSECTOR: Record<string, string> = { imap: 'imap', imaps: 'imap', smtp: 'smtp', smtps: 'smtp', pop3: 'pop', pop3s: 'pop' };

/** The `-d` options that make Wireshark/tshark read the lab's non-standard ports as mail. */
export function decodeAsOptions(conns: readonly ExportedConnection[]): string[] {
  const out = new Set<string>();
  for (const c of conns) {
    const name = DISSECTOR[c.proto];
    if (!name || STANDARD_PORTS[c.proto]?.includes(c.port)) continue;
    // Implicit TLS: the port is TLS, and what is inside it is the mail protocol. STARTTLS: the
    // mail dissector follows the upgrade itself.
    out.add(c.proto.endsWith('s') ? `-d tls.port==${c.port},${name}` : `-d tcp.port==${c.port},${name}`);
  }
  return [...out];
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    pcapng: { type: 'string' },
    'include-secrets': { type: 'boolean' },
  });
  if (positionals.length === 0) throw new UsageError('missing SESSION_DIR (a session directory or its events.jsonl)');
  if (positionals.length > 1) throw new UsageError(`expected one SESSION_DIR, got ${positionals.length}: ${positionals.join(' ')}`);
  if (!values.pcapng) throw new UsageError('missing --pcapng OUT.pcapng');
  const session = positionals[0];
  if (!existsSync(session)) throw new UsageError(`cannot read ${session}: no such file or directory`);
  const out = resolve(values.pcapng);
  if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) throw new UsageError(`--pcapng: directory ${dirname(out)} does not exist`);
  if (existsSync(out) && statSync(out).isDirectory()) throw new UsageError(`--pcapng: ${out} is a directory`);
  const includeSecrets = values['include-secrets'] === true;

  let written;
  try {
    written = writePcapngFile(session, out, { includeSecrets });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'EISDIR' || /not JSON/.test(e.message)) throw new UsageError(`cannot read ${session}: ${e.message.split('\n')[0]}`);
    throw err;
  }
  const kb = Math.max(1, Math.round(written.bytes / 1024));
  const tls = written.connections.filter((c) => c.tls);
  process.stdout.write(`capture written: ${written.file} (${written.connections.length} connections, ${written.packets} packets, ${kb} KB, ${written.redacted ? 'redacted' : 'NOT redacted'})\n`);
  if (written.redacted) {
    if (written.redactedBytes > 0) process.stdout.write(`passwords: ${written.redactedBytes} bytes of passwords and login data in the clear streams are overwritten with X\n`);
    if (tls.length > 0) {
      process.stdout.write(`TLS: ${tls.length} connection${tls.length === 1 ? '' : 's'} without their keys: Wireshark shows their content as encrypted Application Data it cannot decrypt (--include-secrets embeds the keys)\n`);
    }
  } else if (tls.length > 0) {
    process.stdout.write(`TLS: ${written.keylogLines} key log lines embedded for ${tls.filter((c) => c.keylogLines > 0).length} of ${tls.length} TLS connections (a Decryption Secrets Block: Wireshark decrypts them with no setup)\n`);
  }
  const old = tls.filter((c) => !c.wire);
  if (old.length > 0) process.stdout.write(`TLS bytes not recorded for ${old.map((c) => c.conn).join(', ')} (a session of an older Mailprobe): their streams stop where TLS starts\n`);
  for (const s of written.skipped) process.stdout.write(`left out: ${s}\n`);
  const decode = decodeAsOptions(written.connections);
  if (decode.length > 0) process.stdout.write(`non-standard ports: open it with  wireshark ${decode.join(' ')}  (or tshark -r FILE ${decode.join(' ')})\n`);
  if (!written.redacted) process.stderr.write('mailprobe export: warning: --include-secrets: this capture holds the TLS keys and the passwords in clear; do not send it to the customer\n');
  return 0;
}
