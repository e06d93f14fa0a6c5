/**
 * The reference check: Dovecot serves the Maildir that writeMaildir wrote, and Python's imaplib
 * fetches flags, internal dates and BODY[section]s from it; they must equal what our store
 * gives for the same messages. This is what lets the benchmark compare the lab with Dovecot on
 * the same mail, and it checks our section semantics against a real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createSeededStore, writeMaildir, type SectionSpec } from '../../electron/lab/mailbox/index.js';

const store = createSeededStore();
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
  dir = mkdtempSync(join(tmpdir(), 'mp-dovecot-'));
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
    const inbox = store.messages('INBOX');
    const queries: Query[] = [];
    const want: Buffer[] = [];
    for (const m of inbox)
      for (const s of specs) {
        queries.push({ mailbox: 'INBOX', uid: m.uid, item: `BODY.PEEK[${specText(s)}]` });
        want.push(store.section(m, s));
      }
    const got = fetchFromDovecot(queries);
    const mismatches = queries
      .map((q, i) => ({ q, i }))
      .filter(({ i }) => !got[i]!.equals(want[i]!))
      .map(({ q, i }) => `${q.uid} ${q.item}: Dovecot ${JSON.stringify(got[i]!.toString('latin1').slice(0, 40))}, ours ${JSON.stringify(want[i]!.toString('latin1').slice(0, 40))}`);
    expect(mismatches).toEqual([]);
  });

  it('agrees with Dovecot\'s BODYSTRUCTURE on every part: type, parameters, encoding, size and lines', () => {
    const py = `
import imaplib, json, sys, re
M = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
M.login('tech', 'secret')
M.select('INBOX', readonly=True)
typ, data = M.uid('FETCH', '1:*', '(BODYSTRUCTURE)')
# Re-join the responses, turning literals into tokens, then read the s-expressions.
items = []
cur = []
for d in data:
    if isinstance(d, tuple):
        cur.append(('t', re.sub(rb'\\{\\d+\\}$', b'', d[0]))); cur.append(('l', d[1]))
    elif d == b')':
        cur.append(('t', d)); items.append(cur); cur = []
    else:
        if cur: items.append(cur)
        cur = [('t', d)]
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
    # imaplib drops "* " and "FETCH": [seq, ['ATOM:UID', n, 'ATOM:BODYSTRUCTURE', bs]]
    inner = tree[1]
    res.append(inner[inner.index('ATOM:BODYSTRUCTURE') + 1])
print(json.dumps(res))`;
    const structures = JSON.parse(execFileSync('python3', ['-c', py, String(port)], { timeout: 20_000 }).toString()) as unknown[];
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
    const inbox = store.messages('INBOX');
    expect(structures).toHaveLength(inbox.length);
    const theirs: Row[] = [];
    const ours: Row[] = [];
    inbox.forEach((m, i) => {
      fromDovecot(structures[i] as unknown[], `${m.uid}:`, theirs);
      fromOurs(m.mime, `${m.uid}:`, ours);
    });
    expect(ours.length).toBeGreaterThan(35);
    expect(ours.filter((r) => r.includes('"name*"'))).toHaveLength(1);
    expect(ours).toEqual(theirs);
  });
});
