/** Bounded lists of event seqs: evidence must never be empty, and never grow without bound. */
import { MAX_EVIDENCE } from './constants.js';

/** Add `seq` to `list` (sorted, no duplicates, at most MAX_EVIDENCE: the first ones and the latest). */
export function addSeq(list: number[], seq: number): void {
  const n = list.length;
  if (n > 0 && list[n - 1] === seq) return;
  if (n > 0 && list[n - 1] > seq) {
    if (list.includes(seq)) return;
    list.push(seq);
    list.sort((a, b) => a - b);
    if (list.length > MAX_EVIDENCE) list.splice(MAX_EVIDENCE - 1, list.length - MAX_EVIDENCE);
    return;
  }
  if (n >= MAX_EVIDENCE) list[n - 1] = seq;
  else list.push(seq);
}

export function addSeqs(list: number[], seqs: readonly number[]): void {
  for (const s of seqs) addSeq(list, s);
}
