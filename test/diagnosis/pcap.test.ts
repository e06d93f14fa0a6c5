/** Packet captures (made with tshark on lo while the simulators ran against the lab) diagnosed like sessions. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../electron/lab/diagnosis/index.js';
import { eventsFromTsharkFields, tsharkArgs } from '../../electron/lab/diagnosis/pcap.js';
import { FIXTURES, ids } from './helpers.js';

function fromPcap(name: string) {
  const r = spawnSync('tshark', tsharkArgs(join(FIXTURES, name)), { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return eventsFromTsharkFields(r.stdout);
}

describe('capture input', () => {
  it('a plaintext capture gives the same findings as the lab session (Nokia 6233, CRAM-MD5)', () => {
    const d = diagnose(fromPcap('nokia6233-cram-md5.pcap'));
    expect(ids(d)).toEqual(['auth-success-ignored', 'empty-line-after-auth', 'no-mailbox-selected']);
    expect(d.attempts[0]).toMatchObject({ mechanism: 'CRAM-MD5', verdict: 'fail' });
  });

  it('reads the clear part of TLS: the hello and the phone\'s unknown_ca alert (993 without the CA)', () => {
    const events = fromPcap('nokia6233-ssl-no-ca.pcap');
    expect(events.find((e) => e.kind === 'tls.hello')).toMatchObject({ maxVersion: 'TLSv1', cipherSuites: expect.arrayContaining(['TLS_RSA_WITH_RC4_128_MD5']) });
    const d = diagnose(events);
    expect(ids(d)).toEqual(['legacy-tls-only', 'tls-handshake-failed']);
    const f = d.findings.find((x) => x.id === 'tls-handshake-failed')!;
    expect(f.data).toMatchObject({ reason: 'client-lacks-ca', alert: 'unknown_ca' });
    expect(f.recommendation).toMatch(/Install the lab CA certificate on the phone as a DER ".crt"/);
  });

  it('sees a TLS 1.0 RC4-MD5 session established and left without a command (993 with the CA)', () => {
    const d = diagnose(fromPcap('nokia6233-ssl-ca-no-command.pcap'));
    expect(ids(d)).toEqual(['legacy-tls-only', 'tls-no-command']);
    expect(d.attempts[0].steps.find((s) => s.step === 'tls')).toMatchObject({ result: 'pass', note: 'TLSv1 TLS_RSA_WITH_RC4_128_MD5' });
  });

  it('follows STARTTLS and implicit TLS without mistaking ciphertext for IMAP; what it cannot read is inconclusive', () => {
    // imapflow over STARTTLS, then the "Automatic" phone over implicit TLS, both against the lab.
    const d = diagnose(fromPcap('encrypted-starttls-and-993.pcap'));
    expect(d.findings).toEqual([]);
    expect(d.verdict).toBe('inconclusive');
    expect(d.attempts.map((a) => a.security)).toEqual(['starttls', 'tls']);
    expect(d.attempts[0].steps.find((s) => s.step === 'tls')!.note).toMatch(/^TLSv1\.3 /);
  });

  it('turns nothing into findings when tshark gives nothing', () => {
    expect(diagnose(eventsFromTsharkFields('')).verdict).toBe('inconclusive');
  });
});
