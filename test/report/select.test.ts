/**
 * Which attempts a capped section of the report draws: every configuration tried, with each
 * outcome it had, and the latest attempts (what the customer ends up with), in the order they
 * happened, and what was left out.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Attempt } from '../../electron/api.js';
import { configurationKey, omittedWords, selectAttempts, MAX_RANGES_IN_WORDS, type SelectableAttempt } from '../../electron/lab/report/select.js';

type A = SelectableAttempt;
const att = (n: number, security: A['security'], mechanism: string | undefined, verdict: A['verdict']): A => ({ conn: `c${n}`, proto: 'imap', security, mechanism, verdict });

/** `runs` of [count, security, mechanism, verdict], numbered c1… in order. */
function session(runs: Array<[number, A['security'], string | undefined, A['verdict']]>): A[] {
  const out: A[] = [];
  for (const [count, s, m, v] of runs) for (let i = 0; i < count; i++) out.push(att(out.length + 1, s, m, v));
  return out;
}

const numbers = (sel: { shown: Array<{ number: number }> }) => sel.shown.map((s) => s.number);

describe('selectAttempts', () => {
  it('keeps every attempt, in order, when they fit', () => {
    const attempts = session([[3, 'none', 'CRAM-MD5', 'fail'], [2, 'tls', 'LOGIN-COMMAND', 'pass']]);
    const sel = selectAttempts(attempts, 12);
    expect(numbers(sel)).toEqual([1, 2, 3, 4, 5]);
    expect(sel.shown.map((s) => s.attempt)).toEqual(attempts);
    expect(sel.omitted).toEqual({ count: 0, passed: 0, failed: 0, conns: [], ranges: [] });
    expect(sel.shown.map((s) => s.why)).toEqual(['first-of-kind', 'latest', 'latest', 'first-of-kind', 'latest']);
  });

  it('shows the first of each configuration and the latest attempts of a 57-attempt session', () => {
    // The technician's afternoon: CRAM-MD5, DIGEST-MD5, SSL + CRAM-MD5 fail; SSL + LOGIN works.
    const attempts = session([[14, 'none', 'CRAM-MD5', 'fail'], [14, 'none', 'DIGEST-MD5', 'fail'], [14, 'tls', 'CRAM-MD5', 'fail'], [15, 'tls', 'LOGIN-COMMAND', 'pass']]);
    const sel = selectAttempts(attempts, 12);
    expect(sel.total).toBe(57);
    // Earliest of each configuration (1, 15, 29, 43), then the 8 latest (50 to 57).
    expect(numbers(sel)).toEqual([1, 15, 29, 43, 50, 51, 52, 53, 54, 55, 56, 57]);
    expect(sel.shown.filter((s) => s.why === 'first-of-kind').map((s) => s.number)).toEqual([1, 15, 29, 43]);
    expect(sel.omitted.count).toBe(45);
    expect(sel.omitted.passed).toBe(6);
    expect(sel.omitted.failed).toBe(39);
    expect(sel.omitted.ranges).toEqual([
      { from: 2, to: 14, fromConn: 'c2', toConn: 'c14' },
      { from: 16, to: 28, fromConn: 'c16', toConn: 'c28' },
      { from: 30, to: 42, fromConn: 'c30', toConn: 'c42' },
      { from: 44, to: 49, fromConn: 'c44', toConn: 'c49' },
    ]);
    expect(sel.omitted.conns).toHaveLength(45);
    expect(sel.omitted.conns[0]).toBe('c2');
    expect(sel.omitted.conns.at(-1)).toBe('c49');
    expect(omittedWords(sel.omitted.ranges)).toBe('attempts 2 to 14, 16 to 28, 30 to 42 and 44 to 49');
  });

  it('counts the outcome: a configuration that failed, then worked, shows both firsts', () => {
    const attempts = session([[10, 'tls', 'LOGIN-COMMAND', 'fail'], [10, 'tls', 'LOGIN-COMMAND', 'pass'], [10, 'tls', 'LOGIN-COMMAND', 'fail']]);
    const sel = selectAttempts(attempts, 4);
    // First failure (1), first success (11), and the two latest (29, 30).
    expect(numbers(sel)).toEqual([1, 11, 29, 30]);
  });

  it('treats attempts without a login (no mechanism) as a configuration of their own', () => {
    const attempts = session([[5, 'tls', undefined, 'fail'], [20, 'tls', 'PLAIN', 'pass']]);
    expect(numbers(selectAttempts(attempts, 3))).toEqual([1, 6, 25]);
    expect(configurationKey(attempts[0])).not.toBe(configurationKey(attempts[5]));
  });

  it('with more configurations than room, keeps those used last and always the very last attempt', () => {
    const mechs = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'DIGEST-MD5', 'NTLM', 'LOGIN-COMMAND'];
    const attempts = session(mechs.map((m) => [3, 'none', m, 'fail'] as [number, A['security'], string, A['verdict']]));
    const sel = selectAttempts(attempts, 4);
    // Budget 4 < 6 configurations: firsts of the 3 used most recently (10, 13, 16), then the last (18).
    expect(numbers(sel)).toEqual([10, 13, 16, 18]);
    // Exactly as many configurations as room: each is shown once, no slot for more.
    expect(numbers(selectAttempts(attempts.slice(0, 12), 4))).toEqual([1, 4, 7, 10]);
  });

  it('handles a budget of 1 and of 0', () => {
    const attempts = session([[3, 'none', 'CRAM-MD5', 'fail'], [3, 'tls', 'LOGIN-COMMAND', 'pass']]);
    expect(numbers(selectAttempts(attempts, 1))).toEqual([6]);
    const none = selectAttempts(attempts, 0);
    expect(none.shown).toEqual([]);
    expect(none.omitted.ranges).toEqual([{ from: 1, to: 6, fromConn: 'c1', toConn: 'c6' }]);
    expect(selectAttempts([], 12)).toEqual({ shown: [], total: 0, omitted: { count: 0, passed: 0, failed: 0, conns: [], ranges: [] } });
  });

  it('property: chronological, within budget, nothing lost, every configuration kept when they fit, the last one always', () => {
    const attemptArb = fc.record({
      security: fc.constantFrom<A['security']>('none', 'starttls', 'tls'),
      mechanism: fc.option(fc.constantFrom('PLAIN', 'LOGIN', 'CRAM-MD5', 'DIGEST-MD5', 'LOGIN-COMMAND'), { nil: undefined }),
      verdict: fc.constantFrom<A['verdict']>('pass', 'fail'),
    });
    fc.assert(
      fc.property(fc.array(attemptArb, { maxLength: 120 }), fc.integer({ min: 0, max: 40 }), (raw, max) => {
        const attempts: Attempt[] = raw.map((r, i) => ({ ...r, conn: `c${i + 1}`, proto: 'imap', direction: 'receiving', steps: [] }));
        const sel = selectAttempts(attempts, max);
        const shown = numbers(sel);
        expect(shown.length).toBe(Math.min(attempts.length, max));
        for (let i = 1; i < shown.length; i++) expect(shown[i]).toBeGreaterThan(shown[i - 1]);
        for (const s of sel.shown) expect(s.attempt).toBe(attempts[s.number - 1]);
        // Shown and left out are the whole session, once each.
        const out = sel.omitted.ranges.flatMap((r) => Array.from({ length: r.to - r.from + 1 }, (_, i) => r.from + i));
        expect([...shown, ...out].sort((a, b) => a - b)).toEqual(attempts.map((_, i) => i + 1));
        expect(sel.omitted.count).toBe(out.length);
        expect(sel.omitted.conns).toEqual(out.map((n) => `c${n}`));
        expect(sel.omitted.passed + sel.omitted.failed).toBe(sel.omitted.count);
        const kinds = new Set(attempts.map(configurationKey));
        if (max > 0 && attempts.length > 0) {
          // The configuration the phone was left with is always drawn; the very last attempt too,
          // unless the configurations exactly fill the budget (then each is drawn once).
          expect(sel.shown.some((s) => configurationKey(s.attempt) === configurationKey(attempts.at(-1)!))).toBe(true);
          if (kinds.size !== max) expect(shown.at(-1)).toBe(attempts.length);
        }
        if (kinds.size <= max) expect(new Set(sel.shown.map((s) => configurationKey(s.attempt)))).toEqual(kinds);
      }),
      { numRuns: 300 },
    );
  });
});

describe('omittedWords', () => {
  it('names one attempt, one range with its connections, or several ranges', () => {
    expect(omittedWords([])).toBe('none');
    expect(omittedWords([{ from: 7, to: 7, fromConn: 'c7', toConn: 'c7' }])).toBe('attempt 7 (connection c7)');
    expect(omittedWords([{ from: 5, to: 52, fromConn: 'c5', toConn: 'c52' }])).toBe('attempts 5 to 52 (connections c5 to c52)');
    expect(omittedWords([{ from: 2, to: 2, fromConn: 'c2', toConn: 'c2' }, { from: 4, to: 1200, fromConn: 'c4', toConn: 'c1200' }])).toBe('attempts 2 and 4 to 1,200');
  });

  it(`names at most ${MAX_RANGES_IN_WORDS} ranges, then counts the rest`, () => {
    const ranges = Array.from({ length: MAX_RANGES_IN_WORDS + 3 }, (_, i) => ({ from: i * 10 + 1, to: i * 10 + 2, fromConn: 'x', toConn: 'y' }));
    expect(omittedWords(ranges)).toBe('attempts 1 to 2, 11 to 12, 21 to 22, 31 to 32, 41 to 42, 51 to 52, and 6 other attempts');
  });
});
