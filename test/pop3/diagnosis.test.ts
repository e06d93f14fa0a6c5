/**
 * The POP3 diagnosis on real bytes: the three simulated phones (Series 40 downloading
 * everything, Series 60 with STLS leaving mail on the server, Windows Mobile's remembered
 * message numbers) give exactly their findings; correct clients (Python poplib, curl, Perl
 * Net::POP3; poplib with APOP, STLS and POP3S; curl with APOP, PLAIN over STLS and LOGIN) get a
 * receiving pass with no false finding; a phone that hangs up after DELE and
 * a wrong password are named. The live timeline equals the batch diagnosis.
 */
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario, expectedFindings, scenario } from '../../electron/lab/simulate/index.js';
import { runPeer } from '../support/run.js';
import { RawClient } from '../support/raw-client.js';
import { PASSWORD, observe, serious, startTestLab, type Lab } from '../simulate/lab-session.js';

let lab: Lab;
let port: number;

beforeAll(async () => {
  lab = await startTestLab({ imapPort: null, imapsPort: null, smtpPort: null, smtpsPort: null, pop3Port: 0, pop3sPort: 0 });
  port = lab.listeners.pop3!.port;
});
afterAll(() => lab.stop());

/** Findings that blame the phone: errors and warnings, without the cleartext note (the lab network's policy decides its weight). */
function blame(ids: string[]): string[] {
  return ids.filter((id) => id !== 'cleartext-password');
}

describe('simulated POP3 phones', () => {
  for (const id of ['series40-pop3-download-all', 'series60-pop3-stls-leave-on-server', 'winmobile-pop3-stale-number'] as const) {
    it(`${id}: ${scenario(id).expectedVerdict}, with exactly its findings`, async () => {
      const { diagnosis, live } = await observe(lab, () => runScenario(id, { host: '127.0.0.1', port, user: lab.account.user, password: PASSWORD }));
      expect(diagnosis.directions?.receiving).toBe(scenario(id).expectedVerdict);
      expect(diagnosis.attempts.every((a) => a.proto === 'pop3' && a.direction === 'receiving')).toBe(true);
      // Every finding it names, whatever its weight: the Windows Mobile number reuse is only a
      // note on a lab whose mailbox does not change (the number still names the same message).
      expect(blame(diagnosis.findings.map((f) => f.id)).sort()).toEqual(blame([...expectedFindings(id)]).sort());
      if (id === 'winmobile-pop3-stale-number') expect(diagnosis.findings.find((f) => f.id === 'pop3-stale-message-number')!.severity).toBe('info');
      else expect(blame(serious(diagnosis))).toEqual(blame([...expectedFindings(id)]).sort());
      expect(live).toEqual(diagnosis);
    });
  }

  it('the Series 40 download-everything finding counts the true bytes of every message', async () => {
    const { diagnosis } = await observe(lab, () => runScenario('series40-pop3-download-all', { host: '127.0.0.1', port, user: lab.account.user, password: PASSWORD }));
    const f = diagnosis.findings.find((x) => x.id === 'pop3-no-uidl')!;
    const total = lab.store.messages('INBOX').reduce((s, m) => s + m.raw.length, 0);
    expect(f.data?.messages).toBe(lab.store.messages('INBOX').length);
    // Each body ends with ".\r\n" after the message's own bytes (plus dot-stuffing, if any).
    expect(Number(f.data?.bytes)).toBeGreaterThanOrEqual(total);
    expect(diagnosis.attempts[0].steps.find((s) => s.step === 'retr')?.result).toBe('pass');
  });
});

