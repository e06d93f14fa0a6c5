/**
 * The names of a Maildir's cur/ and new/ directories (its own and its subfolders'), read on the
 * threadpool as early as the lab command starts: the readdirs of 20,000 names then overlap module
 * loading, the certificates and the listeners, instead of following them (a first SELECT is timed
 * from process start, as Dovecot's is). Only node:fs here, so that the CLI can start it before it
 * loads the rest of the lab.
 *
 * The names are taken once (takeMaildirReadAhead), by the index that the lab builds; a directory
 * whose read failed is left out, and the index reads it again itself (and reports it as it does).
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Directory (…/cur, …/new) → its entries, as readdir gives them. */
export type MaildirNames = Map<string, string[]>;

/**
 * Names read longer ago than this are not used (the index reads the directories again): a lab
 * that failed to start leaves its read-ahead behind, and a later start must not see old names.
 */
export const MAILDIR_READ_AHEAD_MAX_AGE_MS = 10_000;

const started = new Map<string, { at: number; names: Promise<MaildirNames> }>();

async function entriesOrNull(dir: string): Promise<string[] | null> {
  try {
    return await readdir(dir);
  } catch {
    return null;
  }
}

async function readAll(path: string): Promise<MaildirNames> {
  const names: MaildirNames = new Map();
  const top = await entriesOrNull(path);
  if (!top) return names; // not a directory (an mbox), or unreadable: the index says which
  // The folder itself and every ".Sub" folder (Maildir++), cur/ and new/ of each at once.
  const folders = [path, ...top.filter((n) => n.startsWith('.') && n !== '.' && n !== '..').map((n) => join(path, n))];
  const dirs = folders.flatMap((f) => [join(f, 'new'), join(f, 'cur')]);
  const read = await Promise.all(dirs.map(entriesOrNull));
  dirs.forEach((d, i) => {
    const entries = read[i];
    if (entries) names.set(d, entries);
  });
  return names;
}

/** Start reading the names under `path` (once per path while the last read is fresh); settles when they are read. */
export function readMaildirAhead(path: string): Promise<MaildirNames> {
  const key = resolve(path);
  let ahead = started.get(key);
  if (!ahead || Date.now() - ahead.at > MAILDIR_READ_AHEAD_MAX_AGE_MS) started.set(key, (ahead = { at: Date.now(), names: readAll(key) }));
  return ahead.names;
}

/** The names read ahead for `path`, once (undefined when none were started, or too long ago). */
export function takeMaildirReadAhead(path: string): Promise<MaildirNames> | undefined {
  const key = resolve(path);
  const ahead = started.get(key);
  started.delete(key);
  return ahead && Date.now() - ahead.at <= MAILDIR_READ_AHEAD_MAX_AGE_MS ? ahead.names : undefined;
}
