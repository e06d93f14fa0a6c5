/**
 * The mailbox change between sessions, on request (`--pop3-change-mailbox`): what the lab does
 * to the maildrop before the phone's next check (delete the first message, add one, both), and
 * the diagnosis of a phone that keeps using the numbers it remembered — on misbehaving bytes (a
 * scripted client, the Windows Mobile simulator) and on correct real clients that track
 * messages by UIDL (fetchmail `uidl keep`, getmail6, mutt, Python poplib), which must get no
 * false finding.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabEvent, Pop3MailboxChange } from '../../electron/api.js';
import { labOptionsFromArgv } from '../../electron/cli/commands/lab.js';
import { main } from '../../electron/cli/main.js';
import { startLab, type LabExtras } from '../../electron/lab/lab.js';
import type { LabOptions } from '../../electron/lab/lab-types.js';
import { MAX_MAILBOX_CHANGES } from '../../electron/lab/pop3/limits.js';
import { runScenario, scenario } from '../../electron/lab/simulate/index.js';
import { runPeer } from '../support/run.js';
import { fetchmailPop3, getmailPop3, muttPop3, type Pop3ClientDriver } from '../support/clients/pop3.js';
import { messageIds } from '../support/clients/store.js';
import { Pop3Script } from '../support/pop3-script.js';
import { PASSWORD, observe, serious, type Lab } from '../simulate/lab-session.js';
import { tempDir } from '../support/temp.js';

const labs: Lab[] = [];
afterAll(async () => {
  await Promise.all(labs.map((l) => l.stop()));
});

async function changingLab(change: Pop3MailboxChange, extra: Partial<LabOptions> & LabExtras = {}): Promise<Lab> {
  const lab = await startLab({
    dataDir: tempDir('mp-change-'),
    bind: '127.0.0.1',
    imapPort: null,
    imapsPort: null,
    smtpPort: null,
    smtpsPort: null,
    pop3Port: 0,
    pop3sPort: null,
    httpPort: null,
    password: PASSWORD,
    pop3MailboxChange: change,
    ...extra,
  });
  labs.push(lab);
  return lab;
}

/** One POP3 session: log in, run `lines`, QUIT; the answers' texts and bodies. */
async function check(lab: Lab, lines: string[], quit = true): Promise<Array<{ status: string; text: string; body?: string[] }>> {
  const s = await Pop3Script.open(lab.listeners.pop3!.port);
  const out = [];
  for (const l of [`USER ${lab.account.user}`, `PASS ${PASSWORD}`, ...lines]) out.push(await s.send(l));
  if (quit) await s.quit();
  else s.close();
  return out.slice(2);
}

