/**
 * The technician's mailbox, served from disk: an mbox file indexed by byte ranges, or a Maildir
 * (with Maildir++ subfolders) file by file. The store keeps per message only what the index
 * holds (where the bytes are, served size, flags, internal date); ENVELOPE and the MIME
 * structure are parsed on first use and kept; bodies are read on demand (body.ts).
 *
 * The customer's files are only ever opened read-only. Everything a session changes (flags,
 * expunges, appended or delivered messages) lives in the store's memory and in `storeDir`, the
 * session's own directory.
 */
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { CrlfMeter, FileBody } from './body.js';
import { MAX_LOAD_MESSAGE_BYTES, MailboxFileError, SPECIAL_USE_BY_NAME, isDir, maildirFiles, maildirFlags, maildirSubfolders } from './files.js';
import { indexMbox, INDEX_READ_BYTES, type IndexProgress } from './mbox-index.js';
import { MailStore } from './store.js';

/** Most messages the disk store indexes (over all mailboxes). */
export const MAX_INDEXED_MESSAGES = 500_000;
/** Largest mbox file the disk store indexes. */
export const MAX_INDEXED_MBOX_BYTES = 64 * 1024 * 1024 * 1024;

/** A Maildir's progress is reported at least every so many files. */
const PROGRESS_EVERY_FILES = 500;

export type MailboxKind = 'mbox' | 'maildir';

export interface IndexingProgress extends IndexProgress {
  path: string;
  done: boolean;
}

export interface OpenMailStoreOptions {
  /** The session's directory for appended and delivered messages. */
  storeDir?: string;
  maxMessages?: number;
  maxFileBytes?: number;
  maxMessageBytes?: number;
  uidValidity?: number;
  onProgress?: (p: IndexingProgress) => void;
}

/**
 * What `path` is, checked without reading it whole (so a bad --mailbox fails before the lab
 * creates anything). Throws MailboxFileError naming the path.
 */
