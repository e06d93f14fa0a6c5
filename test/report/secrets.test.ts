/**
 * Defence in depth for the report's redaction: even when the recorder forgot its
 * `secrets` ranges, nothing that proves or reveals the password reaches the PDF.
 */
import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api.js';
import { buildReport, makeScrubber, MIN_SCRUBBED_PASSWORD_LENGTH, prepareEvents, REDACTED } from '../../electron/lab/report/index.js';
import { buildNokia6233Session, NOKIA_PASSWORD } from '../fixtures/report/nokia6233.js';
import { nokia6233Diagnosis } from '../fixtures/report/nokia6233.diagnosis.js';
import { expectHas, expectLacks, pdfText } from './helpers.js';

const T = '2026-11-29T10:00:00.000Z';
let seq = 0;
const ev = (e: Record<string, unknown>): LabEvent => ({ seq: ++seq, t: T, ...e }) as unknown as LabEvent;
const start = (password: string) => ev({ kind: 'lab.start', version: '0.1.0', listeners: {}, account: { user: 'phone', password }, settings: {} });
const textsOf = (events: LabEvent[], conn: string) => events.filter((e) => (e.kind === 'c2s' || e.kind === 's2c') && e.conn === conn).map((e) => (e as { text?: string }).text);

describe('prepareEvents without the recorder’s secrets ranges', () => {
  it('hides IMAP AUTHENTICATE continuation lines and challenges until the tagged answer, not after', () => {
    const events = [
      start('pw-123456'),
      ev({ kind: 'conn.open', conn: 'c1', proto: 'imap', remote: 'a:1', local: 'b:2', port: 143 }),
      ev({ kind: 'c2s', conn: 'c1', text: 'a001 authenticate cram-md5\r\n' }),
      ev({ kind: 's2c', conn: 'c1', text: '+ PDEyMzQ1QGxhYj4=\r\n' }),
      ev({ kind: 'c2s', conn: 'c1', text: 'cGhvbmUgMTIzNDU2Nzg5MA==\r\n' }),
      ev({ kind: 's2c', conn: 'c1', text: 'a001 OK done\r\n' }),
      ev({ kind: 'c2s', conn: 'c1', text: '\r\n' }),
      ev({ kind: 'c2s', conn: 'c1', text: 'a002 NOOP\r\n' }),
    ];
    const out = prepareEvents(events, false).events;
    expect(textsOf(out, 'c1')).toEqual(['a001 authenticate cram-md5\r\n', `+ ${REDACTED}\r\n`, `${REDACTED}\r\n`, 'a001 OK done\r\n', '\r\n', 'a002 NOOP\r\n']);
  });

  it('hides a SASL-IR initial response, LOGIN arguments and a payload split across packets', () => {
    const events = [
      start('pw-123456'),
      ev({ kind: 'conn.open', conn: 'c1', proto: 'imap', remote: 'a:1', local: 'b:2', port: 143 }),
      ev({ kind: 'c2s', conn: 'c1', text: '1 AUTHENTICATE PLAIN AHBob25lAHB3LTEyMzQ1Ng==\r\n' }),
      ev({ kind: 's2c', conn: 'c1', text: '1 OK\r\n' }),
      ev({ kind: 'c2s', conn: 'c1', text: '2 LOGIN phone {9}\r\n' }),
      ev({ kind: 'c2s', conn: 'c1', text: 'A1 AUTHENTICATE LOGIN\r\n' }),
      ev({ kind: 's2c', conn: 'c1', text: '+ VXNlcm5hbWU6\r\n' }),
      ev({ kind: 'c2s', conn: 'c1', text: 'cGhv' }),
      ev({ kind: 'c2s', conn: 'c1', text: 'bmU=\r\n' }),
      ev({ kind: 's2c', conn: 'c1', text: 'A1 OK\r\n' }),
    ];
    const t = textsOf(prepareEvents(events, false).events, 'c1');
    expect(t[0]).toBe(`1 AUTHENTICATE PLAIN ${REDACTED}\r\n`);
    expect(t[2]).toBe(`2 LOGIN ${REDACTED}\r\n`);
    expect(t.slice(5, 7)).toEqual([REDACTED, `${REDACTED}\r\n`]);
  });

  it('hides SMTP AUTH exchanges and POP3 PASS', () => {
    const events = [
      start('pw-123456'),
      ev({ kind: 'conn.open', conn: 's1', proto: 'smtp', remote: 'a:1', local: 'b:2', port: 587 }),
      ev({ kind: 'c2s', conn: 's1', text: 'AUTH LOGIN\r\n' }),
      ev({ kind: 's2c', conn: 's1', text: '334 VXNlcm5hbWU6\r\n' }),
      ev({ kind: 'c2s', conn: 's1', text: 'cGhvbmU=\r\n' }),
      ev({ kind: 's2c', conn: 's1', text: '334 UGFzc3dvcmQ6\r\n' }),
      ev({ kind: 'c2s', conn: 's1', text: 'cHctMTIzNDU2\r\n' }),
      ev({ kind: 's2c', conn: 's1', text: '235 2.7.0 Authentication successful\r\n' }),
      ev({ kind: 'c2s', conn: 's1', text: 'MAIL FROM:<a@b>\r\n' }),
      ev({ kind: 'conn.open', conn: 'p1', proto: 'pop3', remote: 'a:1', local: 'b:2', port: 110 }),
      ev({ kind: 'c2s', conn: 'p1', text: 'USER phone\r\nPASS hunter22\r\n' }),
    ];
    const out = prepareEvents(events, false).events;
    expect(textsOf(out, 's1')).toEqual(['AUTH LOGIN\r\n', `334 ${REDACTED}\r\n`, `${REDACTED}\r\n`, `334 ${REDACTED}\r\n`, `${REDACTED}\r\n`, '235 2.7.0 Authentication successful\r\n', 'MAIL FROM:<a@b>\r\n']);
    expect(textsOf(out, 'p1')).toEqual([`USER phone\r\nPASS ${REDACTED}\r\n`]);
  });

  it('scrubs the lab password wherever it appears, but not a password too short to be told from text', () => {
    expect(makeScrubber(['pw-123456'])('typed pw-123456 twice: pw-123456')).toBe(`typed ${REDACTED} twice: ${REDACTED}`);
    expect(makeScrubber(['ab'])('ab cab')).toBe('ab cab');
    expect(MIN_SCRUBBED_PASSWORD_LENGTH).toBe(3);
    const events = [start('pw-123456'), ev({ kind: 'conn.open', conn: 'c1', proto: 'imap', remote: 'a:1', local: 'b:2', port: 143 }), ev({ kind: 'c2s', conn: 'c1', text: 'x SEARCH TEXT pw-123456\r\n' })];
    expect(textsOf(prepareEvents(events, false).events, 'c1')).toEqual([`x SEARCH TEXT ${REDACTED}\r\n`]);
  });

  it('changes nothing with include-secrets', () => {
    const { events } = buildNokia6233Session();
    expect(prepareEvents(events, true).events).toEqual(events);
  });
});

