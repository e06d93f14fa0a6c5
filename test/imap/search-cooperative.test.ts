/**
 * SEARCH BODY over a customer's mailbox on disk does not hold up the lab: while one client's
 * SEARCH reads about 100 MB several times over, a second client's IMAP LOGIN and NOOP, a POP3
 * login and STAT, an SMTP EHLO and the hand-off page are all answered before that SEARCH is
 * (Python's imaplib, poplib, smtplib and urllib, over loopback). And the scan finds a term cut
 * in two by the chunks it reads (a UTF-8 character split too), whatever its case, as the
 * in-memory match does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecodedBodyScanner } from '../../electron/lab/imap/search-decode.js';
import { SEARCH_SLICE_MS } from '../../electron/lab/imap/search-scan.js';
import type { StartedLab } from '../../electron/lab/lab.js';
import { closeOf, eventsOf, startTestLab, tempDir, TEST_PASSWORD, TEST_USER } from '../support/lab.js';
import { loggedIn } from '../support/imap-session.js';
import { runPeer } from '../support/run.js';
import { writeBigMbox } from '../support/big-mbox.js';

const MB = 1024 * 1024;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** What the in-memory path answers: the whole text, lower-cased at once. */
const wholeMatch = (bytes: Buffer, needle: string) => bytes.toString('utf8').toLowerCase().includes(needle);

/** A text/plain body (no charset: read as UTF-8) scanned as the lab scans it, cut where told. */
function scanInPieces(bytes: Buffer, cuts: number[], needle: string): boolean {
  const s = new DecodedBodyScanner(needle, { contentType: null, transferEncoding: null });
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (s.push(bytes.subarray(at, cut))) return true;
    at = cut;
  }
  return s.end();
}

describe('the body scan at chunk boundaries', () => {
  const texts = [
    'Dear customer, the ZÄPFCHEN-Grüße term is here.',
    'Αυτό είναι ΣΟΦΟΣ λόγος και τέλος', // Greek: a final sigma depends on what follows
    'İstanbul İSTANBUL mixed',
    'bytes \xff\xfe invalid then Grüße',
  ].map((t) => Buffer.from(t, t.includes('\xff') ? 'latin1' : 'utf8'));
  const needles = ['zäpfchen-grüße', 'grüße', 'σοφος', 'i̇stanbul', 'invalid then', 'not there', 'e', ''];

  it('finds a term (or not) exactly as the whole-text match, cut anywhere into two or three reads', () => {
    let cases = 0;
    for (const bytes of texts) {
      for (const needle of needles) {
        const want = wholeMatch(bytes, needle);
        for (let a = 0; a <= bytes.length; a++) {
          expect(scanInPieces(bytes, [a], needle), `${JSON.stringify(needle)} cut at ${a}`).toBe(want);
          for (let b = a; b <= Math.min(bytes.length, a + 6); b++) expect(scanInPieces(bytes, [a, b], needle)).toBe(want);
          cases++;
        }
      }
    }
    expect(cases).toBeGreaterThan(1000);
  });
});

/** A Maildir message file, CRLF already (served bytes = file bytes), with `term` at body offset `at`. */
function messageWith(n: number, bodyBytes: number, term: string, at: number): Buffer {
  const header = `From: sender${n}@example.org\r\nTo: phone@lab\r\nSubject: boundary ${n}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <b${n}@example.org>\r\n\r\n`;
  const filler = Buffer.alloc(bodyBytes, 'x');
  // Lines of 1000 bytes: no line end falls where a term is written (near 64 KiB and 512 KiB multiples).
  for (let i = 998; i < bodyBytes; i += 1000) filler.write('\r\n', i, 'latin1');
  const termBytes = Buffer.from(term, 'utf8');
  termBytes.copy(filler, at);
  return Buffer.concat([Buffer.from(header, 'latin1'), filler]);
}