export function checkMailboxPath(path: string, maxFileBytes = MAX_INDEXED_MBOX_BYTES): MailboxKind {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new MailboxFileError('not-found', path, `mailbox path ${path} does not exist`);
  }
  if (st.isDirectory()) {
    if (!isDir(join(path, 'cur')) || !isDir(join(path, 'new'))) {
      throw new MailboxFileError('not-a-mailbox', path, `${path} is a directory but not a Maildir (it has no cur/ and new/ subdirectories)`);
    }
    return 'maildir';
  }
  if (!st.isFile()) throw new MailboxFileError('not-a-mailbox', path, `${path} is neither an mbox file nor a Maildir`);
  if (st.size > maxFileBytes) throw new MailboxFileError('too-big', path, `mbox file ${path} is larger than ${maxFileBytes} bytes`);
  const head = Buffer.alloc(5);
  let n = 0;
  try {
    const fd = openSync(path, 'r');
    try {
      n = readSync(fd, head, 0, 5, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new MailboxFileError('unreadable', path, `cannot read ${path}: ${(e as Error).message}`);
  }
  if (n > 0 && head.toString('latin1', 0, n) !== 'From ') {
    throw new MailboxFileError('not-a-mailbox', path, `${path} is neither a Maildir nor an mbox file (an mbox starts with a "From " line)`);
  }
  return 'mbox';
}

interface Limits {
  maxMessages: number;
  maxMessageBytes: number;
  count: number;
}

function counted(limits: Limits, path: string): void {
  if (++limits.count > limits.maxMessages) throw new MailboxFileError('too-many', path, `${path} holds more than ${limits.maxMessages} messages`);
}

/** The empty store a customer mailbox is indexed into (INBOX only, the session's directory for new messages). */
export function customerMailStore(opts: Pick<OpenMailStoreOptions, 'storeDir' | 'uidValidity' | 'maxMessageBytes'> = {}): MailStore {
  return new MailStore({ uidValidity: opts.uidValidity, defaultMailboxes: false, maxMessageBytes: opts.maxMessageBytes ?? MAX_LOAD_MESSAGE_BYTES, storeDir: opts.storeDir });
}

/** Index an mbox file or a Maildir and serve it from disk. */
export async function openMailStore(path: string, opts: OpenMailStoreOptions = {}): Promise<MailStore> {
  const store = customerMailStore(opts);
  await indexMailbox(store, path, opts);
  return store;
}

/**
 * Index the mailbox at `path` into `store` (made by customerMailStore): what a lab does after
 * binding its listeners, so that `lab.start` comes first and clients wait until it is done.
 */
export async function indexMailbox(store: MailStore, path: string, opts: Omit<OpenMailStoreOptions, 'storeDir' | 'uidValidity'> = {}): Promise<void> {
  const kind = checkMailboxPath(path, opts.maxFileBytes);
  const limits: Limits = { maxMessages: opts.maxMessages ?? MAX_INDEXED_MESSAGES, maxMessageBytes: opts.maxMessageBytes ?? store.maxMessageBytes, count: 0 };
  const report = (p: IndexProgress, done: boolean) => opts.onProgress?.({ path, ...p, done });
  if (kind === 'mbox') {
    const mtime = statSync(path).mtime;
    let found = 0;
    await indexMbox(path, {
      onProgress: (p) => report(p, false),
      onMessage: (m) => {
        counted(limits, path);
        found += 1;
        if (m.size > limits.maxMessageBytes) {
          throw new MailboxFileError('too-big', path, `${path}: message ${found} is ${m.size} bytes, more than the limit of ${limits.maxMessageBytes}`);
        }
        store.load('INBOX', new FileBody(path, m.fileStart, m.fileEnd, m.size, m.transform), m.flags, m.date ?? mtime);
      },
    }).catch((err: unknown) => {
      if (err instanceof MailboxFileError) throw err;
      throw new MailboxFileError('unreadable', path, `cannot read ${path}: ${(err as Error).message}`);
    });
    const size = statSync(path).size;
    report({ bytesDone: size, bytesTotal: size, messages: found }, true);
    return;
  }
  const folders = [{ name: 'INBOX', dir: path }, ...maildirSubfolders(path)];
  const files = folders.map((f) => ({ ...f, entries: maildirEntries(f.dir) }));
  const bytesTotal = files.reduce((n, f) => n + f.entries.reduce((k, e) => k + e.size, 0), 0);
  const progress: IndexProgress = { bytesDone: 0, bytesTotal, messages: 0 };
  let lastReport = 0;
  for (const f of files) {
    if (f.name !== 'INBOX') {
      if (!store.info(f.name)) store.create(f.name, SPECIAL_USE_BY_NAME[f.name.toLowerCase()]);
      // A loaded folder is there to be seen: subscribed, for phones that list only subscriptions (LSUB).
      store.setSubscribed(f.name, true);
    }
    for (const e of f.entries) {
      if (e.size > limits.maxMessageBytes) {
        throw new MailboxFileError('too-big', e.file, `${e.file} is ${e.size} bytes, more than the limit of ${limits.maxMessageBytes}`);
      }
      counted(limits, path);
      let measured;
      try {
        measured = await measureFile(e.file);
      } catch {
        continue; // moved away meanwhile (another program reading the Maildir)
      }
      store.load(f.name, new FileBody(e.file, 0, measured.fileSize, measured.size, measured.transform), maildirFlags(e.name, e.isNew), e.mtime);
      progress.bytesDone += e.size;
      progress.messages += 1;
      if (progress.bytesDone - lastReport >= INDEX_READ_BYTES * 8 || progress.messages % PROGRESS_EVERY_FILES === 0) {
        lastReport = progress.bytesDone;
        report(progress, false);
      }
    }
  }
  report(progress, true);
}

interface MaildirEntry {
  file: string;
  name: string;
  isNew: boolean;
  size: number;
  mtime: Date;
}

/** A Maildir folder's messages (new/ and cur/), in delivery order, with their sizes and mtimes. */
function maildirEntries(dir: string): MaildirEntry[] {
  const entries: MaildirEntry[] = [];
  for (const e of maildirFiles(dir)) {
    let st;
    try {
      st = statSync(e.file);
    } catch {
      continue; // moved away meanwhile
    }
    if (st.isFile()) entries.push({ ...e, size: st.size, mtime: st.mtime });
  }
  return entries;
}

/** A Maildir file's served size (bare LF → CRLF), read in chunks. */
async function measureFile(file: string): Promise<{ fileSize: number; size: number; transform: 'none' | 'crlf' }> {
  const fh = await open(file, 'r');
  try {
    const meter = new CrlfMeter();
    const buf = Buffer.allocUnsafe(INDEX_READ_BYTES);
    let pos = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead <= 0) break;
      meter.push(buf, 0, bytesRead);
      pos += bytesRead;
    }
    const r = meter.result();
    return { fileSize: pos, size: r.size, transform: r.transform === 'none' ? 'none' : 'crlf' };
  } finally {
    await fh.close();
  }
}
