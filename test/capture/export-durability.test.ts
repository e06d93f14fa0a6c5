/**
 * The capture export's edges: a lab killed with SIGKILL mid-session (built CLI: `npm run
 * build:node` first) still exports a valid capture holding every byte the client received,
 * decryptable; a lab on IPv6; the recorder's cap on the raw TLS bytes; the key log lines kept out
 * of every other export (lab --json, the report, the wizard's stream).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { describe, expect, it, vi } from 'vitest';
import type { LabEvent, WireBytesEvent } from '../../electron/api.js';
import { main } from '../../electron/cli/main.js';
import { exportPcapng } from '../../electron/lab/capture/export/index.js';
import { prepareEvents } from '../../electron/lab/report/index.js';
import { decodeBytes, readEvents, redactEvent, SessionRecorder } from '../../electron/lab/recorder/index.js';
import { Engine, STREAM_BATCH_MS } from '../../electron/lab/control/index.js';
import type { ApiStreamMessage } from '../../electron/api.js';
import { fakeLab } from '../control/fake-lab.js';
import { ROOT, spawnLab } from '../support/cli.js';
import { TEST_PASSWORD, TEST_USER, eventsOf, startTestLab, tempDir, waitFor } from '../support/lab.js';

const base = (dir: string) => ['--bind', '127.0.0.1', '--imap-port', '0', '--imaps-port', '0', '--smtp-port', '0', '--smtps-port', '0', '--pop3-port', '0', '--pop3s-port', '0', '--http-port', '0', '--data-dir', dir];

async function exportQuietly(session: string, file: string, includeSecrets: boolean): Promise<{ code: number; stdout: string }> {
  const out: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(['export', session, '--pcapng', file, ...(includeSecrets ? ['--include-secrets'] : [])]);
    return { code, stdout: out.join('') };
  } finally {
    vi.restoreAllMocks();
  }
}

function tshark(file: string, args: string[]): string {
  return execFileSync('tshark', ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
}

/** The server's decrypted bytes of the one TLS stream, from tshark's follow (hex). */
function decryptedFromServer(file: string, port: number, clientPort: number): string {
  const text = tshark(file, ['-d', `tls.port==${port},imap`, '-q', '-z', 'follow,tls,raw,0']);
  const node0IsClient = new RegExp(`^Node 0: .*:${clientPort}$`, 'm').test(text);
  const body = text.split(/^Node 1: .*$/m)[1]?.split(/^=+$/m)[0] ?? '';
  return body
    .split('\n')
    .filter((l) => (node0IsClient ? l.startsWith('\t') : !l.startsWith('\t') && l.trim() !== ''))
    .map((l) => l.trim())
    .join('');
}

/** A TCP relay to `target` that keeps every byte the lab sends to the client, as it arrives. */
function recordingRelay(target: number, host = '127.0.0.1'): Promise<{ server: Server; port: number; fromLab: () => Buffer }> {
  const got: Buffer[] = [];
  const server = createServer((c: Socket) => {
    const u = connect(target, host);
    c.on('data', (d) => u.write(d));
    u.on('data', (d) => {
      got.push(d);
      c.write(d);
    });
    const end = (): void => {
      c.destroy();
      u.destroy();
    };
    c.on('error', end);
    u.on('error', end);
    c.on('close', end);
    u.on('close', end);
  });
  return new Promise((resolve) => server.listen(0, host, () => resolve({ server, port: (server.address() as AddressInfo).port, fromLab: () => Buffer.concat(got) })));
}

function tlsClient(port: number, host: string, opts: { maxVersion?: 'TLSv1.2' | 'TLSv1.3' } = {}): Promise<{ socket: TLSSocket; received: () => string }> {
  let text = '';
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ port, host, rejectUnauthorized: false, ...opts }, () => resolve({ socket, received: () => text }));
    socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
    socket.on('error', reject);
  });
}

async function until(what: string, probe: () => boolean, ms = 10_000): Promise<void> {
  await waitFor(() => probe() || undefined, ms, what);
}

