/**
 * The report of a session where the phone both read and sent mail: both directions on the
 * cover and in the summary, the SMTP attempts in their own grid and in the step table, and the
 * captured message in the sequence diagram. Built from the committed fixtures (the 6233 reading
 * with CRAM-MD5 and sending with CRAM-MD5), rendered to PNG for a look.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import { buildReport, type BuiltReport } from '../../electron/lab/report/index.js';
import { fixture } from '../diagnosis/helpers.js';
import { expectHas, pdfText, renderPages, section, type PdfText } from './helpers.js';
import { tempDir } from '../support/temp.js';

/** The IMAP fixture, then the SMTP one renumbered after it (connection c2). */
function bothDirections(): LabEvent[] {
  const imap = fixture('nokia6233-cram-md5.jsonl').filter((e) => e.kind !== 'lab.stop');
  const smtp = fixture('nokia6233-smtp-cram-md5.jsonl').filter((e) => e.kind !== 'lab.start');
  const base = imap.length;
  return [...imap, ...smtp.map((e, i) => ({ ...e, seq: base + i + 1, ...(e.conn ? { conn: 'c2' } : {}) }) as LabEvent)];
}

let report: BuiltReport;
let text: PdfText;
beforeAll(async () => {
  report = await buildReport({ events: bothDirections(), technician: 'Sending test' });
  text = pdfText(report.pdf);
});

describe('a report of reading and sending', () => {
  it('the cover gives each direction with a mark and a word', () => {
    const cover = text.flat.slice(0, text.flat.indexOf('page 1 of'));
    expectHas(cover, 'Receiving mail (IMAP) ✗ does not work');
    expectHas(cover, 'Sending mail (SMTP) ✓ works');
    expectHas(cover, 'The phone did not manage to read mail, and sent a message the lab accepted.');
    expectHas(cover, '1 attempt to read mail · 1 attempt to send');
  });

  it('the summary names both halves and the message the lab received', () => {
    const s = section(text, '1. Summary in plain words', '2. Results');
    expectHas(s, 'Receiving mail (IMAP): ✗ does not work');
    expectHas(s, 'Sending mail (SMTP): ✓ works');
    expectHas(s, 'Sending mail works with No encryption (port 587), CRAM-MD5.');
    expectHas(s, 'The lab received the message "Test from the 6233"');
    expectHas(s, 'Reading, No encryption (port 143), CRAM-MD5:');
  });

  it('the results have a grid per direction and the SMTP steps in the table', () => {
    const r = section(text, '2. Results');
    expectHas(r, 'Reading mail (IMAP)');
    expectHas(r, 'Sending mail (SMTP)');
    expectHas(r, 'SMTP · CRAM-MD5 · c2');
    expectHas(r, '✓ greet server');
    expectHas(r, '✓ message');
  });

  it('the sequence diagram of the SMTP attempt shows the conversation and the captured message', () => {
    expectHas(text.flat, 'phone connects to port 587 (SMTP)');
    expectHas(text.flat, 'AUTH CRAM-MD5');
    expectHas(text.flat, '✓ message captured: "Test from the 6233"');
    const pages = renderPages(report.pdf, 'sending');
    expect(pages.length).toBe(report.pages);
  });
});

describe('a cover whose answer is longer than the page', () => {
  it('keeps the answer box on the cover: the verdicts and settings stay, the extra tries move to section 1', async () => {
    const { diagnose } = await import('../../electron/lab/diagnosis/index.js');
    const events = bothDirections();
    const d = diagnose(events);
    const long = 'a long explanation of another configuration the technician could try on this phone, with its ports and login method spelled out in full';
    d.resolution!.receiving.next = [`DIGEST-MD5 over SSL: ${long}`, `LOGIN over SSL: ${long}`];
    d.resolution!.sending.working = [1, 2, 3].map(() => ({ ...d.resolution!.sending.working[0], risk: `${long}. ${long}. ${long}.` }));
    const pdf = (await buildReport({ events, diagnosis: d, technician: 'Long answer' })).pdf;
    renderPages(pdf, 'long-answer');
    const cover = pdfText(pdf).flat.split('page 1 of')[0];
    expectHas(cover, '✗ Receiving mail does not work yet');
    expectHas(cover, '✓ Sending mail works with CRAM-MD5 without TLS');
    expectHas(cover, 'On the phone: Outgoing');
    expectHas(cover, 'More to try: see section 1');
    // Nothing but the footer's own words reaches the footer line: nothing was drawn past the page's end.
    const words = coverWordBottoms(pdf);
    const footer = Math.min(...words.filter((w) => w.text === 'page').map((w) => w.yMin));
    expect(words.filter((w) => w.yMin >= footer - 1 && !/^(page|1|of|\d+|✗|FAIL|·|Redacted:|passwords|hidden|Mailprobe)$/.test(w.text))).toEqual([]);
  });
});

/** Words of page 1 with their vertical extent, from pdftotext -bbox. */
function coverWordBottoms(pdf: Buffer): Array<{ text: string; yMin: number; yMax: number }> {
  const dir = tempDir('mp-bbox-');
  writeFileSync(join(dir, 'r.pdf'), pdf);
  execFileSync('pdftotext', ['-bbox', '-f', '1', '-l', '1', join(dir, 'r.pdf'), join(dir, 'r.html')]);
  const html = readFileSync(join(dir, 'r.html'), 'utf8');
  rmSync(dir, { recursive: true, force: true });
  return [...html.matchAll(/<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<\/word>/g)].map((m) => ({ text: m[3], yMin: Number(m[1]), yMax: Number(m[2]) }));
}
