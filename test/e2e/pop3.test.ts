/**
 * A phone set to POP3, in Debian's Chromium against browser mode: the technician picks the
 * Nokia 6233 and its "Mailbox type: POP3"; Configure gives the lab's POP3 port; the simulated
 * Series 40 (USER/PASS, no UIDL) appears live and Results shows its POP3 attempt and the
 * "downloads every message again" finding, and the answer card gives the POP3 settings in the
 * phone's POP3 words. Screenshots: test-artifacts/ui/pop3-*.png.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlServer } from '../../electron/lab/control/index.js';
import type { RunningLab } from '../../electron/lab/lab-types.js';
import { runScenario } from '../../electron/lab/simulate/index.js';
import { SHOTS, openWizard, type WizardPage } from './support/wizard-page.js';

describe('a POP3 phone in the wizard (Chromium)', () => {
  let w: WizardPage;
  let lab: RunningLab;
  let ui: ControlServer;
  let page: Page;
  let consoleErrors: string[];

  beforeAll(async () => {
    w = await openWizard({ pop3Port: 0, pop3sPort: 0, profile: 'nokia-6233' }, 'mp-e2e-pop3-');
    ({ lab, ui, page, consoleErrors } = w);
  });

  afterAll(async () => {
    await w?.close();
  });

  const nav = () => page.getByRole('navigation', { name: 'Wizard steps' });

  it('follows the mailbox type into Configure, shows the Series 40 live and its POP3 attempt on Results', async () => {
    await page.goto(ui.url);
    await nav().getByRole('button', { name: /Phone/ }).click();
    await page.getByRole('radio', { name: /Nokia 6233/ }).check();
    const mailboxType = page.getByTestId('mailbox-type');
    await mailboxType.getByRole('radio', { name: /POP3/ }).check();
    await page.screenshot({ path: join(SHOTS, 'pop3-phone.png') });

    await nav().getByRole('button', { name: /Configure/ }).click();
    await expect.poll(async () => page.getByTestId('mailbox-type').getByRole('radio', { name: /POP3/ }).isChecked()).toBe(true);
    const values = page.getByTestId('values');
    await expect.poll(async () => values.textContent()).toMatch(/Mailbox type.*POP3/);
    expect(await values.textContent()).toContain(String(lab.listeners.pop3!.port));
    expect(await page.getByRole('group', { name: 'Test plan' }).textContent()).toMatch(/POP3 · No security \+ plain password \(USER\/PASS\)[\s\S]*POP3 · No security \+ APOP[\s\S]*SSL\/TLS \(port 995\)/);
    await page.screenshot({ path: join(SHOTS, 'pop3-configure.png') });

    await runScenario('series40-pop3-download-all', { host: '127.0.0.1', port: lab.listeners.pop3!.port, user: lab.account.user, password: lab.account.password });
    await expect.poll(async () => page.getByTestId('live-strip').textContent(), { timeout: 10_000 }).toMatch(/Phone connected · POP3 · no security · USER\/PASS · ✓ passed/);
    // The plan's first test is the one the phone just did.
    await expect.poll(async () => page.getByRole('group', { name: 'Test plan' }).textContent()).toMatch(/1\. POP3 · No security \+ plain password \(USER\/PASS\)✓ passed/);

    await nav().getByRole('button', { name: /Results/ }).click();
    const matrix = page.getByTestId('matrix');
    await expect.poll(async () => matrix.textContent(), { timeout: 10_000 }).toMatch(/POP3no securityUSER\/PASS/);
    const header = (await matrix.locator('thead').textContent()) ?? '';
    expect(header).toMatch(/Listed the messages.*Downloaded messages.*Said goodbye \(QUIT\)/);
    expect(header).not.toMatch(/Opened the inbox/);
    expect(await matrix.locator('tbody tr').first().textContent()).toMatch(/✓ PASS/);
    await expect.poll(async () => page.locator('.findings').textContent()).toMatch(/downloads every message again on every check \(POP3 without UIDL\)/);
    await page.screenshot({ path: join(SHOTS, 'pop3-results.png'), fullPage: true });

    // The answer card speaks POP3: the mailbox type, POP3's port, its login setting, leave on server.
    const receiving = page.getByTestId('resolution-receiving');
    await expect.poll(async () => receiving.textContent(), { timeout: 10_000 }).toMatch(/Receiving mail: works/);
    const rows = Object.fromEntries(
      await receiving
        .getByTestId('working-config')
        .first()
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')!.firstChild!.textContent!.trim(), tr.querySelector('td')!.textContent!.trim()])),
    ) as Record<string, string>;
    expect(rows).toMatchObject({ 'Mailbox type': 'POP3', 'Security (ports)': 'Off', 'Incoming port': '110', 'Secure login (APOP)': 'Off' });
    expect(rows['Leave messages on server']).toMatch(/^Yes/);
    // Not the IMAP labels and values: no "Secure login" of IMAP, no 143 or 993.
    expect(Object.keys(rows)).not.toContain('Secure login');
    expect(Object.values(rows).join(' ')).not.toMatch(/\b(143|993)\b/);
    expect(await receiving.locator('.working-title').first().textContent()).toMatch(/POP3 · .*without TLS/);
    await receiving.scrollIntoViewIfNeeded();
    await receiving.screenshot({ path: join(SHOTS, 'pop3-resolution.png') });
    expect(consoleErrors).toEqual([]);
  }, 60_000);
});
