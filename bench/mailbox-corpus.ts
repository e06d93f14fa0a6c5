/**
 * The customer-sized mailbox of `npm run bench:mailbox`: N messages (20,000 for 2 GB), 1 in 200
 * with a 1–20 MB base64 attachment, the rest plain text of a few dozen KB, written once as an
 * mbox and as a Maildir (the same messages) and kept in a cache folder for the next run. Every
 * byte comes from a seed (a small PRNG for choices, AES-CTR for attachment bytes), so two runs
 * with the same size and seed serve the same mail; writes are streamed (one message in memory
 * at a time, attachments in 1 MB pieces).
 */
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The mailbox: 2 GB, about 20,000 messages, 100 of them with 1–20 MB attachments. */
export const FULL_SIZE_GB = 2;
export const MESSAGES_PER_GB = 10_000;
export const ATTACHMENTS_PER_GB = 50;
export const ATTACHMENT_MIN_BYTES = 1_000_000;
export const ATTACHMENT_MAX_BYTES = 20_000_000;
/** Bump when the generated mail changes, so that a stale cache is not reused. */
const FORMAT_VERSION = 1;

/** Words the searches look for, and how often they occur. */
export const SUBJECT_WORD = 'invoice';
export const BODY_WORD = 'zanzibar';
const SUBJECT_WORD_EVERY = 20;
const BODY_WORD_EVERY = 200;

export interface Corpus {
  dir: string;
  mbox: string;
  maildir: string;
  messages: number;
  withAttachments: number;
  /** Bytes of the mbox file. */
  bytes: number;
  /** Whether this run wrote it (false: taken from the cache). */
  generated: boolean;
}

/** mulberry32: a tiny deterministic PRNG for choices (not for security). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ('meeting report photo phone mail account password settings holiday family school garden ' +
  'weather football market travel update question answer delivery order receipt payment contract office ' +
  'project budget review summary notes minutes agenda schedule ticket support service network router ' +
  'printer backup server client message folder archive calendar contact address birthday dinner').split(' ');
const NAMES = ['Anna Berg', 'Jonas Meyer', 'Sofia Rossi', 'Liam Walsh', 'Mia Novak', 'Noah Dubois', 'Emma Lind', 'Oskar Ek'];

const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)];

function words(rand: () => number, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(pick(rand, WORDS));
  return out.join(' ');
}

/** Text lines of about 72 characters up to `bytes` (LF line ends, as mbox and Maildir files have them). */
function textBody(rand: () => number, bytes: number, withWord: boolean): string {
  const lines: string[] = [];
  let size = 0;
  const wordAt = withWord ? Math.floor(rand() * Math.max(1, bytes / 73)) : -1;
  while (size < bytes) {
    let line = words(rand, 11);
    if (lines.length === wordAt) line = `${line} ${BODY_WORD}`;
    lines.push(line);
    size += line.length + 1;
  }
  if (withWord && wordAt >= lines.length) lines.push(BODY_WORD);
  return lines.join('\n') + '\n';
}

interface Plan {
  index: number;
  attachment: number;
  text: number;
  subjectWord: boolean;
  bodyWord: boolean;
  seen: boolean;
  date: Date;
}

