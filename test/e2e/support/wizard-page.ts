/**
 * A real lab, the wizard's control server on it, and a Chromium page with console errors
 * collected: what each browser-mode e2e file starts with.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startControlServer, type ControlServer } from '../../../electron/lab/control/index.js';
import { startLab } from '../../../electron/lab/lab.js';
import type { LabOptions, RunningLab } from '../../../electron/lab/lab-types.js';
import { buildRenderer, CHROMIUM_ARGS } from './build-renderer.js';
import { tempDir } from '../../support/temp.js';

export const SHOTS = join(process.cwd(), 'test-artifacts', 'ui');

export interface WizardPage {
  lab: RunningLab;
  ui: ControlServer;
  browser: Browser;
  page: Page;
  /** Console errors and warnings, and page errors, of the page. */
  consoleErrors: string[];
  close(): Promise<void>;
}

export async function openWizard(lab: Partial<LabOptions>, dataDirPrefix: string): Promise<WizardPage> {
  mkdirSync(SHOTS, { recursive: true });
  const [rendererDir, started, browser] = await Promise.all([
    buildRenderer(),
    startLab({ bind: '127.0.0.1', imapPort: 0, imapsPort: 0, httpPort: 0, dataDir: tempDir(dataDirPrefix), ...lab }),
    chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
  ]);
  const ui = await startControlServer({ port: 0, host: '127.0.0.1', lab: started, rendererDir });
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.setDefaultTimeout(10_000);
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push('pageerror: ' + e.message));
  return {
    lab: started,
    ui,
    browser,
    page,
    consoleErrors,
    async close() {
      await browser.close();
      await ui.close();
      await started.stop();
    },
  };
}