describe('a lab killed with SIGKILL mid-session', () => {
  it('still exports a valid, decryptable capture with every byte the client received', async () => {
    const dir = tempDir();
    const lab = await spawnLab([...base(dir), '--user', TEST_USER, '--password', TEST_PASSWORD, '--tls', 'modern']);
    const imaps = lab.ready.listeners.imaps.port;
    const relay = await recordingRelay(imaps);
    try {
      const c = await tlsClient(relay.port, '127.0.0.1', { maxVersion: 'TLSv1.2' });
      await until('the greeting', () => c.received().includes('* OK'));
      c.socket.write(`a LOGIN ${TEST_USER} ${TEST_PASSWORD}\r\nb SELECT INBOX\r\n`);
      await until('SELECT', () => c.received().includes('b OK'));
      // Pipelined commands, and a kill while the answers are flowing.
      let n = 0;
      const pump = setInterval(() => c.socket.write(`p${n++} NOOP\r\np${n++} FETCH 1:3 (FLAGS ENVELOPE)\r\n`), 2);
      await until('p21', () => c.received().includes('p21 OK'));
      lab.child.kill('SIGKILL');
      clearInterval(pump);
      await lab.exited;
      await new Promise((r) => setTimeout(r, 100));
      c.socket.destroy();

      const events = readEvents(lab.ready.sessionDir);
      expect(events.some((e) => e.kind === 'lab.stop')).toBe(false);
      const conn = events.find((e) => e.kind === 'conn.open' && e.proto === 'imaps')!.conn!;
      // The raw guarantee: the TLS records the client received are on file, in order.
      const wire = Buffer.concat(events.filter((e) => e.kind === 'wire.s2c' && e.conn === conn).map((e) => decodeBytes(e as WireBytesEvent)));
      const seen = relay.fromLab();
      expect(seen.length).toBeGreaterThan(1000);
      expect(wire.subarray(0, seen.length).equals(seen)).toBe(true);

      const file = join(dir, 'killed.pcapng');
      const r = await exportQuietly(lab.ready.sessionDir, file, true);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/capture written: .*\(1 connections?, \d+ packets/);
      // tshark reads it (exit 0), finds nothing wrong, and decrypts what the client saw.
      expect(tshark(file, ['-Y', 'tcp.analysis.flags || tcp.checksum.status == 0 || ip.checksum.status == 0 || _ws.malformed'])).toBe('');
      const open = events.find((e) => e.kind === 'conn.open' && e.conn === conn) as Extract<LabEvent, { kind: 'conn.open' }>;
      const clientPort = Number(open.remote.slice(open.remote.lastIndexOf(':') + 1));
      const decrypted = Buffer.from(decryptedFromServer(file, imaps, clientPort), 'hex').toString('utf8');
      expect(c.received()).toContain('p21 OK');
      expect(decrypted.startsWith(c.received())).toBe(true);
      // No close was recorded, so the capture shows none.
      expect(tshark(file, ['-Y', 'tcp.flags.fin == 1 || tcp.flags.reset == 1'])).toBe('');
    } finally {
      relay.server.close();
      if (lab.child.exitCode === null) lab.child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('a lab on IPv6', () => {
  it('exports IPv6 packets with the recorded addresses, decryptable', async () => {
    const lab = await startTestLab({ bind: '::1' });
    try {
      const c = await tlsClient(lab.listeners.imaps!.port, '::1', { maxVersion: 'TLSv1.3' });
      await until('the greeting', () => c.received().includes('* OK'));
      c.socket.write(`a LOGIN ${TEST_USER} ${TEST_PASSWORD}\r\nb LOGOUT\r\n`);
      await until('LOGOUT', () => c.received().includes('b OK'));
      c.socket.end();
      await waitFor(() => eventsOf(lab).some((e) => e.kind === 'conn.close'), 5000, 'conn.close');
      const open = eventsOf(lab).find((e) => e.kind === 'conn.open') as Extract<LabEvent, { kind: 'conn.open' }>;
      expect(open.remote.startsWith('::1:')).toBe(true);
      const file = join(tempDir(), 'v6.pcapng');
      expect((await exportQuietly(lab.sessionDir, file, true)).code).toBe(0);
      const port = lab.listeners.imaps!.port;
      const rows = tshark(file, ['-d', `tls.port==${port},imap`, '-Y', 'imap.request', '-T', 'fields', '-e', 'ipv6.src', '-e', 'ipv6.dst', '-e', 'tcp.dstport', '-e', 'imap.request']).trim().split('\n');
      // The client wrote both lines at once: one TLS record, one segment, two requests.
      expect(rows).toEqual([`::1\t::1\t${port}\ta LOGIN ${TEST_USER} ${TEST_PASSWORD},b LOGOUT`]);
      expect(tshark(file, ['-Y', 'tcp.analysis.flags || tcp.checksum.status == 0'])).toBe('');
      expect(tshark(file, ['-Y', 'ip'])).toBe(''); // no IPv4 packet at all
    } finally {
      await lab.stop();
    }
  });
});

describe('the raw TLS bytes under the recorder cap', () => {
  it('past maxRecordedBytes keeps the size, not the bytes, and the export leaves a gap of that size', () => {
    const rec = new SessionRecorder({ dataDir: tempDir(), maxRecordedBytes: 1000 });
    rec.record({ kind: 'conn.open', conn: 'c1', proto: 'imaps', remote: '10.0.0.2:40000', local: '10.0.0.1:993', port: 993 });
    rec.recordWire('wire.c2s', 'c1', Buffer.alloc(300, 0x16));
    rec.recordWire('wire.s2c', 'c1', Buffer.alloc(5000, 0x17)); // crosses the cap
    rec.recordWire('wire.s2c', 'c1', Buffer.alloc(7000, 0x17));
    rec.record({ kind: 'conn.close', conn: 'c1', by: 'client', bytesIn: 300, bytesOut: 12000 });
    rec.close();
    const events = readEvents(rec.dir);
    const wire = events.filter((e) => e.kind === 'wire.s2c') as Array<WireBytesEvent>;
    expect(wire.at(-1)).toMatchObject({ b64: '', truncated: 7000 });
    expect(rec.droppedPayloadBytes).toBe(7000);
    const summary = exportPcapng(events, () => undefined);
    expect(summary.missingBytes).toBe(7000);
  });
});

describe('key log lines stay out of every other export', () => {
  it('are redacted by redactEvent (lab --json) and never drawn by the report, even with secrets', async () => {
    const lab = await startTestLab();
    try {
      const c = await tlsClient(lab.listeners.imaps!.port, '127.0.0.1');
      await until('the greeting', () => c.received().includes('* OK'));
      c.socket.write(`a LOGIN ${TEST_USER} ${TEST_PASSWORD}\r\nb LOGOUT\r\n`);
      await until('LOGOUT', () => c.received().includes('b OK'));
      c.socket.end();
      await waitFor(() => eventsOf(lab).some((e) => e.kind === 'conn.close'), 5000, 'conn.close');
      const events = eventsOf(lab);
      const keylog = events.filter((e) => e.kind === 'tls.keylog') as Array<Extract<LabEvent, { kind: 'tls.keylog' }>>;
      // TLS 1.3: the five secrets OpenSSL logs.
      expect(keylog.map((k) => k.line.split(' ')[0]).sort()).toEqual(['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'EXPORTER_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0']);
      for (const k of keylog) {
        expect(k.secret).toBe(true);
        expect(JSON.stringify(redactEvent(k))).not.toContain(k.line.split(' ')[2]);
      }
      for (const includeSecrets of [false, true]) {
        const shown = prepareEvents(events, includeSecrets).events;
        expect(shown.some((e) => e.kind === 'tls.keylog' || e.kind === 'wire.c2s' || e.kind === 'wire.s2c')).toBe(false);
      }
      // The export without --include-secrets has none of them either.
      const file = join(tempDir(), 'redacted.pcapng');
      expect((await exportQuietly(lab.sessionDir, file, false)).code).toBe(0);
      const bytes = readFileSync(file);
      for (const k of keylog) expect(bytes.includes(Buffer.from(k.line.split(' ')[2], 'hex'))).toBe(false);
    } finally {
      await lab.stop();
    }
  });
});

describe("the wizard's stream", () => {
  it('carries neither the raw TLS bytes nor the key log lines, live or replayed', async () => {
    const dataDir = tempDir();
    const lab = fakeLab(dataDir);
    const record = (): void => {
      lab.recorder.recordWire('wire.c2s', 'c1', Buffer.from([22, 3, 1, 0, 1, 1]));
      lab.recorder.record({ kind: 'tls.keylog', conn: 'c1', line: `CLIENT_RANDOM ${'ab'.repeat(32)} ${'cd'.repeat(48)}`, secret: true });
      lab.recorder.record({ kind: 'c2s', conn: 'c1', tls: true, text: 'a NOOP\r\n' });
    };
    record();
    const engine = new Engine({ mode: 'browser', dataDir, deps: {}, lab });
    const msgs: ApiStreamMessage[] = [];
    engine.subscribe((m) => msgs.push(m));
    record();
    await new Promise((r) => setTimeout(r, STREAM_BATCH_MS * 3));
    const kinds = msgs.flatMap((m) => (m.type === 'events' ? m.events.map((e) => e.kind) : []));
    expect(kinds.filter((k) => k !== 'lab.start')).toEqual(['c2s', 'c2s']);
    await engine.close();
    await lab.stop();
  });
});

describe('mailprobe export: older sessions and bad usage', () => {
  it('exports a session recorded before raw TLS bytes were kept: the clear part, and says where the stream stops', async () => {
    const fixture = join(ROOT, 'test', 'fixtures', 'swaks-cram-md5-starttls.jsonl');
    const file = join(tempDir(), 'old.pcapng');
    const r = await exportQuietly(fixture, file, true);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/TLS bytes not recorded for c1 \(a session of an older Mailprobe\): their streams stop where TLS starts/);
    const lines = tshark(file, ['-d', 'tcp.port==44031,smtp', '-Y', 'smtp.req', '-T', 'fields', '-e', 'smtp.command_line']).trim().split('\n');
    expect(lines.map((l) => l.replace(/\\r\\n$/, '').toUpperCase().split(' ')[0])).toEqual(['EHLO', 'STARTTLS']);
    expect(tshark(file, ['-Y', 'tcp.analysis.flags || tcp.checksum.status == 0 || ip.checksum.status == 0'])).toBe('');
  });

  it('exit 2 and one line for a missing session, a missing --pcapng or a directory that does not exist', async () => {
    const dir = tempDir();
    for (const args of [['export', join(dir, 'nope'), '--pcapng', join(dir, 'x.pcapng')], ['export', dir], ['export', dir, '--pcapng', join(dir, 'no', 'x.pcapng')], ['export', '--pcapng', join(dir, 'x.pcapng')], ['export', dir, '--pcapng', join(dir, 'x.pcapng'), '--keys']]) {
      const err: string[] = [];
      vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
      try {
        expect(await main(args), args.join(' ')).toBe(2);
      } finally {
        vi.restoreAllMocks();
      }
      expect(err.join('').trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(err.join('')).toMatch(/^mailprobe export: /);
    }
  });
});