describe('correct POP3 clients get a pass with no false finding', () => {
  it('Python poplib: USER/PASS, STAT, LIST, RETR 1, QUIT', async () => {
    const { diagnosis } = await observe(lab, () =>
      runPeer('python3', ['-c', `import poplib\np = poplib.POP3('127.0.0.1', ${port})\np.user('${lab.account.user}'); p.pass_('${PASSWORD}')\np.stat(); p.list(); p.retr(1); p.quit()`]),
    );
    expect(diagnosis.directions?.receiving).toBe('pass');
    expect(blame(serious(diagnosis))).toEqual([]);
    expect(diagnosis.attempts[0].steps.map((s) => `${s.step}:${s.result}`)).toEqual(['connect:pass', 'tls:skipped', 'auth:pass', 'client-accepted-auth:pass', 'list:pass', 'retr:pass', 'quit:pass']);
  });

  it('curl pop3:// with AUTH CRAM-MD5 (no password in clear: no finding at all)', async () => {
    // From an address of its own (the other tests here listed the maildrop from 127.0.0.1): a
    // first session that names message 1 says nothing about remembered numbers.
    const { diagnosis } = await observe(lab, () => runPeer('curl', ['-sS', '--interface', '127.0.0.5', '--login-options', 'AUTH=CRAM-MD5', '-u', `${lab.account.user}:${PASSWORD}`, `pop3://127.0.0.1:${port}/1`]));
    expect(diagnosis.directions?.receiving).toBe('pass');
    expect(serious(diagnosis)).toEqual([]);
  });

  const poplibModes: Array<[string, string]> = [
    ['APOP', `p = poplib.POP3('127.0.0.1', PORT)\np.apop(USER, PASSWORD)`],
    ['STLS, then USER/PASS inside TLS', `p = poplib.POP3('127.0.0.1', PORT)\np.stls(context=ssl._create_unverified_context())\np.user(USER); p.pass_(PASSWORD)`],
    ['POP3 over SSL (the POP3S port)', `p = poplib.POP3_SSL('127.0.0.1', SSLPORT, context=ssl._create_unverified_context())\np.user(USER); p.pass_(PASSWORD)`],
  ];
  for (const [name, login] of poplibModes) {
    it(`Python poplib, ${name}: UIDL, RETR 1, QUIT`, async () => {
      const code = `import poplib, ssl\nUSER, PASSWORD, PORT, SSLPORT = '${lab.account.user}', '${PASSWORD}', ${port}, ${lab.listeners.pop3s!.port}\n${login}\np.uidl(); p.retr(1); p.quit()`;
      const { diagnosis } = await observe(lab, () => runPeer('python3', ['-c', code]));
      expect(diagnosis.directions?.receiving).toBe('pass');
      expect(blame(serious(diagnosis))).toEqual([]);
    });
  }

  for (const [i, [mech, tls]] of ([['+APOP', false], ['PLAIN', true], ['LOGIN', false]] as const).entries()) {
    it(`curl pop3:// ${mech}${tls ? ' over STLS' : ''}: a pass with no false finding`, async () => {
      // Each from an address of its own: a first session that names message 1 is no stale number.
      const args = ['-sS', '--interface', `127.0.0.${20 + i}`, '--login-options', `AUTH=${mech}`, ...(tls ? ['--ssl-reqd', '-k'] : []), '-u', `${lab.account.user}:${PASSWORD}`, `pop3://127.0.0.1:${port}/1`];
      const { diagnosis } = await observe(lab, () => runPeer('curl', args));
      expect(diagnosis.directions?.receiving).toBe('pass');
      expect(blame(serious(diagnosis))).toEqual([]);
    });
  }

  it('Perl Net::POP3 with Authen::SASL DIGEST-MD5', async () => {
    const script = `use Net::POP3; use Authen::SASL; my $p = Net::POP3->new('127.0.0.1', Port => ${port}) or die; my $s = Authen::SASL->new(mechanism => 'DIGEST-MD5', callback => { user => '${lab.account.user}', pass => '${PASSWORD}', authname => '${lab.account.user}' }); $p->auth($s) or die $p->message; $p->list; $p->quit;`;
    const { diagnosis } = await observe(lab, () => runPeer('perl', ['-e', script]));
    expect(diagnosis.directions?.receiving).toBe('pass');
    expect(serious(diagnosis)).toEqual([]);
  });
});

