import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  createSeededStore,
  seedMessages,
  parseMime,
  parseEnvelope,
  parseAddressList,
  parseStructured,
  MAX_MIME_DEPTH,
  MAX_MIME_PARTS,
  MAX_ADDRESS_HEADER_CHARS,
  type MimePart,
} from '../../electron/lab/mailbox/index.js';
import { tempDir } from '../support/temp.js';

const crlf = (s: string) => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8');
const shape = (p: MimePart): string =>
  `${p.type}/${p.subtype}` + (p.parts ? `(${p.parts.map(shape).join(',')})` : '') + (p.message ? `[${shape(p.message.root)}]` : '');

describe('seeded corpus', () => {
  const store = createSeededStore();
  const inbox = store.messages('INBOX');
  const bySubject = (s: string) => inbox.find((m) => m.envelope.subject?.includes(s))!;

  it('has 20+ INBOX messages with CRLF line endings only, and Sent, Drafts, Trash with RFC 6154 attributes', () => {
    expect(inbox.length).toBeGreaterThanOrEqual(20);
    for (const m of inbox) {
      const text = m.raw.toString('latin1');
      expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
      expect(m.raw.length).toBeLessThan(60_000);
    }
    expect(store.list().map((i) => [i.name, i.attributes])).toEqual([
      ['INBOX', ['\\HasNoChildren']],
      ['Drafts', ['\\HasNoChildren', '\\Drafts']],
      ['Sent', ['\\HasNoChildren', '\\Sent']],
      ['Trash', ['\\HasNoChildren', '\\Trash']],
    ]);
    expect([...store.messages('Drafts')[0]!.flags]).toContain('\\Draft');
  });

  it('is the same bytes on every run, and follows the given user and date', () => {
    const a = seedMessages();
    const b = seedMessages();
    expect(a.map((m) => m.raw.toString('base64'))).toEqual(b.map((m) => m.raw.toString('base64')));
    const c = createSeededStore({ user: 'anna', now: new Date('2030-01-02T03:04:05Z') });
    expect(c.messages('INBOX')[0]!.envelope.to).toEqual([{ name: 'Lab Account', adl: null, mailbox: 'anna', host: 'mailprobe.test' }]);
    expect(c.messages('INBOX').at(-1)!.internalDate.getTime()).toBeLessThan(Date.parse('2030-01-02T03:04:05Z'));
    expect(c.info('INBOX')!.uidValidity).toBe(Math.floor(Date.parse('2030-01-02T03:04:05Z') / 1000));
  });

  it('has the structures it was built for', () => {
    expect(shape(inbox[0]!.mime)).toBe('text/plain');
    expect(shape(bySubject('How to read').mime)).toBe('multipart/alternative(text/plain,text/html)');
    expect(bySubject('#48213').mime).toMatchObject({ type: 'text', subtype: 'html', encoding: 'QUOTED-PRINTABLE' });
    const pdf = bySubject('connectivity report');
    expect(shape(pdf.mime)).toBe('multipart/mixed(text/plain,application/pdf)');
    const att = pdf.mime.parts![1]!;
    expect(att).toMatchObject({ encoding: 'BASE64', params: { name: 'Mailprobe-report-November.pdf' }, disposition: { type: 'attachment' } });
    const b64 = pdf.raw.toString('latin1', att.bodyStart, att.bodyEnd);
    const b64Lines = b64.split('\r\n').filter(Boolean);
    expect(b64Lines.slice(0, -1).every((l) => l.length === 76)).toBe(true);
    expect(b64Lines.at(-1)!.length).toBeLessThanOrEqual(76);
    const decoded = Buffer.from(b64, 'base64');
    expect(decoded.length).toBeGreaterThan(35_000);
    expect(decoded.subarray(0, 8).toString()).toBe('%PDF-1.4');
    const fwd = bySubject('Fwd:');
    expect(shape(fwd.mime)).toBe('multipart/mixed(text/plain,message/rfc822[multipart/alternative(text/plain,text/html)])');
    expect(fwd.mime.parts![1]!.message!.envelope).toMatchObject({ subject: 'Your mail settings', messageId: '<settings-7731@provider.example>' });
    expect(fwd.mime.parts![1]!.lines).toBeGreaterThan(10);
    expect(shape(bySubject('Mailprobe News').mime)).toBe('multipart/alternative(text/plain,multipart/related(text/html,image/png))');
    expect(bySubject('Mailprobe News').mime.parts![1]!.parts![1]!.id).toBe('<logo.0017@mailprobe.test>');
    expect(shape(bySubject('Invitation').mime)).toBe('multipart/alternative(text/plain,text/calendar)');
    expect(bySubject('Overview for March').mime.parts![1]!.disposition!.params).toEqual({ 'filename*': "UTF-8''%C3%9Cbersicht_M%C3%A4rz_2026.txt" });
  });

  it('keeps RFC 2047 subjects and names undecoded, in Czech, German and Japanese', () => {
    const subjects = inbox.map((m) => m.envelope.subject ?? '');
    const decoded = (s: string) =>
      s.replace(/=\?([^?]+)\?([BQ])\?([^?]*)\?=\s*/gi, (_, cs: string, enc: string, text: string) => {
        const bytes = enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
        return new TextDecoder(cs).decode(bytes);
      });
    expect(subjects.map(decoded)).toEqual(expect.arrayContaining(['Příliš žluťoučký kůň úpěl ďábelské ódy', 'Grüße aus München', '会議の議事録（11月26日）', 'Café on Thursday?']));
    expect(subjects.some((s) => s.startsWith('=?UTF-8?B?'))).toBe(true);
    expect(bySubject('Gr=FC=DFe').envelope.from![0]!.name).toBe('=?ISO-8859-1?Q?J=FCrgen_M=FCller?=');
  });

  it('has a long thread chained by In-Reply-To, some \\Seen, one \\Flagged, one \\Answered', () => {
    const thread = inbox.filter((m) => m.envelope.subject?.includes('authentication failed'));
    expect(thread.length).toBeGreaterThanOrEqual(6);
    for (let i = 1; i < thread.length; i++) expect(thread[i]!.envelope.inReplyTo).toBe(thread[i - 1]!.envelope.messageId);
    expect(inbox.filter((m) => m.flags.has('\\Flagged'))).toHaveLength(1);
    expect(inbox.filter((m) => m.flags.has('\\Answered'))).toHaveLength(1);
    const seen = inbox.filter((m) => m.flags.has('\\Seen')).length;
    expect(seen).toBeGreaterThan(5);
    expect(seen).toBeLessThan(inbox.length);
  });

  it('gives the envelope IMAP wants: groups, quoted names, Sender and Reply-To defaults', () => {
    const maint = bySubject('maintenance').envelope;
    expect(maint.to).toEqual([
      { name: null, adl: null, mailbox: 'undisclosed-recipients', host: null },
      { name: null, adl: null, mailbox: null, host: null },
    ]);
    expect(maint.sender).toEqual([{ name: 'Mailer Daemon', adl: null, mailbox: 'mailer', host: 'mailprobe.test' }]);
    expect(maint.replyTo).toEqual(maint.from);
    const call = bySubject('call me back').envelope;
    expect(call.from).toEqual([{ name: 'Schmidt, Anna', adl: null, mailbox: 'anna.schmidt', host: 'example.com' }]);
    expect(call.replyTo![0]!.mailbox).toBe('anna.mobile');
    expect(call.cc).toEqual([
      { name: 'Lab Account', adl: null, mailbox: 'tech', host: 'mailprobe.test' },
      { name: null, adl: null, mailbox: 'Team', host: null },
      { name: 'Doe, Jane', adl: null, mailbox: 'jane.doe', host: 'example.com' },
      { name: 'Max Mustermann', adl: null, mailbox: 'max', host: 'example.com' },
      { name: null, adl: null, mailbox: null, host: null },
    ]);
    expect(call.bcc).toBeNull();
  });

  it('agrees with Python\'s email package on the MIME tree of every message', () => {
    const dir = tempDir('mp-mime-');
    const all = [...inbox, ...store.messages('Sent'), ...store.messages('Drafts')];
    all.forEach((m, i) => writeFileSync(join(dir, `${i}.eml`), m.raw));
    const py = `
import email, email.policy, sys, os
for i in range(int(sys.argv[2])):
    with open(os.path.join(sys.argv[1], f"{i}.eml"), "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.compat32)
    print(",".join(p.get_content_type() for p in msg.walk()))`;
    const lines = execFileSync('python3', ['-c', py, dir, String(all.length)]).toString().trim().split('\n');
    // Python's walk() descends into message/rfc822 too: flatten ours the same way.
    const walk = (p: MimePart): string[] => [`${p.type}/${p.subtype}`, ...(p.parts ?? []).flatMap(walk), ...(p.message ? walk(p.message.root) : [])];
    expect(all.map((m) => walk(m.mime).join(','))).toEqual(lines);
  });
});

