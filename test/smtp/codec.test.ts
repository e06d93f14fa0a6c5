/**
 * The SMTP wire codec on its own: the DATA decoder (dot-unstuffing, the final ".", bare LF) on
 * any message cut into any chunks, the MAIL/RCPT path grammar (strict and lenient), replies.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePath, splitCommand } from '../../electron/lab/smtp/codec/command.js';
import { DataDecoder } from '../../electron/lab/smtp/codec/data.js';
import { formatEhlo, formatReply } from '../../electron/lab/smtp/codec/reply.js';
import { SmtpError } from '../../electron/lab/smtp/errors.js';

/** RFC 5321 §4.5.2: a line that starts with "." gets one more. */
function stuff(message: string): string {
  return message.replace(/(^|\r\n)\./g, '$1..');
}

function decodeInChunks(wire: Buffer, cuts: number[]): { message: Buffer; consumed: number; ended: boolean; bareLf: number } {
  const d = new DataDecoder();
  const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  let consumed = 0;
  for (const end of [...points, wire.length]) {
    if (end < at) continue;
    const r = d.push(wire.subarray(at, end));
    out.push(...r.pieces);
    consumed += r.consumed;
    if (r.ended) return { message: Buffer.concat(out), consumed, ended: true, bareLf: d.bareLfLines };
    at = end;
  }
  return { message: Buffer.concat(out), consumed, ended: false, bareLf: d.bareLfLines };
}

const line = fc.stringMatching(/^[.a-z .]{0,12}$/);

describe('DataDecoder', () => {
  it('gives back the message whatever the chunking, stops right after the final dot, and leaves what follows', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.array(fc.nat(400), { maxLength: 6 }), (lines, cuts) => {
        const message = lines.map((l) => l + '\r\n').join('');
        const wire = Buffer.from(stuff(message) + '.\r\nQUIT\r\n', 'latin1');
        const r = decodeInChunks(wire, cuts);
        expect(r.ended).toBe(true);
        expect(r.message.toString('latin1')).toBe(message);
        expect(wire.subarray(r.consumed).toString('latin1')).toBe('QUIT\r\n');
        expect(r.bareLf).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('counts bare LF lines; "\\n.\\n" ends the message as it does for Postfix', () => {
    const r = decodeInChunks(Buffer.from('a\nb\r\n..c\n.\nNOOP\r\n'), [2, 7]);
    expect(r).toMatchObject({ ended: true, bareLf: 3 });
    expect(r.message.toString()).toBe('a\nb\r\n.c\n');
  });

  it('a dot followed by CR and not LF is content; an empty message is just ".\\r\\n"', () => {
    expect(decodeInChunks(Buffer.from('.\rx\r\n.\r\n'), [1, 2]).message.toString()).toBe('\rx\r\n');
    expect(decodeInChunks(Buffer.from('.\r\n'), []).message.length).toBe(0);
    expect(decodeInChunks(Buffer.from('no end yet\r\n'), []).ended).toBe(false);
  });
});

describe('MAIL and RCPT paths (RFC 5321 §4.1.2)', () => {
  it('strict takes only FROM:<addr>; lenient also a space and no brackets, and says so', () => {
    expect(parsePath('FROM:<a@b.example> SIZE=10 BODY=8BITMIME', 'FROM', 'strict')).toMatchObject({ address: 'a@b.example', lenientForm: false });
    expect([...parsePath('FROM:<a@b.example> SIZE=10 BODY=8BITMIME', 'FROM', 'strict').params]).toEqual([['SIZE', '10'], ['BODY', '8BITMIME']]);
    expect(parsePath('from: <a@b.example>', 'FROM', 'lenient')).toMatchObject({ address: 'a@b.example', lenientForm: true });
    expect(parsePath('FROM:a@b.example', 'FROM', 'lenient')).toMatchObject({ address: 'a@b.example', lenientForm: true });
    expect(parsePath('FROM:<>', 'FROM', 'strict').address).toBe('');
    expect(parsePath('TO:<@relay.example:c@d.example>', 'TO', 'strict').address).toBe('c@d.example');
    for (const [args, mode] of [['FROM: <a@b>', 'strict'], ['FROM:a@b', 'strict'], ['FROM:<a b>', 'lenient'], ['FROM:<a@b', 'lenient'], ['FROM:<a@b>x', 'lenient']] as const) {
      expect(() => parsePath(args, 'FROM', mode), args).toThrow(SmtpError);
    }
    expect(() => parsePath('TO:<>', 'TO', 'lenient')).toThrow(SmtpError);
    expect(() => parsePath('<a@b>', 'FROM', 'lenient')).toThrow(/Syntax: MAIL FROM:<address>/);
  });

  it('splits a command line into verb and arguments', () => {
    expect(splitCommand('mail FROM:<a@b>')).toEqual({ verb: 'MAIL', args: 'FROM:<a@b>' });
    expect(splitCommand('QUIT')).toEqual({ verb: 'QUIT', args: '' });
    expect(splitCommand('').verb).toBe('');
    expect(splitCommand('\x16\x03\x01').verb).toBe('?');
  });
});

describe('replies (RFC 5321 §4.2, RFC 2034)', () => {
  it('puts the enhanced code on every line and "-" on all but the last', () => {
    expect(formatReply(250, '2.0.0', 'Ok')).toBe('250 2.0.0 Ok\r\n');
    expect(formatReply(214, '2.0.0', ['a', 'b'])).toBe('214-2.0.0 a\r\n214 2.0.0 b\r\n');
    expect(formatReply(354, null, 'Go ahead')).toBe('354 Go ahead\r\n');
    expect(formatEhlo(['lab', 'PIPELINING', '8BITMIME'])).toBe('250-lab\r\n250-PIPELINING\r\n250 8BITMIME\r\n');
  });
});