describe('SEARCH BODY on a Maildir', () => {
  it('finds, in any case, a term cut in two by the chunks the lab reads (the cut inside a UTF-8 character too)', async () => {
    const dir = tempDir('mp-search-cut-');
    dirs.push(dir);
    const maildir = join(dir, 'Maildir');
    for (const d of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, d), { recursive: true });
    const written = 'BoUnDaRy-GrÜßE-tErM';
    const termLen = Buffer.byteLength(written);
    // Small messages are read 64 KiB at a time, big ones 512 KiB at a time: a cut at every byte of the term for both.
    const plans: Array<{ bodyBytes: number; cut: number }> = [];
    for (const [bodyBytes, cut] of [
      [200 * 1024, 64 * 1024],
      [1536 * 1024, 512 * 1024],
    ]) {
      for (let d = 1; d < termLen; d++) plans.push({ bodyBytes, cut: cut - d });
    }
    plans.forEach((p, i) => {
      // A CRLF file is served as it is, read from the body's start: the cut is a body offset.
      const m = messageWith(i + 1, p.bodyBytes, written, p.cut);
      writeFileSync(join(maildir, 'cur', `${1700000000 + i}.M${i}P1.lab:2,S`), m);
    });
    // One message with the term in its header only: BODY must not find it, TEXT must.
    writeFileSync(join(maildir, 'cur', '1800000000.M0P1.lab:2,S'), `From: a@example.org\r\nSubject: boundary-grüße-term in the subject\r\n\r\nnothing here\r\n`);

    const lab = await startTestLab({ mailbox: maildir });
    try {
      const msgs = lab.store.messages('INBOX');
      expect(msgs.length).toBe(plans.length + 1);
      // The premise: in each planned message a chunk the lab reads ends inside the term.
      let straddling = 0;
      for (const msg of msgs.slice(0, plans.length)) {
        let pos = msg.header.length;
        const termAt = msg.body.readSync(0, msg.size).indexOf(Buffer.from(written, 'utf8'));
        for await (const chunk of msg.body.chunks(msg.header.length, msg.size)) {
          pos += chunk.length;
          if (pos > termAt && pos < termAt + termLen) straddling++;
        }
      }
      expect(straddling).toBe(plans.length);

      const script = String.raw`
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login(sys.argv[2], sys.argv[3])
m.select('INBOX', readonly=True)
out = {}
for key in ('BODY', 'TEXT'):
    m.literal = 'boundary-grüße-term'.encode('utf-8')
    typ, data = m.uid('SEARCH', 'CHARSET', 'UTF-8', key)
    out[key] = [int(x) for x in data[0].split()]
m.logout()
print(json.dumps(out))
`;
      const r = await runPeer('python3', ['-c', script, String(lab.listeners.imap!.port), TEST_USER, TEST_PASSWORD], { timeoutMs: 60_000 });
      expect(r.stderr).toBe('');
      const got = JSON.parse(r.stdout) as { BODY: number[]; TEXT: number[] };
      const planned = msgs.slice(0, plans.length).map((m) => m.uid);
      expect(got.BODY).toEqual(planned);
      expect(got.TEXT).toEqual([...planned, msgs[plans.length]!.uid]);
    } finally {
      await lab.stop();
    }
  }, 60_000);
});

