/**
 * The WebAssembly byte kernels of a download (electron/lab/byte-kernels) against the JavaScript
 * rules they stand in for: ServedLines' line-by-line conversion (bare LF → CRLF, mboxrd ">From "
 * unquoting, on every chunk boundary), JSON.stringify for the recorded text, a plain count of
 * bare LFs; and the committed binary is the one kernels.wat compiles to.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bareLfCount, printableAsciiJsonBytes, servedCrlf } from '../electron/lab/byte-kernels/index.js';
import { ChunkPool, ServedLines } from '../electron/lab/mailbox/index.js';
import { compileKernels, GENERATED_FILE, generatedSource } from '../scripts/build-kernels.js';

/** Bytes where the rules have something to do: line ends, quoted From lines, CRs, 8-bit. */
const tricky = fc.array(fc.oneof(fc.constantFrom(...'\n\r>From x'.split('')), fc.constantFrom('\n>From ', '\r\n', '>>From ', '>>>', 'From ', 'a'.repeat(40), 'é', '\t"\\')), { maxLength: 120 }).map((parts) => Buffer.from(parts.join(''), 'latin1'));

/** `data` converted by a ServedLines fed the chunks cut at `cuts`. */
function served(data: Buffer, cuts: number[], mbox: boolean, useKernel: boolean): Buffer {
  const lines = new ServedLines(mbox, useKernel);
  const out: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts.map((c) => c % (data.length + 1)).sort((a, b) => a - b), data.length]) {
    out.push(lines.push(data.subarray(at, Math.max(at, cut))));
    at = Math.max(at, cut);
  }
  out.push(lines.end());
  return Buffer.concat(out);
}

describe('byte kernels', () => {
  it('the committed binary is what kernels.wat compiles to', async () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(generatedSource(await compileKernels()));
  });

  it('convert exactly as ServedLines does line by line, mbox and Maildir, however the bytes are chunked', () => {
    fc.assert(
      fc.property(tricky, fc.array(fc.nat(), { maxLength: 4 }), fc.boolean(), (data, cuts, mbox) => {
        expect(served(data, cuts, mbox, true).toString('latin1')).toBe(served(data, cuts, mbox, false).toString('latin1'));
      }),
      { numRuns: 3000 },
    );
  });

  it('convert long chunks past their 16-byte blocks the same (base64 lines, a quoted From line at a block edge)', () => {
    const b64 = Buffer.alloc(57 * 3000, 7).toString('base64').replace(/(.{76})/g, '$1\n');
    for (const text of [b64, b64.replace(/\n/g, '\r\n'), `${'y'.repeat(15)}\n>From ${'z'.repeat(31)}\n${b64}`, `${'>'.repeat(1100)}From \n${'>'.repeat(1018)}From x\n`]) {
      const data = Buffer.from(text, 'latin1');
      for (const mbox of [true, false]) expect(served(data, [65_536, 200_000], mbox, true).equals(served(data, [65_536, 200_000], mbox, false))).toBe(true);
    }
  });

  it('leave a line head the chunk cannot decide to ServedLines', () => {
    const state = { mbox: true, prevCr: false, atLineStart: true };
    expect(servedCrlf(Buffer.from('a\n>Fro'), state)).toBeNull();
    expect(servedCrlf(Buffer.from('a\n>Fro'), { ...state, mbox: false })!.toString()).toBe('a\r\n>Fro');
    expect(servedCrlf(Buffer.from('>From x\n>Frog\n'), state)!.toString()).toBe('From x\r\n>Frog\r\n');
    expect(servedCrlf(Buffer.from('\nb'), { ...state, prevCr: true })!.toString()).toBe('\nb');
  });

  it('write into the buffer given when it has room', () => {
    const into = Buffer.alloc(64);
    const out = servedCrlf(Buffer.from('a\nb\n'), { mbox: false, prevCr: false, atLineStart: true }, into)!;
    expect(out.buffer).toBe(into.buffer);
    expect(out.toString()).toBe('a\r\nb\r\n');
  });

  it('make the JSON string JSON.stringify makes of printable ASCII, and refuse any other byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (raw, printableOnly) => {
        // Printable only: every byte mapped to tab, LF, CR or 0x20–0x7e.
        const bytes = printableOnly ? raw.map((b) => (b % 4 === 0 ? [9, 10, 13][b % 3]! : 32 + (b % 95))) : raw;
        const text = Buffer.from(bytes).toString('latin1');
        const printable = !/[^\t\n\r\x20-\x7e]/.test(text);
        const json = printableAsciiJsonBytes(bytes);
        if (!printable) expect(json).toBeNull();
        else expect(Buffer.from(json!).toString('latin1')).toBe(JSON.stringify(text).slice(1, -1));
      }),
      { numRuns: 3000 },
    );
    const big = Buffer.from('line "of" \\text\t\r\n'.repeat(5000));
    expect(Buffer.from(printableAsciiJsonBytes(big)!).toString()).toBe(JSON.stringify(big.toString()).slice(1, -1));
  });

  it('count the LFs with no CR before them, a CR before the bytes included', () => {
    fc.assert(
      fc.property(tricky, fc.boolean(), (data, prevCr) => {
        let n = 0;
        for (let i = 0; i < data.length; i++) if (data[i] === 0x0a && !(i === 0 ? prevCr : data[i - 1] === 0x0d)) n++;
        expect(bareLfCount(data, prevCr)).toBe(n);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('chunk pool', () => {
  it('hands a buffer given back out again, keeps at most maxFree, and ignores buffers that are not its own', () => {
    const pool = new ChunkPool(1024, 2);
    const a = pool.take(100);
    expect(a.length).toBe(1024);
    pool.give(a.subarray(0, 10));
    pool.give(a); // twice: kept once
    expect(pool.freeCount).toBe(1);
    expect(pool.take(1000).buffer).toBe(a.buffer);
    pool.give(Buffer.alloc(1024)); // not its own
    expect(pool.freeCount).toBe(0);
    const bufs = [pool.take(1), pool.take(1), pool.take(1)];
    for (const b of bufs) pool.give(b);
    expect(pool.freeCount).toBe(2);
    expect(pool.take(4096).length).toBe(4096); // more than its size: a buffer of its own
    expect(pool.allocated).toBe(4);
  });
});
