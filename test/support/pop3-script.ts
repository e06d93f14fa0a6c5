/**
 * A scripted POP3 client over a real socket for reference tests: send one command at a time and
 * read its answer whole — the status line and, for a +OK to a command with a multi-line answer
 * (RFC 1939 §3: LIST/UIDL without an argument, RETR, TOP, CAPA, a bare AUTH), its body lines up
 * to "." (dot-unstuffed). SASL exchanges are driven line by line.
 */
import { hasMultilineAnswer } from '../../electron/lab/diagnosis/pop3/conversation.js';
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

/** The RFC 1939 §3 rule, as the diagnosis reads it: whether `command`'s +OK has a body. */
function multilineCommand(command: string): boolean {
  const text = command.trim();
  const sp = text.indexOf(' ');
  return hasMultilineAnswer(sp < 0 ? text : text.slice(0, sp), sp < 0 ? '' : text.slice(sp + 1));
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
  async send(line: string, multiline = multilineCommand(line)): Promise<Pop3Answer> {
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
