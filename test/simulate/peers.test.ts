/**
 * Real, well-behaved clients against the lab get a pass with no warning or error findings; a
 * password sent in clear on the lab's own (trusted) network is an info (PEERS.md recipes).
 */
import { spawn } from 'node:child_process';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observe, serious, startTestLab, type Lab } from './lab-session.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.stop();
});

function run(cmd: string, args: string[], input?: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(input ?? '');
  });
}

const port = () => lab.listeners.imap!.port;

describe('well-behaved clients get a pass', () => {
  it('curl with CRAM-MD5: SELECT + SEARCH, no findings of note', async () => {
    const { diagnosis } = await observe(lab, async () => {
      const r = await run('curl', ['-sS', '--login-options', 'AUTH=CRAM-MD5', '--user', `${lab.account.user}:${lab.account.password}`, `imap://127.0.0.1:${port()}/INBOX?ALL`]);
      expect(r.code, r.err).toBe(0);
    });
    expect(diagnosis.verdict).toBe('pass');
    expect(serious(diagnosis)).toEqual([]);
    expect(diagnosis.attempts[0].mechanism).toBe('CRAM-MD5');
  });

  it('curl with AUTH=PLAIN fetching a message on the lab network: pass, cleartext-password only as info', async () => {
    const { diagnosis } = await observe(lab, async () => {
      const r = await run('curl', ['-sS', '--login-options', 'AUTH=PLAIN', '--user', `${lab.account.user}:${lab.account.password}`, `imap://127.0.0.1:${port()}/INBOX;UID=1`]);
      expect(r.code, r.err).toBe(0);
    });
    expect(diagnosis.verdict).toBe('pass');
    expect(serious(diagnosis)).toEqual([]);
    expect(diagnosis.findings.find((f) => f.id === 'cleartext-password')?.severity).toBe('info');
  });

  it('Python imaplib with CRAM-MD5, SELECT, FETCH, LOGOUT', async () => {
    const script = `
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login_cram_md5(sys.argv[2], sys.argv[3])
m.select('INBOX')
m.fetch('1', '(FLAGS BODY.PEEK[HEADER])')
m.logout()
`;
    const { diagnosis } = await observe(lab, async () => {
      const r = await run('python3', ['-c', script, String(port()), lab.account.user, lab.account.password]);
      expect(r.code, r.err).toBe(0);
    });
    expect(diagnosis.verdict).toBe('pass');
    expect(serious(diagnosis)).toEqual([]);
  });

  it('imapflow over STARTTLS: the TLS stream continues the same conversation', async () => {
    const { diagnosis } = await observe(lab, async () => {
      const client = new ImapFlow({ host: '127.0.0.1', port: port(), secure: false, auth: { user: lab.account.user, pass: lab.account.password }, logger: false, tls: { rejectUnauthorized: false } });
      await client.connect();
      const lock = await client.getMailboxLock('INBOX');
      try {
        await client.fetchOne('1', { envelope: true });
      } finally {
        lock.release();
      }
      await client.logout();
    });
    expect(diagnosis.verdict).toBe('pass');
    expect(serious(diagnosis)).toEqual([]);
    expect(diagnosis.attempts[0].security).toBe('starttls');
  });

  it('Perl Mail::IMAPClient with DIGEST-MD5 (its empty final response is correct, not a quirk)', async () => {
    const script = `
use Mail::IMAPClient;
my $imap = Mail::IMAPClient->new(Server => '127.0.0.1', Port => $ARGV[0], User => $ARGV[1], Password => $ARGV[2], Authmechanism => 'DIGEST-MD5') or die "connect: $@";
$imap->select('INBOX') or die "select: " . $imap->LastError;
my $h = $imap->fetch(1, '(FLAGS)') or die "fetch: " . $imap->LastError;
$imap->logout;
`;
    const { diagnosis } = await observe(lab, async () => {
      const r = await run('perl', ['-e', script, String(port()), lab.account.user, lab.account.password]);
      expect(r.code, r.err).toBe(0);
    });
    expect(diagnosis.verdict).toBe('pass');
    expect(serious(diagnosis)).toEqual([]);
    expect(diagnosis.attempts[0].mechanism).toBe('DIGEST-MD5');
  });
});
