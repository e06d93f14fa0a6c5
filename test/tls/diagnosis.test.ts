/**
 * What the diagnosis makes of TLS trouble after the handshake, from a real lab session: refused
 * renegotiation attempts and a record with a bad MAC show as protocol-violation evidence; the
 * handshake step stays passed; a correct client on the same lab is not blamed.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import { diagnose } from '../../electron/lab/diagnosis/index.js';
import { startLab, type StartedLab } from '../../electron/lab/lab.js';
import { tlsOffers } from '../../electron/lab/report/sections/tls.js';
import { bitFlipProxy, gnutlsPriority, runInteractive, waitForEvent } from './harness.js';
import { tempDir } from '../support/temp.js';

describe('the diagnosis of TLS errors after the handshake', () => {
  let lab: StartedLab;
  const events: LabEvent[] = [];
  let caFile: string;
  beforeAll(async () => {
    const dataDir = tempDir('mailprobe-tls-diag-');
    lab = await startLab({ bind: '127.0.0.1', imapPort: 0, imapsPort: 0, httpPort: null, dataDir, user: 'phone', password: 'secret', tls: 'auto' });
    lab.recorder.subscribe((e) => events.push(e));
    caFile = join(dataDir, 'certs', 'ca.pem');
  });
  afterAll(() => lab.stop());

  it('shows renegotiation attempts and a bad-MAC close as protocol-violation, keeps the tls step, blames no correct client', async () => {
    const imaps = lab.listeners.imaps!.port;
    const tls12 = gnutlsPriority('VERS-TLS1.2', '+AES-128-CBC:+SHA1:+SIGN-ALL');
    const gnutls = (port: number, extra: string[], steps: Parameters<typeof runInteractive>[2]) =>
      runInteractive('gnutls-cli', ['--x509cafile', caFile, '--verify-allow-broken', '-p', String(port), '--priority', tls12, ...extra, '127.0.0.1'], steps, 10_000);

    // 1. A client that renegotiates until the lab closes (OpenSSL refuses each attempt).
    await gnutls(imaps, ['--rehandshake'], [{ waitFor: /$^/ }]);
    await waitForEvent({ events: () => events }, (e) => e.kind === 'tls.failed' && e.afterHandshake === true);
    const renegConn = events.find((e) => e.kind === 'input.rejected' && e.what === 'tls-renegotiation')!.conn!;

    // 2. A record with a bad MAC on an established session.
    const proxy = await bitFlipProxy(imaps, 23);
    await gnutls(proxy.port, [], [{ waitFor: /\* OK/, send: 'a1 LOGIN phone secret\r\n' }, { waitFor: /$^/ }]);
    proxy.server.close();
    const macFail = await waitForEvent({ events: () => events }, (e) => e.kind === 'tls.failed' && e.alert === 'bad_record_mac');
    expect(macFail).toMatchObject({ afterHandshake: true, alertFrom: 'server' });

    // 3. A correct client: logs in, selects, logs out.
    const ok = await gnutls(imaps, [], [
      { waitFor: /\* OK/, send: 'a1 LOGIN phone secret\r\n' },
      { waitFor: 'a1 OK', send: 'a2 SELECT INBOX\r\n' },
      { waitFor: 'a2 OK', send: 'a3 LOGOUT\r\n' },
      { waitFor: 'a3 OK' },
    ]);
    expect(ok.stdout).toContain('a3 OK');
    await waitForEvent({ events: () => events }, (e) => e.kind === 'conn.close' && events.some((x) => x.kind === 'c2s' && x.conn === e.conn && (x.text ?? '').includes('a3 LOGOUT')));
    const goodConn = events.find((e) => e.kind === 'c2s' && (e.text ?? '').includes('a3 LOGOUT'))!.conn!;

    const d = diagnose(events);
    const pv = d.findings.find((f) => f.id === 'protocol-violation');
    expect(pv).toBeDefined();
    const cited = new Set(pv!.evidence.map((seq) => events.find((e) => e.seq === seq)?.conn));
    expect(cited).toContain(renegConn);
    expect(cited).toContain(macFail.conn);
    expect(cited).not.toContain(goodConn);
    expect(pv!.explanation).toMatch(/renegotiation/);
    expect(pv!.explanation).toMatch(/bad_record_mac/);
    // The handshakes themselves worked: no handshake finding, and the tls step passed.
    expect(d.findings.some((f) => f.id === 'tls-handshake-failed')).toBe(false);
    for (const conn of [renegConn, macFail.conn, goodConn]) {
      expect(d.attempts.find((a) => a.conn === conn)?.steps.find((s) => s.step === 'tls')?.result, conn).toBe('pass');
    }
    // The report's TLS page still says what was agreed on those connections.
    const outcomes = tlsOffers(events).flatMap((o) => o.outcomes);
    expect(outcomes.find((o) => o.startsWith(`${macFail.conn} `))).toMatch(/agreed: TLSv1\.2/);
  });
});
