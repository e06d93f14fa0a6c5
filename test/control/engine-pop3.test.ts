// The wizard's engine with POP3: the port sets start the POP3 listeners, the firewall hint names
// them, and demo mode runs a POP3 simulator against the POP3 listener (not the IMAP one).
import { describe, expect, it } from 'vitest';
import type { ApiStreamMessage, Diagnosis, LabStatus } from '../../electron/api.js';
import { Engine, PORT_SETS, loadEngineDeps } from '../../electron/lab/control/index.js';
import { firewallHint } from '../../electron/lab/control/net.js';
import { tempDir } from '../support/temp.js';

const tmp = () => tempDir('mp-engine-pop3-');

describe('Engine with POP3', () => {
  it('each port set gives the POP3 listeners their ports: the lab default (110/995, else 1110/1995), 1110/1995, any free', () => {
    expect(PORT_SETS.standard).not.toHaveProperty('pop3Port');
    expect(PORT_SETS.high).toMatchObject({ pop3Port: 1110, pop3sPort: 1995 });
    expect(PORT_SETS.any).toMatchObject({ pop3Port: 0, pop3sPort: 0 });
  });

  it('the firewall hint names the POP3 ports with the IMAP ones', () => {
    const l = (port: number) => ({ host: '192.168.1.20', port });
    const hint = firewallHint('192.168.1.20', { imap: l(1143), imaps: l(1993), pop3: l(1110), pop3s: l(1995), http: l(8080) }, 'win32');
    expect(hint).toMatch(/TCP ports 1143, 1993, 1110, 1995 and 8080/);
  });

  it('lab.start with pop3MailboxChange: the Windows Mobile phone is caught after the change; an unknown value means off', async () => {
    const deps = await loadEngineDeps();
    const engine = new Engine({ mode: 'browser', dataDir: tmp(), deps, demoPauseMs: 50 });
    const msgs: ApiStreamMessage[] = [];
    engine.subscribe((m) => msgs.push(m));
    try {
      await engine.call('lab.start', { address: '127.0.0.1', demo: true, pop3MailboxChange: 'delete' });
      expect(await engine.call('demo.run', { scenario: 'winmobile-pop3-stale-number' })).toEqual({ started: true });
      const latest = () => msgs.filter((m): m is { type: 'diagnosis'; diagnosis: Diagnosis } => m.type === 'diagnosis').at(-1)?.diagnosis;
      await expect.poll(() => latest()?.findings.find((f) => f.id === 'pop3-stale-message-number')?.data?.afterChange, { timeout: 15_000 }).toBe(true);
      await engine.call('lab.start', { address: '127.0.0.1', demo: true, pop3MailboxChange: 'sometimes' as never });
      const starts = () =>
        msgs.flatMap((m) => (m.type === 'events' ? m.events : [])).flatMap((e) => (e.kind === 'lab.start' ? [(e.settings as { pop3?: { mailboxChange?: string } } | undefined)?.pop3?.mailboxChange] : []));
      await expect.poll(starts, { timeout: 5000 }).toEqual(['delete', 'off']);
    } finally {
      await engine.close();
    }
  }, 40_000);

  it('demo mode starts the POP3 listeners and plays the Series 40 on the POP3 port', async () => {
    const deps = await loadEngineDeps();
    const engine = new Engine({ mode: 'browser', dataDir: tmp(), deps, demoPauseMs: 50 });
    const msgs: ApiStreamMessage[] = [];
    engine.subscribe((m) => msgs.push(m));
    try {
      const status = (await engine.call('lab.start', { address: '127.0.0.1', demo: true })) as LabStatus;
      expect(status.listeners.pop3?.port).toBeGreaterThan(0);
      expect(status.listeners.pop3s?.port).toBeGreaterThan(0);
      const scenarios = await engine.call('demo.scenarios', {});
      expect(scenarios).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'series40-pop3-download-all', listener: 'pop3', tls: false })]));
      expect(await engine.call('demo.run', { scenario: 'series40-pop3-download-all' })).toEqual({ started: true });
      const latest = () => msgs.filter((m): m is { type: 'diagnosis'; diagnosis: Diagnosis } => m.type === 'diagnosis').at(-1)?.diagnosis;
      await expect.poll(() => latest()?.attempts.find((a) => a.proto === 'pop3' && a.verdict === 'pass'), { timeout: 10_000 }).toMatchObject({ proto: 'pop3', security: 'none', mechanism: 'USER-PASS' });
      // The download-everything finding is decided once the phone has hung up.
      await expect.poll(() => latest()?.findings.map((f) => f.id), { timeout: 10_000 }).toContain('pop3-no-uidl');
    } finally {
      await engine.close();
    }
  }, 30_000);
});
