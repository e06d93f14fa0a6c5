/**
 * The catalogue of findings (docs/findings.md) is generated from the rules' own metadata and
 * catalog.ts: it is current, every rule has its metadata, and every finding id is in it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findingText } from '../../electron/lab/diagnosis/catalog.js';
import { FINDINGS_DOC, loadRuleMetas, renderFindingsDoc } from '../../scripts/findings-doc.js';
import { FINDING_IDS } from '../diagnosis/finding-ids.js';

describe('docs/findings.md', () => {
  it('is what `npm run docs:findings` writes today (run it after changing a rule or its words)', async () => {
    expect(readFileSync(FINDINGS_DOC, 'utf8')).toBe(await renderFindingsDoc());
  });

  it('has every finding id, each with a severity, a signature, a source and its title and advice', async () => {
    const metas = await loadRuleMetas();
    expect(metas.map((m) => m.id).sort()).toEqual([...FINDING_IDS].sort());
    const doc = readFileSync(FINDINGS_DOC, 'utf8');
    for (const m of metas) {
      expect(Object.keys(m.severity).length, m.id).toBeGreaterThan(0);
      expect(m.signature.length, m.id).toBeGreaterThan(20);
      expect(m.source.length, m.id).toBeGreaterThan(10);
      const text = findingText(m.id, { ...m.example });
      expect(doc).toContain(`### \`${m.id}\``);
      expect(doc).toContain(text.title);
      expect(doc).toContain(text.recommendation.replace(/\|/g, '\\|'));
      // The example's facts fill the words in: no "undefined" or empty lists left.
      expect(`${text.title} ${text.explanation}`, m.id).not.toMatch(/undefined|\(\)|""/);
    }
  });
});
