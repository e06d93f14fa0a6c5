/**
 * `mailprobe report SESSION_DIR --out report.pdf [--include-secrets] [--technician NAME]
 *  [--ticket ID] [--paper a4|letter]`: the PDF a technician hands to the customer.
 * Redacted unless --include-secrets. Exit 0 when written (whatever the verdict), 2 with one
 * line for bad usage or an unreadable session, 1 when writing failed.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeReport } from '../../lab/report/index.js';
import { UsageError, oneOf, parseFlags } from '../usage.js';

const PAPERS = ['a4', 'letter'] as const;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    out: { type: 'string', short: 'o' },
    'include-secrets': { type: 'boolean' },
    technician: { type: 'string' },
    ticket: { type: 'string' },
    paper: { type: 'string' },
  });
  if (positionals.length === 0) throw new UsageError('missing SESSION_DIR (a session directory or its events.jsonl)');
  if (positionals.length > 1) throw new UsageError(`expected one SESSION_DIR, got ${positionals.length}: ${positionals.join(' ')}`);
  if (!values.out) throw new UsageError('missing --out FILE.pdf');
  const paper = oneOf('paper', values.paper?.toLowerCase(), PAPERS, 'a4');
  const session = positionals[0];
  if (!existsSync(session)) throw new UsageError(`cannot read ${session}: no such file or directory`);
  const out = resolve(values.out);
  if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) throw new UsageError(`--out: directory ${dirname(out)} does not exist`);
  if (existsSync(out) && statSync(out).isDirectory()) throw new UsageError(`--out: ${out} is a directory`);

  let written;
  try {
    written = await writeReport(session, out, {
      includeSecrets: values['include-secrets'] === true,
      technician: values.technician,
      ticket: values.ticket,
      paper: paper === 'letter' ? 'LETTER' : 'A4',
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // An unreadable or malformed session is bad input (2); a failed write is a failed command (1).
    if (e.code === 'ENOENT' || e.code === 'EISDIR' || /not JSON/.test(e.message)) throw new UsageError(`cannot read ${session}: ${e.message.split('\n')[0]}`);
    throw err;
  }
  const kb = Math.max(1, Math.round(written.bytes / 1024));
  process.stdout.write(`report written: ${written.file} (${written.pages} pages, ${kb} KB, ${written.redacted ? 'redacted' : 'NOT redacted'})\n`);
  if (!written.redacted) process.stderr.write('mailprobe report: warning: --include-secrets: this PDF shows passwords and login data; do not send it to the customer\n');
  return 0;
}
