/** The lab's CA fingerprints (to compare with what the phone shows), the hand-off QR, downloads. */
import { qrPng } from '../../handoff/index.js';
import type { ReportContext } from '../context.js';
import { COLOR } from '../pdf.js';
import { clock } from '../transcript.js';
import { MONO_ADVANCE } from './lines.js';

/** Downloads listed; a phone that fetched the page 500 times shows the first ones and a count. */
export const MAX_DOWNLOAD_ROWS = 20;

export async function qrPngFor(url: string): Promise<Buffer> {
  return qrPng(url, { scale: 6 });
}

export async function drawCerts(ctx: ReportContext): Promise<void> {
  const { w, input } = ctx;
  // Shares the TLS page when there is room: both are short.
  w.heading('6. Certificate and hand-off', 1, 200);
  w.heading('The lab’s certificate authority', 2, 90);
  if (input.certs) {
    w.para('When the phone installs or trusts the lab certificate it shows a fingerprint. It must match one of these exactly; if it does not, the phone is talking to something else.', { size: 9.5, gapAfter: 8 });
    for (const [k, v] of [['SHA-1', input.certs.caSha1], ['SHA-256', input.certs.caSha256]] as const) {
      // Label above, value on one full-width line: a fingerprint cut in two is hard to compare.
      w.ensure(30);
      w.at(k, w.x0, w.y, { size: 8.5, font: 'bold', color: COLOR.muted });
      w.y += 12;
      const size = Math.min(9, w.width / (v.length * MONO_ADVANCE));
      w.at(v, w.x0, w.y, { font: 'mono', size });
      w.y += size + 9;
    }
  } else {
    w.para('No certificate was found with this session, so no fingerprint can be shown.', { size: 9.5, color: COLOR.muted });
  }

  let url = input.handoffUrl;
  for (const e of ctx.events) if (!url && e.kind === 'lab.start' && e.handoffUrl) url = e.handoffUrl;
  w.y += 8;
  w.heading('Hand-off page', 2, 170);
  if (url) {
    const png = await qrPngFor(url);
    const size = 118;
    w.ensure(size + 10);
    const y = w.y;
    w.doc.image(png, w.x0, y, { width: size, height: size });
    w.y = y + 4;
    w.para('Scan this code with the phone (or type the address into its browser) to open the lab’s hand-off page: it has the certificate to install and the settings to type in.', { x: w.x0 + size + 16, size: 9.5, gapAfter: 6 });
    w.para(url, { x: w.x0 + size + 16, font: 'mono', size: 9, gapAfter: 0 });
    w.y = Math.max(w.y, y + size) + 12;
  } else {
    w.para('No hand-off address was recorded for this session.', { size: 9.5, color: COLOR.muted });
  }

  const downloads = ctx.events.filter((e) => e.kind === 'http.request');
  w.heading('What the phone’s browser fetched', 2, 60);
  if (downloads.length === 0) {
    w.para('The phone did not open the hand-off page in this session.', { size: 9.5, color: COLOR.muted });
    return;
  }
  for (const e of downloads.slice(0, MAX_DOWNLOAD_ROWS)) {
    if (e.kind !== 'http.request') continue;
    const ok = e.status >= 200 && e.status < 300;
    const what = e.served === 'page' ? 'the hand-off page' : e.served?.startsWith('ca.') ? `the CA certificate (${e.served})` : e.served ?? 'a file';
    w.ensure(30);
    const y = w.y;
    w.at(clock(Date.parse(e.t)).slice(0, 8), w.x0, y, { size: 8.5, color: COLOR.muted });
    w.at(`${ok ? '✓' : '✗'} ${e.method} ${e.path} → ${e.status} (${what}${e.bytes !== undefined ? `, ${e.bytes} bytes` : ''})`, w.x0 + 52, y, { size: 9, color: ok ? COLOR.ink : COLOR.fail, width: w.width - 52 });
    w.y = y + 12;
    if (e.userAgent) w.para(`User-Agent: ${e.userAgent}`, { x: w.x0 + 64, size: 8, font: 'mono', color: COLOR.muted, gapAfter: 4 });
  }
  if (downloads.length > MAX_DOWNLOAD_ROWS) w.para(`… and ${downloads.length - MAX_DOWNLOAD_ROWS} more requests (see the appendix, or the session's events.jsonl).`, { size: 8.5, color: COLOR.muted });
}
