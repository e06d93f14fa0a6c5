/**
 * The reader's JA3 against an independent implementation: Wireshark's dissector (tshark), on
 * ClientHellos captured from real clients (OpenSSL, GnuTLS with a 2006-style priority).
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { helloEvent, parseClientHello } from '../../electron/lab/tls/hello.js';
import { tempDir } from '../support/temp.js';

/** Run `cmd` against a plain TCP server that keeps the first bytes (the ClientHello) and hangs up. */
function captureHello(cmd: string, args: (port: number) => string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const srv = createServer((s) => {
      let b = Buffer.alloc(0);
      s.on('data', (d) => {
        b = Buffer.concat([b, d]);
        if (parseClientHello(b).status !== 'need-more') {
          s.destroy();
          srv.close();
          resolve(b);
        }
      });
    });
    srv.listen(0, '127.0.0.1', () => {
      const c = spawn(cmd, args((srv.address() as AddressInfo).port), { stdio: ['pipe', 'ignore', 'ignore'] });
      c.on('error', reject);
    });
  });
}

function wiresharkJa3(bytes: Buffer): string {
  const dir = tempDir('mailprobe-ja3-');
  const hex = bytes.toString('hex').match(/../g) ?? [];
  let dump = '';
  for (let i = 0; i < hex.length; i += 16) dump += `${i.toString(16).padStart(6, '0')} ${hex.slice(i, i + 16).join(' ')}\n`;
  writeFileSync(join(dir, 'hello.txt'), dump);
  execFileSync('text2pcap', ['-q', '-T', '50000,993', join(dir, 'hello.txt'), join(dir, 'hello.pcap')]);
  return execFileSync('tshark', ['-r', join(dir, 'hello.pcap'), '-d', 'tcp.port==993,tls', '-T', 'fields', '-e', 'tls.handshake.ja3_full', '-e', 'tls.handshake.ja3'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

describe('JA3 agrees with Wireshark', () => {
  it('for OpenSSL 3 (TLS 1.3, SNI) and GnuTLS offering TLS 1.0 RC4-MD5 / 3DES', async () => {
    const [openssl, gnutls] = await Promise.all([
      captureHello('openssl', (p) => ['s_client', '-connect', `127.0.0.1:${p}`, '-servername', 'mail.example']),
      captureHello('gnutls-cli', (p) => ['--insecure', '-p', String(p), '--priority', 'NONE:+VERS-TLS1.0:+ARCFOUR-128:+3DES-CBC:+MD5:+SHA1:+RSA:+COMP-NULL:+SIGN-ALL:+CTYPE-X509', '127.0.0.1']),
    ]);
    for (const bytes of [openssl, gnutls]) {
      const r = parseClientHello(bytes);
      if (r.status !== 'ok') throw new Error(JSON.stringify(r));
      const ev = helloEvent('c1', r.hello);
      expect(wiresharkJa3(bytes)).toBe(`${ev.ja3}\t${ev.ja3Hash}`);
    }
    const g = parseClientHello(gnutls);
    expect(g.status === 'ok' && helloEvent('c1', g.hello).cipherSuites).toEqual(expect.arrayContaining(['TLS_RSA_WITH_RC4_128_MD5', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA']));
  });
});
