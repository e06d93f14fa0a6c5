/**
 * Mail on disk: load an mbox file or a Maildir (with Maildir++ subfolders) into a MailStore,
 * and write a store back as a Maildir (so a reference server such as Dovecot can serve the
 * same mail) or an mbox. Synchronous: this runs once at lab start or in a benchmark.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MailStore, MAX_MESSAGE_BYTES } from './store.js';
import { StoreError } from './types.js';
import { asctimeDate, statusFlags } from './mbox-flags.js';

/** Most messages a loader reads (over all mailboxes) before it gives up with 'too-many'. */
export const MAX_LOAD_MESSAGES = 20_000;
/** Largest mbox file read at once. */
export const MAX_MBOX_FILE_BYTES = 1024 * 1024 * 1024;
/** Largest single message a loader accepts ('too-big' beyond it). */
export const MAX_LOAD_MESSAGE_BYTES = MAX_MESSAGE_BYTES;

export type MailboxFileErrorCode = 'not-found' | 'not-a-mailbox' | 'too-big' | 'too-many' | 'unreadable' | 'not-empty';

/** A loader or writer failure; the message names the path (shown to the user as is). */
export class MailboxFileError extends Error {
  override name = 'MailboxFileError';
  constructor(
    readonly code: MailboxFileErrorCode,
    readonly path: string,
    message: string,
    /** The largest message allowed, when one message past it is what failed ('too-big'): the lab's `maxMessageSize`, which the technician may raise. */
    readonly messageLimit?: number,
  ) {
    super(message);
  }
}

export interface LoadOptions {
  maxMessages?: number;
  /** Largest mbox file read (default MAX_MBOX_FILE_BYTES). */
  maxFileBytes?: number;
  maxMessageBytes?: number;
  /** UIDVALIDITY of the first mailbox (default: seconds since the epoch now). */
  uidValidity?: number;
}

/** Maildir info flag letters (https://cr.yp.to/proto/maildir.html), in the ASCII order Maildir requires. */
export const MAILDIR_FLAGS: ReadonlyArray<[letter: string, flag: string]> = [
  ['D', '\\Draft'],
  ['F', '\\Flagged'],
  ['R', '\\Answered'],
  ['S', '\\Seen'],
  ['T', '\\Deleted'],
];

/** Folder names that get an RFC 6154 attribute when loaded. */
export const SPECIAL_USE_BY_NAME: Record<string, string> = {
  sent: '\\Sent',
  'sent items': '\\Sent',
  'sent messages': '\\Sent',
  drafts: '\\Drafts',
  trash: '\\Trash',
  'deleted items': '\\Trash',
  'deleted messages': '\\Trash',
  junk: '\\Junk',
  spam: '\\Junk',
  archive: '\\Archive',
};

/** LF or CRLF → CRLF, binary-safe (the store keeps RFC 5322 line endings). */
export function toCrlf(data: Buffer): Buffer {
  if (!data.includes(0x0a)) return data;
  return Buffer.from(data.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Load an mbox file or a Maildir directory. Throws MailboxFileError naming the path. */
export function loadMailStore(path: string, opts: LoadOptions = {}): MailStore {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new MailboxFileError('not-found', path, `mailbox path ${path} does not exist`);
  }
  const limits = { maxMessages: opts.maxMessages ?? MAX_LOAD_MESSAGES, maxMessageBytes: opts.maxMessageBytes ?? MAX_LOAD_MESSAGE_BYTES, count: 0 };
  const store = new MailStore({ uidValidity: opts.uidValidity, defaultMailboxes: false, maxMessageBytes: limits.maxMessageBytes });
  if (st.isDirectory()) {
    if (!isDir(join(path, 'cur')) || !isDir(join(path, 'new'))) {
      throw new MailboxFileError('not-a-mailbox', path, `${path} is a directory but not a Maildir (it has no cur/ and new/ subdirectories)`);
    }
    loadMaildirFolder(store, 'INBOX', path, limits);
    for (const { name, dir } of maildirSubfolders(path)) {
      if (!store.info(name)) store.create(name, SPECIAL_USE_BY_NAME[name.toLowerCase()]);
      // A loaded folder is there to be seen: subscribed, for phones that list only subscriptions (LSUB).
      store.setSubscribed(name, true);
      loadMaildirFolder(store, name, dir, limits);
    }
    return store;
  }
  if (!st.isFile()) throw new MailboxFileError('not-a-mailbox', path, `${path} is neither an mbox file nor a Maildir`);
  const maxFile = opts.maxFileBytes ?? MAX_MBOX_FILE_BYTES;
  if (st.size > maxFile) throw new MailboxFileError('too-big', path, `mbox file ${path} is larger than ${maxFile} bytes`);
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new MailboxFileError('unreadable', path, `cannot read ${path}: ${(e as Error).message}`);
  }
  if (data.length > 0 && !data.subarray(0, 5).equals(Buffer.from('From '))) {
    throw new MailboxFileError('not-a-mailbox', path, `${path} is neither a Maildir nor an mbox file (an mbox starts with a "From " line)`);
  }
  for (const m of parseMbox(data)) {
    add(store, 'INBOX', m.raw, m.flags, m.date ?? st.mtime, path, limits);
  }
  return store;
}

