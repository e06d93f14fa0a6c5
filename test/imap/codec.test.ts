/** The wire codec: framing under any TCP segmentation, the argument reader, the response encoder. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Framer, type LineFrame } from '../../electron/lab/imap/codec/framer.js';
import { CommandReader } from '../../electron/lab/imap/codec/reader.js';
import { MAX_QUOTED_BYTES, ResponseWriter, writeEnvelope } from '../../electron/lab/imap/codec/encoder.js';
import { SequenceSet } from '../../electron/lab/imap/seqset.js';

function frameAll(chunks: Buffer[], maxLine = 1000): string[] {
  const out: string[] = [];
  const f = new Framer(
    {
      line: (fr: LineFrame) => {
        out.push('L:' + fr.raw.toString('latin1'));
        return true;
      },
      literal: (d) => out.push('D:' + d.toString('latin1')),
      overflow: (_p, total) => out.push('O:' + total),
    },
    maxLine,
  );
  for (const c of chunks) f.push(c);
  return out;
}

describe('framer', () => {
  const input = Buffer.from('a1 LOGIN {5}\r\nphone {6+}\r\n424242\r\na2 NOOP\n\r\na3 APPEND X {0}\r\n\r\n');
  const expected = ['L:a1 LOGIN {5}\r\n', 'D:phone', 'L: {6+}\r\n', 'D:424242', 'L:\r\n', 'L:a2 NOOP\n', 'L:\r\n', 'L:a3 APPEND X {0}\r\n', 'D:', 'L:\r\n'];

  it('cuts lines and literals the same way whatever the TCP segmentation', () => {
    expect(frameAll([input])).toEqual(expected);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: input.length - 1 }), { maxLength: 10 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let at = 0;
        for (const p of points) {
          chunks.push(input.subarray(at, p));
          at = p;
        }
        chunks.push(input.subarray(at));
        expect(frameAll(chunks)).toEqual(expected);
      }),
    );
  });

  it('stops at the line limit and reports the size seen', () => {
    expect(frameAll([Buffer.alloc(50, 'x'), Buffer.alloc(60, 'y')], 100)).toEqual(['O:110']);
  });
});

describe('reader', () => {
  it('reads atoms, quoted strings with escapes, literals, lists and NIL', () => {
    const r = new CommandReader([
      { text: 'x "a \\"b\\" \\\\c" ', literal: Buffer.from('lit') },
      { text: ' ("A" "B" NIL) NIL', literal: null },
    ]);
    expect(r.atom()).toBe('x');
    r.sp();
    expect(r.astring()).toBe('a "b" \\c');
    r.sp();
    expect(r.astring()).toBe('lit');
    r.sp();
    expect(r.list(() => r.nstring()?.toString() ?? null)).toEqual(['A', 'B', null]);
    r.sp();
    expect(r.nstring()).toBeNull();
    r.end();
  });

  it('rejects bad escapes and trailing garbage', () => {
    expect(() => new CommandReader([{ text: '"a\\b"', literal: null }]).astring()).toThrow(/Invalid escape/);
    const r = new CommandReader([{ text: 'a b', literal: null }]);
    r.atom();
    expect(() => r.end()).toThrow(/extra arguments/);
  });

  it('sequence sets: ranges either way, * as the largest', () => {
    const s = SequenceSet.parse('1:3,7,*:9', 12);
    expect([1, 2, 3, 4, 7, 8, 9, 10, 12].map((n) => s.has(n))).toEqual([true, true, true, false, true, false, true, true, true]);
    expect(() => SequenceSet.parse('0:3', 5)).toThrow();
  });
});

describe('encoder', () => {
  const enc = (v: string | Buffer) => new ResponseWriter().string(v).toBuffer().toString('latin1');

  it('quotes short 7-bit strings, escaping " and \\; literals for 8-bit, CR/LF and long strings', () => {
    expect(enc('He said "hi" \\o/')).toBe('"He said \\"hi\\" \\\\o/"');
    expect(enc('Grüße')).toBe(`{${Buffer.byteLength('Grüße')}}\r\n${Buffer.from('Grüße').toString('latin1')}`);
    expect(enc('a\r\nb')).toBe('{4}\r\na\r\nb');
    const long = 'x'.repeat(MAX_QUOTED_BYTES + 1);
    expect(enc(long)).toBe(`{${long.length}}\r\n${long}`);
    expect(enc('x'.repeat(MAX_QUOTED_BYTES))).toBe(`"${'x'.repeat(MAX_QUOTED_BYTES)}"`);
  });

  it('ENVELOPE: NIL for absent fields, sender and reply-to default to from', () => {
    const w = new ResponseWriter();
    const from = [{ name: 'Lab', adl: null, mailbox: 'lab', host: 'x.test' }];
    writeEnvelope(w, { date: null, subject: 'S', from, sender: null, replyTo: null, to: null, cc: null, bcc: null, inReplyTo: null, messageId: '<1@x>' });
    const a = '(("Lab" NIL "lab" "x.test"))';
    expect(w.toBuffer().toString()).toBe(`(NIL "S" ${a} ${a} ${a} NIL NIL NIL NIL "<1@x>")`);
  });
});
