import { describe, expect, it } from 'vitest';
import { createSeededStore, samplePdf, samplePng, MailStore, type SectionSpec, type StoredMessage } from '../../electron/lab/mailbox/index.js';

const store = createSeededStore();
const inbox = store.messages('INBOX');
const bySubject = (s: string) => inbox.find((m) => m.envelope.subject?.includes(s))!;
const sec = (m: StoredMessage, path: number[], text?: SectionSpec['text'], fields?: string[]) => store.section(m, { path, text, fields }).toString('latin1');

describe('BODY[section] (RFC 3501 §6.4.5)', () => {
  it('gives the whole message, its header with the blank line, and its text', () => {
    for (const m of inbox) {
      const header = sec(m, [], 'HEADER');
      expect(header.endsWith('\r\n\r\n')).toBe(true);
      expect(header + sec(m, [], 'TEXT')).toBe(m.raw.toString('latin1'));
      expect(store.section(m, { path: [] }).equals(m.raw)).toBe(true);
    }
  });

  it('filters header fields case-insensitively, keeping order and folding, ending with the blank line', () => {
    const cz = inbox.find((m) => m.envelope.from?.[0]?.mailbox === 'jiri.novak')!;
    const got = sec(cz, [], 'HEADER.FIELDS', ['subject', 'FROM', 'X-Not-There']);
    expect(got).toMatch(/^From: =\?UTF-8\?Q\?Ji=C5=99=C3=AD_Nov=C3=A1k\?= <jiri.novak@example.cz>\r\nSubject: =\?UTF-8\?B\?[^\r]*\?=\r\n =\?UTF-8\?B\?[^\r]*\?=\r\n\r\n$/);
    const not = sec(cz, [], 'HEADER.FIELDS.NOT', ['Subject', 'from']);
    expect(not).not.toMatch(/^(Subject|From):/im);
    expect(not).toMatch(/^Message-ID: /m);
    expect(not.endsWith('\r\n\r\n')).toBe(true);
    expect(sec(cz, [], 'HEADER.FIELDS', ['X-None'])).toBe('\r\n');
  });

  it('holds bodies that decode to the intended text (quoted-printable UTF-8 and Latin-1, base64)', () => {
    const qp = (t: string) => Buffer.from(t.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
    const cz = inbox.find((m) => m.envelope.from?.[0]?.mailbox === 'jiri.novak')!;
    expect(qp(sec(cz, [1])).toString('utf8')).toContain('zkouším, jestli telefon správně zobrazí české znaky: ěščřžýáíé ůú ďťň.\r\n');
    const de = inbox.find((m) => m.envelope.from?.[0]?.mailbox === 'juergen.mueller')!;
    expect(qp(sec(de, [1])).toString('latin1')).toContain('viele Grüße aus München!');
    const jp = inbox.find((m) => m.envelope.from?.[0]?.mailbox === 'hanako.yamada')!;
    expect(Buffer.from(sec(jp, [1]), 'base64').toString('utf8')).toContain('携帯電話での受信テストは来週行います。');
  });

  it('treats the body of a non-multipart message as its only part 1', () => {
    const m = inbox[0]!;
    expect(sec(m, [1])).toBe(sec(m, [], 'TEXT'));
    expect(sec(m, [1], 'MIME')).toBe(sec(m, [], 'HEADER'));
    expect(sec(m, [2])).toBe('');
    expect(sec(m, [1, 1])).toBe('');
    expect(sec(m, [], 'MIME')).toBe('');
    expect(sec(m, [0])).toBe('');
  });

  it('addresses multipart children, their MIME headers, and returns empty for missing parts', () => {
    const m = bySubject('How to read');
    expect(sec(m, [1])).toMatch(/^Reading this mailbox on your phone\r\n=+\r\n/);
    expect(sec(m, [1]).endsWith('accepted it.\r\n')).toBe(true);
    expect(sec(m, [2], 'MIME')).toBe('Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n');
    expect(sec(m, [2])).toMatch(/^<!DOCTYPE html>/);
    expect(sec(m, [3])).toBe('');
    expect(sec(m, [1], 'HEADER')).toBe(''); // HEADER only for messages, not for a text part
  });

  it('decodes to the exact attachment bytes (PDF, inline PNG)', () => {
    expect(Buffer.from(sec(bySubject('connectivity report'), [2]), 'base64').equals(samplePdf())).toBe(true);
    expect(Buffer.from(sec(bySubject('Mailprobe News'), [2, 2]), 'base64').equals(samplePng())).toBe(true);
    expect(sec(bySubject('Mailprobe News'), [2, 1])).toMatch(/^<html>.*cid:logo/s);
  });

  it('enters an encapsulated message/rfc822: its header, text and parts', () => {
    const m = bySubject('Fwd:');
    const whole = sec(m, [2]);
    expect(whole).toMatch(/^From: Support Desk <support@provider.example>\r\n/);
    expect(whole.endsWith('--inner-alt--\r\n')).toBe(true);
    expect(sec(m, [2], 'HEADER') + sec(m, [2], 'TEXT')).toBe(whole);
    expect(sec(m, [2], 'HEADER.FIELDS', ['Subject'])).toBe('Subject: Your mail settings\r\n\r\n');
    expect(sec(m, [2], 'MIME')).toBe('Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n');
    expect(sec(m, [2, 1])).toBe('Incoming server: imap.provider.example, port 993, SSL/TLS\r\nOutgoing server: smtp.provider.example, port 587, STARTTLS\r\nUser name: your full e-mail address\r\n');
    expect(sec(m, [2, 2], 'MIME')).toBe('Content-Type: text/html; charset=us-ascii\r\n\r\n');
    expect(sec(m, [2, 3])).toBe('');
    expect(sec(m, [1], 'TEXT')).toBe('');
  });

  it('works on a non-multipart encapsulated message and on messages without a body', () => {
    const s = new MailStore({ uidValidity: 1 });
    const inner = 'From: a@b.c\r\nSubject: inner\r\n\r\ninner body\r\n';
    s.append('INBOX', Buffer.from(`Subject: outer\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\n\r\n${inner}\r\n--x--\r\n`));
    s.append('INBOX', Buffer.from('Subject: header only\r\n'));
    const [m, headerOnly] = s.messages('INBOX') as StoredMessage[];
    expect(sec(m!, [1])).toBe(inner);
    expect(sec(m!, [1, 1])).toBe('inner body\r\n');
    expect(sec(m!, [1], 'TEXT')).toBe('inner body\r\n');
    expect(sec(headerOnly!, [], 'HEADER')).toBe('Subject: header only\r\n');
    expect(sec(headerOnly!, [], 'TEXT')).toBe('');
    expect(sec(headerOnly!, [], 'HEADER.FIELDS', ['subject'])).toBe('Subject: header only\r\n\r\n');
  });
});
