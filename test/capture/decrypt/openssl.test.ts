/**
 * OpenSSL's own tools as the other end: `openssl s_client -keylogfile` against a node:tls
 * server, for TLS 1.3 KeyUpdate (s_client's `k` and `K` commands, RFC 8446 §4.6.3), and
 * `openssl s_server` with the RSA key for TLS 1.2 without the extended master secret.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServerKey, parseKeyLog } from '../../../electron/lab/capture/decrypt/index.js';
import { freePort, waitForPort } from '../../support/dovecot.js';
import { runInteractive, testPki } from '../../tls/harness.js';
import { NODE_GREETING, startNodeTlsServer, type NodeTlsServer } from './node-peers.js';
import { decryptRecording, startRecordingProxy, type RecordingProxy } from './support.js';
import { tempDir } from '../../support/temp.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('TLS 1.3 KeyUpdate', () => {
  it('the client updates its keys, then asks the server to update too: every line still decrypts', async () => {
    const server: NodeTlsServer = await startNodeTlsServer({ minVersion: 'TLSv1.3' });
    const proxy: RecordingProxy = await startRecordingProxy(server.port);
    cleanup.push(() => server.close(), () => proxy.close());
    const keylog = join(tempDir('mp-keylog-'), 'keys.log');
    const r = await runInteractive(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${proxy.port}`, '-servername', 'localhost', '-CAfile', testPki().caFile, '-tls1_3', '-keylogfile', keylog],
      [
        { waitFor: NODE_GREETING, send: 'a1 NOOP\n' },
        { waitFor: 'a1 OK', send: 'k\n', pauseMs: 100 },
        { waitFor: 'a1 OK', send: 'a2 NOOP\n' },
        { waitFor: 'a2 OK', send: 'K\n', pauseMs: 100 },
        { waitFor: 'a2 OK', send: 'a3 NOOP\n' },
        { waitFor: 'a3 OK', send: 'a4 LOGOUT\n' },
        { waitFor: 'a4 OK' },
      ],
      15_000,
    );
    expect(r.stdout, r.stderr.slice(-400)).toContain('a4 OK bye');
    expect(r.stderr.match(/KEYUPDATE/g)).toHaveLength(2);
    const rec = await proxy.connection(0);
    const d = decryptRecording(rec, { keyLog: parseKeyLog(readFileSync(keylog, 'utf8')), serverKeys: [] });
    expect(d.statuses.map((s) => s.state)).toEqual(['decrypting']);
    expect(d.c2s).toBe('a1 NOOP\na2 NOOP\na3 NOOP\na4 LOGOUT\n');
    expect(d.s2c).toBe(`${NODE_GREETING}\r\na1 OK echo: a1 NOOP\r\na2 OK echo: a2 NOOP\r\na3 OK echo: a3 NOOP\r\n* BYE\r\na4 OK bye\r\n`);
  });
});

async function startSServer(args: string[]): Promise<{ port: number; child: ChildProcess }> {
  const pki = testPki();
  const port = await freePort();
  const child = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-key', join(pki.dir, 'server.key'), '-cert', join(pki.dir, 'server.pem'), '-rev', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  // s_server's stdout is block-buffered into a pipe: wait until the port accepts instead.
  await waitForPort(port, 5000);
  return { port, child };
}

describe('openssl s_server with the RSA key', () => {
  it('TLS 1.2 AES-128-CBC-SHA, MAC-then-encrypt (-no_etm)', async () => {
    const s = await startSServer(['-tls1_2', '-cipher', 'AES128-SHA', '-no_etm']);
    cleanup.push(() => void s.child.kill());
    const proxy = await startRecordingProxy(s.port);
    cleanup.push(() => proxy.close());
    // -rev answers each line reversed; the node client sends one line then closes.
    const rec = await new Promise<Awaited<ReturnType<RecordingProxy['connection']>>>((resolve, reject) => {
      import('node:tls').then(({ connect }) => {
        const c = connect({ port: proxy.port, host: '127.0.0.1', servername: 'localhost', ca: testPki().caPem, maxVersion: 'TLSv1.2' });
        let got = '';
        c.on('secureConnect', () => c.write('a1 NOOP\n'));
        c.on('data', (d: Buffer) => {
          got += d.toString('latin1');
          if (got.includes('POON 1a')) c.end();
        });
        c.on('error', reject);
        c.on('close', () => proxy.connection(0).then(resolve, reject));
      }, reject);
    });
    const d = decryptRecording(rec, { keyLog: [], serverKeys: [loadServerKey(testPki().keyPem)] });
    expect(d.statuses).toEqual([{ kind: 'status', state: 'decrypting', detail: "TLS 1.2 TLS_RSA_WITH_AES_128_CBC_SHA: master secret from the server's RSA key, extended master secret (RFC 7627)" }]);
    expect(d.c2s).toBe('a1 NOOP\n');
    expect(d.s2c).toContain('POON 1a');
  });
});

