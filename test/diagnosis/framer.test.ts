import { describe, expect, it } from 'vitest';
import { LineFramer } from '../../electron/lab/diagnosis/framer.js';
import { MAX_LINE_BYTES } from '../../electron/lab/diagnosis/constants.js';

const at = (seq: number) => ({ seq, t: '2026-11-29T10:00:00.000Z', tls: false });

function frameAll(chunks: string[]) {
  const f = new LineFramer();
  return chunks.flatMap((c, i) => f.push(Buffer.from(c, 'latin1'), at(i + 1)));
}

describe('IMAP line framer', () => {
  it('gives the same lines however the bytes are split', () => {
    const stream = 'A1 LOGIN {5}\r\nphone {4+}\r\npass\r\n* 1 FETCH (BODY[] {12}\r\nhello\r\nworld)\r\n\r\nA2 NOOP\r\n';
    const whole = frameAll([stream]).map((l) => [l.text, l.literals.map((x) => [x.size, x.data.toString()])]);
    for (let cut = 1; cut < stream.length; cut++) {
      const split = frameAll([stream.slice(0, cut), stream.slice(cut)]).map((l) => [l.text, l.literals.map((x) => [x.size, x.data.toString()])]);
      expect(split, `cut at ${cut}`).toEqual(whole);
    }
    const bytewise = frameAll([...stream]).map((l) => [l.text, l.literals.map((x) => [x.size, x.data.toString()])]);
    expect(bytewise).toEqual(whole);
    expect(whole).toEqual([
      ['A1 LOGIN {5} {4+}', [[5, 'phone'], [4, 'pass']]],
      ['* 1 FETCH (BODY[] {12})', [[12, 'hello\r\nworld']]],
      ['', []],
      ['A2 NOOP', []],
    ]);
  });

  it('names the events that carried a line', () => {
    const lines = frameAll(['A1 NO', 'OP\r\nA2 ', 'LOGOUT\r\n']);
    expect(lines.map((l) => l.seqs)).toEqual([[1, 2], [2, 3]]);
  });

  it('keeps a huge line bounded but still finds its end', () => {
    const f = new LineFramer();
    const big = Buffer.alloc(MAX_LINE_BYTES * 4, 0x41);
    expect(f.push(big, at(1))).toEqual([]);
    const [line] = f.push(Buffer.from('\r\nA2 NOOP\r\n'), at(2)).slice(0, 1);
    expect(line.incomplete).toBe(true);
    expect(line.text.length).toBe(MAX_LINE_BYTES);
  });

  it('counts bytes a truncated event did not keep against the literal', () => {
    const f = new LineFramer();
    expect(f.push(Buffer.from('* 1 FETCH (RFC822 {100000}\r\nabc'), at(1))).toEqual([]);
    f.skip(100000 - 3, at(1));
    const lines = f.push(Buffer.from(')\r\nA1 OK done\r\n'), at(2));
    expect(lines.map((l) => l.text)).toEqual(['* 1 FETCH (RFC822 {100000})', 'A1 OK done']);
    expect(lines[0].literals[0].size).toBe(100000);
  });
});