describe('MIME parser on hostile or broken input', () => {
  it('never throws, and reads a broken Content-Type as text/plain', () => {
    const cases = [
      '',
      'no header at all',
      'Subject: x',
      'Content-Type: multipart/mixed\r\n\r\nno boundary param',
      'Content-Type: multipart/mixed; boundary="b"\r\n\r\nno delimiter in body',
      'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nunterminated',
      'Content-Type: ;;;=\r\n\r\nbody',
      'Content-Type: text/\r\n\r\nbody',
      'Content-Type: message/rfc822\r\n\r\n',
      'From: <<<@@@>>>, "unterminated\r\nTo: ,,,;:;\r\n\r\n',
      '\r\n\r\n\r\n',
      'Content-Type: multipart/mixed; boundary=""\r\n\r\n--\r\n',
    ];
    for (const c of cases) {
      const raw = crlf(c);
      const p = parseMime(raw);
      expect(p.bodyEnd).toBe(raw.length);
      parseEnvelope(raw);
    }
    // a multipart without boundary (or whose boundary never appears) has one empty text/plain part, as in Dovecot
    const noBoundary = parseMime(crlf('Content-Type: multipart/mixed\r\n\r\nx'));
    expect(noBoundary).toMatchObject({ type: 'multipart', subtype: 'mixed', parts: [{ type: 'text', subtype: 'plain', size: 0, lines: 0 }] });
    expect(parseMime(crlf('Content-Type: text/\r\n\r\nx'))).toMatchObject({ type: 'text', subtype: 'plain', params: { charset: 'us-ascii' } });
    const open = parseMime(crlf('Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nunterminated'));
    expect(open.parts).toHaveLength(1);
    expect(open.parts![0]!.bodyEnd).toBe(open.bodyEnd);
  });

  it('survives random bytes and random MIME-ish text (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const raw = Buffer.from(bytes);
        const p = parseMime(raw);
        parseEnvelope(raw);
        return p.bodyEnd === raw.length;
      }),
      { numRuns: 300 },
    );
    const piece = fc.constantFrom('--b\r\n', '--b--\r\n', 'Content-Type: multipart/mixed; boundary=b\r\n', 'Content-Type: message/rfc822\r\n', '\r\n', 'text\r\n', 'From: "a" <b@c>\r\n', '=?x?', '\r');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => {
        const raw = Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n\r\n' + pieces.join(''));
        const p = parseMime(raw);
        const check = (q: MimePart): boolean =>
          q.headerStart <= q.headerEnd && q.headerEnd === q.bodyStart && q.bodyStart <= q.bodyEnd && q.bodyEnd <= raw.length && (q.parts ?? []).every(check) && (!q.message || check(q.message.root));
        return check(p);
      }),
      { numRuns: 300 },
    );
  });

  it(`stops nesting at MAX_MIME_DEPTH (${MAX_MIME_DEPTH}) so a nested bomb stays cheap`, () => {
    let body = 'leaf\r\n';
    for (let i = 0; i < 200; i++) body = `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n${body}\r\n--b${i}--\r\n`;
    const p = parseMime(Buffer.from(body));
    let depth = 0;
    for (let q: MimePart | undefined = p; q?.parts; q = q.parts[0]) depth++;
    expect(depth).toBeLessThanOrEqual(MAX_MIME_DEPTH);
  });

  it(`splits at most MAX_MIME_PARTS (${MAX_MIME_PARTS}) parts`, () => {
    const raw = Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n\r\n' + '--b\r\n\r\nx\r\n'.repeat(MAX_MIME_PARTS + 500) + '--b--\r\n');
    const p = parseMime(raw);
    expect(p.parts!.length).toBeGreaterThan(MAX_MIME_PARTS - 10);
    expect(p.parts!.length).toBeLessThanOrEqual(MAX_MIME_PARTS);
    expect(p.parts!.at(-1)!.bodyEnd).toBe(raw.length);
  });

  it('unfolds headers, reads bare-LF messages, and joins RFC 2231 continuations', () => {
    const p = parseMime(Buffer.from('Subject: a\n  folded\n\tline\nContent-Type: text/plain;\n charset="iso-8859-2"\n\nbody\n'));
    expect(p.headers[0]).toEqual(['Subject', 'a  folded\tline']);
    expect(p.params).toEqual({ charset: 'iso-8859-2' });
    expect(p.size).toBe(5);
    expect(p.lines).toBe(1);
    expect(parseStructured('attachment; filename*0="long "; filename*1="name.txt"; size=3').params).toEqual({ filename: 'long name.txt', size: '3' });
    expect(parseStructured('text/plain (comment); charset = "a\\"b" ; format=flowed').params).toEqual({ charset: 'a"b', format: 'flowed' });
    expect(parseStructured(' Text / HTML ').value).toBe('text/html');
  });
});