function add(store: MailStore, mailbox: string, raw: Buffer, flags: string[], date: Date, path: string, limits: { maxMessages: number; maxMessageBytes: number; count: number }) {
  if (++limits.count > limits.maxMessages) throw new MailboxFileError('too-many', path, `${path} holds more than ${limits.maxMessages} messages`);
  try {
    store.append(mailbox, raw, flags, date);
  } catch (e) {
    if (e instanceof StoreError && e.code === 'too-big') {
      throw new MailboxFileError('too-big', path, `${path}: message ${limits.count} is ${raw.length} bytes, more than the limit of ${limits.maxMessageBytes}`, limits.maxMessageBytes);
    }
    throw e;
  }
}

/** A Maildir folder's message files (new/ and cur/, dot files skipped), in delivery order. */
export function maildirFiles(dir: string): Array<{ file: string; name: string; isNew: boolean }> {
  const entries: Array<{ file: string; name: string; isNew: boolean }> = [];
  for (const sub of ['new', 'cur'] as const) {
    let names: string[] = [];
    try {
      names = readdirSync(join(dir, sub));
    } catch {
      continue;
    }
    for (const n of names) if (!n.startsWith('.')) entries.push({ file: join(dir, sub, n), name: n, isNew: sub === 'new' });
  }
  // Delivery order: the unique names start with the delivery time in seconds. The key is taken
  // once per file, not per comparison (20,000 files cost 300,000 comparisons).
  const key = (n: string) => Number(/^(\d+)/.exec(n)?.[1] ?? Number.MAX_SAFE_INTEGER);
  const keyed = entries.map((e) => ({ e, k: key(e.name) }));
  keyed.sort((a, b) => a.k - b.k || (a.e.name < b.e.name ? -1 : a.e.name > b.e.name ? 1 : 0));
  return keyed.map((x) => x.e);
}

/** The flags of a Maildir file name's info suffix (":2,FS"); a message still in new/ has none. */
export function maildirFlags(name: string, isNew: boolean): string[] {
  const flags: string[] = [];
  const info = /:2,([^:]*)$/.exec(name);
  if (info && !isNew) {
    for (const [letter, flag] of MAILDIR_FLAGS) if (info[1]!.includes(letter)) flags.push(flag);
  }
  return flags;
}

/** Maildir++ subfolders of a Maildir: ".Sent" is "Sent", ".Archive.2024" is "Archive/2024". */
export function maildirSubfolders(path: string): Array<{ name: string; dir: string }> {
  return readdirSync(path)
    .filter((n) => n.startsWith('.') && n !== '.' && n !== '..' && isDir(join(path, n, 'cur')))
    .sort()
    .map((sub) => ({ name: sub.slice(1).split('.').join('/'), dir: join(path, sub) }));
}

function loadMaildirFolder(store: MailStore, mailbox: string, dir: string, limits: { maxMessages: number; maxMessageBytes: number; count: number }) {
  const entries = maildirFiles(dir);
  for (const e of entries) {
    let st;
    try {
      st = statSync(e.file);
    } catch {
      continue; // moved away meanwhile
    }
    if (!st.isFile()) continue;
    if (st.size > limits.maxMessageBytes) {
      throw new MailboxFileError('too-big', e.file, `${e.file} is ${st.size} bytes, more than the limit of ${limits.maxMessageBytes}`, limits.maxMessageBytes);
    }
    add(store, mailbox, toCrlf(readFileSync(e.file)), maildirFlags(e.name, e.isNew), st.mtime, e.file, limits);
  }
}

export interface MboxMessage {
  raw: Buffer;
  flags: string[];
  /** From the "From " line's asctime date, when it parses. */
  date: Date | null;
}

/**
 * Split an mbox (mboxo or mboxrd) into messages: a "From " line at the start of the file or
 * after an empty line starts a message; the empty line before it belongs to the separator.
 * Quoted ">From " lines lose one ">" (mboxrd, which also undoes mboxo's quoting). Status and
 * X-Status headers (written by mutt, Thunderbird, c-client) give the flags.
 */
