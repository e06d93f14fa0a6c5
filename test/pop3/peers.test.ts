/**
 * Real POP3 clients against the lab over loopback: Python poplib (USER/PASS, APOP, STLS, POP3
 * over SSL), curl pop3:// (SASL mechanisms, STLS), fetchmail (pop3, apop, stls, ssl, uidl), Perl
 * Net::POP3 with Authen::SASL (CRAM-MD5, DIGEST-MD5). Each must log in (an `auth` event that
 * says ok) and read the 22 seeded INBOX messages whole.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import type { StartedLab } from '../../electron/lab/lab.js';
import { runPeer } from '../support/run.js';
import { TEST_PASSWORD, TEST_USER, eventsOf, startTestLab, tempDir, testCertificates, waitFor } from '../support/lab.js';

let lab: StartedLab;
let port: number;
let sslPort: number;
let caFile: string;
const SEEDED = 22;

beforeAll(async () => {
  lab = await startTestLab({ imapPort: null, imapsPort: null, smtpPort: null, smtpsPort: null, pop3Port: 0, pop3sPort: 0 });
  port = lab.listeners.pop3!.port;
  sslPort = lab.listeners.pop3s!.port;
  caFile = join(tempDir('mp-pop3-ca-'), 'ca.pem');
  writeFileSync(caFile, (await testCertificates()).caCertPem);
});
afterAll(() => lab.stop());

/** The auth events recorded since `before` (a count of events). */
async function authsSince(before: number): Promise<Array<Extract<LabEvent, { kind: 'auth' }>>> {
  return waitFor(() => {
    const evs = eventsOf(lab).slice(before).filter((e): e is Extract<LabEvent, { kind: 'auth' }> => e.kind === 'auth');
    return evs.length > 0 ? evs : undefined;
  }, 5000, 'an auth event');
}

