/// <reference lib="dom" />
// page.evaluate runs in Chromium: the DOM types are for that callback only.
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startLab } from './helpers.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'handoff');

describe('hand-off page on a small screen', () => {
  it('fits 176x208 and 128x160 with no horizontal scrolling, no CSS, no script', async () => {
    const lab = await startLab();
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      mkdirSync(ARTIFACTS, { recursive: true });
      for (const [w, h] of [
        [176, 208],
        [128, 160],
      ]) {
        const page = await browser.newPage({ viewport: { width: w, height: h }, userAgent: 'Nokia6233/2.0 (05.10) Profile/MIDP-2.0 Configuration/CLDC-1.1', javaScriptEnabled: true });
        await page.goto(lab.server.url);
        const facts = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          scripts: document.scripts.length,
          styles: document.styleSheets.length,
          links: Array.from(document.querySelectorAll('a'), (a) => a.getAttribute('href')),
          text: document.body.innerText,
        }));
        expect(facts.scrollWidth).toBeLessThanOrEqual(w);
        expect(facts.scripts).toBe(0);
        expect(facts.styles).toBe(0);
        expect(facts.links).toEqual(['/ca.crt', '/ca.cer', '/ca.pem']);
        expect(facts.text).toContain('Install lab certificate');
        writeFileSync(join(ARTIFACTS, `page-${w}x${h}.png`), await page.screenshot({ fullPage: true }));
        await page.close();
      }
    } finally {
      await browser.close();
      await lab.close();
    }
  });
});
