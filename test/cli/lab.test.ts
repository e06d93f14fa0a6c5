/**
 * `mailprobe lab` and `mailprobe sessions` as a user runs them (built CLI: `npm run build:node`
 * first). The ready line, --json events, a clean stop on SIGTERM, exit code 2 for bad options,
 * and the durability promise: after SIGKILL, every response the client saw is in events.jsonl.
 */
import { closeSync, openSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { bitmapToPng, terminalQrToBitmap } from '../handoff/png.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import { diagnose } from '../../electron/lab/diagnosis/index.js';
import { decodeBytes, readEvents } from '../../electron/lab/recorder/index.js';
import { RawClient } from '../support/raw-client.js';
import { BIN, runCli, spawnLab, type LabProcess } from '../support/cli.js';
import { tempDir, waitFor } from '../support/lab.js';

const base = (dir: string) => ['--bind', '127.0.0.1', '--imap-port', '0', '--imaps-port', '0', '--smtp-port', '0', '--smtps-port', '0', '--pop3-port', '0', '--pop3s-port', '0', '--http-port', '0', '--data-dir', dir];

/** Send `next()` every `everyMs` until `seen` has arrived, then SIGKILL the lab with answers still flowing. */
async function killWhileFlowing(lab: LabProcess, c: RawClient, next: () => string, everyMs: number, seen: string): Promise<void> {
  const pump = setInterval(() => c.send(next()), everyMs);
  const deadline = Date.now() + 10_000;
  while (!c.received().includes(seen) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  lab.child.kill('SIGKILL');
  clearInterval(pump);
  await lab.exited;
  await c.closedByServer().catch(() => '');
}

describe('mailprobe lab', () => {
  it('prints ready, streams events with --json, stops cleanly on SIGTERM', async () => {
    const dir = tempDir();
    const lab = await spawnLab([...base(dir), '--json', '--user', 'nokia', '--password', '2468', '--empty-line', 'lenient', '--profile', 'nokia-6233']);
    expect(Object.keys(lab.ready.listeners).sort()).toEqual(['http', 'imap', 'imaps', 'pop3', 'pop3s', 'smtp', 'smtps']);
    expect(lab.ready.sessionDir.startsWith(join(dir, 'sessions'))).toBe(true);
    expect(lab.ready.handoffUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/c$/);
    const first = JSON.parse(await lab.waitLine((l) => l.includes('"lab.start"'))) as LabEvent;
    expect(first).toMatchObject({ seq: 1, kind: 'lab.start', settings: { emptyLine: 'lenient', profile: 'nokia-6233' } });

    const c = await RawClient.connect(lab.ready.listeners.imap.port);
    await c.line();
    expect(await c.command('a1', 'LOGIN nokia 2468')).toEqual(['a1 OK User logged in']);
    const auth = JSON.parse(await lab.waitLine((l) => l.includes('"kind":"auth"'))) as LabEvent;
    expect(auth).toMatchObject({ mechanism: 'LOGIN-COMMAND', user: 'nokia', ok: true });
    // The LOGIN line is printed with its secrets redacted.
    const loginLine = await lab.waitLine((l) => l.includes('a1 LOGIN'));
    expect(loginLine).not.toContain('2468');
    c.close();

    lab.child.kill('SIGTERM');
    expect(await lab.exited).toBe(0);
    const evs = readEvents(lab.ready.sessionDir);
    expect(evs.at(-1)).toMatchObject({ kind: 'lab.stop', reason: 'SIGTERM' });
    expect(lab.lines.some((l) => l.includes('"lab.stop"'))).toBe(true);
  });

  it('prints the hand-off URL and a terminal QR code that decodes to it', async () => {
    const lab = await spawnLab(base(tempDir()));
    const url = lab.ready.handoffUrl!;
    await waitFor(() => lab.stderr().includes('█')); // stderr and stdout are separate pipes: one may lag the other
    const err = lab.stderr();
    expect(err).toContain(`open ${url}`);
    const qrText = err.split('\n').filter((l) => /[█▀▄]/.test(l)).join('\n');
    const png = join(tempDir(), 'qr.png');
    writeFileSync(png, bitmapToPng(terminalQrToBitmap(qrText), 4));
    expect(execFileSync('zbarimg', ['--raw', '-q', png], { encoding: 'utf8' }).trim()).toBe(url);
    lab.child.kill('SIGTERM');
    expect(await lab.exited).toBe(0);
  });

  it('--ui starts the wizard\'s control server on loopback and prints uiUrl', async () => {
    const lab = await spawnLab([...base(tempDir()), '--ui', '--ui-port', '0']);
    const url = (lab.ready as { uiUrl?: string }).uiUrl;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+$/);
    const res = await fetch(url!);
    expect(res.status).toBe(200);
    lab.child.kill('SIGTERM');
    expect(await lab.exited).toBe(0);
  });

  it('exit code 2 and one line for bad options', async () => {
    for (const args of [['--imap-port', '70000'], ['--mechanisms', 'NTLM'], ['--empty-line', 'maybe'], ['--frobnicate'], ['--tls', 'ssl3'], ['--profile', 'nokia-3310'], ['--network', 'public']]) {
      const r = await runCli(['lab', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^mailprobe lab: /);
    }
  });

  it('serves SMTP on the ports given: smtp/smtps in the ready line, conn.open proto smtp, the settings in lab.start', async () => {
    const lab = await spawnLab([...base(tempDir()), '--json', '--smtp-auth', 'optional', '--smtp-max-size', '4096', '--smtp-bare-lf', 'reject']);
    const smtp = lab.ready.listeners.smtp;
    const c = await RawClient.connect(smtp.port);
    expect(await c.line()).toMatch(/^220 \S+ ESMTP /);
    c.send('EHLO phone\r\n');
    let l: string;
    const ehlo: string[] = [];
    do ehlo.push((l = await c.line()));
    while (l.startsWith('250-'));
    expect(ehlo).toContain('250-SIZE 4096');
    const open = JSON.parse(await lab.waitLine((x) => x.includes('"conn.open"'))) as LabEvent;
    expect(open).toMatchObject({ proto: 'smtp', port: smtp.port });
    const start = JSON.parse(await lab.waitLine((x) => x.includes('"lab.start"'))) as LabEvent;
    expect(start).toMatchObject({ settings: { smtp: { auth: 'optional', maxSize: 4096, bareLf: 'reject' } } });
    c.close();
    lab.child.kill('SIGINT');
    expect(await lab.exited).toBe(0);
  });

  it('lab --help names the SMTP flags', async () => {
    const r = await runCli(['lab', '--help']);
    expect(r.code).toBe(0);
    for (const f of ['--smtp-port N', '--smtps-port N', '--smtp-auth required|optional|off', '--smtp-mechanisms LIST', '--smtp-auth-tls-only', '--smtp-auth-equals-line', '--smtp-max-size BYTES', '--smtp-bare-lf reject|accept', '--smtp-mail-from strict|lenient']) {
      expect(r.stdout).toContain(f);
    }
  });

  it('exit code 2 and one line for bad SMTP options', async () => {
    for (const args of [['--smtp-port', '70000'], ['--smtp-auth', 'maybe'], ['--smtp-mechanisms', 'NTLM'], ['--smtp-max-size', '12k'], ['--smtp-bare-lf', 'fix'], ['--smtp-mail-from', 'loose']]) {
      const r = await runCli(['lab', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^mailprobe lab: --smtp-/);
    }
  });

  it('--max-message-size: a customer mbox with a message past it stops the start (exit 2, naming the flag); raised, the message is served and an APPEND may be as large', async () => {
    const dir = tempDir();
    const mbox = join(dir, 'export.mbox');
    const photos = 'From: customer@example.com\nSubject: photos\n\n' + ('x'.repeat(76) + '\n').repeat(60);
    writeFileSync(mbox, `From customer@example.com Mon Jan  1 00:00:00 2024\n${photos}\nFrom customer@example.com Mon Jan  1 00:00:01 2024\nFrom: customer@example.com\nSubject: hi\n\nhi\n`);
    const refused = await runCli(['lab', ...base(dir), '--mailbox', mbox, '--max-message-size', '2048']);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^mailprobe lab: .*export\.mbox: message 1 is \d+ bytes, more than the limit of 2048; --max-message-size BYTES raises the limit/);

    const lab = await spawnLab([...base(dir), '--json', '--mailbox', mbox, '--max-message-size', '8192', '--user', 'phone', '--password', 'size-8192']);
    const start = JSON.parse(await lab.waitLine((x) => x.includes('"lab.start"'))) as LabEvent;
    expect(start).toMatchObject({ settings: { maxMessageSize: 8192 } });
    const c = await RawClient.connect(lab.ready.listeners.imap.port);
    await c.line();
    expect((await c.command('a1', 'CAPABILITY')).join('\n')).toContain('APPENDLIMIT=8192');
    await c.command('a2', 'LOGIN phone size-8192');
    expect(await c.command('a3', 'SELECT INBOX')).toContain('* 2 EXISTS');
    const fetched = await c.command('a4', 'FETCH 1 RFC822.SIZE');
    expect(Number(/RFC822\.SIZE (\d+)/.exec(fetched.join(' '))?.[1])).toBe(Buffer.byteLength(photos.replace(/\n/g, '\r\n')));
    // Up to the limit an APPEND is taken; past it, refused before its bytes are sent (a synchronizing literal).
    const message = 'Subject: up\r\n\r\n' + 'y'.repeat(8000 - 19) + '\r\n';
    c.send(`a5 APPEND INBOX {${message.length}}\r\n`);
    expect(await c.line()).toMatch(/^\+ /);
    c.send(message + '\r\n');
    expect((await c.response('a5')).at(-1)).toMatch(/^a5 OK \[APPENDUID \d+ 3\]/);
    expect((await c.command('a6', 'APPEND INBOX {8193}')).at(-1)).toMatch(/^a6 NO \[TOOBIG\]/);
    c.close();
    lab.child.kill('SIGINT');
    expect(await lab.exited).toBe(0);
  });

  it('exit code 2 and one line for a --max-message-size the lab cannot take', async () => {
    for (const value of ['1023', '268435457', '50MB', '']) {
      const r = await runCli(['lab', '--max-message-size', value]);
      expect(r.code, value).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^mailprobe lab: --max-message-size must be a number of bytes from 1024 to 268435456/);
    }
  });

  it('after SIGKILL mid-session, every response the client received is in events.jsonl', async () => {
    const dir = tempDir();
    const lab = await spawnLab(base(dir));
    const c = await RawClient.connect(lab.ready.listeners.imap.port);
    await c.line();
    await c.command('k1', 'LOGIN phone x'); // refused: a response like any other
    const pw = (readEvents(lab.ready.sessionDir).find((e) => e.kind === 'lab.start') as Extract<LabEvent, { kind: 'lab.start' }>).account.password;
    await c.command('k2', `LOGIN phone ${pw}`);
    await c.command('k3', 'SELECT INBOX');
    // Pipelined NOOPs and FETCHes, and a kill while the answers are flowing.
    let n = 0;
    await killWhileFlowing(lab, c, () => `p${n++} NOOP\r\np${n++} FETCH 1:3 (FLAGS ENVELOPE)\r\n`, 2, 'p21 OK');
    const got = c.received().toString('utf8');
    const evs = readEvents(lab.ready.sessionDir);
    const conn = evs.find((e) => e.kind === 'conn.open')!.conn;
    const recorded = evs.filter((e) => e.kind === 's2c' && e.conn === conn).map((e) => (e.kind === 's2c' ? e.text ?? '' : '')).join('');
    expect(got).toContain('p1 OK Completed');
    expect(recorded.startsWith(got)).toBe(true);
  });

  it('after SIGKILL while responses longer than one event are flowing, the file holds every byte the client saw, in order', async () => {
    const dir = tempDir();
    const lab = await spawnLab([...base(dir), '--network', 'untrusted']);
    const start = readEvents(lab.ready.sessionDir).find((e) => e.kind === 'lab.start') as Extract<LabEvent, { kind: 'lab.start' }>;
    // The technician's word on the network is in the session, for diagnose to read later.
    expect(start.settings.network).toBe('untrusted');
    const c = await RawClient.connect(lab.ready.listeners.imap.port);
    await c.line();
    await c.command('k1', `LOGIN phone ${start.account.password}`);
    await c.command('k2', 'SELECT INBOX');
    let n = 0;
    // Each answer is one ~79 KB response: several events per response.
    await killWhileFlowing(lab, c, () => `b${n++} FETCH 1:* (BODY.PEEK[])\r\n`, 5, 'b3 OK');
    const got = c.received();
    const evs = readEvents(lab.ready.sessionDir);
    const recorded = Buffer.concat(evs.filter((e) => e.kind === 's2c').map((e) => decodeBytes(e as Extract<LabEvent, { kind: 's2c' }>)));
    expect(got.toString('utf8')).toContain('b3 OK Completed');
    expect(recorded.subarray(0, got.length).equals(got)).toBe(true);
    expect(evs.some((e) => e.kind === 's2c' && e.continued)).toBe(true);
    const d = diagnose(evs);
    expect(d.findings.find((f) => f.id === 'cleartext-password')?.severity).toBe('warning');
    expect(diagnose(evs, { network: 'trusted' }).findings.find((f) => f.id === 'cleartext-password')?.severity).toBe('info');
  });

  it('keeps the default account (short user, 6-digit password) in a 0600 file across runs', async () => {
    const dir = tempDir();
    const a = await spawnLab(base(dir));
    a.child.kill('SIGTERM');
    await a.exited;
    const b = await spawnLab(base(dir));
    b.child.kill('SIGTERM');
    await b.exited;
    const pwOf = (sessionDir: string) => (readEvents(sessionDir)[0] as Extract<LabEvent, { kind: 'lab.start' }>).account;
    const acc = pwOf(a.ready.sessionDir);
    expect(acc.user).toBe('phone');
    expect(acc.password).toMatch(/^\d{6}$/);
    expect(pwOf(b.ready.sessionDir)).toEqual(acc);
    expect(statSync(join(dir, 'account.json')).mode & 0o777).toBe(0o600);

    const s = await runCli(['sessions', '--data-dir', dir]);
    expect(s.code).toBe(0);
    const rows = s.stdout.trim().split('\n');
    expect(rows[0]).toBe('SESSION\tSTARTED\tCONNECTIONS\tAUTH');
    expect(rows.slice(1).map((r) => r.split('\t')[0])).toEqual([b.ready.sessionDir, a.ready.sessionDir].map((d) => d.split('/').at(-1)));
  });
});

describe('mailprobe sessions', () => {
  it('lists connections and auth results, newest first', async () => {
    const dir = tempDir();
    const lab = await spawnLab([...base(dir), '--password', '1111']);
    const c = await RawClient.connect(lab.ready.listeners.imap.port);
    await c.line();
    await c.command('a', 'LOGIN phone 0000');
    await c.command('b', 'LOGIN phone 1111');
    c.close();
    lab.child.kill('SIGTERM');
    await lab.exited;
    const s = await runCli(['sessions', '--data-dir', dir]);
    const row = s.stdout.trim().split('\n')[1].split('\t');
    expect(row[2]).toBe('1');
    expect(row[3]).toBe('LOGIN-COMMAND failed, LOGIN-COMMAND ok');
    const empty = await runCli(['sessions', '--data-dir', tempDir()]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/^no sessions in /);
  });

  it('a reader that goes away (| head -0) ends the output, not the command: no stack trace, its own exit code; a full disk is an error', async () => {
    const dir = tempDir();
    const lab = await spawnLab(base(dir));
    const c = await RawClient.connect(lab.ready.listeners.imap.port);
    await c.line();
    await c.command('a', 'LOGIN phone 123456');
    c.close();
    lab.child.kill('SIGTERM');
    await lab.exited;
    /** The command with its stdout a pipe whose reader closed it before the first line. */
    const withReaderGone = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.destroy();
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    for (const args of [['sessions', '--data-dir', dir], ['diagnose', lab.ready.sessionDir], ['diagnose', lab.ready.sessionDir, '--json']]) {
      const r = await withReaderGone(args);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
    }
    // Output someone wanted and that could not be written is not a reader gone: stdout on a full disk.
    const full = openSync('/dev/full', 'w');
    const onFullDisk = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'sessions', '--data-dir', dir], { stdio: ['ignore', full, 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    closeSync(full);
    expect(onFullDisk).toEqual({ code: 1, stderr: expect.stringMatching(/^mailprobe: could not write to stdout: ENOSPC/) });
  });
});
