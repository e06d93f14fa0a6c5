/**
 * A scripted Nokia 6233 (firmware 05.10) reproducing the seed's CRAM-MD5 exchange byte for byte:
 * it authenticates successfully, sends a bare CRLF, then NOOP/EXPUNGE/CLOSE/LOGOUT without ever
 * selecting the inbox. The seed's 20 s pause is shortened to `pauseMs`.
 */
import { createHmac } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface PhoneRun {
  transcript: string[];
}

class Lines {
  private buf = '';
  private waiters: Array<(l: string) => void> = [];
  private lines: string[] = [];
  constructor(sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf('\r\n')) !== -1) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        const w = this.waiters.shift();
        if (w) w(line);
        else this.lines.push(line);
      }
    });
  }
  next(timeoutMs = 5000): Promise<string> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no line from the lab')), timeoutMs);
      this.waiters.push((x) => {
        clearTimeout(t);
        resolve(x);
      });
    });
  }
  /** Read lines until one starts with `prefix` (a tagged response). */
  async until(prefix: string): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const l = await this.next();
      out.push(l);
      if (l.startsWith(prefix)) return out;
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function nokia6233CramMd5(host: string, port: number, user: string, password: string, pauseMs = 100): Promise<PhoneRun> {
  const sock = connect({ host, port });
  await new Promise<void>((res, rej) => {
    sock.once('connect', () => res());
    sock.once('error', rej);
  });
  const lines = new Lines(sock);
  const transcript: string[] = [];
  const send = (s: string) => {
    transcript.push('C: ' + s);
    sock.write(s + '\r\n');
  };
  transcript.push('S: ' + (await lines.next()));
  send('A0 AUTHENTICATE CRAM-MD5');
  const cont = await lines.next();
  transcript.push('S: ' + cont);
  const challenge = Buffer.from(cont.slice(2), 'base64').toString('utf8');
  const digest = createHmac('md5', password).update(challenge).digest('hex');
  send(Buffer.from(`${user} ${digest}`).toString('base64'));
  transcript.push(...(await lines.until('A0 ')).map((l) => 'S: ' + l));
  send(''); // the 6233's spurious CRLF
  transcript.push('S: ' + (await lines.next()));
  await sleep(pauseMs);
  for (const [tag, cmd] of [['A1', 'NOOP'], ['A2', 'EXPUNGE'], ['A3', 'CLOSE']]) {
    send(`${tag} ${cmd}`);
    transcript.push(...(await lines.until(tag + ' ')).map((l) => 'S: ' + l));
  }
  send('A4 LOGOUT');
  transcript.push(...(await lines.until('A4 ').catch(() => [])).map((l) => 'S: ' + l));
  sock.end();
  await new Promise((r) => sock.once('close', r));
  return { transcript };
}
