/**
 * The reference check: Dovecot serves the Maildir that writeMaildir wrote, and Python's imaplib
 * fetches flags, internal dates and BODY[section]s from it; they must equal what our store
 * gives for the same messages. This is what lets the benchmark compare the lab with Dovecot on
 * the same mail, and it checks our section semantics against a real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { createSeededStore, writeMaildir, type SectionSpec } from '../../electron/lab/mailbox/index.js';
import { tempDir } from '../support/temp.js';

const store = createSeededStore();
// Odd but real-world shapes, to hold our parser to Dovecot's answers on them too. One known
// difference is left out: Dovecot keeps trailing whitespace of In-Reply-To, we trim it.
const ODD: string[] = [
  'Subject: no final line break\r\n\r\nlast line without CRLF',
  'Subject: header only, no blank line\r\n',
  'Subject: preamble, epilogue, no close delimiter\r\nContent-Type: multipart/mixed; boundary="xx"\r\n\r\npreamble\r\n--xx\r\n\r\npart one, no header\r\n--xx\r\nContent-Type: text/html\r\n\r\n<p>two</p>\r\n',
  'Subject: multipart without boundary\r\nContent-Type: multipart/mixed\r\n\r\nbody\r\n',
  'Subject: boundary never used\r\nContent-Type: multipart/alternative; boundary=zz\r\n\r\nbody\r\n',
  'Subject: trailing blank lines\r\nContent-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\r\n\r\nline \r\n\r\n\r\n',
  'Subject: digest\r\nContent-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: inner one\r\n\r\nbody one\r\n--d\r\nContent-Type: text/plain\r\n\r\nnot a message\r\n--d--\r\n',
  'Subject: empty rfc822\r\nContent-Type: message/rfc822\r\n\r\n',
  'Subject: upper case\r\nContent-Type: TEXT/PLAIN; CHARSET="ISO-8859-2"; Name=Report.TXT\r\nContent-Transfer-Encoding: Quoted-Printable\r\n\r\nx\r\n',
  'From: "Quoted \\"name\\"" <a@b.c>\r\nTo: undisclosed-recipients:;\r\nCc: <@r1.example,@r2.example:route@x.example>, (comment only) bare@x.example, "john doe"@example.com\r\nBcc: postmaster\r\nReply-To: \r\nSubject: =?UTF-8?B?w6k=?=\r\n\r\nx\r\n',
  'From: Group: a@b.c, "Doe, J" <j@d.e>;, after@x.y\r\nSender: broken <no-at-sign>\r\nTo: root@[127.0.0.1], John Q. Public <jqp@example.com>\r\nIn-Reply-To: <x@y>\r\nMessage-ID: <id@host>\r\nDate: not a date\r\n\r\nx\r\n',
  'From: =?UTF-8?Q?J=C3=BCrgen?= <j@x.de> (work)\r\nTo: a@b.c,\r\n\tc@d.e\r\nSubject:   spaced   subject  \r\nDate: Tue,  1 Dec 2026 10:00:00 +0000\r\nIn-Reply-To:   <a@b>\t  <c@d>\r\nMessage-ID:  <m  x@y>\r\n\r\n',
  'From: Jiří Novák <jiri@example.cz>\r\nTo: "Müller, Jürgen" <j@example.de>\r\nSubject: Grüße\r\n\r\nx\r\n',
  'Subject: nested close\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\n\r\na\r\n--outer--\r\n',
];
store.create('Odd');
for (const raw of ODD) store.append('Odd', Buffer.from(raw), [], new Date('2026-11-01T00:00:00Z'));
let dir = '';
let port = 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
}

function chownTree(p: string, uid: number, gid: number) {
  chownSync(p, uid, gid);
  if (statSync(p).isDirectory()) for (const n of readdirSync(p)) chownTree(join(p, n), uid, gid);
}

const idOf = (flag: '-u' | '-g', name: string) => Number(execFileSync('id', [flag, name]).toString().trim());

beforeAll(async () => {
  dir = tempDir('mp-dovecot-');
  writeMaildir(store, join(dir, 'home', 'Maildir'));
  const asRoot = userInfo().uid === 0;
  // Dovecot refuses to run mail processes as root (PEERS.md): serve the Maildir as nobody.
  const uid = asRoot ? idOf('-u', 'nobody') : userInfo().uid;
  const gid = asRoot ? idOf('-g', 'nobody') : userInfo().gid;
  if (asRoot) chownTree(join(dir, 'home'), uid, gid);
  chmodSync(dir, 0o755); // the auth process (user dovecot) reads the passwd file in it
  port = await freePort();
  writeFileSync(join(dir, 'passwd'), 'tech:{PLAIN}secret::::::\n');
  for (const d of ['run', 'state']) mkdirSync(join(dir, d));
  writeFileSync(
    join(dir, 'dovecot.conf'),
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${uid} gid=${gid} home=${dir}/home
}
service imap-login {
  inet_listener imap {
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
`,
  );
  // The master daemonizes and keeps inherited pipes open: give it none, or this call never returns.
  execFileSync('/usr/sbin/dovecot', ['-c', join(dir, 'dovecot.conf')], { stdio: 'ignore', timeout: 10_000 });
});

afterAll(() => {
  if (dir) spawnSync('/usr/sbin/dovecot', ['-c', join(dir, 'dovecot.conf'), 'stop'], { stdio: 'ignore', timeout: 10_000 });
});

interface Query {
  mailbox: string;
  uid: number;
  item: string;
}

/** Fetch each (mailbox, uid, item) from Dovecot; the literal's bytes (or "" / NIL as empty). */
function fetchFromDovecot(queries: Query[]): Buffer[] {
  const py = `
import imaplib, json, sys, base64, re, time
qs = json.loads(sys.stdin.read())
for attempt in range(50):
    try:
        M = imaplib.IMAP4('127.0.0.1', int(sys.argv[1])); break
    except OSError:
        time.sleep(0.05)
M.login('tech', 'secret')
current = None
for q in qs:
    if q['mailbox'] != current:
        M.select('"' + q['mailbox'] + '"', readonly=True); current = q['mailbox']
    typ, data = M.uid('FETCH', str(q['uid']), '(' + q['item'] + ')')
    first = data[0]
    if isinstance(first, tuple):
        print(base64.b64encode(first[1]).decode())
    else:
        # no literal: "BODY[3] \\"\\"", "FLAGS (\\\\Seen)", "INTERNALDATE \\"…\\""
        m = re.search(rb'(?:FLAGS \\(([^)]*)\\)|INTERNALDATE "([^"]*)")', first or b'')
        print(base64.b64encode((m.group(1) or m.group(2)) if m else b'').decode())
M.logout()`;
  const out = execFileSync('python3', ['-c', py, String(port)], { input: JSON.stringify(queries), timeout: 20_000 }).toString().replace(/\n$/, '').split('\n');
  return out.map((l) => Buffer.from(l, 'base64'));
}

