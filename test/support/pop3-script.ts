/**
 * A scripted POP3 client over a real socket for reference tests: send one command at a time and
 * read its answer whole — the status line and, for a +OK to a command with a multi-line answer
 * (RFC 1939 §3: LIST/UIDL without an argument, RETR, TOP, CAPA, a bare AUTH), its body lines up
 * to "." (dot-unstuffed). SASL exchanges are driven line by line.
 */
import { RawClient } from './raw-client.js';

export interface Pop3Answer {
  /** What was sent (a secret is kept: these are test accounts). */
  sent: string;
  ok: boolean;
  /** "+" for a SASL continuation. */
  status: '+OK' | '-ERR' | '+' | 'closed';
  text: string;
  body?: string[];
}

export function hasMultilineAnswer(command: string): boolean {
  const [verb, ...args] = command.trim().split(/\s+/);
  switch (verb.toUpperCase()) {
    case 'RETR':
    case 'TOP':
    case 'CAPA':
      return true;
    case 'LIST':
    case 'UIDL':
    case 'AUTH':
      return args.length === 0;
    default:
      return false;
  }
}

export class Pop3Script {
  private constructor(
    readonly client: RawClient,
    readonly greeting: string,
  ) {}

  static async open(port: number, host = '127.0.0.1'): Promise<Pop3Script> {
    const c = await RawClient.connect(port, host);
    return new Pop3Script(c, await c.line());
  }

  /** Send one line and read its answer; `multiline` overrides the RFC's rule (SASL steps). */
  async send(line: string, multiline = hasMultilineAnswer(line)): Promise<Pop3Answer> {
    this.client.send(line + '\r\n');
    let status: string;
    try {
      status = await this.client.line();
    } catch {
      return { sent: line, ok: false, status: 'closed', text: '' };
    }
    const m = /^(\+OK|-ERR|\+)(?: ?(.*))?$/.exec(status);
    const code = (m?.[1] ?? '-ERR') as Pop3Answer['status'];
    const answer: Pop3Answer = { sent: line, ok: code === '+OK', status: code, text: m ? (m[2] ?? '') : status };
    if (code === '+OK' && multiline) {
      const body: string[] = [];
      for (;;) {
        const l = await this.client.line();
        if (l === '.') break;
        body.push(l.startsWith('.') ? l.slice(1) : l);
      }
      answer.body = body;
    }
    return answer;
  }

  async quit(): Promise<Pop3Answer> {
    const a = await this.send('QUIT');
    await this.client.closedByServer().catch(() => undefined);
    return a;
  }

  close(): void {
    this.client.close();
  }
}
