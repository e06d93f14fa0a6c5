/**
 * A Maildir indexed by its file names alone: one readdir of cur/ and new/ per folder, no stat and
 * no read per message. Flags come from the name's ":2," info, the size from its ",S=" field when
 * there is one (Dovecot and Courier write it); the rest (the file's size and mtime, the internal
 * date) is read from the file the first time it is asked for. A first SELECT of 20,000 messages
 * waits for two readdirs, as Dovecot's unindexed one does (it reads a file's size and date
 * lazily too, when its name does not carry them).
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join, sep } from 'node:path';
import { MailboxFileError, maildirFlags } from './files.js';

/** What a Maildir file's stat tells the store: its size on disk and its mtime (the internal date). */
export interface MaildirFileStat {
  size: number;
  mtime: Date;
}

/** Told when a file turns out, once stat'ed, to be larger than the store takes (it is then served empty). */
export type OverLimitHandler = (file: string, size: number, limit: number) => void;

/**
 * One message file. Its path is kept as the folder's prefix and the name (20,000 joined paths
 * are 20,000 more strings); the stat is made once, on first use.
 */
export class MaildirFile {
  private stat: MaildirFileStat | null | undefined;

  constructor(
    private readonly prefix: string,
    readonly name: string,
    readonly isNew: boolean,
    /** The ",S=" size of the name, when it has one. */
    readonly sizeFromName: number | undefined,
    private readonly limit: number,
    private readonly onOverLimit?: OverLimitHandler,
    /** When the file is gone by the time it is stat'ed (another program moved it): its delivery time, from the name. */
    private readonly fallbackDate: Date = deliveryDate(name),
  ) {}

  get path(): string {
    return this.prefix + this.name;
  }

  /** The file's size and mtime, or null when it is gone. */
  private stats(): MaildirFileStat | null {
    if (this.stat !== undefined) return this.stat;
    try {
      const st = statSync(this.path);
      this.stat = { size: st.size, mtime: st.mtime };
    } catch {
      this.stat = null;
    }
    return this.stat;
  }

  /**
   * The bytes of the file the store serves: all of them, none when the file is gone, and none
   * (with onOverLimit told) when it is larger than the limit, which the MIME parser would read
   * whole.
   */
  servedFileSize(): number {
    const st = this.stats();
    if (!st) return 0;
    if (st.size > this.limit) {
      this.onOverLimit?.(this.path, st.size, this.limit);
      return 0;
    }
    return st.size;
  }

  /** The internal date: the file's mtime, as Dovecot's received date. */
  get mtime(): Date {
    return this.stats()?.mtime ?? this.fallbackDate;
  }
}

/** ",S=12345" in a Maildir name (before the ":2," info): the file's size, as Dovecot writes it. */
export function sizeFromName(name: string): number | undefined {
  const m = /,S=(\d{1,15})(?=[,:]|$)/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** The delivery time a unique name starts with (seconds since the epoch), or now. */
function deliveryDate(name: string): Date {
  const secs = /^(\d{1,12})[.]/.exec(name)?.[1];
  return secs ? new Date(Number(secs) * 1000) : new Date();
}

export interface MaildirScanOptions {
  /** Largest message file: one whose name says more is refused now; one found larger later is served empty. */
  maxMessageBytes: number;
  onOverLimit?: OverLimitHandler;
}

/** A directory's regular files (and links, followed when stat'ed), dot files skipped; none when it cannot be read. */
function messageNames(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const names: string[] = [];
  // Node resolves a file system's "unknown" entry types with an lstat, so this stays correct there.
  for (const e of entries) if (!e.name.startsWith('.') && (e.isFile() || e.isSymbolicLink())) names.push(e.name);
  return names;
}

/**
 * A Maildir folder's messages (new/ and cur/), in delivery order: the unique names start with
 * the delivery time in seconds (the key is taken once per file, not per comparison).
 */
export function scanMaildirFolder(dir: string, opts: MaildirScanOptions): MaildirFile[] {
  const keyed: Array<{ f: MaildirFile; k: number }> = [];
  for (const sub of ['new', 'cur'] as const) {
    const prefix = join(dir, sub) + sep;
    const isNew = sub === 'new';
    for (const name of messageNames(join(dir, sub))) {
      const size = sizeFromName(name);
      if (size !== undefined && size > opts.maxMessageBytes) {
        throw new MailboxFileError('too-big', prefix + name, `${prefix + name} is ${size} bytes, more than the limit of ${opts.maxMessageBytes}`);
      }
      const secs = /^\d+/.exec(name);
      keyed.push({ f: new MaildirFile(prefix, name, isNew, size, opts.maxMessageBytes, opts.onOverLimit), k: secs ? Number(secs[0]) : Number.MAX_SAFE_INTEGER });
    }
  }
  keyed.sort((a, b) => a.k - b.k || (a.f.name < b.f.name ? -1 : a.f.name > b.f.name ? 1 : 0));
  return keyed.map((x) => x.f);
}

/** The flags of a file's name (files.ts, maildirFlags), one array per distinct info suffix. */
export function flagsOf(file: MaildirFile, cache: Map<string, string[]>): string[] {
  const info = file.isNew ? '' : (/:2,[^:]*$/.exec(file.name)?.[0] ?? '');
  let flags = cache.get(info);
  if (!flags) cache.set(info, (flags = maildirFlags(file.name, file.isNew)));
  return flags;
}
