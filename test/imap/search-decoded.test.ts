/**
 * SEARCH BODY and TEXT look in the decoded text parts of a message, as Dovecot 2.3 does: a word
 * in a base64 or quoted-printable text part is found, in any charset; the encoded form is not,
 * and neither is text inside an attachment, a preamble or an epilogue. Checked two ways: the
 * lab against a private Dovecot serving the same Maildir (Python imaplib on both, the same
 * searches, the same answers), and the scanner alone with the message cut into two chunks at
 * every byte (the answer never depends on where a read ends).
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedLab } from '../../electron/lab/lab.js';
import { DecodedBodyScanner, type PartHeader } from '../../electron/lab/imap/search-decode.js';
import { dovecotAvailable, startDovecot, type DovecotServer } from '../support/dovecot.js';
import { startTestLab, tempDir, TEST_PASSWORD, TEST_USER } from '../support/lab.js';
import { runPeer } from '../support/run.js';

const b64 = (s: string | Buffer, width = 76) => (Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8')).toString('base64').replace(new RegExp(`(.{${width}})`, 'g'), '$1\r\n');

/** The test messages: raw bytes, each with a root header. */
const MESSAGES: Buffer[] = [
  // 1. A base64 text part (UTF-8), lines cut at 20 characters so quanta straddle lines.
  Buffer.from(`From: a@b.c\r\nSubject: one\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64('Hello, the Zauberwort is here. Grüße aus Köln.\n', 20)}\r\n`),
  // 2. Quoted-printable with a soft line break inside a word and an escaped é.
  Buffer.from(`From: a@b.c\r\nSubject: two\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=C3=A9 au lait, the Kenn=\r\nwort is split by a soft break.\r\n`),
  // 3. multipart/mixed: a plain part, an HTML part in base64, a PDF whose bytes hold a word,
  //    a preamble and an epilogue with words of their own, and a "-- " signature line.
  Buffer.from(
    [
      'From: a@b.c',
      'Subject: three',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="outer-42"',
      '',
      'This is the preamble: Vorwort.',
      '--outer-42',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: 8bit',
      'X-Part-Note: Kopfzeile',
      '',
      Buffer.from('Stra\xdfe in Latin-1.\r\n-- \r\nthe signature: Unterschrift', 'latin1').toString('latin1'),
      '--outer-42',
      'Content-Type: multipart/alternative; boundary=inner',
      '',
      '--inner',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      b64('<p>Das <b>Geheimnis</b> steht hier.</p>'),
      '--inner--',
      '--outer-42',
      'Content-Type: application/pdf',
      'Content-Transfer-Encoding: base64',
      '',
      b64('%PDF-1.4 Anhangwort in a binary attachment'),
      '--outer-42--',
      'The epilogue: Nachwort.',
      '',
    ].join('\r\n'),
    'latin1',
  ),
  // 4. An attached message (message/rfc822) whose own body is quoted-printable.
  Buffer.from(
    [
      'From: a@b.c',
      'Subject: four',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary=b4',
      '',
      '--b4',
      'Content-Type: text/plain',
      '',
      'See the forwarded mail.',
      '--b4',
      'Content-Type: message/rfc822',
      '',
      'From: x@y.z',
      'Subject: Weitergeleitet',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Inner text: M=C3=BCnchen.',
      '--b4--',
      '',
    ].join('\r\n'),
  ),
  // 5. RFC 2047 encoded-words in the Subject (UTF-8, Q) and the sender's name (ISO-8859-1, Q).
  Buffer.from('From: =?ISO-8859-1?Q?J=FCrgen?= <j@example.org>\r\nSubject: =?UTF-8?Q?Z=C3=BCge_nach?=\r\n =?UTF-8?B?IE3DvG5zdGVy?=\r\n\r\nnothing else here\r\n'),
];

/** Header searches (encoded-words decoded) and the messages Dovecot finds. */
const HEADER_SEARCHES: Array<[key: string, needle: string, found: number[]]> = [
  ['SUBJECT', 'züge nach münster', [5]],
  ['FROM', 'jürgen', [5]],
  ['TEXT', 'münster', [5]],
  ['SUBJECT', 'z=c3=bcge', []],
];

/** Searches (lower case, as the parser keeps them) and the messages (1-based) Dovecot finds for BODY and TEXT. */
const EXPECTED: Array<[needle: string, body: number[], text: number[]]> = [
  ['zauberwort', [1], [1]],
  ['grüße', [1], [1]],
  ['café', [2], [2]],
  ['kennwort', [2], [2]],
  ['straße', [3], [3]],
  ['unterschrift', [3], [3]],
  ['geheimnis', [3], [3]],
  ['münchen', [4], [4]],
  // The encoded forms, an attachment's text, a preamble and an epilogue: not text.
  ['sgvsbg8', [], []],
  ['c3=a9', [], []],
  ['anhangwort', [], []],
  ['vorwort', [], []],
  ['nachwort', [], []],
  // MIME headers of the parts: TEXT only.
  ['kopfzeile', [], [3]],
  ['weitergeleitet', [], [4]],
];

