/**
 * The diagnosis must not blame a correct client: Python imaplib and imapflow, used the way
 * people use them (plaintext LOGIN on the lab network, STARTTLS, IMAPS, a person reading for a
 * few seconds between commands, IDLE, a full download of every message), against the real lab
 * over real sockets. Each session must be a pass with no warning or error finding, and the
 * counts the diagnosis prints must be the true ones.
 */
import { spawn } from 'node:child_process';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnosis, LabEvent } from '../../electron/api.js';
import { SLOW_CLIENT_GAP_MS } from '../../electron/lab/diagnosis/constants.js';
import { MAX_EVENT_PAYLOAD_BYTES } from '../../electron/lab/recorder/index.js';
import { observe, serious, startTestLab, type Lab } from '../simulate/lab-session.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.stop();
});

/** Longer than SLOW_CLIENT_GAP_MS: the time a person spends reading a message. */
const READING_MS = SLOW_CLIENT_GAP_MS + 1000;

function python(script: string, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn('python3', ['-c', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const step = (d: Diagnosis, name: string) => d.attempts[0].steps.find((s) => s.step === name)!;

function expectCleanPass(d: Diagnosis): void {
  expect(d.verdict).toBe('pass');
  expect(serious(d), JSON.stringify(d.findings, null, 1)).toEqual([]);
}

/** imaplib: connect in `mode`, LOGIN, SELECT, FETCH, a pause to read after the OK, FETCH again, LOGOUT. */
const IMAPLIB = `
import imaplib, ssl, sys, time
mode, host, port, user, pw, pause_ms = sys.argv[1], '127.0.0.1', int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
if mode == 'imaps':
    m = imaplib.IMAP4_SSL(host, port, ssl_context=ctx)
else:
    m = imaplib.IMAP4(host, port)
    if mode == 'starttls':
        m.starttls(ssl_context=ctx)
m.login(user, pw)
m.select('INBOX')
m.fetch('1', '(FLAGS BODY.PEEK[HEADER])')
time.sleep(pause_ms / 1000)
m.fetch('2', '(BODY.PEEK[TEXT])')
m.logout()
`;

describe('Python imaplib against the lab', () => {
  it('plaintext LOGIN on the lab network, pausing to read after an OK: pass, no warning, cleartext only as info', async () => {
    const { diagnosis } = await observe(lab, async () => {
      const r = await python(IMAPLIB, 'plain', String(lab.listeners.imap!.port), lab.account.user, lab.account.password, String(READING_MS));
      expect(r.code, r.err).toBe(0);
    });
    expectCleanPass(diagnosis);
    expect(diagnosis.findings.map((f) => f.id)).not.toContain('slow-client-gap');
    const clear = diagnosis.findings.find((f) => f.id === 'cleartext-password')!;
    expect(clear.severity).toBe('info');
    expect(clear.explanation).toMatch(/lab's own network/);
    expect(diagnosis.attempts[0]).toMatchObject({ security: 'none', mechanism: 'LOGIN-COMMAND' });
  }, 20_000);

  it('STARTTLS then LOGIN: pass, security starttls, no finding of note', async () => {
    const { diagnosis } = await observe(lab, async () => {
      const r = await python(IMAPLIB, 'starttls', String(lab.listeners.imap!.port), lab.account.user, lab.account.password, '0');
      expect(r.code, r.err).toBe(0);
    });
    expectCleanPass(diagnosis);
    expect(diagnosis.findings.map((f) => f.id)).not.toContain('cleartext-password');
    expect(diagnosis.attempts[0].security).toBe('starttls');
    expect(step(diagnosis, 'tls').result).toBe('pass');
  });

  it('IMAPS (implicit TLS): pass, security tls, no finding of note', async () => {
    const { diagnosis } = await observe(lab, async () => {
      const r = await python(IMAPLIB, 'imaps', String(lab.listeners.imaps!.port), lab.account.user, lab.account.password, '0');
      expect(r.code, r.err).toBe(0);
    });
    expectCleanPass(diagnosis);
    expect(diagnosis.attempts[0].security).toBe('tls');
  });

  it('a STARTTLS whose handshake fails (the client refuses the certificate) is still a STARTTLS attempt', async () => {
    const script = `
import imaplib, ssl, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
try:
    m.starttls(ssl_context=ssl.create_default_context())
except ssl.SSLError as e:
    print('refused:', e)
    sys.exit(0)
sys.exit(3)
`;
    const { diagnosis } = await observe(lab, async () => {
      const r = await python(script, String(lab.listeners.imap!.port));
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/refused/);
    });
    const a = diagnosis.attempts[0];
    expect(a.security).toBe('starttls');
    expect(step(diagnosis, 'tls').result).toBe('fail');
    expect(diagnosis.findings.map((f) => f.id)).not.toContain('cleartext-password');
  });
});

describe('logins a real client abandons or cannot make are not "check the password"', () => {
  it('imaplib cancels CRAM-MD5 with "*" (its authobject returned None), then logs in with LOGIN: pass, no auth-failed', async () => {
    const script = `
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
try:
    m.authenticate('CRAM-MD5', lambda challenge: None)
except imaplib.IMAP4.error as e:
    print('cancelled:', e)
m.login(sys.argv[2], sys.argv[3])
m.select('INBOX')
m.logout()
`;
    const { diagnosis, events } = await observe(lab, async () => {
      const r = await python(script, String(lab.listeners.imap!.port), lab.account.user, lab.account.password);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/cancelled/);
    });
    expect(events.some((e) => e.kind === 'c2s' && e.text === '*\r\n')).toBe(true);
    expect(diagnosis.findings.map((f) => f.id)).not.toContain('auth-failed');
    expectCleanPass(diagnosis);
  });

  it('imaplib asked for a mechanism the lab does not offer: auth-not-checked, not auth-failed', async () => {
    const script = `
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
try:
    m.authenticate('XOAUTH2', lambda challenge: b'user=x\x01auth=Bearer y\x01\x01')
except imaplib.IMAP4.error as e:
    print('refused:', e)
m.logout()
`;
    const { diagnosis } = await observe(lab, async () => {
      const r = await python(script, String(lab.listeners.imap!.port));
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/refused/);
    });
    const ids = diagnosis.findings.map((f) => f.id);
    expect(ids).toEqual(['auth-not-checked']);
    expect(diagnosis.findings[0].data).toMatchObject({ reasons: ['unsupported-mechanism'], mechanisms: ['XOAUTH2'] });
    expect(JSON.stringify(diagnosis.findings)).not.toContain('Bearer');
  });
});

function flow(opts: { secure?: boolean; port: number; starttls?: boolean; autoIdle?: boolean }): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: opts.port,
    secure: opts.secure ?? false,
    doSTARTTLS: opts.secure ? undefined : opts.starttls,
    auth: { user: lab.account.user, pass: lab.account.password },
    logger: false,
    disableAutoIdle: !opts.autoIdle,
    // Its default waits 15 s before IDLE; a second keeps the test short and IDLE still starts mid-pause.
    ...(opts.autoIdle ? { autoIdleDelay: 1000 } : {}),
    tls: { rejectUnauthorized: false, minVersion: 'TLSv1.2' },
  });
}

