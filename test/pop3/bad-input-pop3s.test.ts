/**
 * Bad input on the POP3S port (implicit TLS, RFC 8314), as on the POP3 port: bytes that are not
 * TLS, an HTTP request, random bytes and a 2 MB line inside TLS, a client dripping bytes inside
 * TLS, a client vanishing mid-RETR, and 1000 idle connections that never start TLS. Each gets a
 * clear -ERR or a clean close and an event saying what arrived, and the lab keeps serving.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import type { StartedLab } from '../../electron/lab/lab.js';
import { MAX_BAD_COMMANDS } from '../../electron/lab/pop3/limits.js';
import { TEST_PASSWORD, TEST_USER, closeOf, eventsOf, startTestLab, waitFor } from '../support/lab.js';

let lab: StartedLab;
let port: number;

beforeAll(async () => {
  lab = await startTestLab({ imapPort: null, imapsPort: null, smtpPort: null, smtpsPort: null, pop3Port: null, pop3sPort: 0, pop3Limits: { authTimeoutMs: 1500, maxLineBytes: 4096 } });
  port = lab.listeners.pop3s!.port;
});
afterAll(() => lab.stop());

/** A TLS client on the POP3S port, reading lines. */
class TlsLines {
  private buf = '';
  private waiters: Array<() => void> = [];
  closed = false;
  private constructor(readonly socket: TLSSocket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(): Promise<TlsLines> {
    return new Promise((resolve, reject) => {
      const s = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(new TlsLines(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async wait(ms: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timeout; so far: ${JSON.stringify(this.buf.slice(-200))}`)), ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  async line(ms = 5000): Promise<string> {
    for (;;) {
      const i = this.buf.indexOf('\r\n');
      if (i >= 0) {
        const l = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        return l;
      }
      if (this.closed) throw new Error('closed');
      await this.wait(ms);
    }
  }

  async closedByServer(ms = 5000): Promise<string> {
    while (!this.closed) await this.wait(ms);
    return this.buf;
  }

  send(s: string | Buffer): void {
    this.socket.write(s);
  }
}

/** The conn id of the newest POP3S connection. */
function lastConn(): string {
  const opens = eventsOf(lab).filter((e): e is Extract<LabEvent, { kind: 'conn.open' }> => e.kind === 'conn.open');
  return opens.at(-1)!.conn;
}

async function loggedIn(): Promise<TlsLines> {
  const c = await TlsLines.open();
  expect(await c.line()).toMatch(/^\+OK /);
  c.send(`USER ${TEST_USER}\r\nPASS ${TEST_PASSWORD}\r\n`);
  expect(await c.line()).toBe('+OK');
  expect(await c.line()).toMatch(/^\+OK Logged in/);
  return c;
}

/** Raw TCP bytes to the TLS port; resolves with what came back once the server closed. */
function raw(bytes: Buffer | string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    const s = connect({ port, host: '127.0.0.1' }, () => s.write(bytes));
    s.on('data', (d) => got.push(d));
    s.on('close', () => resolve(Buffer.concat(got)));
    s.on('error', reject);
  });
}

async function failedOf(conn: string): Promise<Extract<LabEvent, { kind: 'tls.failed' }>> {
  return (await waitFor(() => eventsOf(lab).find((e) => e.kind === 'tls.failed' && e.conn === conn), 5000, 'tls.failed')) as Extract<LabEvent, { kind: 'tls.failed' }>;
}

describe('bad input on the POP3S port', () => {
  it('bytes that are not TLS: no POP3 answer, tls.failed "not a TLS handshake", and the lab serves the next client', async () => {
    const back = await raw(Buffer.concat([Buffer.from('USER phone\r\n'), randomBytes(500)]));
    expect(back.toString('latin1')).not.toMatch(/\+OK|-ERR/);
    expect((await failedOf(lastConn())).description).toMatch(/not a TLS handshake/);
    const c = await loggedIn();
    c.send('QUIT\r\n');
    await c.closedByServer();
  });

  it('an HTTP request on the POP3S port is recorded and closed', async () => {
    await raw('GET / HTTP/1.1\r\nHost: lab\r\n\r\n');
    expect((await failedOf(lastConn())).reason).toBe('malformed');
  });

  it(`random bytes inside TLS: -ERR each, then a close after ${MAX_BAD_COMMANDS} errors`, async () => {
    const c = await TlsLines.open();
    await c.line();
    const conn = lastConn();
    c.send(Buffer.concat([Buffer.from('x'), randomBytes(3000), Buffer.from('\r\n'.repeat(30))]));
    const rest = await c.closedByServer();
    expect(rest).toMatch(/-ERR Too many invalid commands\.\r\n$/);
    await waitFor(() => eventsOf(lab).find((e) => e.kind === 'input.rejected' && e.conn === conn && e.what === 'too-many-bad-commands'), 3000, 'input.rejected');
  });

  it('a 2 MB line inside TLS: -ERR, a close, its true length recorded', async () => {
    const c = await TlsLines.open();
    await c.line();
    const conn = lastConn();
    c.send('USER ' + 'a'.repeat(2 * 1024 * 1024));
    expect(await c.closedByServer()).toMatch(/^-ERR Input line too long \(limit 4096 bytes\)\.\r\n$/);
    const ev = (await waitFor(() => eventsOf(lab).find((e) => e.kind === 'c2s' && e.conn === conn && e.truncated !== undefined), 3000, 'the truncated c2s')) as { truncated?: number };
    expect(ev.truncated).toBeGreaterThan(4096);
  });

  it('slowloris inside TLS: closed when the login deadline runs out', async () => {
    const c = await TlsLines.open();
    await c.line();
    const conn = lastConn();
    const drip = setInterval(() => c.send('U'), 200);
    try {
      expect(await c.closedByServer(5000)).toMatch(/-ERR Disconnected: authentication not completed in time\r\n$/);
    } finally {
      clearInterval(drip);
    }
    expect(await closeOf(lab, conn)).toMatchObject({ by: 'timeout' });
  });

  it('a client vanishing mid-RETR inside TLS applies no DELE', async () => {
    const before = lab.store.messages('INBOX').length;
    const c = await loggedIn();
    c.send('DELE 1\r\nRETR 2\r\n');
    await c.line();
    c.socket.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expect(lab.store.messages('INBOX')).toHaveLength(before);
  });

  it('1000 idle connections that never start TLS, and a real TLS client is still served', async () => {
    const big = await startTestLab({ imapPort: null, imapsPort: null, smtpPort: null, smtpsPort: null, pop3Port: null, pop3sPort: 0 });
    const p = big.listeners.pop3s!.port;
    try {
      const sockets = await Promise.all(
        Array.from({ length: 1000 }, () => new Promise<Socket>((resolve, reject) => {
          const s = connect({ port: p, host: '127.0.0.1' }, () => resolve(s));
          s.once('error', reject);
        })),
      );
      await waitFor(() => big.pop3.sessions.size >= 1000 || undefined, 10_000, '1000 sessions');
      const ok = await new Promise<string>((resolve, reject) => {
        const s = tlsConnect({ port: p, host: '127.0.0.1', rejectUnauthorized: false });
        s.setEncoding('latin1');
        let got = '';
        s.on('data', (d: string) => {
          got += d;
          if (got.includes('\r\n')) {
            s.end('QUIT\r\n');
            resolve(got);
          }
        });
        s.on('error', reject);
      });
      expect(ok).toMatch(/^\+OK Mailprobe POP3 lab ready/);
      for (const s of sockets) s.destroy();
      await waitFor(() => big.pop3.sessions.size === 0, 10_000, 'every session to close');
    } finally {
      await big.stop();
    }
  }, 40_000);
});
