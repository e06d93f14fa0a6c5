/** Packet captures (made with tshark on lo while the simulators ran against the lab) diagnosed like sessions, through Mailprobe's own reader. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import { CaptureSessionBuilder, readCapture } from '../../electron/lab/capture/reader/index.js';
import { diagnose } from '../../electron/lab/diagnosis/index.js';
import { FIXTURES, ids } from './helpers.js';

async function fromPcap(name: string): Promise<LabEvent[]> {
  const events: LabEvent[] = [];
  await readCapture(join(FIXTURES, name), (e) => events.push(e));
  return events;
}

describe('capture input', () => {
  it('a plaintext capture gives the same findings as the lab session (Nokia 6233, CRAM-MD5)', async () => {
    const d = diagnose(await fromPcap('nokia6233-cram-md5.pcap'));
    expect(ids(d)).toEqual(['auth-success-ignored', 'empty-line-after-auth', 'no-mailbox-selected']);
    expect(d.attempts[0]).toMatchObject({ mechanism: 'CRAM-MD5', verdict: 'fail' });
  });

  it('reads the clear part of TLS: the hello and the phone\'s unknown_ca alert (993 without the CA)', async () => {
    const events = await fromPcap('nokia6233-ssl-no-ca.pcap');
    expect(events.find((e) => e.kind === 'tls.hello')).toMatchObject({ maxVersion: 'TLSv1', cipherSuites: expect.arrayContaining(['TLS_RSA_WITH_RC4_128_MD5']) });
    const d = diagnose(events);
    expect(ids(d)).toEqual(['legacy-tls-only', 'tls-handshake-failed']);
    const f = d.findings.find((x) => x.id === 'tls-handshake-failed')!;
    expect(f.data).toMatchObject({ reason: 'client-lacks-ca', alert: 'unknown_ca' });
    expect(f.recommendation).toMatch(/Install the lab CA certificate on the phone as a DER ".crt"/);
  });

  it('sees a TLS 1.0 RC4-MD5 session established and left without a command (993 with the CA)', async () => {
    const d = diagnose(await fromPcap('nokia6233-ssl-ca-no-command.pcap'));
    expect(ids(d)).toEqual(['legacy-tls-only', 'tls-no-command']);
    expect(d.attempts[0].steps.find((s) => s.step === 'tls')).toMatchObject({ result: 'pass', note: 'TLSv1 TLS_RSA_WITH_RC4_128_MD5' });
  });

  it('follows STARTTLS and implicit TLS without mistaking ciphertext for IMAP; what it cannot read is inconclusive', async () => {
    // imapflow over STARTTLS, then the "Automatic" phone over implicit TLS, both against the lab.
    const d = diagnose(await fromPcap('encrypted-starttls-and-993.pcap'));
    expect(d.findings).toEqual([]);
    expect(d.verdict).toBe('inconclusive');
    expect(d.attempts.map((a) => a.security)).toEqual(['starttls', 'tls']);
    expect(d.attempts[0].steps.find((s) => s.step === 'tls')!.note).toMatch(/^TLSv1\.3 /);
  });

  it('turns nothing into findings when the capture holds no packet', () => {
    const events: LabEvent[] = [];
    const b = new CaptureSessionBuilder({ emit: (e) => events.push(e) });
    b.end();
    expect(diagnose(events).verdict).toBe('inconclusive');
  });
});