describe('misbehaving bytes', () => {
  async function script(lines: string[], quit: boolean): Promise<void> {
    const c = await RawClient.connect(port);
    await c.line();
    for (const l of lines) {
      c.send(l + '\r\n');
      await c.line();
    }
    if (quit) {
      c.send('QUIT\r\n');
      await c.closedByServer();
    } else c.socket.destroy();
  }

  it('DELE then a hang-up without QUIT: pop3-delete-without-quit, and the quit step says why', async () => {
    const { diagnosis } = await observe(lab, () => script([`USER ${lab.account.user}`, `PASS ${PASSWORD}`, 'STAT', 'DELE 1'], false));
    expect(blame(serious(diagnosis))).toEqual(['pop3-delete-without-quit']);
    expect(diagnosis.attempts[0].steps.find((s) => s.step === 'quit')?.note).toMatch(/deletions were not applied/);
  });

  it('a wrong password: pop3-auth-failed, and the attempt fails at auth', async () => {
    const { diagnosis } = await observe(lab, () => script([`USER ${lab.account.user}`, 'PASS wrong'], true));
    expect(blame(serious(diagnosis))).toEqual(['pop3-auth-failed']);
    expect(diagnosis.directions?.receiving).toBe('fail');
  });

  /** STLS, a TLS handshake (up to `maxVersion`), then "QUIT" in clear on the raw socket, as mutt does after a person rejected the certificate. */
  async function stlsThenClearQuit(maxVersion: 'TLSv1.3' | 'TLSv1'): Promise<void> {
    const c = await RawClient.connect(port);
    await c.line();
    c.send('STLS\r\n');
    await c.line();
    const t = tlsConnect({ socket: c.socket, rejectUnauthorized: false, maxVersion, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    await new Promise<void>((resolve, reject) => {
      t.once('secureConnect', resolve);
      t.once('error', reject);
    });
    // As mutt: a person reads the certificate prompt first, so the lab has finished its side of the handshake.
    await new Promise((r) => setTimeout(r, 300));
    c.socket.write('QUIT\r\n');
    await new Promise((r) => setTimeout(r, 300));
    c.socket.destroy();
  }

  it('a modern client that leaves TLS for clear text right after the handshake refused the certificate; it is no protocol violation', async () => {
    const { diagnosis } = await observe(lab, () => stlsThenClearQuit('TLSv1.3'));
    const ids = diagnosis.findings.map((f) => f.id);
    expect(ids).not.toContain('protocol-violation');
    expect(diagnosis.findings.find((f) => f.id === 'tls-handshake-failed')?.data?.reason).toBe('client-rejected-certificate');
  });

  it('a TLS 1.0 phone doing the same broke the protocol: protocol-violation, not a certificate refusal', async () => {
    const { diagnosis } = await observe(lab, () => stlsThenClearQuit('TLSv1'));
    const ids = diagnosis.findings.map((f) => f.id);
    expect(ids).toContain('protocol-violation');
    expect(diagnosis.findings.find((f) => f.id === 'tls-handshake-failed')).toBeUndefined();
  });

  it('USER refused (TLS required) is not a wrong password', async () => {
    const strict = await startTestLab({ imapPort: null, imapsPort: null, smtpPort: null, smtpsPort: null, pop3Port: 0, pop3sPort: null, pop3PlaintextWithoutTls: false });
    try {
      const { diagnosis } = await observe(strict, async () => {
        const c = await RawClient.connect(strict.listeners.pop3!.port);
        await c.line();
        c.send(`USER ${strict.account.user}\r\nQUIT\r\n`);
        await c.closedByServer();
      });
      expect(serious(diagnosis)).not.toContain('pop3-auth-failed');
    } finally {
      await strict.stop();
    }
  });
});