async function python(body: string): Promise<string> {
  const script = `import poplib, ssl, sys, hashlib\nctx = ssl.create_default_context(cafile='${caFile}')\nctx.check_hostname = True\n${body}`;
  const r = await runPeer('python3', ['-c', script]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe('Python poplib', () => {
  it('USER/PASS, STAT, LIST, UIDL, RETR every message, QUIT', async () => {
    const before = eventsOf(lab).length;
    const out = await python(`p = poplib.POP3('127.0.0.1', ${port})
p.user('${TEST_USER}'); p.pass_('${TEST_PASSWORD}')
n, size = p.stat()
uidls = p.uidl()[1]
got = sum(len(b'\\r\\n'.join(p.retr(i + 1)[1])) for i in range(n))
print(n, size, len(uidls), got > 0)
p.quit()`);
    expect(out.trim().split(' ')[0]).toBe(String(SEEDED));
    expect(out).toMatch(/ 22 True/);
    expect((await authsSince(before))[0]).toMatchObject({ mechanism: 'USER-PASS', user: TEST_USER, ok: true });
  });

  it('APOP with the greeting timestamp', async () => {
    const before = eventsOf(lab).length;
    const out = await python(`p = poplib.POP3('127.0.0.1', ${port})
p.apop('${TEST_USER}', '${TEST_PASSWORD}')
print(p.stat()[0]); p.quit()`);
    expect(out.trim()).toBe(String(SEEDED));
    expect((await authsSince(before))[0]).toMatchObject({ mechanism: 'APOP', ok: true });
  });

  it('STLS verifying the lab CA, then USER/PASS inside TLS', async () => {
    const before = eventsOf(lab).length;
    const out = await python(`p = poplib.POP3('127.0.0.1', ${port})
p.stls(context=ctx)
p.user('${TEST_USER}'); p.pass_('${TEST_PASSWORD}')
print(p.stat()[0]); p.quit()`);
    expect(out.trim()).toBe(String(SEEDED));
    const evs = eventsOf(lab).slice(before);
    expect(evs.find((e) => e.kind === 'tls.established')).toMatchObject({ mode: 'starttls' });
    expect((evs.find((e) => e.kind === "c2s" && e.tls && /^PASS /.test(e.text ?? "")) as { secrets?: unknown } | undefined)?.secrets).toBeDefined();
  });

  it('POP3 over SSL (995-style) verifying the lab CA by IP', async () => {
    const out = await python(`p = poplib.POP3_SSL('127.0.0.1', ${sslPort}, context=ctx)
p.user('${TEST_USER}'); p.pass_('${TEST_PASSWORD}')
print(p.stat()[0]); p.quit()`);
    expect(out.trim()).toBe(String(SEEDED));
  });

  it('a wrong password is refused with -ERR [AUTH] and recorded as a failed auth', async () => {
    const before = eventsOf(lab).length;
    const out = await python(`p = poplib.POP3('127.0.0.1', ${port})
p.user('${TEST_USER}')
try:
    p.pass_('wrong'); print('accepted')
except poplib.error_proto as e:
    print(e)
p.quit()`);
    expect(out).toMatch(/-ERR \[AUTH\]/);
    expect((await authsSince(before))[0]).toMatchObject({ mechanism: 'USER-PASS', ok: false });
  });
});

describe('curl pop3://', () => {
  for (const [mech, tls] of [
    ['+APOP', false],
    ['PLAIN', false],
    ['LOGIN', false],
    ['CRAM-MD5', false],
    ['PLAIN', true],
    ['CRAM-MD5', true],
  ] as const) {
    it(`${mech === '+APOP' ? 'APOP' : `AUTH ${mech}`}${tls ? ' over STLS' : ''}: lists and retrieves message 1`, async () => {
      const before = eventsOf(lab).length;
      const opts = ['--login-options', `AUTH=${mech}`];
      const tlsArgs = tls ? ['--ssl-reqd', '--cacert', caFile] : [];
      const host = '127.0.0.1';
      const list = await runPeer('curl', ['-sS', '--max-time', '10', ...opts, ...tlsArgs, '-u', `${TEST_USER}:${TEST_PASSWORD}`, `pop3://${host}:${port}/`]);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout.trim().split('\n')).toHaveLength(SEEDED);
      const one = await runPeer('curl', ['-sS', '--max-time', '10', ...opts, ...tlsArgs, '-u', `${TEST_USER}:${TEST_PASSWORD}`, `pop3://${host}:${port}/1`]);
      expect(one.code, one.stderr).toBe(0);
      expect(one.stdout).toMatch(/^Subject: /m);
      const auth = (await authsSince(before))[0];
      expect(auth).toMatchObject({ mechanism: mech === '+APOP' ? 'APOP' : mech, ok: true });
    });
  }
});

describe('fetchmail', () => {
  // fetchmail delivers with --mda; it refuses to run as root without a rc file it owns, so the
  // run gets its own HOME and rc file (0600).
  for (const [name, extra] of [
    // fetchmail upgrades with STLS whenever it is offered; --sslproto '' keeps it in clear.
    ['pop3', ['--protocol', 'pop3', '--port', () => String(port), '--sslproto', '']],
    ['apop', ['--protocol', 'apop', '--port', () => String(port), '--sslproto', '']],
    ['stls', ['--protocol', 'pop3', '--port', () => String(port), '--sslproto', 'tls1.2+', '--sslcertck', '--sslcertfile', () => caFile]],
    ['ssl', ['--protocol', 'pop3', '--port', () => String(sslPort), '--ssl', '--sslcertck', '--sslcertfile', () => caFile]],
    ['uidl', ['--protocol', 'pop3', '--port', () => String(port), '--sslproto', '', '--uidl']],
  ] as const) {
    it(`fetches all ${SEEDED} messages (${name})`, async () => {
      const home = tempDir('mp-fetchmail-');
      const out = join(home, 'out');
      mkdirSync(out);
      const rc = join(home, '.fetchmailrc');
      writeFileSync(rc, `poll 127.0.0.1 user "${TEST_USER}" password "${TEST_PASSWORD}" keep\n`, { mode: 0o600 });
      const args = (extra as ReadonlyArray<string | (() => string)>).map((a) => (typeof a === 'function' ? a() : a));
      const r = await runPeer('fetchmail', ['-f', rc, '--nodetach', '--nosyslog', '-a', '-k', '--mda', `sh -c 'cat > ${out}/$$.$(date +%s%N).eml'`, ...args, '127.0.0.1'], {
        env: { ...process.env, HOME: home, FETCHMAILHOME: home },
        timeoutMs: 30_000,
      });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(readdirSync(out)).toHaveLength(SEEDED);
    }, 40_000);
  }
});

describe('Perl Net::POP3 with Authen::SASL', () => {
  for (const mech of ['CRAM-MD5', 'DIGEST-MD5'] as const) {
    it(`AUTH ${mech}, then the message list`, async () => {
      const before = eventsOf(lab).length;
      const script = `use Net::POP3; use Authen::SASL;
my $p = Net::POP3->new('127.0.0.1', Port => ${port}, Timeout => 10) or die "connect";
my $sasl = Authen::SASL->new(mechanism => '${mech}', callback => { user => '${TEST_USER}', pass => '${TEST_PASSWORD}', authname => '${TEST_USER}' });
$p->auth($sasl) or die "auth: " . $p->message;
my $list = $p->list; print scalar(keys %$list), "\\n"; $p->quit;`;
      const r = await runPeer('perl', ['-e', script]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(String(SEEDED));
      expect((await authsSince(before))[0]).toMatchObject({ mechanism: mech, ok: true });
    });
  }
});
