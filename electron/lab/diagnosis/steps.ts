/** The steps of an attempt while it is tracked: result, evidence and note per step, in protocol order. */
import type { AttemptStep, StepName, StepResult } from '../../api.js';
import { addSeqs } from './evidence.js';

export interface StepState {
  result: StepResult;
  evidence: number[];
  note?: string;
}

/** Every step of `order`, skipped with no evidence. */
export function newSteps<N extends StepName>(order: readonly N[]): Record<N, StepState> {
  const s = {} as Record<N, StepState>;
  for (const n of order) s[n] = { result: 'skipped', evidence: [] };
  return s;
}

export function setStep(s: StepState, result: StepResult, seqs: readonly number[], note?: string): void {
  s.result = result;
  addSeqs(s.evidence, seqs);
  if (note !== undefined) s.note = note;
}

/** The steps as the Diagnosis carries them (copies: the tracked state goes on changing). */
export function buildSteps<N extends StepName>(order: readonly N[], steps: Record<N, StepState>): AttemptStep[] {
  return order.map((n) => {
    const s = steps[n];
    const out: AttemptStep = { step: n, result: s.result, evidence: [...s.evidence] };
    if (s.note !== undefined) out.note = s.note;
    return out;
  });
}