/** The root header's Content-Type and Content-Transfer-Encoding, and where the body starts. */
function split(raw: Buffer): { root: PartHeader; body: Buffer } {
  const end = raw.indexOf('\r\n\r\n') + 4;
  const header = raw.toString('latin1', 0, end);
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(header)?.[1] ?? null;
  return { root: { contentType: field('Content-Type'), transferEncoding: field('Content-Transfer-Encoding') }, body: raw.subarray(end) };
}

describe('DecodedBodyScanner', () => {
  it('finds what Dovecot finds in each message, wherever a chunk ends (cut at every byte)', () => {
    let cuts = 0;
    for (const [needle, body, text] of EXPECTED) {
      MESSAGES.forEach((raw, i) => {
        const { root, body: bytes } = split(raw);
        for (const [headers, want] of [
          [false, body.includes(i + 1)],
          [true, text.includes(i + 1)],
        ] as const) {
          const whole = new DecodedBodyScanner(needle, root, headers);
          whole.push(bytes);
          expect(whole.end(), `${needle} in message ${i + 1} (part headers: ${headers})`).toBe(want);
          for (let at = 0; at <= bytes.length; at++) {
            const s = new DecodedBodyScanner(needle, root, headers);
            const got = s.push(bytes.subarray(0, at)) || s.push(bytes.subarray(at)) || s.end();
            if (got !== want) expect(got, `${needle} in message ${i + 1}, cut at ${at}`).toBe(want);
            cuts++;
          }
        }
      });
    }
    expect(cuts).toBeGreaterThan(10_000);
  });
});

describe('SEARCH BODY and TEXT against Dovecot on the same Maildir (Python imaplib)', () => {
  let work: string;
  let dovecot: DovecotServer;
  let lab: StartedLab;

  beforeAll(async () => {
    if (!dovecotAvailable()) throw new Error('dovecot-imapd is needed (Debian dovecot-core, dovecot-imapd)');
    work = tempDir('mp-search-decoded-');
    chmodSync(work, 0o755); // Dovecot's processes (nobody) must reach the files
    const maildir = join(work, 'mail');
    // startDovecot gives the Maildir to the user its mail processes run as (nobody).
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
    MESSAGES.forEach((raw, i) => writeFileSync(join(maildir, 'cur', `${1_796_000_000 + i}.M${i}P1.test:2,S`), raw));
    dovecot = await startDovecot({ dir: join(work, 'dovecot'), maildir, user: TEST_USER, password: TEST_PASSWORD });
    lab = await startTestLab({ mailbox: maildir });
  }, 30_000);

  afterAll(async () => {
    dovecot?.stop();
    await lab?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const SEARCHES = String.raw`
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login(sys.argv[2], sys.argv[3])
m.select('INBOX', readonly=True)
out = {}
for needle in json.loads(sys.argv[4]):
    for key in ('BODY', 'TEXT'):
        m.literal = needle.encode('utf-8')
        typ, data = m.search('UTF-8', key)
        out[key + ' ' + needle] = [int(x) for x in data[0].split()]
m.logout()
print(json.dumps(out))
`;

  it('answers every search as Dovecot does', async () => {
    const needles = JSON.stringify(EXPECTED.map(([n]) => n));
    const ask = async (port: number) => {
      const r = await runPeer('python3', ['-c', SEARCHES, String(port), TEST_USER, TEST_PASSWORD, needles]);
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout) as Record<string, number[]>;
    };
    const [fromDovecot, fromLab] = [await ask(dovecot.port), await ask(lab.listeners.imap!.port)];
    expect(fromLab).toEqual(fromDovecot);
    // Header fields with encoded-words, searched by SUBJECT, FROM and TEXT.
    const headerScript = String.raw`
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login(sys.argv[2], sys.argv[3])
m.select('INBOX', readonly=True)
out = []
for key, needle in json.loads(sys.argv[4]):
    m.literal = needle.encode('utf-8')
    typ, data = m.search('UTF-8', key)
    out.append([int(x) for x in data[0].split()])
m.logout()
print(json.dumps(out))
`;
    const askHeaders = async (port: number) => {
      const r = await runPeer('python3', ['-c', headerScript, String(port), TEST_USER, TEST_PASSWORD, JSON.stringify(HEADER_SEARCHES.map(([k, n]) => [k, n]))]);
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout) as number[][];
    };
    const [headersDovecot, headersLab] = [await askHeaders(dovecot.port), await askHeaders(lab.listeners.imap!.port)];
    expect(headersLab).toEqual(headersDovecot);
    expect(headersDovecot).toEqual(HEADER_SEARCHES.map(([, , found]) => found));
    // And what the test expects of both, so that the reference is read, not just copied.
    for (const [needle, body, text] of EXPECTED) {
      expect(fromDovecot[`BODY ${needle}`], `Dovecot BODY ${needle}`).toEqual(body);
      expect(fromDovecot[`TEXT ${needle}`], `Dovecot TEXT ${needle}`).toEqual(text);
    }
  });
});
