/**
 * RFC 3501 §9 sequence-set: "1:4,7,9:*". `*` is the largest number in use (the message count
 * for sequence numbers, the highest UID for UIDs); a range may be written either way round.
 */
import { ParseError } from './errors.js';

export type Range = [number, number];

export class SequenceSet {
  private constructor(private readonly ranges: Range[]) {}

  /** `star` is what `*` stands for; with an empty mailbox `*` matches nothing useful (0). */
  static parse(text: string, star: number): SequenceSet {
    const ranges: Range[] = [];
    for (const item of text.split(',')) {
      const [a, b, extra] = item.split(':');
      if (extra !== undefined) throw new ParseError(`Invalid sequence set ${JSON.stringify(text)}`);
      const lo = SequenceSet.value(a, star, text);
      const hi = b === undefined ? lo : SequenceSet.value(b, star, text);
      ranges.push(lo <= hi ? [lo, hi] : [hi, lo]);
    }
    return new SequenceSet(ranges);
  }

  private static value(s: string, star: number, whole: string): number {
    if (s === '*') return star;
    if (!/^[1-9]\d*$/.test(s) || s.length > 10) throw new ParseError(`Invalid sequence set ${JSON.stringify(whole)}`);
    return Number(s);
  }

  has(n: number): boolean {
    for (const [lo, hi] of this.ranges) if (n >= lo && n <= hi) return true;
    return false;
  }
}

/** Compact a sorted list of numbers into sequence-set text ("1:3,7"), for COPYUID/APPENDUID. */
export function formatSet(nums: number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < nums.length) {
    let j = i;
    while (j + 1 < nums.length && nums[j + 1] === nums[j] + 1) j++;
    out.push(i === j ? String(nums[i]) : `${nums[i]}:${nums[j]}`);
    i = j + 1;
  }
  return out.join(',');
}