describe('address lists', () => {
  it('reads obsolete forms, comments, routes, domain literals and missing parts', () => {
    expect(parseAddressList('John Q. Public <john@example.com>')).toEqual([{ name: 'John Q. Public', adl: null, mailbox: 'john', host: 'example.com' }]);
    expect(parseAddressList('<@relay.example,@b.example:joe@example.org>')).toEqual([{ name: null, adl: '@relay.example,@b.example', mailbox: 'joe', host: 'example.org' }]);
    expect(parseAddressList('"john doe"@example.com, root@[192.168.0.1]')).toEqual([
      { name: null, adl: null, mailbox: 'john doe', host: 'example.com' },
      { name: null, adl: null, mailbox: 'root', host: '[192.168.0.1]' },
    ]);
    expect(parseAddressList('=?UTF-8?B?5bGx55Sw?= <y@example.jp>')![0]!.name).toBe('=?UTF-8?B?5bGx55Sw?=');
    expect(parseAddressList('postmaster')).toEqual([{ name: null, adl: null, mailbox: 'postmaster', host: 'MISSING_DOMAIN' }]);
    expect(parseAddressList('')).toBeNull();
    expect(parseAddressList(' , , ')).toBeNull();
    expect(parseAddressList('a@b.c'.repeat(1) + ', x@y.z'.repeat(MAX_ADDRESS_HEADER_CHARS))!.length).toBeLessThan(MAX_ADDRESS_HEADER_CHARS);
  });
});
