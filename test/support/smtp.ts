/** SMTP helpers for tests: read a reply (multi-line), send a command and read its reply, AUTH PLAIN. */
import { RawClient } from './raw-client.js';
import { TEST_PASSWORD, TEST_USER } from './lab.js';

/** One reply: its lines up to and including the one with a space after the code. */
export async function smtpReply(c: RawClient, timeoutMs = 5000): Promise<string[]> {
  const lines: string[] = [];
  for (;;) {
    const l = await c.line(timeoutMs);
    lines.push(l);
    if (/^\d{3}(?: |$)/.test(l)) return lines;
  }
}

/** Send a line; the last line of its reply. */
export async function smtp(c: RawClient, line: string): Promise<string> {
  c.send(line + '\r\n');
  return (await smtpReply(c)).at(-1)!;
}

/** Connect and read the 220 greeting. */
export async function smtpGreeted(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  const g = await smtpReply(c);
  if (!g[0].startsWith('220 ')) throw new Error(`no greeting: ${g.join(' | ')}`);
  return c;
}

export const PLAIN_IR = Buffer.from(`\0${TEST_USER}\0${TEST_PASSWORD}`).toString('base64');

/** Greeted, EHLO'd and authenticated with AUTH PLAIN. */
export async function smtpReady(port: number): Promise<RawClient> {
  const c = await smtpGreeted(port);
  await smtp(c, 'EHLO phone.example');
  const r = await smtp(c, `AUTH PLAIN ${PLAIN_IR}`);
  if (!r.startsWith('235 ')) throw new Error(`AUTH PLAIN: ${r}`);
  return c;
}

/** A small RFC 5322 message with CRLF line ends. */
export function sampleMessage(subject = 'Hello from the phone', body = 'Sent from my Nokia.'): string {
  return `From: phone@lab.example\r\nTo: friend@example.com\r\nSubject: ${subject}\r\nMessage-ID: <m-${subject.length}@phone.example>\r\n\r\n${body}\r\n`;
}