describe('the lab changes the maildrop before the next check', () => {
  it('both: the first message goes, a new one comes at the end; every number names another message; IMAP sees it too', async () => {
    const lab = await changingLab('both');
    const { events } = await observe(lab, async () => {
      const [first] = await check(lab, ['UIDL']);
      const [second, top] = await check(lab, ['UIDL', 'TOP 23 0']);
      expect(first.body).toHaveLength(22);
      expect(second.body).toHaveLength(22);
      const uid = (l: string) => l.split(' ')[1];
      // Number n now names what n+1 named; the last is new.
      expect(second.body!.slice(0, 21).map(uid)).toEqual(first.body!.slice(1).map(uid));
      expect(first.body!.map(uid)).not.toContain(uid(second.body![21]));
      expect(top.status).toBe('-ERR');
    });
    const ev = events.find((e): e is Extract<LabEvent, { kind: 'pop3.changed' }> => e.kind === 'pop3.changed')!;
    expect(ev).toMatchObject({ change: 'both', removed: { messageId: expect.stringMatching(/^<seed-001\./) }, added: { messageId: expect.stringMatching(/^<added-1\./) } });
    expect(ev.before).toHaveLength(22);
    expect(ev.after).toHaveLength(22);
    // Recorded between the second session's PASS and its +OK.
    const pass = events.filter((e) => e.kind === 'c2s' && e.conn === ev.conn && /^PASS /.test(e.text ?? ''));
    expect(pass).toHaveLength(1);
    expect(pass[0].seq).toBeLessThan(ev.seq);
    const ids = lab.store.messages('INBOX').map((m) => m.envelope.messageId ?? '');
    expect(ids.some((id) => id.startsWith('<added-1.'))).toBe(true);
    expect(ids.some((id) => id.startsWith('<seed-001.'))).toBe(false);
  });

  it('delete: one message fewer; add: one more; off: nothing changes', async () => {
    for (const [change, count] of [['delete', 21], ['add', 23], ['off', 22]] as const) {
      const lab = await changingLab(change);
      await check(lab, ['STAT']);
      const [stat] = await check(lab, ['STAT']);
      expect(stat.text.split(' ')[0], change).toBe(String(count));
    }
  });

  it('only a session that logged in arms a change, and only once per gap between sessions', async () => {
    const lab = await changingLab('add');
    const s = await Pop3Script.open(lab.listeners.pop3!.port);
    await s.send(`USER ${lab.account.user}`);
    await s.send('PASS wrong');
    await s.quit();
    expect((await check(lab, ['STAT']))[0].text).toMatch(/^22 /);
    expect((await check(lab, ['STAT']))[0].text).toMatch(/^23 /);
    expect((await check(lab, ['STAT']))[0].text).toMatch(/^24 /);
  });

  it(`stops after maxMailboxChanges changes (${MAX_MAILBOX_CHANGES} by default)`, async () => {
    const lab = await changingLab('add', { pop3Limits: { maxMailboxChanges: 2 } });
    for (let i = 0; i < 4; i++) await check(lab, ['STAT']);
    expect((await check(lab, ['STAT']))[0].text).toMatch(/^24 /);
  });

  it('never deletes the last message', async () => {
    const lab = await changingLab('delete', { pop3Limits: { maxMailboxChanges: 100 } });
    const last = lab.store.messages('INBOX').length;
    for (let i = 0; i < last; i++) await check(lab, []);
    expect(lab.store.messages('INBOX')).toHaveLength(1);
    await check(lab, []);
    expect((await check(lab, ['STAT']))[0].text).toMatch(/^1 /);
  });

  it('--pop3-change-mailbox: off|delete|add|both, anything else is exit 2 with one line', async () => {
    expect(labOptionsFromArgv(['--pop3-change-mailbox', 'both']).options.pop3MailboxChange).toBe('both');
    expect(labOptionsFromArgv([]).options.pop3MailboxChange).toBeUndefined();
    const err: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect(await main(['lab', '--pop3-change-mailbox', 'sometimes'])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(err.join('').trim().split('\n')).toHaveLength(1);
    expect(err.join('')).toMatch(/--pop3-change-mailbox/);
  });
});

describe('a phone that trusts remembered numbers after the change is named', () => {
  it('STAT, then DELE by the number it had: pop3-stale-message-number, after the change', async () => {
    const lab = await changingLab('delete');
    const { diagnosis } = await observe(lab, async () => {
      await check(lab, ['STAT', 'LIST', 'TOP 1 0', 'TOP 2 0', 'TOP 3 0']);
      // The phone's user deletes "message 2" it saw at the last check.
      await check(lab, ['STAT', 'DELE 2']);
    });
    const f = diagnosis.findings.find((x) => x.id === 'pop3-stale-message-number');
    expect(f?.severity).toBe('warning');
    expect(f?.data).toMatchObject({ commands: ['DELE 2'], afterChange: true });
  });

  it('LIST, then RETR of the message it had shown as 3: named, and its text says the lab changed the mailbox', async () => {
    const lab = await changingLab('both');
    const { diagnosis } = await observe(lab, async () => {
      await check(lab, ['LIST', 'TOP 1 0', 'TOP 2 0', 'TOP 3 0']);
      await check(lab, ['LIST', 'RETR 3']);
    });
    const f = diagnosis.findings.find((x) => x.id === 'pop3-stale-message-number');
    expect(f?.data).toMatchObject({ commands: ['RETR 3'], afterChange: true });
    expect(f?.explanation).toMatch(/changed the mailbox between two checks/);
  });

  it('the Windows Mobile simulator against a changing lab: named, after the change', async () => {
    const lab = await changingLab('delete');
    const { diagnosis, live } = await observe(lab, () => runScenario('winmobile-pop3-stale-number', { host: '127.0.0.1', port: lab.listeners.pop3!.port, user: lab.account.user, password: PASSWORD }));
    expect(diagnosis.findings.find((x) => x.id === 'pop3-stale-message-number')?.data).toMatchObject({ commands: ['RETR 3'], afterChange: true });
    expect(diagnosis.directions?.receiving).toBe(scenario('winmobile-pop3-stale-number').expectedVerdict);
    expect(live).toEqual(diagnosis);
  });

  it('not blamed: a deleting phone (STAT, RETR and DELE of everything), or a client that asks UIDL after the change', async () => {
    const lab = await changingLab('both');
    const all = (verb: string) => Array.from({ length: 22 }, (_, i) => `${verb} ${i + 1}`);
    const { diagnosis } = await observe(lab, async () => {
      await check(lab, ['UIDL', 'RETR 1', 'RETR 2']);
      await check(lab, ['STAT', ...all('RETR'), ...all('DELE')]);
      await check(lab, ['UIDL', 'RETR 1', 'DELE 1']);
    });
    expect(serious(diagnosis)).toEqual([]);
    expect(diagnosis.findings.map((f) => f.id)).not.toContain('pop3-no-uidl');
  });

  it('without UIDL after the change, STAT then RETR of a remembered number is named even when it also deletes it', async () => {
    const lab = await changingLab('both');
    const { diagnosis } = await observe(lab, async () => {
      await check(lab, ['UIDL', 'RETR 1', 'RETR 2']);
      await check(lab, ['STAT', 'RETR 2', 'DELE 2']);
    });
    expect(diagnosis.findings.find((f) => f.id === 'pop3-stale-message-number')?.data).toMatchObject({ commands: ['RETR 2'], count: 1 });
  });
});

describe('correct real clients across a change get no false finding', () => {
  const POP3_PLAIN = { security: 'plain', trust: 'none', host: '127.0.0.1' } as const;

  async function twice(driver: Pop3ClientDriver, mode: { uidl?: boolean }, change: Pop3MailboxChange) {
    const lab = await changingLab(change, { user: 'phone' });
    const workDir = tempDir(`mp-change-${driver.name}-`);
    try {
      const runs: Array<Awaited<ReturnType<Pop3ClientDriver['run']>>> = [];
      const { diagnosis, events } = await observe(lab, async () => {
        for (let i = 0; i < 2; i++) {
          runs.push(await driver.run({ ...POP3_PLAIN, ...mode, port: lab.listeners.pop3!.port, user: lab.account.user, password: PASSWORD, caFile: '/dev/null', serverCertFiles: [], workDir, timeoutMs: 30_000 }));
        }
      });
      return { runs, diagnosis, events };
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }

  it('fetchmail `uidl keep`: the second check downloads the added message only', async () => {
    const { runs, diagnosis, events } = await twice(fetchmailPop3, { uidl: true }, 'both');
    expect(runs[0].code, runs[0].log).toBe(0);
    expect(runs[1].code, runs[1].log).toBe(0);
    expect(events.some((e) => e.kind === 'pop3.changed')).toBe(true);
    // One out dir across runs: 22 the first time, then just the one new message.
    expect(runs[1].messages).toHaveLength(23);
    expect(messageIds(runs[1].messages).filter((id) => id?.startsWith('<added-1.'))).toHaveLength(1);
    expect(serious(diagnosis)).toEqual([]);
    expect(diagnosis.directions?.receiving).toBe('pass');
  }, 90_000);

  for (const driver of [getmailPop3, muttPop3]) {
    it(`${driver.name}: both checks pass with no finding`, async () => {
      const { runs, diagnosis } = await twice(driver, {}, 'both');
      for (const r of runs) expect(r.code, r.log.slice(-2000)).toBe(0);
      expect(messageIds(runs[1].messages).some((id) => id?.startsWith('<added-1.'))).toBe(true);
      expect(serious(diagnosis)).toEqual([]);
      expect(diagnosis.directions?.receiving).toBe('pass');
    }, 90_000);
  }

  it('Python poplib tracking UIDLs: the second check retrieves only the new message; no finding', async () => {
    const lab = await changingLab('both');
    const script = `import poplib, sys, json, os
seen_file = sys.argv[1]
seen = set(json.load(open(seen_file))) if os.path.exists(seen_file) else set()
p = poplib.POP3('127.0.0.1', ${lab.listeners.pop3!.port})
p.user('${lab.account.user}'); p.pass_('${PASSWORD}')
got = 0
for line in p.uidl()[1]:
    n, uid = line.decode().split(' ')
    if uid not in seen:
        p.retr(int(n)); seen.add(uid); got += 1
p.quit()
json.dump(sorted(seen), open(seen_file, 'w'))
print(got)`;
    const seen = join(tempDir('mp-poplib-'), 'seen.json');
    const got: string[] = [];
    const { diagnosis } = await observe(lab, async () => {
      for (let i = 0; i < 2; i++) {
        const r = await runPeer('python3', ['-c', script, seen]);
        expect(r.code, r.stderr).toBe(0);
        got.push(r.stdout.trim());
      }
    });
    expect(got).toEqual(['22', '1']);
    expect(serious(diagnosis)).toEqual([]);
  });

  it('Python poplib downloading everything twice: pop3-no-uidl (two checks), not a stale number', async () => {
    const lab = await changingLab('both');
    const script = `import poplib\np = poplib.POP3('127.0.0.1', ${lab.listeners.pop3!.port})\np.user('${lab.account.user}'); p.pass_('${PASSWORD}')\nn = p.stat()[0]\nfor i in range(n): p.retr(i + 1)\np.quit()`;
    const { diagnosis } = await observe(lab, async () => {
      for (let i = 0; i < 2; i++) expect((await runPeer('python3', ['-c', script])).code).toBe(0);
    });
    expect(serious(diagnosis)).toEqual(['pop3-no-uidl']);
    expect(diagnosis.findings.find((f) => f.id === 'pop3-no-uidl')?.data?.checks).toBe(2);
  });
});

describe('a number remembered from the last check, with no change in between', () => {
  it('curl listing, then fetching message 1 by its number: an info note, not a warning; after a deletion it is a warning', async () => {
    const lab = await changingLab('off');
    const url = `pop3://127.0.0.1:${lab.listeners.pop3!.port}/`;
    const curl = (path: string) => runPeer('curl', ['-sS', '--user', `${lab.account.user}:${PASSWORD}`, url + path], { timeoutMs: 15_000 });
    const calm = await observe(lab, async () => {
      expect((await curl('')).code).toBe(0);
      expect((await curl('1')).code).toBe(0);
    });
    const note = calm.diagnosis.findings.find((f) => f.id === 'pop3-stale-message-number')!;
    expect(note.severity).toBe('info');
    expect(note.explanation).toContain('Nothing changed in the mailbox since, so no harm was done');
    expect(serious(calm.diagnosis)).toEqual([]);

    // Another check deletes message 1 (DELE, QUIT): the numbers the phone remembers moved.
    const moved = await observe(lab, async () => {
      expect((await curl('')).code).toBe(0);
      await check(lab, ['STAT', 'DELE 1']);
      expect((await curl('1')).code).toBe(0);
    });
    const warning = moved.diagnosis.findings.find((f) => f.id === 'pop3-stale-message-number')!;
    expect(warning.severity).toBe('warning');
    expect(warning.explanation).toContain('although messages were deleted since its last check');
  });
});
