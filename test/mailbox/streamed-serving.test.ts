/**
 * A customer mbox served from disk gives real clients exactly what the in-memory loader would:
 * POP3 RETR and TOP (dot-stuffed while streamed, Python's poplib), IMAP BODY[], BODY[1],
 * BODY[2]<partial>, BODY[HEADER.FIELDS] and SEARCH on a message bigger than one chunk
 * (Python's imaplib), with RFC822.SIZE and LIST sizes the exact octet counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMailStore, MailStore } from '../../electron/lab/mailbox/index.js';
import type { StartedLab } from '../../electron/lab/lab.js';
import { startTestLab, tempDir, TEST_PASSWORD, TEST_USER } from '../support/lab.js';
import { runPeer } from '../support/run.js';

const b64 = Buffer.alloc(57 * 12000, 0x5a).toString('base64').replace(/(.{76})/g, '$1\n');
const MBOX = [
  'From a@example.org Tue Nov 24 10:00:00 2026',
  'Subject: dots',
  'From: a@example.org',
  '',
  '.a line that starts with a dot',
  '..two dots',
  '.',
  'last line',
  '',
  'From b@example.org Tue Nov 24 11:00:00 2026',
  'Subject: big attachment',
  'From: b@example.org',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="xx"',
  '',
  '--xx',
  'Content-Type: text/plain',
  '',
  'See the zebra attached.',
  '>From a quoted line',
  '--xx',
  'Content-Type: application/octet-stream',
  'Content-Transfer-Encoding: base64',
  '',
  b64 + '--xx--',
  '',
].join('\n');

const SCRIPT = String.raw`
import base64, imaplib, json, poplib, sys
port_imap, port_pop = int(sys.argv[1]), int(sys.argv[2])
out = {}
p = poplib.POP3('127.0.0.1', port_pop)
p.user(sys.argv[3]); p.pass_(sys.argv[4])
out['list'] = [l.decode() for l in p.list()[1]]
for n in (1, 2):
    resp, lines, octets = p.retr(n)
    out['retr%d' % n] = base64.b64encode(b'\r\n'.join(lines) + b'\r\n').decode()
resp, lines, octets = p.top(2, 3)
out['top'] = base64.b64encode(b'\r\n'.join(lines) + b'\r\n').decode()
p.quit()
m = imaplib.IMAP4('127.0.0.1', port_imap)
m.login(sys.argv[3], sys.argv[4])
m.select('INBOX', readonly=True)
for name, item in (('whole', 'BODY.PEEK[]'), ('part1', 'BODY.PEEK[1]'), ('partial', 'BODY.PEEK[2]<1000.300000>'), ('fields', 'BODY.PEEK[HEADER.FIELDS (SUBJECT)]'), ('text', 'BODY.PEEK[TEXT]')):
    typ, data = m.fetch('2', '(%s)' % item)
    out[name] = base64.b64encode(data[0][1]).decode()
typ, data = m.fetch('1:2', '(RFC822.SIZE)')
out['sizes'] = [d.decode() for d in data]
out['search_body'] = m.search(None, 'BODY', 'zebra')[1][0].decode()
out['search_quoted'] = m.search(None, 'BODY', '"From a quoted"')[1][0].decode()
out['search_subject'] = m.search(None, 'SUBJECT', 'big')[1][0].decode()
m.logout()
print(json.dumps(out))
`;

describe('serving a customer mbox from disk to real clients', () => {
  let lab: StartedLab;
  let memory: MailStore;
  let out: Record<string, unknown>;
  beforeAll(async () => {
    const file = join(tempDir('mp-streamed-'), 'export.mbox');
    writeFileSync(file, MBOX);
    memory = loadMailStore(file);
    lab = await startTestLab({ mailbox: file, imapsPort: null, pop3Port: 0 });
    const r = await runPeer('python3', ['-c', SCRIPT, String(lab.listeners.imap!.port), String(lab.listeners.pop3!.port), TEST_USER, TEST_PASSWORD], { timeoutMs: 30_000 });
    expect(r.stderr).toBe('');
    out = JSON.parse(r.stdout) as Record<string, unknown>;
  }, 60_000);
  afterAll(async () => {
    await lab?.stop();
  });

  const bytes = (k: string) => Buffer.from(out[k] as string, 'base64');
  const raw = (n: number) => memory.messages('INBOX')[n - 1]!.raw;

  it('POP3 LIST sizes and RETR bytes are the served message, dot-stuffing undone by the client', () => {
    expect(raw(2).length).toBeGreaterThan(512 * 1024); // more than one chunk, read asynchronously
    expect(out.list).toEqual([`1 ${raw(1).length}`, `2 ${raw(2).length}`]);
    expect(bytes('retr1').equals(raw(1))).toBe(true);
    expect(bytes('retr2').equals(raw(2))).toBe(true);
  });

  it('POP3 TOP gives the header and the first lines of the body', () => {
    const r = raw(2).toString('latin1');
    const head = r.slice(0, r.indexOf('\r\n\r\n') + 4);
    const body = r.slice(head.length).split('\r\n').slice(0, 3).join('\r\n') + '\r\n';
    expect(bytes('top').toString('latin1')).toBe(head + body);
  });

  it('IMAP sections, partials, sizes and SEARCH match the in-memory store', () => {
    const m = memory.messages('INBOX')[1]!;
    expect(bytes('whole').equals(m.raw)).toBe(true);
    expect(bytes('part1').equals(memory.section(m, { path: [1] }))).toBe(true);
    expect(bytes('partial').equals(memory.section(m, { path: [2] }).subarray(1000, 301000))).toBe(true);
    expect(bytes('fields').toString()).toBe('Subject: big attachment\r\n\r\n');
    expect(bytes('text').equals(memory.section(m, { path: [], text: 'TEXT' }))).toBe(true);
    expect(out.sizes).toEqual([`1 (RFC822.SIZE ${raw(1).length})`, `2 (RFC822.SIZE ${raw(2).length})`]);
    expect(out.search_body).toBe('2');
    expect(out.search_quoted).toBe('2');
    expect(out.search_subject).toBe('2');
  });
});
