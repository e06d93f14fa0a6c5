import { describe, expect, it } from 'vitest';
import { MAX_EVIDENCE_NUMBERS_IN_HEADING, evidenceLabel } from '../../electron/lab/report/sections/findings.js';

describe('the proof heading of a finding', () => {
  it('names a few events, sorted and without repeats', () => {
    expect(evidenceLabel([14])).toBe('event #14');
    expect(evidenceLabel([17, 15, 16, 15])).toBe('events #15, #16, #17');
  });

  it('counts the rest past MAX_EVIDENCE_NUMBERS_IN_HEADING, so the heading fits on its line', () => {
    const many = Array.from({ length: 30 }, (_, i) => i + 1);
    const label = evidenceLabel(many);
    expect(label).toMatch(new RegExp(`#${MAX_EVIDENCE_NUMBERS_IN_HEADING} and ${30 - MAX_EVIDENCE_NUMBERS_IN_HEADING} more$`));
    expect(label).not.toContain(`#${MAX_EVIDENCE_NUMBERS_IN_HEADING + 1},`);
  });
});
