/**
 * A Maildir indexed by its file names alone: one readdir of cur/ and new/ per folder, no stat and
 * no read per message. Flags come from the name's ":2," info, the size from its ",S=" field when
 * there is one (Dovecot and Courier write it); the file's size and mtime (the internal date) are
 * read from the file the first time they are asked for. A first SELECT of 20,000 messages waits
 * for two readdirs, as Dovecot's unindexed one does (it, too, reads a file's size and date when
 * first needed, when the name does not carry them).
 *
 * One object per message (MaildirFile: the name, the body, the internal date), so that indexing
 * 20,000 names allocates little: most of the time such an index takes goes to the garbage
 * collector copying what it allocated.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { MeasuredOnDemandBody } from './body.js';
import { MailboxFileError, maildirFlags } from './files.js';
import type { MaildirNames } from './maildir-readahead.js';

/** Told when a file turns out, once stat'ed, to be larger than the store takes (it is then served empty). */
export type OverLimitHandler = (file: string, size: number, limit: number) => void;

/** What every file of one index shares. */
export interface MaildirScanOptions {
  /** Largest message file: one whose name says more is refused now; one found larger later is served empty. */
  maxMessageBytes: number;
  onOverLimit?: OverLimitHandler;
}

interface FileStat {
  size: number;
  mtime: Date;
}

/**
 * A directory is read again to find a moved file at most this often: when another program
 * deleted files (not renamed them), every miss would otherwise read 20,000 names again.
 */
export const MAILDIR_RESCAN_INTERVAL_MS = 1000;

/** The unique part of a Maildir name: before the ":2," info, which another program may change (Maildir spec, "info"). */
function uniqueOf(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(0, colon);
}

/**
 * Where a folder's messages are now, by unique name. Other programs may serve the same Maildir
 * while the lab does (the customer's own mail client, a Dovecot): a message seen gets its flags
 * changed in its name, a new one moves from new/ to cur/; its unique name stays (the Maildir
 * specification), so a file that is not where the index saw it is looked for by that name.
 */
export class MaildirFolderNames {
  private byUnique: Map<string, string> | null = null;
  private readAt = -Infinity;

  constructor(readonly dir: string) {}

  /**
   * The file's path now, or null when it is in neither new/ nor cur/. `missing` is the path that
   * was just not found: a name read before it went is not given back (the folder is read again).
   */
  find(unique: string, missing: string): string | null {
    const hit = this.byUnique?.get(unique);
    if (hit && hit !== missing) return hit;
    if (Date.now() - this.readAt < MAILDIR_RESCAN_INTERVAL_MS && this.byUnique) return null;
    this.reread();
    const now = this.byUnique!.get(unique);
    return now && now !== missing ? now : null;
  }

  private reread(): void {
    const map = new Map<string, string>();
    for (const sub of ['new', 'cur']) {
      const prefix = join(this.dir, sub) + sep;
      for (const name of messageNames(join(this.dir, sub), undefined)) map.set(uniqueOf(name), prefix + name);
    }
    this.byUnique = map;
    this.readAt = Date.now();
  }
}

/** A file's size and mtime; null when it is not a regular file, 'missing' when there is none. */
function statOf(path: string): FileStat | null | 'missing' {
  try {
    const st = statSync(path);
    return st.isFile() ? { size: st.size, mtime: st.mtime } : null;
  } catch {
    return 'missing';
  }
}

/**
 * One message file: its body (the served size measured when first asked for, MeasuredOnDemandBody)
 * and its internal date, both from one stat made on first use.
 */
export class MaildirFile extends MeasuredOnDemandBody {
  /** undefined: not stat'ed yet; null: gone, or not a regular file. */
  private stat: FileStat | null | undefined;

  constructor(
    path: string,
    readonly name: string,
    readonly isNew: boolean,
    /** The ",S=" size of the name, when it has one. */
    readonly sizeFromName: number | undefined,
    private readonly scan: MaildirScanOptions,
    /** The folder's names now, to find this file when another program renamed it. */
    private readonly folder?: MaildirFolderNames,
  ) {
    super(path);
  }

  private stats(): FileStat | null {
    if (this.stat === undefined) {
      let st = statOf(this.path);
      if (st === 'missing' && this.relocate() !== null) st = statOf(this.path);
      this.stat = st === 'missing' ? null : st;
    }
    return this.stat;
  }

