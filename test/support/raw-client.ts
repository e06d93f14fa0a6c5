/**
 * A scripted IMAP client over a real socket: send exact bytes, read lines, wait for the close.
 * Used to replay device transcripts (the seed's Nokia 6233) and to send hostile input.
 */
import { connect, type Socket } from 'node:net';

export class RawClient {
  private buf = Buffer.alloc(0);
  private all: Buffer[] = [];
  private waiters: Array<() => void> = [];
  closed = false;
  readonly socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.all.push(d);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private wait(timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timeout waiting for ${what}; received so far: ${JSON.stringify(this.buf.toString('latin1').slice(-300))}`)), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Every byte received on this connection, consumed or not. */
  received(): Buffer {
    return Buffer.concat(this.all);
  }

  /** Everything received and not yet consumed. */
  pending(): string {
    return this.buf.toString('latin1');
  }

  /** One line, CRLF stripped. */
  async line(timeoutMs = 5000): Promise<string> {
    for (;;) {
      const i = this.buf.indexOf('\r\n');
      if (i >= 0) {
        const l = this.buf.subarray(0, i).toString('utf8');
        this.buf = this.buf.subarray(i + 2);
        return l;
      }
      if (this.closed) throw new Error(`connection closed; unterminated data: ${JSON.stringify(this.buf.toString('latin1'))}`);
      await this.wait(timeoutMs, 'a line');
    }
  }

  /** Lines up to and including the tagged response for `tag` (literals are returned inline). */
  async response(tag: string, timeoutMs = 5000): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const l = await this.line(timeoutMs);
      lines.push(l);
      if (l.startsWith(tag + ' ')) return lines;
    }
  }

  /** Send a command and return its response lines. */
  async command(tag: string, text: string, timeoutMs = 5000): Promise<string[]> {
    this.send(`${tag} ${text}\r\n`);
    return this.response(tag, timeoutMs);
  }

  /** Wait until the server closes; returns everything left unread. */
  async closedByServer(timeoutMs = 5000): Promise<string> {
    while (!this.closed) await this.wait(timeoutMs, 'the server to close');
    return this.buf.toString('latin1');
  }

  /** Nothing arrives within `ms`. */
  async silence(ms: number): Promise<string> {
    await new Promise((r) => setTimeout(r, ms));
    return this.buf.toString('latin1');
  }

  close(): void {
    this.socket.destroy();
  }
}

/** `n` connections that each got their first bytes (the greeting) and then say nothing. */
export function idleConnections(port: number, n: number, host = '127.0.0.1'): Promise<Socket[]> {
  return Promise.all(
    Array.from({ length: n }, () => new Promise<Socket>((resolve, reject) => {
      const s = connect({ port, host });
      s.once('data', () => resolve(s));
      s.once('error', reject);
    })),
  );
}

/** Destroy the sockets and wait (bounded) until the server's session set is empty. */
export async function dropAndDrain(sockets: Socket[], sessions: { size: number }, timeoutMs = 5000): Promise<number> {
  for (const s of sockets) s.destroy();
  const deadline = Date.now() + timeoutMs;
  while (sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return sessions.size;
}
