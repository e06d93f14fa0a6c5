/**
 * Every simulated phone against the real lab (in process, ports 0): the diagnosis gives the
 * scenario's expected findings and verdict, and nothing else of warning or error severity.
 */
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLOW_CLIENT_GAP_MS } from '../../electron/lab/diagnosis/index.js';
import { SCENARIOS, expectedFindings, gnutlsAvailable, runScenario, type Scenario } from '../../electron/lab/simulate/index.js';
import { observe, serious, startTestLab, type Lab } from './lab-session.js';

/** Short pause for the 6233's 20 s silence: the test budget is 60 s for the whole area. */
const PAUSE_MS = 100;


let lab: Lab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.stop();
});

function portFor(s: Scenario): number {
  return s.listener === 'imaps' ? lab.listeners.imaps!.port : lab.listeners.imap!.port;
}

describe('simulated phones against the lab', () => {
  // The sending devices have their own file (smtp-scenarios.test.ts) and a lab with SMTP
  // listeners; the POP3 phones theirs (test/pop3/diagnosis.test.ts).
  for (const s of SCENARIOS.filter((x) => x.direction === 'receiving' && !x.listener.startsWith('pop3'))) {
    it(`${s.id}: ${s.expectedVerdict} with its findings`, async () => {
      const { diagnosis, live } = await observe(lab, () =>
        runScenario(s.id, { host: '127.0.0.1', port: portFor(s), user: lab.account.user, password: lab.account.password, pauseMs: PAUSE_MS }),
      );
      const want = expectedFindings(s.id, { pauseMs: PAUSE_MS });
      const got = diagnosis.findings.map((f) => f.id);
      expect(diagnosis.verdict).toBe(s.expectedVerdict);
      expect(got).toEqual(expect.arrayContaining(want));
      // Nothing of warning or error severity beyond what the scenario is known for.
      for (const id of serious(diagnosis)) expect(want).toContain(id);
      expect(live).toEqual(diagnosis);
      if (s.id === 'nokia6233-ssl-ca-no-command' && gnutlsAvailable()) {
        // Seed: "TLSv1 with cipher RC4-MD5" — gnutls-cli is the transport that still speaks it.
        expect(diagnosis.attempts[0].steps.find((x) => x.step === 'tls')!.note).toBe('TLSv1 TLS_RSA_WITH_RC4_128_MD5');
      }
    });
  }

  it('nokia6233-cram-md5 with a pause past SLOW_CLIENT_GAP_MS also shows the gap', async () => {
    const s = SCENARIOS.find((x) => x.id === 'nokia6233-cram-md5')!;
    const pauseMs = SLOW_CLIENT_GAP_MS + 300;
    const { diagnosis } = await observe(lab, () => runScenario(s.id, { host: '127.0.0.1', port: portFor(s), user: lab.account.user, password: lab.account.password, pauseMs }));
    expect(serious(diagnosis)).toEqual([...expectedFindings(s.id, { pauseMs })].sort());
    const gap = diagnosis.findings.find((f) => f.id === 'slow-client-gap')!;
    expect(gap.data!.maxSeconds as number).toBeGreaterThan(SLOW_CLIENT_GAP_MS / 1000);
  });

  it('the CRAM-MD5 phone is told plainly that the password was accepted', async () => {
    const s = SCENARIOS.find((x) => x.id === 'nokia6233-cram-md5')!;
    const { diagnosis } = await observe(lab, () => runScenario(s.id, { host: '127.0.0.1', port: portFor(s), user: lab.account.user, password: lab.account.password, pauseMs: 0 }));
    const f = diagnosis.findings.find((x) => x.id === 'auth-success-ignored')!;
    expect(f.explanation).toMatch(/the server accepted the password; the phone did not notice/i);
    const step = diagnosis.attempts[0].steps.find((x) => x.step === 'auth')!;
    expect(step.result).toBe('pass');
  });

  it('nokia-select-before-login-result sends SELECT INBOX in the same write as the password, before any result', async () => {
    // A raw listener that plays the AUTH=LOGIN prompts and records what arrives, chunk by chunk.
    const chunks: string[] = [];
    const server = createServer((sock) => {
      let step = 0;
      sock.write('* OK ready\r\n');
      sock.on('data', (d) => {
        chunks.push(d.toString('latin1'));
        step++;
        if (step === 1) sock.write('+ VXNlcm5hbWU6\r\n');
        else if (step === 2) sock.write('+ UGFzc3dvcmQ6\r\n');
        else if (step === 3) sock.write('A0 OK done\r\nA1 OK [READ-WRITE] done\r\n');
        else sock.end('* BYE\r\nA2 OK bye\r\n');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await runScenario('nokia-select-before-login-result', { host: '127.0.0.1', port, user: 'phone', password: 'pw' });
    server.close();
    expect(chunks[2]).toBe(`${Buffer.from('pw').toString('base64')}\r\nA1 SELECT INBOX\r\n`);
  });

  it('on a lenient lab (empty lines ignored) the stray line is a warning, the ignored login still an error', async () => {
    const lenient = await startTestLab({ emptyLine: 'lenient' });
    try {
      const { diagnosis } = await observe(lenient, () =>
        runScenario('nokia6233-cram-md5', { host: '127.0.0.1', port: lenient.listeners.imap!.port, user: lenient.account.user, password: lenient.account.password, pauseMs: 0 }),
      );
      const sev = Object.fromEntries(diagnosis.findings.map((f) => [f.id, f.severity]));
      expect(sev).toMatchObject({ 'empty-line-after-auth': 'warning', 'auth-success-ignored': 'error' });
    } finally {
      await lenient.stop();
    }
  });

  it('over implicit TLS (--tls) the same phone no longer sends its password in clear', async () => {
    const { diagnosis } = await observe(lab, () =>
      runScenario('nokia6233-automatic', { host: '127.0.0.1', port: lab.listeners.imaps!.port, tls: true, user: lab.account.user, password: lab.account.password }),
    );
    expect(serious(diagnosis)).toEqual([...expectedFindings('nokia6233-automatic', { tls: true })].sort());
    expect(diagnosis.attempts[0].security).toBe('tls');
  });

  it('the CA-installed 993 phone also works through the node:tls fallback (AES128-SHA, TLS 1.0)', async () => {
    const { diagnosis } = await observe(lab, () =>
      runScenario('nokia6233-ssl-ca-no-command', { host: '127.0.0.1', port: lab.listeners.imaps!.port, user: '', password: '', tlsTransport: 'node:tls' }),
    );
    expect(serious(diagnosis)).toEqual(['legacy-tls-only', 'tls-no-command']);
    expect(diagnosis.findings.find((f) => f.id === 'legacy-tls-only')!.recommendation).toContain('plaintext IMAP on a trusted network');
    expect(diagnosis.attempts[0].steps.find((x) => x.step === 'tls')!.note).toContain('TLSv1');
  });

  it('aborts a running scenario through its signal', async () => {
    const s = SCENARIOS.find((x) => x.id === 'nokia6233-cram-md5')!;
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const t0 = Date.now();
    await expect(runScenario(s.id, { host: '127.0.0.1', port: portFor(s), user: lab.account.user, password: lab.account.password, signal: ac.signal })).rejects.toThrow(/abort/i);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
