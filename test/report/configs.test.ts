/**
 * A real afternoon at the counter: 60 attempts over 4 configurations, the last one works. The
 * report must show every configuration tried, including the one that worked last (what the
 * customer ends up with), name the attempts it leaves out, and the appendix must show the
 * beginning and the end of the transcript with a marked gap in between.
 */
import { statSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { diagnose } from '../../electron/lab/diagnosis/index.js';
import { firstLineOfEnd } from '../../electron/lab/report/sections/appendix.js';
import { layoutLines } from '../../electron/lab/report/sections/lines.js';
import { buildReport, MAX_APPENDIX_PAGES, MAX_ATTEMPT_ROWS, MAX_TIMELINE_ATTEMPTS, type BuiltReport } from '../../electron/lab/report/index.js';
import { ATTEMPTS_PER_CONFIG, CONFIGS, generateConfigSession, LAST_EVENT_REASON } from '../fixtures/report/config-session.js';
import { NOKIA_PASSWORD } from '../fixtures/report/nokia6233.js';
import { expectHas, expectLacks, pdfInfo, pdfText, renderPages, section, type PdfText } from './helpers.js';

const { events, firstEventText } = generateConfigSession();
const TOTAL = CONFIGS.length * ATTEMPTS_PER_CONFIG;
let report: BuiltReport;
let text: PdfText;

beforeAll(async () => {
  report = await buildReport({ events, technician: 'Ana Técnica', ticket: 'T-60' });
  text = pdfText(report.pdf);
});

describe('a 60-attempt session over 4 configurations, the last one passing', () => {
  it('is diagnosed as the fixture says: 4 configurations of 15, only SSL + IMAP LOGIN passes', () => {
    const d = diagnose(events);
    expect(d.attempts).toHaveLength(TOTAL);
    expect(d.verdict).toBe('pass');
    const kinds = [...new Set(d.attempts.map((a) => `${a.security} ${a.mechanism} ${a.verdict}`))];
    expect(kinds).toEqual(['none CRAM-MD5 fail', 'none DIGEST-MD5 fail', 'tls CRAM-MD5 fail', 'tls LOGIN-COMMAND pass']);
  });

  it('draws a timeline for every configuration, the passing last one included, and the latest attempts', () => {
    const timelines = section(text, '4. Timeline of each attempt', '5. Encryption (TLS)');
    const drawn = [...new Set([...timelines.matchAll(/Attempt (\d+) of 60: ([^✓✗]*?) connection/g)].map((m) => `${m[1]}: ${m[2].trim()}`))];
    expect(drawn).toHaveLength(MAX_TIMELINE_ATTEMPTS);
    // The earliest of each configuration, then the latest 8 (53 to 60).
    expect(drawn.slice(0, 4)).toEqual(['1: No encryption (port 143), CRAM-MD5', '16: No encryption (port 143), DIGEST-MD5', '31: SSL/TLS (port 993), CRAM-MD5', '46: SSL/TLS (port 993), IMAP LOGIN']);
    expect(drawn.slice(4).map((d) => Number(d.split(':')[0]))).toEqual([53, 54, 55, 56, 57, 58, 59, 60]);
    expectHas(timelines, /Attempt 60 of 60: SSL\/TLS \(port 993\), IMAP LOGIN connection c60 .* one of the latest attempts ✓ pass/);
    expectHas(timelines, /Attempt 46 of 60: .* the first attempt this way that worked ✓ pass/);
    // It says in words which attempts are not drawn, and marks each gap between diagrams.
    expectHas(timelines, 'Drawn here: 12 of 60 attempts, the first try of each way of connecting');
    expectHas(timelines, '48 more attempts are not drawn here: attempts 2 to 15, 17 to 30, 32 to 45 and 47 to 52.');
    expectHas(timelines, '⋯ attempts 47 to 52 not drawn (6: 6 passed, 0 failed) ⋯');
    expectHas(timelines, '⋯ attempts 2 to 15 not drawn (14: 0 passed, 14 failed) ⋯');
  });

  it('lists the last attempts in the step-by-step table and names the ones it leaves out', () => {
    const matrix = section(text, '2. Results: what was tried', '3. Findings, with proof');
    expectHas(matrix, '✓ works');
    expectHas(matrix, '15 tries');
    const table = matrix.slice(matrix.indexOf('Every attempt, step by step'));
    // Rows: 1, 16, 31 (first of their configuration), then 34 to 60 (the latest): 30 in all.
    for (const row of ['IMAP LOGIN · c60 ', 'IMAP LOGIN · c59 ', 'IMAP LOGIN · c46 ', 'CRAM-MD5 · c34 ', 'CRAM-MD5 · c31 ', 'DIGEST-MD5 · c16 ', 'CRAM-MD5 · c1 ']) expectHas(table, row);
    expectHas(table, /60 \d\d:\d\d:\d\d SSL\/TLS \(port 993\) .*✓ pass IMAP LOGIN · c60/);
    expectLacks(table, '· c20 ');
    expect(table.match(/ · c\d+ /g)).toHaveLength(MAX_ATTEMPT_ROWS);
    expectHas(table, '⋯ attempts 2 to 15 not listed here (14 attempts, counted in the grid above)');
    expectHas(table, '⋯ attempts 32 to 33 not listed here (2 attempts, counted in the grid above)');
    expectHas(table, '… and 30 more attempts (0 passed, 30 failed), all counted in the grid above, are not listed: attempts 2 to 15, 17 to 30 and 32 to 33.');
  });

  it('shows the beginning and the end of the transcript, with the gap between them said in words', () => {
    expect(report.appendixTruncated).toBe(true);
    const appendix = section(text, '7. Appendix: full transcript');
    expect(appendix.split('page ').length - 1).toBe(MAX_APPENDIX_PAGES);
    expectHas(text.joined, `#1 10:02:00.000 · ${firstEventText}`, 'the first event');
    expectHas(text.joined, new RegExp(`#${events.length} \\d\\d:\\d\\d:\\d\\d\\.\\d{3} · lab stopped: ${LAST_EVENT_REASON.replace(/[+.]/g, '\\$&')}`), 'the last event');
    expectHas(appendix, `⚠ Transcript cut here: the appendix is limited to ${MAX_APPENDIX_PAGES} pages.`);
    expectHas(appendix, 'It shows the beginning and the end of the session.');
    const gap = /Left out here: (\d+) events \(([\d,]+) lines, #(\d+) to #(\d+)\)\. Shown: events 1 to (\d+) of (\d+), then events (\d+) to (\d+)\. The full transcript is in the session folder: the file events\.jsonl\./.exec(appendix);
    expect(gap, 'the gap note').not.toBeNull();
    const [, omitted, , fromSeq, toSeq, headEnd, total, tailStart, tailEnd] = gap!.map(Number);
    expect(total).toBe(events.length);
    expect(tailEnd).toBe(events.length);
    expect(fromSeq).toBe(headEnd + 1);
    expect(toSeq).toBe(tailStart - 1);
    expect(omitted).toBe(tailStart - headEnd - 1);
    // The beginning gets a third of the pages, the end (the configuration the customer keeps) the rest.
    const pages = text.raw.split('\f');
    const first = pages.findIndex((p) => p.includes('7. Appendix: full transcript') && !p.includes('Contents'));
    const gapPage = pages.findIndex((p) => p.includes('Transcript cut here'));
    expect(gapPage - first + 1).toBe(Math.round(MAX_APPENDIX_PAGES / 3));
    expect(pages.filter((p) => p.trim()).length - gapPage - 1).toBe(MAX_APPENDIX_PAGES - Math.round(MAX_APPENDIX_PAGES / 3));
    expect(pages[gapPage + 1]).toContain(`#${tailStart} `);
    // The events on either side of the gap are in the PDF; one in the middle of it is not.
    expectHas(text.flat, new RegExp(`#${headEnd} +\\d\\d:`));
    expectHas(text.flat, new RegExp(`#${tailStart} +\\d\\d:`));
    expectLacks(text.flat, `#${fromSeq + 1} `);
    expectLacks(text.joined, NOKIA_PASSWORD);
  });

  it('renders the pages (PNG artifacts in test-artifacts/report/)', () => {
    const pages = renderPages(report.pdf, 'config-session', 50);
    expect(pages).toHaveLength(pdfInfo(report.pdf).pages);
    for (const p of pages) expect(statSync(p).size).toBeGreaterThan(2000);
  });
});

describe('measuring the transcript without drawing it', () => {
  const lay = { y: 0, top: 0, yMax: 10, lh: 1 };
  it('fits lines to pages the way they are drawn, with room kept on the last page', () => {
    expect(layoutLines(25, () => 1, lay, 2)).toEqual({ fitted: 20, pages: 3 });
    expect(layoutLines(25, () => 1, { ...lay, lastYMax: 8 }, 2)).toEqual({ fitted: 18, pages: 3 });
    expect(layoutLines(15, () => 1, lay, 2)).toEqual({ fitted: 15, pages: 2 });
    // A wrapped line whose first two rows do not fit starts on the next page; a longer one splits.
    expect(layoutLines(2, (i) => (i === 0 ? 9 : 5), lay, 2)).toEqual({ fitted: 2, pages: 2 });
    expect(layoutLines(2, (i) => (i === 0 ? 8 : 5), lay, 1)).toEqual({ fitted: 1, pages: 2 });
  });

  it('finds the longest end that fits, starting at an event, preferably where a connection opens', () => {
    expect(firstLineOfEnd(25, () => 1, lay, 2, () => true)).toBe(5);
    expect(firstLineOfEnd(25, () => 1, lay, 2, (i) => i % 2 === 0)).toBe(6);
    expect(firstLineOfEnd(25, () => 1, lay, 2, () => true, (i) => i === 9)).toBe(9);
    // A connection start more than a page further on is not worth the lines lost.
    expect(firstLineOfEnd(25, () => 1, lay, 2, () => true, (i) => i === 16)).toBe(5);
    expect(firstLineOfEnd(8, () => 1, lay, 2, () => true)).toBe(0);
  });
});
