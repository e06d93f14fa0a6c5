import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { connect } from 'node:net';
import forge from 'node-forge';
import { handoffUrl, startHandoffServer, MAX_HEADER_BYTES } from '../../electron/lab/handoff/index.js';
import { SessionRecorder } from '../../electron/lab/recorder/index.js';
import type { HttpRequestEvent, LabEvent } from '../../electron/api.js';
import { tmp } from '../certs/helpers.js';
import { runPeer as run } from '../support/run.js';
import { bodyOf, keyFile, rawRequest, startLab, statusOf, type Lab } from './helpers.js';

const NOKIA_UA = 'Nokia6233/2.0 (05.10) Profile/MIDP-2.0 Configuration/CLDC-1.1';
const httpEvents = (evs: LabEvent[]) => evs.filter((e): e is HttpRequestEvent => e.kind === 'http.request');

/** Every form in which key material could leak: PEM text, base64 body lines, raw DER. */
function keyNeedles(lab: Lab): Buffer[] {
  const needles: Buffer[] = [];
  for (const name of ['ca.key', 'server.key'] as const) {
    const pem = readFileSync(keyFile(lab, name), 'utf8');
    needles.push(Buffer.from('PRIVATE KEY'));
    for (const line of pem.split('\n').filter((l) => l.length > 40 && !l.startsWith('-----'))) needles.push(Buffer.from(line));
    const der = Buffer.from(forge.asn1.toDer(forge.pki.privateKeyToAsn1(forge.pki.privateKeyFromPem(pem))).getBytes(), 'binary');
    needles.push(der.subarray(0, 64), der.subarray(der.length - 64));
  }
  return needles;
}