export function parseMbox(data: Buffer): MboxMessage[] {
  const text = data.toString('latin1');
  const lines = text.split('\n');
  const out: MboxMessage[] = [];
  let current: string[] | null = null;
  let date: Date | null = null;
  const finish = () => {
    if (!current) return;
    // the empty line before the next "From " separator is not part of the message
    if (current.length > 0 && (current[current.length - 1] === '' || current[current.length - 1] === '\r')) current.pop();
    const body = current.map((l) => (/^>+From /.test(l) ? l.slice(1) : l));
    const raw = toCrlf(Buffer.from(body.join('\n') + (body.length > 0 ? '\n' : ''), 'latin1'));
    out.push({ raw, flags: statusFlags(raw), date });
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const isLast = i === lines.length - 1;
    if (isLast && line === '') break; // the file's final newline
    const prevEmpty = i === 0 || lines[i - 1] === '' || lines[i - 1] === '\r';
    if (line.startsWith('From ') && prevEmpty) {
      finish();
      current = [];
      date = asctimeDate(line);
    } else if (current) {
      current.push(line);
    }
  }
  finish();
  return out;
}

function ensureEmptyDir(dir: string) {
  if (existsSync(dir)) {
    if (!isDir(dir)) throw new MailboxFileError('not-empty', dir, `${dir} exists and is not a directory`);
    if (readdirSync(dir).length > 0) throw new MailboxFileError('not-empty', dir, `${dir} is not empty; the Maildir is written only into a new or empty directory`);
  }
  mkdirSync(dir, { recursive: true });
}

/** The Maildir info suffix for a flag set (":2," + letters in ASCII order). Keywords have no letter here. */
export function maildirInfo(flags: Iterable<string>): string {
  const set = new Set(flags);
  return ':2,' + MAILDIR_FLAGS.filter(([, f]) => set.has(f)).map(([l]) => l).join('');
}

/**
 * Write the store as a Maildir: INBOX in `dir`, every other mailbox as a Maildir++ folder
 * `.Name` ("a/b" → `.a.b`, with a `maildirfolder` marker), messages in cur/ with their flags in
 * the info suffix and their internal date as mtime, plus a `subscriptions` file. No
 * dovecot-uidlist: Dovecot creates it on first access. Keywords are not written.
 */
export function writeMaildir(store: MailStore, dir: string): void {
  ensureEmptyDir(dir);
  const subscribed: string[] = [];
  for (const info of store.list()) {
    const folder = info.name === 'INBOX' ? dir : join(dir, '.' + info.name.split('/').join('.'));
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(folder, sub), { recursive: true });
    if (folder !== dir) writeFileSync(join(folder, 'maildirfolder'), '');
    if (info.subscribed && info.name !== 'INBOX') subscribed.push(info.name.split('/').join('.'));
    store.messages(info.name).forEach((m, idx) => {
      const secs = Math.floor(m.internalDate.getTime() / 1000);
      // unique name: time.M<uid>P<index>.host,S=<size>,W=<virtual size> (sizes let Dovecot skip a stat)
      const name = `${secs}.M${m.uid}P${idx + 1}.mailprobe,S=${m.raw.length},W=${m.raw.length}${maildirInfo(m.flags)}`;
      const file = join(folder, 'cur', name);
      writeFileSync(file, m.raw);
      utimesSync(file, m.internalDate, m.internalDate);
    });
  }
  writeFileSync(join(dir, 'subscriptions'), subscribed.map((n) => n + '\n').join(''));
}

/** asctime for the "From " line (UTC). */
function asctime(d: Date): string {
  const s = d.toUTCString(); // "Tue, 24 Nov 2026 10:00:00 GMT"
  const m = /^(\w{3}), (\d{2}) (\w{3}) (\d{4}) (\d{2}:\d{2}:\d{2})/.exec(s)!;
  return `${m[1]} ${m[3]} ${String(Number(m[2])).padStart(2, ' ')} ${m[5]} ${m[4]}`;
}

/**
 * Write one mailbox as an mboxrd file (LF line endings, ">From " quoting). Flags are not
 * written (they would change the message bytes); use writeMaildir to keep them.
 */
export function writeMbox(store: MailStore, file: string, mailbox = 'INBOX'): void {
  const chunks: Buffer[] = [];
  for (const m of store.messages(mailbox)) {
    const text = m.raw.toString('latin1').replace(/\r\n/g, '\n').replace(/^(>*From )/gm, '>$1');
    chunks.push(Buffer.from(`From MAILER-DAEMON ${asctime(m.internalDate)}\n${text}${text.endsWith('\n') ? '' : '\n'}\n`, 'latin1'));
  }
  writeFileSync(file, Buffer.concat(chunks));
}
