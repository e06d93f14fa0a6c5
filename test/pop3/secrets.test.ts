/**
 * POP3 secrets are redacted everywhere: the password of PASS, APOP's digest, AUTH PLAIN's
 * initial response, AUTH LOGIN's and CRAM-MD5's responses are marked as secrets when recorded,
 * and neither the redacted events (`mailprobe lab --json`, exports) nor the PDF report carry
 * them; the `auth` event of each login names the mechanism and the user only.
 */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import { redactEvents } from '../../electron/lab/recorder/index.js';
import { buildReport } from '../../electron/lab/report/index.js';
import { Pop3Script } from '../support/pop3-script.js';
import { PASSWORD, observe, startTestLab } from '../simulate/lab-session.js';
import { pdfText } from '../report/helpers.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('POP3 secrets', () => {
  it('USER/PASS, APOP, AUTH PLAIN, AUTH LOGIN and AUTH CRAM-MD5: nothing secret in the redacted events or the report', async () => {
    const lab = await startTestLab({ imapPort: null, imapsPort: null, smtpPort: null, smtpsPort: null, pop3Port: 0, pop3sPort: null });
    const user = lab.account.user;
    const secrets: string[] = [PASSWORD];
    let events: LabEvent[];
    try {
      ({ events } = await observe(lab, async () => {
        const port = lab.listeners.pop3!.port;
        let s = await Pop3Script.open(port);
        await s.send(`USER ${user}`);
        expect((await s.send(`PASS ${PASSWORD}`)).ok).toBe(true);
        await s.quit();
        s = await Pop3Script.open(port);
        const digest = createHash('md5').update(/<[^>]+>/.exec(s.greeting)![0] + PASSWORD).digest('hex');
        secrets.push(digest);
        expect((await s.send(`APOP ${user} ${digest}`)).ok).toBe(true);
        await s.quit();
        s = await Pop3Script.open(port);
        const plain = b64(`\0${user}\0${PASSWORD}`);
        secrets.push(plain);
        expect((await s.send(`AUTH PLAIN ${plain}`)).ok).toBe(true);
        await s.quit();
        s = await Pop3Script.open(port);
        await s.send('AUTH LOGIN');
        await s.send(b64(user), false);
        secrets.push(b64(PASSWORD));
        expect((await s.send(b64(PASSWORD), false)).ok).toBe(true);
        await s.quit();
        s = await Pop3Script.open(port);
        const challenge = await s.send('AUTH CRAM-MD5');
        const response = b64(`${user} ${createHmac('md5', PASSWORD).update(Buffer.from(challenge.text, 'base64')).digest('hex')}`);
        secrets.push(response);
        expect((await s.send(response, false)).ok).toBe(true);
        await s.quit();
      }));
    } finally {
      await lab.stop();
    }
    const auths = events.filter((e): e is Extract<LabEvent, { kind: 'auth' }> => e.kind === 'auth');
    expect(auths.map((a) => `${a.mechanism}:${a.ok}`)).toEqual(['USER-PASS:true', 'APOP:true', 'PLAIN:true', 'LOGIN:true', 'CRAM-MD5:true']);
    const exported = JSON.stringify(redactEvents(events));
    for (const secret of secrets) expect(exported, secret).not.toContain(secret);
    // Recorded whole (the lab's own session file keeps the bytes), and marked.
    const raw = JSON.stringify(events);
    expect(raw).toContain(PASSWORD);
    const report = pdfText((await buildReport({ events })).pdf);
    for (const secret of secrets) expect(report.body, secret).not.toContain(secret);
  }, 60_000);
});