describe('hand-off server', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab.close();
  });

  it('has the short URL: http://ADDR:PORT/c, no :80', () => {
    expect(lab.server.url).toBe(`http://127.0.0.1:${lab.server.port}/c`);
    expect(handoffUrl('192.168.1.20', 80)).toBe('http://192.168.1.20/c');
    expect(handoffUrl('fd00::2', 8080)).toBe('http://[fd00::2]:8080/c');
  });

  it('curl as a Nokia 6233 gets the page, then exactly ca.crt as application/x-x509-ca-cert', async () => {
    const page = await run('curl', ['-s', '-D', '-', '-A', NOKIA_UA, lab.server.url]);
    expect(page.stdout).toMatch(/^HTTP\/1\.1 200/);
    expect(page.stdout).toMatch(/content-type: text\/html; charset=utf-8/i);
    expect(page.stdout).toContain('<b>Bench 3</b>');
    expect(page.stdout).toContain('href="/ca.crt"');
    expect(page.stdout).toContain('href="/ca.pem"');
    expect(page.stdout).toContain('Server: 127.0.0.1');
    expect(page.stdout).toContain('SSL port: 993');
    expect(page.stdout).toContain('Password: pa&lt;ss&gt;&amp;word');
    const sha1 = lab.certs.caSha1.replace(/:/g, '');
    expect(page.stdout).toContain(`SHA-1: ${sha1.slice(0, 4)} ${sha1.slice(4, 8)} ...<br/>... ${sha1.slice(-8, -4)} ${sha1.slice(-4)}<br/>`);
    expect(page.stdout).not.toMatch(/<script|<style|style=|<img|<table/i);

    const out = join(tmp(), 'got.crt');
    for (const path of ['/ca.crt', '/ca.cer']) {
      const r = await run('curl', ['-s', '-A', NOKIA_UA, '-o', out, '-w', '%{http_code} %{content_type} %{size_download}', lab.base + path]);
      const [code, type, size] = r.stdout.split(' ');
      expect(code).toBe('200');
      expect(type).toBe('application/x-x509-ca-cert');
      expect(readFileSync(out).equals(readFileSync(join(lab.certs.dir, 'ca.crt')))).toBe(true);
      expect(Number(size)).toBe(lab.certs.caCertDer.length);
    }
    const head = await run('curl', ['-sI', lab.base + '/ca.crt']);
    expect(head.stdout).toMatch(new RegExp(`content-length: ${lab.certs.caCertDer.length}\\r?\\n`, 'i'));
    const pem = await run('curl', ['-s', lab.base + '/ca.pem']);
    expect(pem.stdout).toBe(lab.certs.caCertPem);

    const evs = httpEvents(lab.events()).filter((e) => e.userAgent === NOKIA_UA);
    expect(evs.map((e) => e.served)).toEqual(['page', 'ca.crt', 'ca.cer']);
    expect(evs[1]).toMatchObject({
      method: 'GET',
      path: '/ca.crt',
      status: 200,
      bytes: lab.certs.caCertDer.length,
      device: { vendor: 'Nokia', model: '6233', firmware: '05.10', platform: 'Series 40', source: 'http.request' },
    });
  });

  it('answers a WAP browser that asks for XHTML-MP in its own type', async () => {
    const r = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{content_type}', '-H', 'Accept: application/vnd.wap.xhtml+xml, */*', lab.server.url]);
    expect(r.stdout).toBe('application/vnd.wap.xhtml+xml; charset=utf-8');
  });

  it('serves an HTTP/1.0 request (no Host) and closes', async () => {
    const r = await rawRequest(lab.server.port, `GET /ca.crt HTTP/1.0\r\nUser-Agent: ${NOKIA_UA}\r\n\r\n`);
    expect(r.closed).toBe(true);
    expect(statusOf(r.bytes)).toBe(200);
    expect(r.bytes.toString('latin1')).toMatch(new RegExp(`Content-Length: ${lab.certs.caCertDer.length}\r\n`));
    expect(bodyOf(r.bytes).equals(lab.certs.caCertDer)).toBe(true);
  });

  it('records the event before the phone sees the answer', async () => {
    const before = lab.recorder.lastSeq;
    const r = await rawRequest(lab.server.port, 'GET /c?probe=1 HTTP/1.0\r\n\r\n');
    expect(statusOf(r.bytes)).toBe(200);
    const onDisk = readFileSync(lab.recorder.file, 'utf8'); // no flush here: it must already be there
    expect(onDisk).toContain('"path":"/c?probe=1"');
    expect(lab.recorder.lastSeq).toBeGreaterThan(before);
  });

  it('refuses traversal in every encoding, key files and non-allow-listed paths; nothing leaks', async () => {
    const targets = [
      '/ca.key', '/server.key', '/certs/ca.key', '/certs/server.key', '/../ca.key', '/../certs/ca.key', '/c/../ca.key',
      '/ca.crt/../ca.key', '/./ca.key', '/%2e%2e/ca.key', '/%2E%2E/certs/ca.key', '/%252e%252e/ca.key', '/..%2fca.key',
      '/..%5cca.key', '/..\\ca.key', '/\\..\\ca.key', '//ca.key', '//etc/passwd', '/%2fetc%2fpasswd', '/ca.crt%00.key',
      '/ca.key%00.crt', '/CA.KEY', '/ca.key?x=1', '/ca.crt.key', '/sessions/', '/sessions', '/api/session',
      '/ui?token=x', '/api?token=x', '/qr.png', '/qr.svg', '/c/', '/ca.crt/', '/%63', '/%2Fca.key', '/..', '/.../ca.key', '/ca%2ekey', '/certs/', '/index.html', '/%u002e%u002e/ca.key',
    ];
    const rawTargets = ['http://127.0.0.1/ca.key', 'http://127.0.0.1/../ca.key', '*', 'ca.key', '\\..\\ca.key'];
    const all: Buffer[] = [];
    for (const t of [...targets, ...rawTargets]) {
      const r = await rawRequest(lab.server.port, `GET ${t} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect([400, 404], `${t} → ${statusOf(r.bytes)}`).toContain(statusOf(r.bytes));
      all.push(r.bytes);
    }
    // NUL and other control bytes inside the request line: the parser refuses them.
    for (const bad of ['GET /ca.key\0 HTTP/1.1\r\n\r\n', 'GET /ca.crt\0/../ca.key HTTP/1.1\r\n\r\n', 'GET /\x01 HTTP/1.1\r\n\r\n']) {
      const r = await rawRequest(lab.server.port, bad);
      expect(statusOf(r.bytes)).toBe(400);
      all.push(r.bytes);
    }
    // curl's own normalisation of a traversal lands on an allowed path, never on a key.
    const curled = await run('curl', ['-s', '--path-as-is', lab.base + '/../../certs/ca.key']);
    all.push(Buffer.from(curled.stdout));
    const everything = Buffer.concat(all);
    for (const needle of keyNeedles(lab)) expect(everything.includes(needle)).toBe(false);
    const recorded = httpEvents(lab.events()).map((e) => e.path);
    for (const t of targets) expect(recorded).toContain(t);
    expect(lab.events().some((e) => e.kind === 'input.rejected' && e.what === 'http-malformed')).toBe(true);
  });

  it('answers 405 with Allow for every method but GET and HEAD', async () => {
    for (const m of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'PROPFIND']) {
      const r = await rawRequest(lab.server.port, `${m} /ca.crt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello`);
      expect(statusOf(r.bytes), m).toBe(405);
      expect(r.bytes.toString('latin1')).toMatch(/\r\nAllow: GET, HEAD\r\n/);
      expect(bodyOf(r.bytes).includes(lab.certs.caCertDer.subarray(0, 32))).toBe(false);
    }
    const c = await rawRequest(lab.server.port, 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(statusOf(c.bytes)).toBe(405);
    const u = await rawRequest(lab.server.port, 'GET /c HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    expect(statusOf(u.bytes)).toBe(400);
    const withBody = await rawRequest(lab.server.port, 'GET /ca.crt HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc');
    expect(statusOf(withBody.bytes)).toBe(400);
    expect(httpEvents(lab.events()).filter((e) => e.status === 405).map((e) => e.method)).toEqual(
      expect.arrayContaining(['POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'PROPFIND', 'CONNECT']),
    );
  });

  it('answers 431 to absurd headers and records it', async () => {
    const big = `GET /c HTTP/1.1\r\nHost: x\r\nX-Junk: ${'a'.repeat(MAX_HEADER_BYTES * 4)}\r\n\r\n`;
    const r = await rawRequest(lab.server.port, big);
    expect(statusOf(r.bytes)).toBe(431);
    expect(r.closed).toBe(true);
    const many = 'GET /c HTTP/1.1\r\n' + Array.from({ length: 2000 }, (_, i) => `X-${i}: y`).join('\r\n') + '\r\n\r\n';
    expect(statusOf((await rawRequest(lab.server.port, many)).bytes)).toBe(431);
    expect(lab.events().some((e) => e.kind === 'input.rejected' && e.what === 'http-headers-too-large')).toBe(true);
  });

  it('shows updated settings on the next page', async () => {
    lab.server.update({ user: 'nokia', imapsPort: 10993 });
    const r = await run('curl', ['-s', lab.server.url]);
    expect(r.stdout).toContain('User: nokia');
    expect(r.stdout).toContain('SSL port: 10993');
    expect(r.stdout).toContain('IMAP port: 143');
  });
});

describe('hand-off limits', () => {
  it('closes a slowloris client and an idle one at the header timeout', async () => {
    const lab = await startLab({ headersTimeoutMs: 400, requestTimeoutMs: 600, checkIntervalMs: 100, idleTimeoutMs: 5000 });
    try {
      const t0 = performance.now();
      const slow = await new Promise<{ text: string; ms: number }>((resolve) => {
        const s = connect(lab.server.port, '127.0.0.1');
        let text = '';
        let i = 0;
        s.on('connect', () => s.write('GET /c HTTP/1.1\r\nHost: x\r\n'));
        const timer = setInterval(() => {
          if (!s.destroyed) s.write(`X-Slow-${i++}: y\r\n`);
        }, 50);
        s.on('data', (d) => (text += d.toString('latin1')));
        s.on('error', () => undefined);
        s.on('close', () => {
          clearInterval(timer);
          resolve({ text, ms: performance.now() - t0 });
        });
      });
      expect(slow.ms).toBeLessThan(2500);
      expect(slow.text).toMatch(/^HTTP\/1\.1 408/);
      const idle = await rawRequest(lab.server.port, '', 3000);
      expect(idle.closed).toBe(true);
      expect(idle.ms).toBeLessThan(2500);
      const evs = lab.events();
      expect(evs.some((e) => e.kind === 'input.rejected' && e.what === 'http-timeout')).toBe(true);
      expect(evs.some((e) => e.kind === 'conn.close' && e.by === 'timeout')).toBe(true);
    } finally {
      await lab.close();
    }
  });

  it('drops connections past the maximum and records it', async () => {
    const lab = await startLab({ maxConnections: 2 });
    const held = [connect(lab.server.port, '127.0.0.1'), connect(lab.server.port, '127.0.0.1')];
    try {
      await Promise.all(held.map((s) => new Promise((r) => s.once('connect', r))));
      await new Promise((r) => setTimeout(r, 50));
      const third = await rawRequest(lab.server.port, 'GET /c HTTP/1.0\r\n\r\n', 2000);
      expect(third.closed).toBe(true);
      expect(statusOf(third.bytes)).toBe(0);
      expect(lab.events().some((e) => e.kind === 'input.rejected' && e.what === 'http-too-many-connections')).toBe(true);
    } finally {
      held.forEach((s) => s.destroy());
      await lab.close();
    }
  });

  it('moves to a free port when the one asked for is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as { port: number }).port;
    const dataDir = tmp();
    const lab = await startLab();
    const recorder = new SessionRecorder({ dataDir });
    try {
      const s = await startHandoffServer({ host: '127.0.0.1', port: taken, recorder, certs: lab.certs, settings: { imapHost: '127.0.0.1', user: 'u', password: 'p' } });
      expect(s.port).not.toBe(taken);
      expect(s.url).toBe(`http://127.0.0.1:${s.port}/c`);
      expect(statusOf((await rawRequest(s.port, 'GET /c HTTP/1.0\r\n\r\n')).bytes)).toBe(200);
      await s.close();
      await expect(
        startHandoffServer({ host: '127.0.0.1', port: taken, fallbackToFreePort: false, recorder, certs: lab.certs, settings: { imapHost: 'x', user: 'u', password: 'p' } }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      blocker.close();
      recorder.close();
      await lab.close();
    }
  });

  it('close() ends open connections and records them as lab-stop', async () => {
    const lab = await startLab();
    const s = connect(lab.server.port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    await new Promise((r) => setTimeout(r, 30));
    const closed = new Promise((r) => s.once('close', r));
    await lab.server.close();
    await closed;
    lab.recorder.flush();
    expect(lab.events().some((e) => e.kind === 'conn.close' && e.by === 'lab-stop')).toBe(true);
    lab.recorder.close();
  });
});