describe('a report of a session whose recorder forgot every secrets range', () => {
  it('still shows neither the password nor any AUTHENTICATE payload, nor the password in notes and errors', async () => {
    const { events, marks } = buildNokia6233Session();
    const careless = events.map((e) => {
      if (e.kind !== 'c2s') return e;
      const { secrets: _dropped, ...rest } = e;
      return rest as LabEvent;
    });
    const last = careless[careless.length - 1].seq;
    careless.push(
      { seq: last + 1, t: '2026-11-29T10:10:00.000Z', kind: 'note', text: `technician typed the password ${NOKIA_PASSWORD} on the phone` },
      { seq: last + 2, t: '2026-11-29T10:10:01.000Z', kind: 'lab.error', conn: 'c4', where: 'imap', message: `unexpected ${NOKIA_PASSWORD}` },
      { seq: last + 3, t: '2026-11-29T10:10:02.000Z', kind: 'c2s', conn: 'c4', b64: Buffer.from(`\u0000phone\u0000${NOKIA_PASSWORD}`).toString('base64') },
    );
    const diagnosis = nokia6233Diagnosis(marks);
    diagnosis.findings[0] = { ...diagnosis.findings[0], explanation: `${diagnosis.findings[0].explanation} The phone sent ${NOKIA_PASSWORD}.` };
    const r = await buildReport({ events: careless, diagnosis });
    const t = pdfText(r.pdf);
    for (const s of [NOKIA_PASSWORD, ...marks.secretPayloads]) {
      expectLacks(t.joined, s);
      expect(r.pdf.includes(Buffer.from(s))).toBe(false);
    }
    // The binary packet holding the password is listed by size, without its bytes.
    expectHas(t.flat, '[binary, 22 bytes]');
    expectHas(t.flat, `technician typed the password ${REDACTED} on the phone`);
  });
});
