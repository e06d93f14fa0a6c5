/**
 * The wizard shows a customer's mailbox being indexed as it happens (Debian's Chromium against
 * browser mode): the technician types the path of a large mbox on the Network step and starts the lab, and the
 * lab summary's line moves on while the lab reads it ("indexing export.mbox: 210 MB of 640 MB,
 * 700 messages", then more), then says "ready: N messages in X s". The control engine attaches to
 * the lab as soon as it is bound, before indexing, so the progress is streamed, not replayed at
 * the end. Screenshot: test-artifacts/ui/mailbox-indexing.png (taken while it indexes).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlServer, type ControlServer } from '../../electron/lab/control/index.js';
import { writeBigMbox, type BigMbox } from '../support/big-mbox.js';
import { buildRenderer, CHROMIUM_ARGS } from './support/build-renderer.js';

const SHOTS = join(process.cwd(), 'test-artifacts', 'ui');
const MB = 1024 * 1024;

describe('the wizard while the lab indexes a customer mailbox (Chromium)', () => {
  let browser: Browser;
  let ui: ControlServer;
  let dir: string;
  let spec: BigMbox;
  let mboxPath: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'mp-e2e-index-'));
    const mbox = join(dir, 'export.mbox');
    const [rendererDir, b, written] = await Promise.all([
      buildRenderer(),
      chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
      writeBigMbox(mbox, { smallMessages: 4000, smallBytes: 40_000, attachments: Array.from({ length: 24 }, () => 20 * MB) }),
    ]);
    browser = b;
    spec = written;
    ui = await startControlServer({ port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), rendererDir });
    mboxPath = mbox;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the indexing progress live in the lab summary, then how many messages the lab serves', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.setDefaultTimeout(20_000);
    try {
      await page.goto(ui.url);
      await page.getByRole('radio', { name: /Identify it for me/ }).check();
      await page.getByRole('checkbox', { name: /Demo mode/ }).check();
      await page.locator('footer.nav button.primary').click();
      await page.getByRole('radio', { name: /127\.0\.0\.1/ }).waitFor();
      // Every text the line shows, as the page shows it (checked at each DOM change).
      await page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { indexingSeen: string[] }).indexingSeen = seen;
        new MutationObserver(() => {
          const t = document.querySelector('[data-testid="mailbox-indexing"]')?.textContent ?? '';
          if (t && seen[seen.length - 1] !== t) seen.push(t);
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
      });
      // The technician names the customer's mailbox on the Network step.
      await page.getByRole('textbox', { name: /Customer's mailbox/ }).fill(mboxPath);
      await page.getByRole('button', { name: 'Start the lab' }).click();
      const line = page.getByTestId('mailbox-indexing');
      await expect.poll(() => line.textContent(), { timeout: 30_000 }).toMatch(/indexing export\.mbox: /);
      await line.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, 'mailbox-indexing.png') });
      // The Back/Next bar stays at the window's bottom and covers none of the lab summary (it
      // once floated over the middle of it, the summary running on behind it).
      const [lineBox, navBox] = await Promise.all([line.boundingBox(), page.locator('footer.nav').boundingBox()]);
      expect(lineBox!.y + lineBox!.height).toBeLessThanOrEqual(navBox!.y);
      expect(navBox!.y + navBox!.height).toBeGreaterThan(768 - 2);
      // The lab is not restarting: it is starting, and says so while it indexes.
      expect(await page.getByRole('button', { name: 'Starting…' }).count()).toBe(1);
      await expect.poll(() => line.textContent(), { timeout: 60_000 }).toMatch(/ready: [\d,]+ messages in [\d.]+ s/);
      await line.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, 'mailbox-indexed.png') });

      const seen = await page.evaluate(() => (window as unknown as { indexingSeen: string[] }).indexingSeen);
      const progress = seen.map((t) => /indexing export\.mbox: ([\d.]+) (kB|MB|GB) of ([\d.]+) MB, ([\d,]+) messages — phones that connect now wait/.exec(t)).filter((m) => m !== null);
      // More than one step while it indexed, each further on than the one before.
      expect(progress.length, seen.join('\n')).toBeGreaterThanOrEqual(2);
      const mbOf = (m: RegExpExecArray) => Number(m[1]) * (m[2] === 'kB' ? 1e-3 : m[2] === 'GB' ? 1e3 : 1);
      for (let i = 1; i < progress.length; i++) expect(mbOf(progress[i]!)).toBeGreaterThan(mbOf(progress[i - 1]!));
      expect(Number(progress[0]![3])).toBe(Math.round(spec.fileBytes / 1e6));
      // Then the count of what it serves, after the progress.
      expect(seen.at(-1)).toMatch(new RegExp(`ready: ${spec.messages.toLocaleString('en-US')} messages in [\\d.]+ s`));
      expect(ui.engine.status().state).toBe('running');
    } finally {
      await page.close();
    }
  }, 120_000);
});
