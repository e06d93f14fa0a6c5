/**
 * A measuring IMAP client for the benchmarks: sends one command at a time and reads the answer
 * as a stream, counting literal bytes without keeping them (a full download of 2 GB costs it
 * nothing), counting untagged responses, and keeping the untagged lines a caller asks for
 * (SEARCH results). Same bytes on the wire for the lab and for Dovecot.
 */
import { connect, type Socket } from 'node:net';

export interface Answer {
  /** The tagged status line. */
  status: string;
  ms: number;
  /** Untagged responses (`* …`) in the answer. */
  untagged: number;
  /** Bytes of literal data in the answer. */
  literalBytes: number;
  /** The first line of each untagged response whose first line starts with `keep`. */
  kept: string[];
}

const LITERAL_AT_END = /\{(\d+)\}$/;

export class ImapProbe {
  private chunks: Buffer[] = [];
  private literalLeft = 0;
  private atResponseStart = true;
  private current: { tag: string; keep?: string; answer: Answer; t0: number; resolve(a: Answer): void; reject(e: Error): void } | null = null;
  private greeting: ((line: string) => void) | null = null;
  private closedWith: Error | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.onData(d));
    const fail = (err: Error) => {
      this.closedWith ??= err;
      this.current?.reject(err);
      this.current = null;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the server closed the connection')));
  }

  /** Connect and wait for the greeting. */
  static async open(port: number, timeoutMs: number): Promise<ImapProbe> {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setNoDelay(true);
    const probe = new ImapProbe(socket);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no greeting')), timeoutMs);
      probe.greeting = (line) => {
        clearTimeout(t);
        if (line.startsWith('* OK')) resolve();
        else reject(new Error(`greeting: ${line}`));
      };
      socket.once('error', reject);
    });
    return probe;
  }

  /** Send `tag text` and resolve with the answer once the tagged line arrives (rejects on NO/BAD unless `allowFail`). */
  command(tag: string, text: string, opts: { keep?: string; timeoutMs: number; allowFail?: boolean }): Promise<Answer> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.current = null;
        reject(new Error(`${text.split(' ')[0]}: no answer in ${opts.timeoutMs / 1000} s`));
        this.socket.destroy();
      }, opts.timeoutMs);
      this.current = {
        tag,
        keep: opts.keep,
        answer: { status: '', ms: 0, untagged: 0, literalBytes: 0, kept: [] },
        t0: performance.now(),
        resolve: (a) => {
          clearTimeout(timer);
          if (!opts.allowFail && !a.status.startsWith(`${tag} OK`)) reject(new Error(`${text.slice(0, 40)}: ${a.status}`));
          else resolve(a);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.socket.write(`${tag} ${text}\r\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    let at = 0;
    while (at < d.length) {
      if (this.literalLeft > 0) {
        const take = Math.min(this.literalLeft, d.length - at);
        this.literalLeft -= take;
        if (this.current) this.current.answer.literalBytes += take;
        at += take;
        continue;
      }
      const lf = d.indexOf(0x0a, at);
      if (lf === -1) {
        this.chunks.push(d.subarray(at));
        return;
      }
      this.chunks.push(d.subarray(at, lf + 1));
      at = lf + 1;
      const line = Buffer.concat(this.chunks).toString('latin1').replace(/\r?\n$/, '');
      this.chunks = [];
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    const startsResponse = this.atResponseStart;
    const literal = LITERAL_AT_END.exec(line);
    this.literalLeft = literal ? Number(literal[1]) : 0;
    this.atResponseStart = !literal;
    if (!startsResponse) return;
    if (this.greeting) {
      const g = this.greeting;
      this.greeting = null;
      g(line);
      return;
    }
    const cur = this.current;
    if (!cur) return;
    if (line.startsWith('* ')) {
      cur.answer.untagged += 1;
      if (cur.keep && line.startsWith(cur.keep)) cur.answer.kept.push(line);
    } else if (line.startsWith(`${cur.tag} `)) {
      cur.answer.status = line;
      cur.answer.ms = performance.now() - cur.t0;
      this.current = null;
      cur.resolve(cur.answer);
    }
  }
}