  /** The file renamed or moved by another program: found by its unique name (MaildirFolderNames). */
  protected override relocate(): string | null {
    const found = this.folder?.find(uniqueOf(this.name), this.path) ?? null;
    if (found) this.path = found;
    return found;
  }

  /**
   * All of the file (found again when another program renamed it), none when it is gone, and none, with
   * onOverLimit told, when it is larger than the limit (the MIME parser reads a message whole).
   */
  protected override fileBytes(): number {
    const st = this.stats();
    if (!st) return 0;
    if (st.size > this.scan.maxMessageBytes) {
      this.scan.onOverLimit?.(this.path, st.size, this.scan.maxMessageBytes);
      return 0;
    }
    return st.size;
  }

  /**
   * The internal date: the file's mtime, as Dovecot's received date; for a file gone by the
   * time it is stat'ed (deleted, not renamed), the delivery time its name starts with.
   */
  internalDate(): Date {
    return this.stats()?.mtime ?? deliveryDate(this.name);
  }
}

/** ",S=12345" in a Maildir name (before the ":2," info): the file's size, as Dovecot writes it. */
export function sizeFromName(name: string): number | undefined {
  const at = name.indexOf(',S=');
  if (at < 0) return undefined;
  // 1 to 15 digits, then ",", ":" or the end (no regex or slice per name: 20,000 names are indexed at start).
  let size = 0;
  let i = at + 3;
  for (; i < name.length && i - at - 3 < 16; i++) {
    const d = name.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    size = size * 10 + d;
  }
  const digits = i - at - 3;
  if (digits === 0 || digits > 15) return undefined;
  return i === name.length || name[i] === ',' || name[i] === ':' ? size : undefined;
}

/** The delivery time in seconds a unique name starts with ("1546301104.M0P1.host"), or NaN. */
function deliverySeconds(name: string): number {
  let secs = 0;
  let i = 0;
  for (; i < name.length && i < 15; i++) {
    const d = name.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    secs = secs * 10 + d;
  }
  return i === 0 ? NaN : secs;
}

function deliveryDate(name: string): Date {
  const secs = deliverySeconds(name);
  return Number.isNaN(secs) ? new Date() : new Date(secs * 1000);
}

/** A directory's entries (read ahead, maildir-readahead.ts, or now), dot files skipped; none when it cannot be read. */
function messageNames(dir: string, ahead: MaildirNames | undefined): string[] {
  try {
    // Names only: an entry that is not a regular file (never there in a sane Maildir) is found
    // out by its stat, when first needed, and is then an empty message.
    return (ahead?.get(resolve(dir)) ?? readdirSync(dir)).filter((n) => n.charCodeAt(0) !== 0x2e);
  } catch {
    return [];
  }
}

/**
 * A Maildir folder's messages (new/ and cur/), in delivery order: the unique names start with
 * the delivery time in seconds (the key is taken once per file, not per comparison).
 */
export function scanMaildirFolder(dir: string, opts: MaildirScanOptions, ahead?: MaildirNames): MaildirFile[] {
  const files: MaildirFile[] = [];
  const keys: number[] = [];
  const folder = new MaildirFolderNames(dir);
  for (const sub of ['new', 'cur'] as const) {
    const prefix = join(dir, sub) + sep;
    const isNew = sub === 'new';
    for (const name of messageNames(join(dir, sub), ahead)) {
      const size = sizeFromName(name);
      if (size !== undefined && size > opts.maxMessageBytes) {
        throw new MailboxFileError('too-big', prefix + name, `${prefix + name} is ${size} bytes, more than the limit of ${opts.maxMessageBytes}`, opts.maxMessageBytes);
      }
      files.push(new MaildirFile(prefix + name, name, isNew, size, opts, folder));
      const secs = deliverySeconds(name);
      keys.push(Number.isNaN(secs) ? Number.MAX_SAFE_INTEGER : secs);
    }
  }
  const order = Array.from(files.keys());
  order.sort((a, b) => keys[a] - keys[b] || (files[a].name < files[b].name ? -1 : files[a].name > files[b].name ? 1 : 0));
  return order.map((i) => files[i]);
}

/** The flags of a file's name (files.ts, maildirFlags), one array per distinct info suffix. */
export function flagsOf(file: MaildirFile, cache: Map<string, string[]>): string[] {
  const at = file.isNew ? -1 : file.name.lastIndexOf(':2,');
  const info = at < 0 ? '' : file.name.slice(at);
  let flags = cache.get(info);
  if (!flags) cache.set(info, (flags = maildirFlags(file.name, file.isNew)));
  return flags;
}
