import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiStreamMessage, LabEvent } from '../../electron/api.js';
import { startControlServer, type ControlServer, TOKEN_HEADER, MAX_BODY_BYTES } from '../../electron/lab/control/index.js';
import type { EngineDeps } from '../../electron/lab/control/index.js';
import { fakeLab } from './fake-lab.js';
import { tempDir } from '../support/temp.js';

/** A raw request, so the Host and Origin headers can be forged like a rebinding page would. */
function raw(port: number, path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Read SSE messages until `until` says stop. */
async function readStream(url: string, until: (msgs: ApiStreamMessage[]) => boolean): Promise<ApiStreamMessage[]> {
  const ctrl = new AbortController();
  const res = await fetch(url, { signal: ctrl.signal });
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  const msgs: ApiStreamMessage[] = [];
  const deadline = Date.now() + 5000;
  while (!until(msgs) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n\n')) !== -1) {
      const chunk = buf.slice(0, i);
      buf = buf.slice(i + 2);
      for (const line of chunk.split('\n')) if (line.startsWith('data: ')) msgs.push(JSON.parse(line.slice(6)) as ApiStreamMessage);
    }
  }
  ctrl.abort();
  return msgs;
}

const fakeDiagnosis: EngineDeps['createDiagnosis'] = () => {
  const evs: LabEvent[] = [];
  return {
    push: (ev) => void evs.push(ev),
    result: () => ({
      verdict: evs.some((e) => e.kind === 'auth') ? 'fail' : 'inconclusive',
      directions: { receiving: evs.some((e) => e.kind === 'auth') ? 'fail' : 'untested', sending: 'untested' },
      attempts: [],
      findings: evs.filter((e) => e.kind === 'auth').map((e) => ({ id: 'auth-success-ignored' as const, severity: 'error' as const, title: 'The phone did not notice', explanation: '', recommendation: '', evidence: [e.seq] })),
    }),
  };
};