/** BODYSTRUCTURE or ENVELOPE of every message of a mailbox, from Dovecot, as nested JSON lists (NIL = null). */
const STRUCTURED_PY = `
import imaplib, json, sys, re
M = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
M.login('tech', 'secret')
M.select(sys.argv[2], readonly=True)
typ, data = M.uid('FETCH', '1:*', '(' + sys.argv[3] + ')')
# Re-join the responses, turning literals into tokens, then read the s-expressions.
items = []
cur = []
for d in data:
    head = d[0] if isinstance(d, tuple) else d
    # a new response starts with "<seq> (" — anything else continues the previous one
    if re.match(rb'^\\d+ \\(', head or b'') and cur:
        items.append(cur); cur = []
    if isinstance(d, tuple):
        cur.append(('t', re.sub(rb'\\{\\d+\\}$', b'', d[0]))); cur.append(('l', d[1]))
    else:
        cur.append(('t', d))
if cur: items.append(cur)
def tokens(pieces):
    for kind, b in pieces:
        if kind == 'l':
            yield b.decode('utf-8', 'replace'); continue
        s = b.decode('utf-8', 'replace'); i = 0
        while i < len(s):
            c = s[i]
            if c in ' ': i += 1
            elif c in '()': yield c; i += 1
            elif c == '"':
                j = i + 1; v = ''
                while s[j] != '"':
                    if s[j] == '\\\\': j += 1
                    v += s[j]; j += 1
                yield v; i = j + 1
            else:
                j = i
                while j < len(s) and s[j] not in ' ()': j += 1
                w = s[i:j]; yield None if w == 'NIL' else (int(w) if w.isdigit() else ('ATOM:' + w)); i = j
def parse(it):
    out = []
    for t in it:
        if t == '(': out.append(parse(it))
        elif t == ')': return out
        else: out.append(t)
    return out
res = []
for pieces in items:
    tree = parse(iter(tokens(pieces)))
    # imaplib drops "* " and "FETCH": [seq, ['ATOM:UID', n, 'ATOM:<item>', value]]
    inner = tree[1]
    if ('ATOM:' + sys.argv[3]) not in inner:
        sys.exit('unexpected response: ' + repr(pieces)[:2000])
    res.append(inner[inner.index('ATOM:' + sys.argv[3]) + 1])
print(json.dumps(res))`;
function structuredFromDovecot(mailbox: string, item: 'BODYSTRUCTURE' | 'ENVELOPE'): unknown[] {
  return JSON.parse(execFileSync('python3', ['-c', STRUCTURED_PY, String(port), mailbox, item], { timeout: 20_000 }).toString()) as unknown[];
}

