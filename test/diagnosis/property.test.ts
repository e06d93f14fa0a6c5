/**
 * The diagnosis reads protocol lines, not packets: the same bytes cut differently, tagged in any
 * style and written in any letter case give the same diagnosis (evidence mapped back to the
 * original events).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnosis, LabEvent } from '../../electron/api.js';
import { diagnose, IncrementalDiagnosis } from '../../electron/lab/diagnosis/index.js';
import { MAX_EVIDENCE } from '../../electron/lab/diagnosis/constants.js';
import { decodeBytes, encodeBytes } from '../../electron/lab/recorder/index.js';
import { fixture, fixtureNames } from './helpers.js';

type TagStyle = 'A' | 'a000' | 'decimal';

/** Rewrite `A<n>` tags at line starts in both directions; optionally change command-name case. */
function retag(events: LabEvent[], style: TagStyle, caseMode: 'keep' | 'lower' | 'mixed'): LabEvent[] {
  const tag = (n: string) => (style === 'A' ? `A${n}` : style === 'a000' ? `a${String(Number(n) + 1).padStart(3, '0')}` : String(Number(n) + 1));
  const recase = (w: string) => (caseMode === 'lower' ? w.toLowerCase() : caseMode === 'mixed' ? [...w].map((c, i) => (i % 2 ? c.toLowerCase() : c)).join('') : w);
  return events.map((e) => {
    if ((e.kind !== 'c2s' && e.kind !== 's2c') || e.text === undefined) return e;
    let text = e.text.replace(/(^|\r\n)A(\d+) /g, (_m, pre: string, n: string) => `${pre}${tag(n)} `);
    if (e.kind === 'c2s') text = text.replace(/(^|\r\n)([^\s{}]+) ([A-Za-z]+)(?=[ \r])/g, (_m, pre: string, t: string, w: string) => `${pre}${t} ${recase(w)}`);
    const { secrets: _s, ...rest } = e;
    return { ...rest, text };
  });
}

/** Cut every c2s/s2c payload at the given fractions; returns the new log and new seq → original seq. */
function resegment(events: LabEvent[], cutsFor: (i: number, len: number) => number[]): { events: LabEvent[]; origin: Map<number, number> } {
  const out: LabEvent[] = [];
  const origin = new Map<number, number>();
  let seq = 0;
  events.forEach((e, i) => {
    if (e.kind !== 'c2s' && e.kind !== 's2c') {
      out.push({ ...e, seq: ++seq });
      origin.set(seq, e.seq);
      return;
    }
    const bytes = decodeBytes(e);
    const cuts = [...new Set(cutsFor(i, bytes.length))].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
    let from = 0;
    for (const to of [...cuts, bytes.length]) {
      const piece = bytes.subarray(from, to);
      from = to;
      const { text: _t, b64: _b, secrets: _s, ...rest } = e;
      out.push({ ...rest, ...encodeBytes(piece), seq: ++seq } as LabEvent);
      origin.set(seq, e.seq);
    }
  });
  return { events: out, origin };
}

function mapEvidence(d: Diagnosis, origin: Map<number, number>): Diagnosis {
  const map = (ev: number[]) => [...new Set(ev.map((s) => origin.get(s)!))].sort((a, b) => a - b);
  return {
    ...d,
    attempts: d.attempts.map((a) => ({ ...a, steps: a.steps.map((s) => ({ ...s, evidence: map(s.evidence) })) })),
    findings: d.findings.map((f) => ({ ...f, evidence: map(f.evidence) })),
  };
}

/** Equal, except that evidence at the MAX_EVIDENCE cap may keep a different subset. */
function expectSame(got: Diagnosis, want: Diagnosis, capped: (path: string) => boolean): void {
  const strip = (d: Diagnosis) => ({
    ...d,
    attempts: d.attempts.map((a) => ({ ...a, steps: a.steps.map((s) => ({ ...s, evidence: [] as number[] })) })),
    findings: d.findings.map((f) => ({ ...f, evidence: [] as number[] })),
  });
  expect(strip(got)).toEqual(strip(want));
  got.findings.forEach((f, i) => {
    const w = want.findings[i].evidence;
    if (capped(`f${i}`)) expect(w).toEqual(expect.arrayContaining(f.evidence.filter((s) => w.includes(s))));
    else expect(f.evidence, f.id).toEqual(w);
  });
  got.attempts.forEach((a, i) =>
    a.steps.forEach((s, j) => {
      const w = want.attempts[i].steps[j].evidence;
      if (!capped(`a${i}.${j}`)) expect(s.evidence, `${a.conn} ${s.step}`).toEqual(w);
    }),
  );
}