/** Which messages carry what: attachment sizes first, the text messages share the rest of the target size. */
function plan(gb: number, seed: number): Plan[] {
  const rand = prng(seed);
  const count = Math.max(10, Math.round(MESSAGES_PER_GB * gb));
  const withAttachment = Math.max(1, Math.round(ATTACHMENTS_PER_GB * gb));
  const attachments = Array.from({ length: withAttachment }, () => Math.round(ATTACHMENT_MIN_BYTES + rand() * (ATTACHMENT_MAX_BYTES - ATTACHMENT_MIN_BYTES)));
  const attachmentBytes = attachments.reduce((a, b) => a + b, 0);
  const textAverage = Math.max(2000, (gb * 1e9 - attachmentBytes) / (count - withAttachment));
  // Spread the attachments evenly, so that every part of the mailbox has some.
  const every = Math.floor(count / withAttachment);
  const start = Date.UTC(2019, 0, 1);
  return Array.from({ length: count }, (_, i) => {
    const a = i % every === every - 1 && Math.floor(i / every) < withAttachment ? attachments[Math.floor(i / every)] : 0;
    return {
      index: i,
      attachment: a,
      text: Math.round(textAverage * (0.1 + rand() * 1.8)),
      subjectWord: i % SUBJECT_WORD_EVERY === 7,
      bodyWord: i % BODY_WORD_EVERY === 13,
      seen: rand() < 0.8,
      date: new Date(start + i * 4_500_000 + Math.floor(rand() * 600_000)),
    };
  });
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

function rfc5322Date(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** The mbox "From " line date (ctime format, as mboxrd writers use). */
function ctimeDate(d: Date): string {
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** Base64 of `size` encoded bytes of deterministic noise, in 76-character LF lines, piece by piece. */
function* attachmentLines(seed: number, index: number, size: number): Generator<string> {
  const key = createHash('sha256').update(`bench-mailbox:${seed}:${index}`).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  const LINES_PER_PIECE = 13_000; // ~1 MB of base64
  let left = Math.floor(size / 77);
  const zeros = Buffer.alloc(57 * LINES_PER_PIECE);
  while (left > 0) {
    const n = Math.min(left, LINES_PER_PIECE);
    const b64 = cipher.update(zeros.subarray(0, 57 * n)).toString('base64');
    yield b64.replace(/.{76}/g, '$&\n');
    left -= n;
  }
}

/** One message as LF text pieces: headers, then the body (and the attachment in pieces). */
function* messagePieces(p: Plan, rand: () => number, seed: number): Generator<string> {
  const from = pick(rand, NAMES);
  const address = from.toLowerCase().replace(' ', '.') + '@example.org';
  const subject = (p.subjectWord ? `${SUBJECT_WORD} ` : '') + words(rand, 3 + Math.floor(rand() * 5));
  const head =
    `Return-Path: <${address}>\n` +
    `From: ${from} <${address}>\n` +
    'To: Customer <customer@example.com>\n' +
    `Subject: ${subject}\n` +
    `Date: ${rfc5322Date(p.date)}\n` +
    `Message-ID: <bench-${p.index}@mailprobe.test>\n` +
    'MIME-Version: 1.0\n';
  const text = textBody(rand, p.text, p.bodyWord);
  if (!p.attachment) {
    yield head + 'Content-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n' + text;
    return;
  }
  const boundary = `=_bench_${p.index}`;
  yield head + `Content-Type: multipart/mixed; boundary="${boundary}"\n\n--${boundary}\nContent-Type: text/plain; charset=us-ascii\n\n` + text +
    `\n--${boundary}\nContent-Type: application/octet-stream; name="photos-${p.index}.zip"\nContent-Disposition: attachment; filename="photos-${p.index}.zip"\nContent-Transfer-Encoding: base64\n\n`;
  yield* attachmentLines(seed, p.index, p.attachment);
  yield `\n--${boundary}--\n`;
}

/**
 * The corpus for `gb` and `seed` under `cacheDir`, generated if it is not there yet. A run cut
 * short leaves no `complete` marker, and its files are written again.
 */
export function ensureCorpus(cacheDir: string, gb: number, seed: number, log: (m: string) => void): Corpus {
  const dir = join(cacheDir, `mailbox-v${FORMAT_VERSION}-${gb}gb-seed${seed}`);
  const mbox = join(dir, 'export.mbox');
  const maildir = join(dir, 'Maildir');
  const marker = join(dir, 'complete.json');
  if (existsSync(marker)) {
    const info = JSON.parse(readFileSync(marker, 'utf8')) as Omit<Corpus, 'dir' | 'mbox' | 'maildir' | 'generated'>;
    return { ...info, dir, mbox, maildir, generated: false };
  }
  rmSync(dir, { recursive: true, force: true });
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
  const plans = plan(gb, seed);
  const rand = prng(seed ^ 0x5bd1e995);
  const fd = openSync(mbox + '.part', 'w');
  let bytes = 0;
  const t0 = performance.now();
  for (const p of plans) {
    const from = `From ${pick(rand, NAMES).toLowerCase().replace(' ', '.')}@example.org ${ctimeDate(p.date)}\n`;
    bytes += writeSync(fd, from);
    const flags = p.seen ? 'S' : '';
    const file = join(maildir, 'cur', `${Math.floor(p.date.getTime() / 1000)}.M${p.index}P1.bench:2,${flags}`);
    const mfd = openSync(file, 'w');
    for (const piece of messagePieces(p, rand, seed)) {
      const buf = Buffer.from(piece, 'latin1');
      bytes += writeSync(fd, buf);
      writeSync(mfd, buf);
    }
    closeSync(mfd);
    // mbox: a blank line ends each message before the next "From " line.
    bytes += writeSync(fd, '\n');
    if (p.index % 2000 === 1999) log(`  generated ${p.index + 1}/${plans.length} messages, ${(bytes / 1e9).toFixed(2)} GB, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  closeSync(fd);
  renameSync(mbox + '.part', mbox);
  const info = { messages: plans.length, withAttachments: plans.filter((p) => p.attachment).length, bytes };
  writeFileSync(marker, JSON.stringify(info));
  return { ...info, dir, mbox, maildir, generated: true };
}