const specText = (s: SectionSpec) => {
  const path = s.path.join('.');
  const text = s.text ? (s.text.startsWith('HEADER.FIELDS') ? `${s.text} (${s.fields!.join(' ')})` : s.text) : '';
  return path && text ? `${path}.${text}` : path || text;
};

describe('the same mail served by Dovecot', () => {
  it('has the same flags and internal dates in every mailbox', () => {
    const queries: Query[] = [];
    for (const info of store.list()) for (const m of store.messages(info.name)) queries.push({ mailbox: info.name, uid: m.uid, item: 'FLAGS' }, { mailbox: info.name, uid: m.uid, item: 'INTERNALDATE' });
    const got = fetchFromDovecot(queries);
    const want: string[] = [];
    for (const info of store.list())
      for (const m of store.messages(info.name)) {
        want.push([...m.flags].sort().join(' '), String(Math.floor(m.internalDate.getTime() / 1000)));
      }
    const norm = got.map((b, i) => (i % 2 === 0 ? b.toString().split(' ').filter((f) => f && f !== '\\Recent').sort().join(' ') : String(Date.parse(b.toString().replace(/^(\d+)-(\w+)-(\d+) /, '$2 $1 $3 ')) / 1000)));
    expect(norm).toEqual(want);
  });

  it('gives the same BODY[section] bytes for every message and a set of sections', () => {
    const specs: SectionSpec[] = [
      { path: [] },
      { path: [], text: 'HEADER' },
      { path: [], text: 'TEXT' },
      { path: [], text: 'HEADER.FIELDS', fields: ['SUBJECT', 'from', 'Date', 'X-None'] },
      { path: [], text: 'HEADER.FIELDS.NOT', fields: ['Subject', 'Received'] },
      { path: [], text: 'HEADER.FIELDS', fields: ['X-None'] },
      { path: [], text: 'HEADER.FIELDS.NOT', fields: ['X-None'] },
      { path: [1] },
      { path: [1], text: 'MIME' },
      { path: [2] },
      { path: [2], text: 'MIME' },
      { path: [2], text: 'HEADER' },
      { path: [2], text: 'TEXT' },
      { path: [2, 1] },
      { path: [2, 2] },
      { path: [2, 2], text: 'MIME' },
      { path: [3] },
      { path: [1, 1] },
      { path: [1, 2] },
      { path: [1, 1], text: 'MIME' },
      { path: [2, 1, 1] },
      { path: [2, 1], text: 'HEADER' },
      { path: [2, 2, 1] },
    ];
    const queries: Query[] = [];
    const want: Buffer[] = [];
    for (const mailbox of ['INBOX', 'Odd'])
      for (const m of store.messages(mailbox))
        for (const s of specs) {
          queries.push({ mailbox, uid: m.uid, item: `BODY.PEEK[${specText(s)}]` });
          want.push(store.section(m, s));
        }
    const got = fetchFromDovecot(queries);
    const mismatches = queries
      .map((q, i) => ({ q, i }))
      .filter(({ i }) => !got[i]!.equals(want[i]!))
      .map(({ q, i }) => `${q.mailbox} ${q.uid} ${q.item}: Dovecot ${JSON.stringify(got[i]!.toString('latin1').slice(0, 40))}, ours ${JSON.stringify(want[i]!.toString('latin1').slice(0, 40))}`);
    expect(mismatches).toEqual([]);
  });

  it('agrees with Dovecot\'s BODYSTRUCTURE on every part: type, parameters, encoding, size and lines', () => {

    const structuresOf = (mailbox: string) => structuredFromDovecot(mailbox, 'BODYSTRUCTURE');
    type Row = string;
    const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);
    const paramsOf = (list: unknown) => {
      const arr = (Array.isArray(list) ? list : []) as string[];
      const o: Record<string, string> = {};
      for (let i = 0; i + 1 < arr.length; i += 2) o[arr[i]!.toLowerCase()] = arr[i + 1]!;
      return JSON.stringify(Object.fromEntries(Object.entries(o).sort()));
    };
    const fromDovecot = (bs: unknown[], path: string, out: Row[]) => {
      if (Array.isArray(bs[0])) {
        const children = bs.filter((x) => Array.isArray(x) && (Array.isArray(x[0]) || typeof x[0] === 'string')).slice(0, bs.findIndex((x) => !Array.isArray(x)));
        out.push(`${path} multipart/${lower(bs[children.length])} ${paramsOf(bs[children.length + 1])}`);
        children.forEach((c, i) => fromDovecot(c as unknown[], path ? `${path}.${i + 1}` : String(i + 1), out));
        return;
      }
      const type = `${lower(bs[0])}/${lower(bs[1])}`;
      const lines = type.startsWith('text/') ? bs[7] : type === 'message/rfc822' ? bs[9] : '-';
      out.push(`${path} ${type} ${paramsOf(bs[2])} ${String(bs[5]).toUpperCase()} ${bs[6]} ${lines}`);
      if (type === 'message/rfc822') fromDovecot(bs[8] as unknown[], path ? `${path}.m` : 'm', out);
    };
    const fromOurs = (p: import('../../electron/lab/mailbox/index.js').MimePart, path: string, out: Row[]) => {
      if (p.parts) {
        out.push(`${path} multipart/${p.subtype} ${JSON.stringify(Object.fromEntries(Object.entries(p.params).sort()))}`);
        p.parts.forEach((c, i) => fromOurs(c, path ? `${path}.${i + 1}` : String(i + 1), out));
        return;
      }
      const type = `${p.type}/${p.subtype}`;
      const lines = p.type === 'text' || type === 'message/rfc822' ? p.lines : '-';
      out.push(`${path} ${type} ${JSON.stringify(Object.fromEntries(Object.entries(p.params).sort()))} ${p.encoding} ${p.size} ${lines}`);
      if (p.message) fromOurs(p.message.root, path ? `${path}.m` : 'm', out);
    };
    const theirs: Row[] = [];
    const ours: Row[] = [];
    for (const mailbox of ['INBOX', 'Odd']) {
      const structures = structuresOf(mailbox);
      const msgs = store.messages(mailbox);
      expect(structures).toHaveLength(msgs.length);
      msgs.forEach((m, i) => {
        fromDovecot(structures[i] as unknown[], `${mailbox} ${m.uid}:`, theirs);
        fromOurs(m.mime, `${mailbox} ${m.uid}:`, ours);
      });
    }
    expect(ours.length).toBeGreaterThan(35);
    expect(ours.filter((r) => r.includes('"name*"'))).toHaveLength(1);
    expect(ours).toEqual(theirs);
  });

  it('agrees with Dovecot\'s ENVELOPE for every message: addresses, groups, defaults, raw encoded-words', () => {
    const addrs = (list: import('../../electron/lab/mailbox/index.js').EnvelopeAddress[] | null) => (list ? list.map((a) => [a.name, a.adl, a.mailbox, a.host]) : null);
    for (const mailbox of ['INBOX', 'Odd']) {
      const theirs = structuredFromDovecot(mailbox, 'ENVELOPE');
      const ours = store.messages(mailbox).map((m) => {
        const e = m.envelope;
        return [e.date, e.subject, addrs(e.from), addrs(e.sender), addrs(e.replyTo), addrs(e.to), addrs(e.cc), addrs(e.bcc), e.inReplyTo, e.messageId];
      });
      expect(ours).toEqual(theirs);
    }
  });
});