describe('diagnosis is invariant under re-segmentation, re-tagging and letter case', () => {
  for (const name of fixtureNames()) {
    it(name, () => {
      const original = fixture(name);
      const base = diagnose(original);
      fc.assert(
        fc.property(
          fc.constantFrom<TagStyle>('A', 'a000', 'decimal'),
          fc.constantFrom<'keep' | 'lower' | 'mixed'>('keep', 'lower', 'mixed'),
          fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }), { minLength: 1, maxLength: 40 }),
          (style, caseMode, cutTable) => {
            const tagged = retag(original, style, caseMode);
            const d1 = diagnose(tagged);
            // Tags and case change nothing, not even the evidence (same events).
            expect(d1).toEqual(base);
            const { events, origin } = resegment(tagged, (i, len) => (cutTable[i % cutTable.length] ?? []).map((f) => Math.floor(f * len)));
            const d2 = diagnose(events);
            const capped = (path: string) => {
              const [kind, rest] = [path[0], path.slice(1)];
              if (kind === 'f') return d2.findings[Number(rest)].evidence.length >= MAX_EVIDENCE || base.findings[Number(rest)].evidence.length >= MAX_EVIDENCE;
              const [ai, sj] = rest.split('.').map(Number);
              return d2.attempts[ai].steps[sj].evidence.length >= MAX_EVIDENCE;
            };
            expectSame(mapEvidence(d2, origin), base, capped);
          },
        ),
        { numRuns: 30, seed: 5 },
      );
    });
  }

  it('splits every payload into single bytes without changing the findings', () => {
    const original = fixture('nokia6233-automatic.jsonl');
    const { events, origin } = resegment(original, (_i, len) => Array.from({ length: len }, (_x, k) => k));
    const d = mapEvidence(diagnose(events), origin);
    expect(d.findings.map((f) => [f.id, f.severity, f.data])).toEqual(diagnose(original).findings.map((f) => [f.id, f.severity, f.data]));
    expect(d.verdict).toBe('fail');
  });
});

describe('whatever a phone sends, the diagnosis holds', () => {
  const pieces = ['A1 ', 'a2 LOGIN u p', 'AUTHENTICATE CRAM-MD5', 'AUTHENTICATE DIGEST-MD5', '+ ', '* ', 'OK', 'NO', 'BAD', '{5}', '{3+}', '\r\n', '\n', '*', 'SELECT INBOX', 'FETCH 1 (BODY[])', 'IDLE', 'DONE', ' ', '"', '(', ')', 'cnNwYXV0aD14', '\u0000', '\u00ff', '\u0016\u0003\u0001'];
  it('never throws, never reports a finding without evidence, batch equals incremental', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dir: fc.constantFrom<'c2s' | 's2c'>('c2s', 's2c'), parts: fc.array(fc.constantFrom(...pieces), { maxLength: 8 }), gap: fc.nat(8000), close: fc.boolean() }), { maxLength: 30 }),
        (steps) => {
          let ms = Date.parse('2026-11-29T10:00:00.000Z');
          const events: LabEvent[] = [{ seq: 1, t: new Date(ms).toISOString(), kind: 'conn.open', conn: 'c1', proto: 'imap', remote: 'r', local: 'l', port: 143 }];
          for (const s of steps) {
            ms += s.gap;
            events.push({ seq: events.length + 1, t: new Date(ms).toISOString(), kind: s.dir, conn: 'c1', ...encodeBytes(Buffer.from(s.parts.join(''), 'latin1')) } as LabEvent);
            if (s.close) break;
          }
          events.push({ seq: events.length + 1, t: new Date(ms).toISOString(), kind: 'conn.close', conn: 'c1', by: 'client', bytesIn: 0, bytesOut: 0 });
          const inc = new IncrementalDiagnosis();
          for (const e of events) inc.push(e);
          expect(inc.ruleErrors).toEqual([]);
          const d = inc.result();
          expect(d).toEqual(diagnose(events));
          for (const f of d.findings) expect(f.evidence.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});