describe('imapflow against the lab', () => {
  it('fetching every message whole: the diagnosis counts all 22 and their true bytes, and the fetch step passes', async () => {
    let bytes = 0;
    let messages = 0;
    const { diagnosis, events } = await observe(lab, async () => {
      const client = flow({ port: lab.listeners.imap!.port, starttls: false });
      await client.connect();
      const lock = await client.getMailboxLock('INBOX');
      try {
        for await (const msg of client.fetch('1:*', { source: true })) {
          messages += 1;
          bytes += msg.source!.length;
        }
      } finally {
        lock.release();
      }
      await client.logout();
    });
    expect(messages).toBe(lab.store.messages('INBOX').length);
    expect(messages).toBe(22);
    // The single FETCH response is longer than one event: recorded whole, as several in order.
    const s2c = events.filter((e): e is Extract<LabEvent, { kind: 'c2s' | 's2c' }> => e.kind === 's2c');
    expect(s2c.some((e) => e.continued)).toBe(true);
    expect(s2c.filter((e) => e.truncated !== undefined)).toEqual([]);
    expect(bytes).toBeGreaterThan(MAX_EVENT_PAYLOAD_BYTES);
    expect(diagnosis.verdict).toBe('pass');
    expect(step(diagnosis, 'fetch').result).toBe('pass');
    const full = diagnosis.findings.find((f) => f.id === 'full-body-download')!;
    expect(full.data).toMatchObject({ messages, bytes });
    expect(full.explanation).toContain(`${Math.round(bytes / 102.4) / 10} KB`);
    expect(serious(diagnosis).filter((id) => id !== 'full-body-download')).toEqual([]);
  });

  it('plaintext, a person reading between commands, then IDLE: pass, no warning', async () => {
    const { diagnosis } = await observe(lab, async () => {
      const client = flow({ port: lab.listeners.imap!.port, starttls: false });
      await client.connect();
      const lock = await client.getMailboxLock('INBOX');
      try {
        await client.fetchOne('1', { envelope: true, bodyStructure: true });
        await new Promise((r) => setTimeout(r, READING_MS));
        await client.fetchOne('2', { source: true });
        // IDLE (RFC 2177) for longer than the gap threshold; imapflow ends it with DONE for the NOOP.
        const idling = client.idle();
        await new Promise((r) => setTimeout(r, READING_MS));
        await client.noop();
        await idling;
      } finally {
        lock.release();
      }
      await client.logout();
    });
    expectCleanPass(diagnosis);
    const c2s = diagnosis.attempts[0];
    expect(c2s.security).toBe('none');
  }, 30_000);

  it('with its automatic IDLE (the default) while a person reads, over STARTTLS: pass, no finding', async () => {
    const { diagnosis, events } = await observe(lab, async () => {
      const client = flow({ port: lab.listeners.imap!.port, autoIdle: true });
      await client.connect();
      for (const seq of ['1', '2']) {
        const lock = await client.getMailboxLock('INBOX');
        try {
          await client.fetchOne(seq, { envelope: true });
        } finally {
          lock.release();
        }
        // Nothing to do while the person reads: imapflow IDLEs on its own until the next command.
        if (seq === '1') await new Promise((r) => setTimeout(r, READING_MS));
      }
      await client.logout();
    });
    expect(events.some((e) => e.kind === 'c2s' && /^\S+ IDLE\r\n$/.test(e.text ?? ''))).toBe(true);
    expectCleanPass(diagnosis);
    expect(diagnosis.findings).toEqual([]);
    expect(diagnosis.attempts[0].security).toBe('starttls');
  }, 20_000);

  it('STARTTLS (its default when offered) and IMAPS: pass, no finding of note', async () => {
    for (const mode of ['starttls', 'imaps'] as const) {
      const { diagnosis } = await observe(lab, async () => {
        const client = mode === 'imaps' ? flow({ port: lab.listeners.imaps!.port, secure: true }) : flow({ port: lab.listeners.imap!.port });
        await client.connect();
        const lock = await client.getMailboxLock('INBOX');
        try {
          await client.fetchOne('*', { envelope: true, flags: true });
        } finally {
          lock.release();
        }
        await client.logout();
      });
      expectCleanPass(diagnosis);
      expect(diagnosis.findings, mode).toEqual([]);
      expect(diagnosis.attempts[0].security).toBe(mode === 'imaps' ? 'tls' : 'starttls');
    }
  });
});