describe('browser-mode control server', () => {
  let dataDir: string;
  let server: ControlServer;
  let lab: ReturnType<typeof fakeLab>;
  const rendererDir = tempDir('mp-renderer-');

  beforeAll(async () => {
    dataDir = tempDir('mp-control-');
    const { writeFileSync, mkdirSync } = await import('node:fs');
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Mailprobe</title>');
    mkdirSync(join(rendererDir, 'assets'));
    writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    lab = fakeLab(dataDir);
    server = await startControlServer({ port: 0, host: '127.0.0.1', lab, rendererDir, deps: { createDiagnosis: fakeDiagnosis }, batchMs: 5 });
  });
  afterAll(async () => {
    await server.close();
    await lab.stop();
  });

  const api = (method: string, params: unknown = {}, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TOKEN_HEADER]: server.token, ...headers },
      body: JSON.stringify(params),
    });

  it('listens on loopback with a 32-byte token in the page URL', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[0-9a-f]{64}$`));
  });

  it('refuses to listen anywhere but loopback', async () => {
    await expect(startControlServer({ host: '0.0.0.0', rendererDir, deps: {} })).rejects.toThrow(/loopback only/);
  });

  it('answers an API call carrying the token, with the lab the CLI started', async () => {
    const res = await api('lab.status');
    expect(res.status).toBe(200);
    const status = await res.json();
    expect(status).toMatchObject({ state: 'running', startedBy: 'cli', account: { user: 'phone' }, handoffUrl: 'http://127.0.0.1:8080/c' });
    expect(status.firewallHint).toMatch(/loopback/);
  });

  it('refuses an API call without the token (401) or with a wrong one, and records it in the session', async () => {
    const none = await fetch(`http://127.0.0.1:${server.port}/api/lab.status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: { code: 'unauthorized', message: 'missing token' } });
    const wrong = await api('lab.status', {}, { [TOKEN_HEADER]: 'f'.repeat(64) });
    expect(wrong.status).toBe(401);
    // The token in the query string is accepted only where headers cannot be set (the stream).
    const query = await fetch(`http://127.0.0.1:${server.port}/api/lab.status?token=${server.token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(query.status).toBe(401);
    lab.recorder.flush();
    const recorded = readFileSync(join(lab.sessionDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LabEvent);
    const refused = recorded.filter((e) => e.kind === 'input.rejected' && e.what === 'control-refused');
    expect(refused.length).toBeGreaterThanOrEqual(3);
    expect(refused[0]).toMatchObject({ detail: expect.stringContaining('401 missing token: POST /api/lab.status') });
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin with 403, even with the token', async () => {
    const rebound = await raw(server.port, '/api/lab.status', { host: `evil.example:${server.port}`, 'content-type': 'application/json', [TOKEN_HEADER]: server.token }, 'POST', '{}');
    expect(rebound.status).toBe(403);
    expect(rebound.text).toContain('foreign Host');
    const page = await raw(server.port, '/', { host: `evil.example:${server.port}` });
    expect(page.status).toBe(403);
    const origin = await api('lab.status', {}, { origin: 'http://evil.example' });
    expect(origin.status).toBe(403);
    expect((await origin.json()).error.message).toBe('foreign Origin header');
    const ok = await raw(server.port, '/', { host: `localhost:${server.port}` });
    expect(ok.status).toBe(200);
  });

  it('serves the page with the CSP and no path escapes', async () => {
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await res.text()).toContain('<title>Mailprobe');
    const escape = await raw(server.port, '/..%2f..%2fetc%2fpasswd', { host: `127.0.0.1:${server.port}` });
    expect(escape.status).toBe(404);
  });

  it('answers errors as tagged data with a matching status', async () => {
    const unknown = await api('lab.explode');
    expect(unknown.status).toBe(404);
    const qr = await api('handoff.qr');
    expect(qr.status).toBe(500);
    expect(await qr.json()).toMatchObject({ error: { code: 'internal', message: expect.stringContaining('hand-off module') } });
    const big = await api('session.save', { label: 'x'.repeat(MAX_BODY_BYTES + 10), wizard: {} });
    expect(big.status).toBe(413);
    const stopCli = await api('lab.stop');
    expect(stopCli.status).toBe(409);
  });

  it('streams the session so far, then new events and the engine diagnosis live over SSE', async () => {
    const streamUrl = `http://127.0.0.1:${server.port}/api/stream?token=${server.token}`;
    const noToken = await fetch(`http://127.0.0.1:${server.port}/api/stream`);
    expect(noToken.status).toBe(401);
    setTimeout(() => {
      lab.recorder.record({ kind: 'conn.open', conn: 'c1', proto: 'imap', remote: '10.0.0.9:5000', local: '127.0.0.1:1143', port: 1143 });
      lab.recorder.record({ kind: 'auth', conn: 'c1', mechanism: 'CRAM-MD5', user: 'phone', ok: true });
    }, 100);
    const msgs = await readStream(streamUrl, (m) => m.some((x) => x.type === 'diagnosis' && x.diagnosis.findings.length > 0));
    expect(msgs[0]).toMatchObject({ type: 'reset', status: { state: 'running' } });
    const events = msgs.flatMap((m) => (m.type === 'events' ? m.events : []));
    expect(events[0].kind).toBe('lab.start');
    expect(events.map((e) => e.kind)).toContain('auth');
    const last = msgs.filter((m) => m.type === 'diagnosis').pop();
    expect(last).toMatchObject({ diagnosis: { verdict: 'fail', findings: [{ title: 'The phone did not notice' }] } });
  });

  it('records the test being run and saves the wizard state next to the session', async () => {
    const sel = await api('plan.select', { test: { id: 'none-cram', title: 'No security + CRAM-MD5', security: 'none', mechanism: 'CRAM-MD5', why: '' } });
    expect(await sel.json()).toMatchObject({ seq: expect.any(Number) });
    const saved = await (await api('session.save', { label: 'Mrs Jones 6233', wizard: { profile: 'nokia-6233' } })).json();
    expect(JSON.parse(readFileSync(saved.file, 'utf8'))).toMatchObject({ label: 'Mrs Jones 6233', wizard: { profile: 'nokia-6233' } });
    const list = await (await api('sessions.list')).json();
    expect(list[0]).toMatchObject({ label: 'Mrs Jones 6233', saved: true });
    expect(list[0].events).toBeGreaterThan(3);
  });
});
