/**
 * A byte-exact scripted IMAP client: it writes exactly the bytes a scenario gives it and reads
 * the server's responses line by line (literals included), so a simulated phone reproduces a
 * transcript instead of "speaking IMAP" its own way. Works over a plain socket, node:tls, or any
 * Duplex (gnutls-cli's stdio).
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** How long a scenario waits for one server response before giving up. */
export const RESPONSE_TIMEOUT_MS = 10_000;

export class SimulationError extends Error {
  override name = 'SimulationError';
}

export interface WireOptions {
  signal?: AbortSignal;
  /** Called with every line sent or received ("C: …" / "S: …"), for the CLI's transcript. */
  onLine?: (line: string) => void;
  timeoutMs?: number;
  /**
   * The address to connect from. A phone is another host on the LAN; on loopback a second
   * address (127.0.0.2) makes a server see it so (Dovecot treats a client whose address equals
   * its own as secured, and would accept a cleartext login no phone would get).
   */
  localAddress?: string;
}

export class ScriptedClient {
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private waiter: (() => void) | null = null;
  private readonly timeoutMs: number;
  private error: Error | null = null;

  constructor(
    readonly stream: Duplex,
    private readonly opts: WireOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? RESPONSE_TIMEOUT_MS;
    stream.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.wake();
    });
    stream.on('end', () => {
      this.ended = true;
      this.wake();
    });
    stream.on('close', () => {
      this.ended = true;
      this.wake();
    });
    stream.on('error', (err) => {
      this.error = err;
      this.ended = true;
      this.wake();
    });
    opts.signal?.addEventListener('abort', () => stream.destroy(), { once: true });
  }

  static async connect(host: string, port: number, opts: WireOptions = {}): Promise<ScriptedClient> {
    const sock: Socket = netConnect({ host, port, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    sock.setNoDelay(true);
    return new ScriptedClient(sock, opts);
  }

  get closed(): boolean {
    return this.ended && this.buf.length === 0;
  }

  /** Write these exact bytes. */
  send(data: string | Buffer): void {
    this.checkAbort();
    const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (const l of b.toString('utf8').split('\r\n').slice(0, -1)) this.opts.onLine?.(`C: ${l}`);
    this.stream.write(b);
  }

  /** Read one response line (without CRLF), with its literals inlined. Null when the server closed. */
  async readLine(timeoutMs = this.timeoutMs): Promise<string | null> {
    let line = '';
    for (;;) {
      const seg = await this.readRaw(timeoutMs);
      if (seg === null) return line === '' ? null : line;
      const m = /\{(\d+)\+?\}$/.exec(seg);
      if (!m) {
        line += seg;
        this.opts.onLine?.(`S: ${line.length > 200 ? line.slice(0, 200) + '…' : line}`);
        return line;
      }
      const n = Number(m[1]);
      const lit = await this.readBytes(n, timeoutMs);
      line += seg + '\r\n' + lit.toString('latin1');
    }
  }

  /** Read lines until the tagged response for `tag`; returns all lines, the tagged one last. */
  async readUntilTagged(tag: string, timeoutMs = this.timeoutMs): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const l = await this.readLine(timeoutMs);
      if (l === null) throw new SimulationError(`the server closed the connection while waiting for ${tag}`);
      lines.push(l);
      if (l.startsWith(tag + ' ')) return lines;
    }
  }

  /** Read lines until a continuation request (`+ …`); returns its text after "+ ". */
  async readContinuation(timeoutMs = this.timeoutMs): Promise<string> {
    for (;;) {
      const l = await this.readLine(timeoutMs);
      if (l === null) throw new SimulationError('the server closed the connection while a continuation was expected');
      if (l.startsWith('+')) return l.replace(/^\+ ?/, '');
      if (/^\S+ (NO|BAD) /i.test(l) && !l.startsWith('* ')) throw new SimulationError(`the server refused: ${l}`);
    }
  }

  /** Read until a continuation or the tagged response, whichever comes first. */
  async readContinuationOrTagged(tag: string, timeoutMs = this.timeoutMs): Promise<{ continuation?: string; tagged?: string }> {
    for (;;) {
      const l = await this.readLine(timeoutMs);
      if (l === null) throw new SimulationError(`the server closed the connection while waiting for ${tag}`);
      if (l.startsWith('+')) return { continuation: l.replace(/^\+ ?/, '') };
      if (l.startsWith(tag + ' ')) return { tagged: l };
    }
  }

  /** Collect whatever the server sends within `ms` (used where a phone does not wait for an answer). */
  async drain(ms: number): Promise<string[]> {
    const lines: string[] = [];
    const until = Date.now() + ms;
    for (;;) {
      const left = until - Date.now();
      if (left <= 0) return lines;
      try {
        const l = await this.readLine(left);
        if (l === null) return lines;
        lines.push(l);
      } catch (err) {
        if (err instanceof SimulationError && /timed out/.test(err.message)) return lines;
        throw err;
      }
    }
  }

  /** Wait, as a phone does, abortable. */
  async pause(ms: number): Promise<void> {
    if (ms <= 0) return;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, ms);
      this.opts.signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          reject(new SimulationError('aborted'));
        },
        { once: true },
      );
    });
  }

  /** Close our side and wait for the connection to end (bounded). */
  async close(waitMs = 2000): Promise<void> {
    this.stream.end();
    const until = Date.now() + waitMs;
    while (!this.ended && Date.now() < until) await this.wait(until - Date.now()).catch(() => undefined);
    this.stream.destroy();
  }

  private async readRaw(timeoutMs: number): Promise<string | null> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      this.checkAbort();
      const lf = this.buf.indexOf(0x0a);
      if (lf !== -1) {
        let end = lf;
        if (end > 0 && this.buf[end - 1] === 0x0d) end--;
        const s = this.buf.subarray(0, end).toString('latin1');
        this.buf = this.buf.subarray(lf + 1);
        return s;
      }
      if (this.ended) {
        if (this.error && this.buf.length === 0 && !/ECONNRESET|EPIPE/.test(String((this.error as NodeJS.ErrnoException).code))) throw this.error;
        return null;
      }
      await this.wait(until - Date.now());
    }
  }

  private async readBytes(n: number, timeoutMs: number): Promise<Buffer> {
    const until = Date.now() + timeoutMs;
    while (this.buf.length < n) {
      this.checkAbort();
      if (this.ended) throw new SimulationError('the server closed the connection inside a literal');
      await this.wait(until - Date.now());
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  private wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.reject(new SimulationError('timed out waiting for the server'));
    return new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiter = null;
        reject(new SimulationError('timed out waiting for the server'));
      }, ms);
      this.waiter = () => {
        clearTimeout(t);
        this.waiter = null;
        resolve();
      };
    });
  }

  private wake(): void {
    this.waiter?.();
  }

  private checkAbort(): void {
    if (this.opts.signal?.aborted) throw new SimulationError('aborted');
  }
}
