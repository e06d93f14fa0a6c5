/**
 * The technician's mailbox, served from disk: an mbox file indexed by byte ranges, or a Maildir
 * (with Maildir++ subfolders) by its file names (maildir-index.ts). The store keeps per message
 * only what the index holds (where the bytes are, served size, flags, internal date; for a
 * Maildir file the size and date are read when first asked for); ENVELOPE and the MIME
 * structure are parsed on first use and kept; bodies are read on demand (body.ts).
 *
 * The customer's files are only ever opened read-only. Everything a session changes (flags,
 * expunges, appended or delivered messages) lives in the store's memory and in `storeDir`, the
 * session's own directory.
 */
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileBody } from './body.js';
import { MAX_LOAD_MESSAGE_BYTES, MailboxFileError, SPECIAL_USE_BY_NAME, isDir, maildirSubfolders } from './files.js';
import { flagsOf, scanMaildirFolder, type OverLimitHandler } from './maildir-index.js';
import { takeMaildirReadAhead } from './maildir-readahead.js';
import { indexMbox, type IndexProgress } from './mbox-index.js';
import { MailStore } from './store.js';

/** Most messages the disk store indexes (over all mailboxes). */
export const MAX_INDEXED_MESSAGES = 500_000;
/** Largest mbox file the disk store indexes. */
export const MAX_INDEXED_MBOX_BYTES = 64 * 1024 * 1024 * 1024;

/** A Maildir's progress is reported every so many files. */
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
  /** A Maildir file found larger than maxMessageBytes when first read (its name did not say): it is served empty. */
  onOverLimit?: OverLimitHandler;
  /** Aborted (the lab stopped): the indexing stops where it is and rejects with the signal's reason. */
  signal?: AbortSignal;
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
      signal: opts.signal,
      onProgress: (p) => report(p, false),
      onMessage: (m) => {
        counted(limits, path);
        found += 1;
        if (m.size > limits.maxMessageBytes) {
          throw new MailboxFileError('too-big', path, `${path}: message ${found} is ${m.size} bytes, more than the limit of ${limits.maxMessageBytes}`, limits.maxMessageBytes);
        }
        store.load('INBOX', new FileBody(path, m.fileStart, m.fileEnd, m.size, m.transform), m.flags, m.date ?? mtime);
      },
    }).catch((err: unknown) => {
      if (err instanceof MailboxFileError || (opts.signal?.aborted && err === opts.signal.reason)) throw err;
      throw new MailboxFileError('unreadable', path, `cannot read ${path}: ${(err as Error).message}`);
    });
    const size = statSync(path).size;
    report({ bytesDone: size, bytesTotal: size, messages: found }, true);
    return;
  }
  // A Maildir: its names only (maildir-index.ts); sizes and dates are read when first asked for.
  const scan = { maxMessageBytes: limits.maxMessageBytes, onOverLimit: opts.onOverLimit };
  const ahead = await takeMaildirReadAhead(path);
  opts.signal?.throwIfAborted();
  const folders = [{ name: 'INBOX', dir: path }, ...maildirSubfolders(path)];
  const files = folders.map((f) => ({ ...f, entries: scanMaildirFolder(f.dir, scan, ahead) }));
  // Bytes as far as the names tell them (",S="): 0 for a Maildir whose names do not.
  const bytesTotal = files.reduce((n, f) => n + f.entries.reduce((k, e) => k + (e.sizeFromName ?? 0), 0), 0);
  const progress: IndexProgress = { bytesDone: 0, bytesTotal, messages: 0 };
  const flagSets = new Map<string, string[]>();
  for (const f of files) {
    if (f.name !== 'INBOX') {
      if (!store.info(f.name)) store.create(f.name, SPECIAL_USE_BY_NAME[f.name.toLowerCase()]);
      // A loaded folder is there to be seen: subscribed, for phones that list only subscriptions (LSUB).
      store.setSubscribed(f.name, true);
    }
    for (const e of f.entries) {
      counted(limits, path);
      // The file is the body and the internal date, both read when first asked for: SELECT needs the count, not 2 GB read.
      store.load(f.name, e, flagsOf(e, flagSets), e);
      progress.bytesDone += e.sizeFromName ?? 0;
      progress.messages += 1;
      if (progress.messages % PROGRESS_EVERY_FILES === 0) report(progress, false);
    }
  }
  report(progress, true);
}
