import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../../electron/api';
import { MAX_LINES_PER_EVENT, SECRET_MASK, rowsFor, type Row } from './transcript';
import { proposePlan } from './plan';

const ev = (e: Partial<LabEvent>): LabEvent => ({ seq: 1, t: '2026-11-29T10:00:00.000Z', ...e }) as LabEvent;

describe('transcript rows', () => {
  it('shows a bare CRLF from the phone as its own, named row', () => {
    const out: Row[] = [];
    rowsFor(ev({ kind: 'c2s', conn: 'c1', text: '\r\n' }), 0, out);
    expect(out).toEqual([{ i: 0, who: 'phone', tls: false, text: '(empty line: CR LF alone)', empty: true }]);
  });

  it('does not mark the blank line between the headers and the body of a message the phone sends', () => {
    const out: Row[] = [];
    rowsFor(ev({ kind: 'c2s', conn: 'c1', text: 'Subject: hi\r\n\r\nhello\r\n.\r\n' }), 0, out);
    expect(out.map((r) => r.text)).toEqual(['Subject: hi', '', 'hello', '.']);
    expect(out.some((r) => r.empty)).toBe(false);
    rowsFor(ev({ kind: 's2c', conn: 'c1', text: '\r\n' }), 1, out);
    expect(out.some((r) => r.empty)).toBe(false);
    // …but a stray CRLF in the same segment as the login response still is.
    rowsFor(ev({ kind: 'c2s', conn: 'c1', text: 'cGhvbmUgMDEyMw==\r\n\r\n' }), 2, out);
    expect(out.filter((r) => r.empty).map((r) => r.i)).toEqual([2]);
  });

  it('tells a phone that named itself from a model the technician chose', () => {
    const out: Row[] = [];
    rowsFor(ev({ kind: 'device', device: { vendor: 'Nokia', model: '6233', source: 'profile' } }), 0, out);
    rowsFor(ev({ kind: 'device', conn: 'c1', device: { vendor: 'Nokia', model: 'E61', firmware: '3.0633', source: 'imap.id' } }), 1, out);
    expect(out.map((r) => r.text)).toEqual(['Phone model chosen by the technician: Nokia 6233', 'Phone identified itself: Nokia E61 3.0633']);
  });

  it('says which of the two server certificates a TLS session got', () => {
    const out: Row[] = [];
    rowsFor(ev({ kind: 'tls.established', conn: 'c1', version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', engine: 'modern', mode: 'implicit', certificate: 'sha256' }), 0, out);
    rowsFor(ev({ kind: 'tls.established', conn: 'c2', version: 'TLSv1', cipher: 'TLS_RSA_WITH_RC4_128_MD5', engine: 'legacy', mode: 'implicit', certificate: 'sha1' }), 1, out);
    expect(out.map((r) => r.text)).toEqual([
      'TLS established: TLSv1.3, TLS_AES_256_GCM_SHA384 (modern engine, implicit, SHA-256 certificate)',
      'TLS established: TLSv1, TLS_RSA_WITH_RC4_128_MD5 (legacy engine, implicit, SHA-1 certificate)',
    ]);
  });

  it('masks secrets and marks TLS', () => {
    const out: Row[] = [];
    rowsFor(ev({ kind: 'c2s', conn: 'c1', text: 'a1 LOGIN phone hunter2\r\n', secrets: [[15, 22]], tls: true }), 0, out);
    expect(out[0]).toMatchObject({ who: 'phone', tls: true, text: `a1 LOGIN phone ${SECRET_MASK}` });
  });

  it(`keeps at most ${MAX_LINES_PER_EVENT} lines of one event and says how many more there were`, () => {
    const out: Row[] = [];
    const body = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\r\n') + '\r\n';
    rowsFor(ev({ kind: 's2c', conn: 'c1', text: body }), 0, out);
    expect(out).toHaveLength(MAX_LINES_PER_EVENT + 1);
    expect(out.at(-1)?.text).toBe(`… ${100 - MAX_LINES_PER_EVENT} more lines`);
  });

  it('shows an event that continues the previous one (a response longer than one event) as more of the same', () => {
    const out: Row[] = [];
    rowsFor(ev({ kind: 's2c', conn: 'c1', text: '* 1 FETCH (BODY[] {5}\r\n' }), 0, out);
    rowsFor(ev({ seq: 2, kind: 's2c', conn: 'c1', text: 'hello)\r\nf1 OK Completed\r\n', continued: true }), 1, out);
    expect(out.map((r) => r.text)).toEqual(['* 1 FETCH (BODY[] {5}', '… continued: more of the same response', 'hello)', 'f1 OK Completed']);
  });
});

describe('test plan', () => {
  it('proposes the seed’s order for a phone with a mechanism setting, TLS last, then sending a mail', () => {
    const plan = proposePlan(undefined, false);
    expect(plan.map((t) => `${t.security}/${t.mechanism}`)).toEqual(['none/CRAM-MD5', 'none/DIGEST-MD5', 'none/AUTO', 'none/LOGIN-COMMAND', 'tls/LOGIN-COMMAND', 'starttls/LOGIN-COMMAND', 'none/AUTO']);
    expect(plan.at(-1)).toMatchObject({ id: 'send-mail', direction: 'sending', title: 'Send a mail from the phone' });
  });
});
