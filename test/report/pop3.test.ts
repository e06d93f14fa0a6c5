/**
 * A session with the three simulated POP3 phones (Series 40 downloading everything, Series 60
 * with STLS leaving mail on the server, Windows Mobile's remembered message numbers) as a
 * report: the POP3 attempts in the matrix with their list/retr/quit steps, the POP3 sequence
 * diagrams, the POP3 findings, and no password. Pages: test-artifacts/report/pop3-*.png.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import { buildReport, type BuiltReport } from '../../electron/lab/report/index.js';
import { runScenario } from '../../electron/lab/simulate/index.js';
import { PASSWORD, observe, startTestLab } from '../simulate/lab-session.js';
import { expectHas, expectLacks, pdfText, renderPages, type PdfText } from './helpers.js';

const PHONES = ['series40-pop3-download-all', 'series60-pop3-stls-leave-on-server', 'winmobile-pop3-stale-number'] as const;

let report: BuiltReport;
let text: PdfText;
let pages: string[];

beforeAll(async () => {
  const lab = await startTestLab({ smtpPort: null, smtpsPort: null, pop3Port: 0, pop3sPort: 0 });
  const events: LabEvent[] = [];
  try {
    for (const id of PHONES) {
      const seen = await observe(lab, () => runScenario(id, { host: '127.0.0.1', port: lab.listeners.pop3!.port, user: lab.account.user, password: PASSWORD }));
      events.push(...seen.events);
    }
  } finally {
    await lab.stop();
  }
  report = await buildReport({ events });
  text = pdfText(report.pdf);
  pages = renderPages(report.pdf, 'pop3');
}, 60_000);

describe('the report of a session with the POP3 phones', () => {
  it('lists the POP3 attempts in the matrix with the POP3 ports and logins', () => {
    expectHas(text.body, /POP3/);
    expectHas(text.body, /port 110/, 'the POP3 port');
    expectHas(text.body, 'POP3 USER/PASS', 'the USER/PASS login');
    expectHas(text.body, /✓\s*list/, 'the list step');
    expectHas(text.body, /✓\s*(retr|download)/i, 'the retr step');
    // The legend under the matrix names POP3's steps, not IMAP's inbox and logout.
    expectHas(text.body, 'Steps: connect → encryption → password → phone saw login → list mail → download → quit.');
    expectLacks(text.body, 'open inbox');
  });

  it('shows the POP3 findings, pop3-no-uidl and the remembered message numbers among them', () => {
    expectHas(text.body, 'The phone downloads every message again on every check (POP3 without UIDL)');
    expectHas(text.body, 'The phone used message numbers it did not ask for in this session');
    expectHas(text.body, 'pop3-no-uidl');
  });

  it('draws the POP3 conversation (USER, RETR, QUIT) and never shows the password', () => {
    expectHas(text.joined, /RETR 1/);
    expectHas(text.joined, /QUIT/);
    expectHas(text.joined, /STLS/);
    expectLacks(text.joined, PASSWORD, 'the password');
    expect(pages.length).toBeGreaterThan(2);
  });
});
