/**
 * The answer in the wizard, in Debian's Chromium against browser mode: the seed's 6233 fails
 * with CRAM-MD5 and DIGEST-MD5 and works with the LOGIN command; Results opens with that, and a
 * phone connecting while the technician is on another step shows up there at once.
 * Screenshots: test-artifacts/ui/resolution-*.png.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlServer } from '../../electron/lab/control/index.js';
import type { RunningLab } from '../../electron/lab/lab-types.js';
import { runScenario } from '../../electron/lab/simulate/index.js';
import { SHOTS, openWizard, type WizardPage } from './support/wizard-page.js';

describe('the resolution in the wizard (Chromium)', () => {
  let w: WizardPage;
  let lab: RunningLab;
  let ui: ControlServer;
  let page: Page;
  let consoleErrors: string[];

  beforeAll(async () => {
    w = await openWizard({ profile: 'nokia-6233' }, 'mp-e2e-res-');
    ({ lab, ui, page, consoleErrors } = w);
  });

  afterAll(async () => {
    await w?.close();
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
