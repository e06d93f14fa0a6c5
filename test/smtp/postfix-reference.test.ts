/**
 * Postfix as the reference: the same exchanges against a private Postfix 3.7 smtpd and the lab,
 * and the replies compared (code and enhanced status code) where the lab means to behave like a
 * stock submission server. Where they differ on purpose the test says so: the lab refuses MAIL
 * before AUTH with 530 (RFC 4954 §6) where Postfix waits for RCPT to say "relay access denied",
 * and it answers an unknown mechanism with RFC 4954's 504 where Postfix says 535.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedLab } from '../../electron/lab/lab.js';
import { RawClient } from '../support/raw-client.js';
import { TEST_PASSWORD, TEST_USER, startTestLab, tempDir, testCertificates } from '../support/lab.js';
import { postfixAvailable, startPostfix, type PostfixServer } from '../support/postfix.js';
import { PLAIN_IR, smtpReply } from '../support/smtp.js';

const available = postfixAvailable();

let pf: PostfixServer;
let pfStrict: PostfixServer;
let lab: StartedLab;
let labStrict: StartedLab;

beforeAll(async () => {
  if (!available) return;
  const certs = await testCertificates();
  const dir = tempDir('mp-postfix-');
  // Postfix's daemons run as the postfix user: they must be able to reach their directories.
  chmodSync(dir, 0o755);
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  writeFileSync(certFile, certs.serverCertPem + (certs.caCertPem ?? ''));
  writeFileSync(keyFile, certs.serverKeyPem, { mode: 0o600 });
  const tls = { certFile, keyFile };
  [pf, pfStrict, lab, labStrict] = await Promise.all([
    // The lab answers at once; Postfix would sleep a second per reply after 10 errors.
    startPostfix({ dir: join(dir, 'default'), user: TEST_USER, password: TEST_PASSWORD, tls, extra: ['smtpd_helo_required = yes', 'smtpd_soft_error_limit = 100'] }),
    startPostfix({ dir: join(dir, 'strict'), user: TEST_USER, password: TEST_PASSWORD, extra: ['smtpd_helo_required = yes', 'strict_rfc821_envelopes = yes'] }),
    startTestLab({ imapPort: null, imapsPort: null, smtpPort: 0, smtpsPort: 0 }),
    startTestLab({ imapPort: null, imapsPort: null, smtpPort: 0, smtpsPort: null, smtpMailFrom: 'strict' }),
  ]);
}, 60_000);
afterAll(async () => {
  pf?.stop();
  pfStrict?.stop();
  await Promise.all([lab?.stop(), labStrict?.stop()]);
});

/** Run lines (or raw chunks) in order and return each reply's last line, cut to code and enhanced code. */
async function exchange(port: number, steps: Array<string | { raw: string }>, full = false): Promise<string[]> {
  const c = await RawClient.connect(port);
  await smtpReply(c);
  const out: string[] = [];
  for (const s of steps) {
    c.send(typeof s === 'string' ? `${s}\r\n` : s.raw);
    const reply = await smtpReply(c);
    const last = reply.at(-1)!;
    out.push(full ? reply.join('\n') : (/^\d{3}(?: \d\.\d{1,3}\.\d{1,3})?/.exec(last)?.[0] ?? last));
  }
  c.close();
  return out;
}

