/**
 * The wizard end to end in Debian's Chromium against browser mode: a real lab, the real
 * diagnosis, a scripted Nokia 6233 over a real socket, curl as the phone's browser.
 * Screenshots of every step go to test-artifacts/ui/step-N.png.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab } from '../../electron/lab/lab.js';
import type { RunningLab } from '../../electron/lab/lab-types.js';
import { startControlServer, type ControlServer } from '../../electron/lab/control/index.js';
import { buildRenderer, CHROMIUM_ARGS } from './support/build-renderer.js';
import { nokia6233CramMd5 } from './support/nokia6233.js';

const run = promisify(execFile);
const NOKIA_UA = 'Nokia6233/2.0 (05.10) Profile/MIDP-2.0 Configuration/CLDC-1.1';
const SHOTS = join(process.cwd(), 'test-artifacts', 'ui');

describe('wizard in browser mode (Chromium)', () => {
  let lab: RunningLab;
  let ui: ControlServer;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const dataDir = mkdtempSync(join(tmpdir(), 'mp-e2e-'));
    const [rendererDir, started, b] = await Promise.all([
      buildRenderer(),
      startLab({ bind: '127.0.0.1', imapPort: 0, imapsPort: 0, httpPort: 0, dataDir }),
      chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
    ]);
    lab = started;
    browser = b;
    ui = await startControlServer({ port: 0, host: '127.0.0.1', lab, rendererDir });
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
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

  const shot = (n: number) => page.screenshot({ path: join(SHOTS, `step-${n}.png`), fullPage: false });
  const next = () => page.locator('footer.nav button.primary').click();

  it('walks the technician from the phone model to the results, live', async () => {
    await page.goto(ui.url);
    // The token leaves the address bar once the page has it.
    await expect.poll(() => page.url()).not.toContain('token=');
    await page.getByRole('radio', { name: /Nokia 6233/ }).check();
    await shot(1);
    await next();

    // Network: the lab the CLI started is shown with its ports and account.
    await expect.poll(() => page.getByTestId('lab-summary').textContent()).toContain(String(lab.listeners.imap!.port));
    await shot(2);
    await next();

    // Certificate: a Nokia browser opens the page, then fetches the certificate: the step turns green.
    const handoff = lab.handoffUrl!;
    await expect.poll(() => page.getByTestId('handoff-url').textContent()).toBe(handoff);
    await run('curl', ['-s', '-o', '/dev/null', '-A', NOKIA_UA, handoff]);
    await expect.poll(() => page.getByTestId('cert-status').textContent()).toMatch(/Page opened by Nokia 6233, firmware 05\.10/);
    await run('curl', ['-s', '-o', '/dev/null', '-A', NOKIA_UA, new URL('/ca.crt', handoff).href]);
    const status = page.getByTestId('cert-status');
    await expect.poll(() => status.textContent()).toMatch(/Certificate fetched by Nokia 6233, firmware 05\.10/);
    expect(await status.getAttribute('class')).toContain('is-done');
    await shot(3);
    await next();

    // Configure: the exact values for the first test, in the 6233's words.
    const values = page.getByTestId('values');
    await expect.poll(() => values.textContent()).toContain(String(lab.listeners.imap!.port));
    expect(await values.textContent()).toContain(lab.account.password);
    expect(await values.textContent()).toContain('Secure login');
    await shot(4);
    await next();

    // Run: the phone's attempt appears live, failed, with the finding that explains it.
    await page.getByText('Press “Retrieve” on the phone now.').waitFor();
    await nokia6233CramMd5('127.0.0.1', lab.listeners.imap!.port, lab.account.user, lab.account.password, 50);
    const attempt = page.locator('article.attempt').first();
    await attempt.waitFor();
    await expect.poll(() => attempt.textContent(), { timeout: 10_000 }).toMatch(/✗ FAILED/);
    const diagnosis = ui.engine.snapshot().find((m) => m.type === 'diagnosis');
    const findings = diagnosis?.type === 'diagnosis' ? diagnosis.diagnosis.findings : [];
    expect(findings.length).toBeGreaterThan(0);
    const shown = await attempt.locator('.finding-line').textContent();
    expect(findings.some((f) => shown?.includes(f.title))).toBe(true);
    // The raw transcript is one click away, with the phone's bare CRLF visible.
    await attempt.getByRole('button', { name: /Transcript/ }).click();
    await expect.poll(() => page.getByTestId('transcript').textContent()).toContain('(empty line: CR LF alone)');
    expect(await page.getByTestId('transcript').textContent()).toContain('PHONE →');
    await shot(5);
    await next();

    // Results: the matrix, the findings and their recommendations.
    const matrix = page.getByTestId('matrix');
    await expect.poll(() => matrix.textContent()).toContain('✗ FAIL');
    expect(await page.locator('ul.findings').textContent()).toContain('What to do');
    await shot(6);
    expect(consoleErrors).toEqual([]);
  });

  it('refuses API calls without the token, from the page origin too', async () => {
    const res = await fetch(`http://127.0.0.1:${ui.port}/api/lab.status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    const inPage = await page.evaluate(async () => (await fetch('/api/lab.status', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
    expect(inPage).toBe(401);
  });
});
