/**
 * The answer in the wizard, in Debian's Chromium against browser mode: the seed's 6233 fails
 * with CRAM-MD5 and DIGEST-MD5 and works with the LOGIN command; Results opens with that, and a
 * phone connecting while the technician is on another step shows up there at once.
 * Screenshots: test-artifacts/ui/resolution-*.png.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlServer, type ControlServer } from '../../electron/lab/control/index.js';
import { startLab } from '../../electron/lab/lab.js';
import type { RunningLab } from '../../electron/lab/lab-types.js';
import { runScenario } from '../../electron/lab/simulate/index.js';
import { buildRenderer, CHROMIUM_ARGS } from './support/build-renderer.js';

const SHOTS = join(process.cwd(), 'test-artifacts', 'ui');

describe('the resolution in the wizard (Chromium)', () => {
  let lab: RunningLab;
  let ui: ControlServer;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const [rendererDir, started, b] = await Promise.all([
      buildRenderer(),
      startLab({ bind: '127.0.0.1', imapPort: 0, imapsPort: 0, httpPort: 0, dataDir: mkdtempSync(join(tmpdir(), 'mp-e2e-res-')), profile: 'nokia-6233' }),
      chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
    ]);
    lab = started;
    browser = b;
    ui = await startControlServer({ port: 0, host: '127.0.0.1', lab, rendererDir });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.setDefaultTimeout(10_000);
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push('pageerror: ' + e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    await lab?.stop();
  });

  const phone = (id: string) => runScenario(id, { host: '127.0.0.1', port: lab.listeners.imap!.port, user: lab.account.user, password: lab.account.password, pauseMs: 60 });

  it('shows a phone connecting on the Certificate step, then Results opens with the working settings', async () => {
    await page.goto(ui.url);
    await page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name: /Certificate/ }).click();
    await phone('nokia6233-cram-md5');
    const strip = page.getByTestId('live-strip');
    await expect.poll(async () => strip.textContent(), { timeout: 10_000 }).toMatch(/Phone connected · IMAP · no security · CRAM-MD5 · ✗ failed/);
    await page.screenshot({ path: join(SHOTS, 'resolution-live-strip.png') });
    const run = page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name: /Run/ });
    await expect.poll(async () => run.textContent()).toMatch(/✗.*failed/);

    await phone('nokia6233-digest-md5');
    await page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name: /Configure/ }).click();
    await expect.poll(async () => page.getByTestId('plan-next').textContent(), { timeout: 10_000 }).toMatch(/LOGIN over SSL on port 993[\s\S]*LOGIN without TLS/);
    await page.screenshot({ path: join(SHOTS, 'resolution-plan-next.png') });

    await phone('nokia6233-login');
    await page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name: /Results/ }).click();
    const receiving = page.getByTestId('resolution-receiving');
    await expect.poll(async () => receiving.textContent(), { timeout: 10_000 }).toMatch(/✓ Receiving mail: works/);
    const text = (await receiving.textContent()) ?? '';
    expect(text).toMatch(/LOGIN command · without TLS/);
    expect(text).toMatch(/Secure login/);
    expect(text).toMatch(/Risk: The password and the mail cross the network in clear/);
    await page.screenshot({ path: join(SHOTS, 'resolution-results.png') });
    await expect.poll(async () => run.textContent()).toMatch(/✓.*passed/);
    expect(consoleErrors).toEqual([]);
  }, 60_000);
});