describe.skipIf(!available)('the lab and Postfix 3.7 agree', () => {
  it('on the EHLO keywords a submission client relies on', async () => {
    const keywords = async (port: number) => (await exchange(port, ['EHLO phone.example'], true))[0].split('\n').slice(1).map((l) => l.slice(4));
    const [theirs, ours] = await Promise.all([keywords(pf.port), keywords(lab.listeners.smtp!.port)]);
    for (const k of ['PIPELINING', 'SIZE 52428800', 'VRFY', 'STARTTLS', 'AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5', 'ENHANCEDSTATUSCODES', '8BITMIME', 'SMTPUTF8', 'CHUNKING']) {
      expect(theirs, `Postfix: ${k}`).toContain(k);
      expect(ours, `lab: ${k}`).toContain(k);
    }
  });

  it('on commands out of sequence, bad syntax, AUTH steps and refusals, and a message sent', async () => {
    const script: Array<string | { raw: string }> = [
      'MAIL FROM:<a@lab.example>',
      'EHLO phone.example',
      'FROB',
      '',
      'AUTH PLAIN',
      '*',
      'AUTH LOGIN',
      Buffer.from(TEST_USER).toString('base64'),
      Buffer.from('wrong').toString('base64'),
      `AUTH PLAIN ${PLAIN_IR}`,
      `AUTH PLAIN ${PLAIN_IR}`,
      'MAIL FROM:<a@lab.example> FOO=bar',
      'RCPT TO:<c@example.com>',
      'MAIL FROM: <a@lab.example>',
      'MAIL FROM:<a@lab.example>',
      `AUTH PLAIN ${PLAIN_IR}`,
      'RCPT TO:<>',
      'RCPT TO:<someone@outside.example>',
      'DATA',
      { raw: 'Subject: compared\r\n\r\n..dot\r\n.\r\n' },
      'RSET',
      'NOOP',
      // Last: Postfix keeps a refused SIZE= for the next MAIL of the session.
      'MAIL FROM:<a@lab.example> SIZE=999999999',
      'QUIT',
    ];
    const [theirs, ours] = await Promise.all([exchange(pf.port, script), exchange(lab.listeners.smtp!.port, script)]);
    const queued = (s: string) => s.replace(/ Ok: queued as .*/, '');
    expect(ours.map(queued)).toEqual(theirs.map(queued));
    expect(ours).toEqual([
      '503 5.5.1', '250', '500 5.5.2', '500 5.5.2', '334', '501 5.7.0', '334', '334', '535 5.7.8', '235 2.7.0', '503 5.5.1',
      '555 5.5.4', '503 5.5.1', '250 2.1.0', '503 5.5.1', '503 5.5.1', '501 5.1.3', '250 2.1.5', '354', '250 2.0.0',
      '250 2.0.0', '250 2.0.0', '552 5.3.4', '221 2.0.0',
    ]);
  });

  it('on BDAT (RFC 3030) and SMTPUTF8 (RFC 6531): chunks out of sequence, DATA after BDAT, UTF-8 senders with and without SMTPUTF8', async () => {
    // Where the two word it differently (BDAT before MAIL: Postfix says "need RCPT command", the
    // lab "need MAIL command"), the codes agree; the octets of a refused chunk are never commands.
    const script: Array<string | { raw: string }> = [
      'EHLO phone.example',
      `AUTH PLAIN ${PLAIN_IR}`,
      { raw: 'BDAT 5\r\nhello' },
      // RFC 3030 §3: after a refused chunk, MAIL is out of place and every chunk is refused until LAST.
      'MAIL FROM:<a@lab.example>',
      { raw: 'BDAT 6 LAST\r\nQUIT\r\n' },
      'MAIL FROM:<a@lab.example>',
      { raw: 'BDAT 6 LAST\r\nQUIT\r\n' },
      'NOOP',
      'RSET',
      'MAIL FROM:<a@lab.example>',
      'RCPT TO:<c@example.com>',
      { raw: 'BDAT 20\r\nSubject: x\r\n\r\nbody\r\n' },
      'DATA',
      'RCPT TO:<d@example.com>',
      { raw: 'BDAT 6 LAST\r\nmore\r\n' },
      'MAIL FROM:<jösé@bücher.example>',
      'MAIL FROM:<a@lab.example> SMTPUTF8=yes',
      'MAIL FROM:<jösé@bücher.example> SMTPUTF8',
      'RCPT TO:<çé@example.com>',
      'DATA',
      { raw: 'Subject: ünï\r\n\r\nbody\r\n.\r\n' },
      { raw: 'BDAT 0 LAST\r\n' },
      'QUIT',
    ];
    const [theirs, ours] = await Promise.all([exchange(pf.port, script), exchange(lab.listeners.smtp!.port, script)]);
    expect(ours).toEqual(theirs);
    expect(ours).toEqual([
      '250', '235 2.7.0', '503 5.5.1', '503 5.5.1', '551 5.0.0', '250 2.1.0', '554 5.5.1', '250 2.0.0', '250 2.0.0', '250 2.1.0', '250 2.1.5',
      '250 2.0.0', '503 5.5.1', '503 5.5.1', '250 2.0.0', '501 5.1.7', '555 5.5.4', '250 2.1.0', '250 2.1.5', '354', '250 2.0.0', '503 5.5.1', '221 2.0.0',
    ]);
    const syntax = ['EHLO phone.example', `AUTH PLAIN ${PLAIN_IR}`, 'MAIL FROM:<a@lab.example>', 'RCPT TO:<c@example.com>', 'BDAT ten'];
    const [theirClose, ourClose] = await Promise.all([exchange(pf.port, syntax), exchange(lab.listeners.smtp!.port, syntax)]);
    expect(ourClose).toEqual(theirClose);
    expect(ourClose.at(-1)).toBe('521 5.5.4');
  });

  it('strict envelopes: no angle brackets is refused by both (strict_rfc821_envelopes)', async () => {
    // Postfix's strict mode still takes "MAIL FROM: <addr>" (a space after the colon); the lab's
    // strict mode follows RFC 5321 §4.1.2 to the letter and refuses it too (protocol.test.ts).
    const script = ['EHLO phone.example', `AUTH PLAIN ${PLAIN_IR}`, 'MAIL FROM:a@lab.example', 'RCPT TO:c@example.com', 'MAIL FROM:<a@lab.example>', 'RCPT TO:<c@example.com>', 'QUIT'];
    const [theirs, ours] = await Promise.all([exchange(pfStrict.port, script), exchange(labStrict.listeners.smtp!.port, script)]);
    expect(ours).toEqual(theirs);
    expect(ours).toEqual(['250', '235 2.7.0', '501 5.1.7', '503 5.5.1', '250 2.1.0', '250 2.1.5', '221 2.0.0']);
  });

  it('STARTTLS resets the session: MAIL right after the handshake needs EHLO again', async () => {
    const { connect } = await import('node:tls');
    const afterTls = async (port: number): Promise<string[]> => {
      const c = await RawClient.connect(port);
      await smtpReply(c);
      c.send('EHLO phone.example\r\n');
      await smtpReply(c);
      c.send('STARTTLS\r\n');
      const go = (await smtpReply(c))[0].slice(0, 9);
      const t = connect({ socket: c.socket, rejectUnauthorized: false });
      await new Promise<void>((res, rej) => t.once('secureConnect', () => res()).once('error', rej));
      const lines: string[] = [go];
      let buf = '';
      const next = () =>
        new Promise<string>((res) => {
          const check = () => {
            const m = /^(\d{3}) [^\r\n]*\r\n/m.exec(buf);
            if (!m) return false;
            buf = buf.slice(buf.indexOf(m[0]) + m[0].length);
            res(/^\d{3}(?: \d\.\d{1,3}\.\d{1,3})?/.exec(m[0])![0]);
            return true;
          };
          if (check()) return;
          const on = (d: Buffer) => {
            buf += d.toString('latin1');
            if (check()) t.off('data', on);
          };
          t.on('data', on);
        });
      t.write('MAIL FROM:<a@lab.example>\r\n');
      lines.push(await next());
      t.write('EHLO phone.example\r\n');
      lines.push(await next());
      t.destroy();
      return lines;
    };
    const [theirs, ours] = await Promise.all([afterTls(pf.port), afterTls(lab.listeners.smtp!.port)]);
    expect(ours).toEqual(theirs);
    expect(ours).toEqual(['220 2.0.0', '503 5.5.1', '250']);
  });
});