const CONCURRENT = String.raw`
import imaplib, json, poplib, smtplib, sys, threading, time, urllib.request
imap_port, pop_port, smtp_port, http_url, user, pw = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
t0 = time.monotonic()
now = lambda: round((time.monotonic() - t0) * 1000)
out = {}
searcher = imaplib.IMAP4('127.0.0.1', imap_port)
searcher.login(user, pw)
searcher.select('INBOX', readonly=True)
started = threading.Event()
def search():
    out['searchStart'] = now()
    started.set()
    # Eight terms that are nowhere: every body is read eight times.
    typ, data = searcher.search(None, 'OR', 'BODY', 'nowhere-1', 'OR', 'BODY', 'nowhere-2', 'OR', 'BODY', 'nowhere-3', 'OR', 'BODY', 'nowhere-4', 'OR', 'BODY', 'nowhere-5', 'OR', 'BODY', 'nowhere-6', 'OR', 'BODY', 'nowhere-7', 'BODY', 'nowhere-8')
    out['searchEnd'] = now()
    out['searchHits'] = len(data[0].split())
th = threading.Thread(target=search)
th.start()
started.wait()
time.sleep(0.3)
def timed(name, fn):
    a = now(); fn(); out[name] = [a, now()]
other = imaplib.IMAP4('127.0.0.1', imap_port)
timed('imapLogin', lambda: other.login(user, pw))
timed('imapNoop', lambda: other.noop())
def pop():
    p = poplib.POP3('127.0.0.1', pop_port); p.user(user); p.pass_(pw); p.stat(); p.quit()
timed('pop3', pop)
def smtp():
    s = smtplib.SMTP('127.0.0.1', smtp_port); s.ehlo('phone'); s.quit()
timed('smtp', smtp)
timed('handoffPage', lambda: urllib.request.urlopen(http_url, timeout=30).read())
other.logout()
th.join()
searcher.logout()
print(json.dumps(out))
`;

describe('a long SEARCH BODY', () => {
  let lab: StartedLab;
  beforeAll(async () => {
    const dir = tempDir('mp-search-long-');
    dirs.push(dir);
    const mbox = join(dir, 'export.mbox');
    const spec = await writeBigMbox(mbox, { smallMessages: 1000, smallBytes: 50_000, attachments: [12 * MB, 20 * MB, 16 * MB] });
    expect(spec.fileBytes).toBeGreaterThan(90 * 1000 * 1000);
    lab = await startTestLab({ mailbox: mbox, pop3Port: 0, smtpPort: 0, httpPort: 0 });
  }, 60_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it(`leaves the lab serving: other clients are answered while it reads (slices of ${SEARCH_SLICE_MS} ms)`, async () => {
    const r = await runPeer(
      'python3',
      ['-c', CONCURRENT, String(lab.listeners.imap!.port), String(lab.listeners.pop3!.port), String(lab.listeners.smtp!.port), lab.handoffUrl!, TEST_USER, TEST_PASSWORD],
      { timeoutMs: 120_000 },
    );
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as Record<string, number | [number, number]>;
    const searchEnd = got.searchEnd as number;
    const searchMs = searchEnd - (got.searchStart as number);
    expect(got.searchHits).toBe(0);
    // The premise: the search is long enough for the others to have had to wait behind it.
    expect(searchMs).toBeGreaterThan(1500);
    for (const name of ['imapLogin', 'imapNoop', 'pop3', 'smtp', 'handoffPage']) {
      const [from, to] = got[name] as [number, number];
      expect(to, `${name} answered before the SEARCH finished (${JSON.stringify(got)})`).toBeLessThan(searchEnd);
      expect(to - from, `${name} took ${to - from} ms during a ${searchMs} ms SEARCH`).toBeLessThan(1000);
    }
  }, 180_000);

  it('stops when its client goes away mid-search: the close is recorded, no error, no answer', async () => {
    const { c, conn } = await loggedIn(lab);
    expect((await c.command('s1', 'EXAMINE INBOX')).at(-1)).toMatch(/^s1 OK/);
    c.send('s2 SEARCH OR BODY nowhere-1 OR BODY nowhere-2 OR BODY nowhere-3 BODY nowhere-4\r\n');
    await new Promise((res) => setTimeout(res, 300));
    c.close();
    await closeOf(lab, conn);
    const events = eventsOf(lab).filter((e) => e.conn === conn || e.kind === 'lab.error');
    expect(events.filter((e) => e.kind === 'lab.error')).toEqual([]);
    expect(events.some((e) => e.kind === 's2c' && (e.text ?? '').includes('* SEARCH'))).toBe(false);
    // The lab is free at once for the next client.
    const next = await loggedIn(lab);
    expect((await next.c.command('n1', 'NOOP')).at(-1)).toMatch(/^n1 OK/);
    next.c.close();
  }, 60_000);
});
