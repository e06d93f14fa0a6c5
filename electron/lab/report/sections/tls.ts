/** What the phone offered in its TLS ClientHello and what was agreed, per distinct offer. */
import type { LabEvent, TlsHelloEvent } from '../../../api.js';
import type { ReportContext } from '../context.js';
import { COLOR } from '../pdf.js';
import { describeSuite, suiteWeakness, versionWeakness } from '../words.js';

export interface TlsOffer {
  hello: TlsHelloEvent;
  conns: string[];
  /** What each of those connections ended with. */
  outcomes: string[];
}

function offerKey(h: TlsHelloEvent): string {
  return JSON.stringify([h.maxVersion, h.supportedVersions, h.cipherSuites, h.extensions, h.sni, h.compression]);
}

export function tlsOffers(events: readonly LabEvent[]): TlsOffer[] {
  const offers = new Map<string, TlsOffer>();
  const outcome = new Map<string, string>();
  const ports = new Map<string, number>();
  for (const ev of events) {
    if (ev.kind === 'conn.open') ports.set(ev.conn, ev.port);
    if (ev.kind === 'tls.established') outcome.set(ev.conn, `✓ agreed: ${ev.version} with ${describeSuite(ev.cipher)} (${ev.cipher}), ${ev.engine} engine${ev.mode ? `, ${ev.mode === 'implicit' ? 'SSL/TLS from the start' : 'STARTTLS'}` : ''}`);
    if (ev.kind === 'tls.failed' && !ev.afterHandshake) outcome.set(ev.conn, `✗ failed: ${ev.reason}${ev.alert ? `, alert ${ev.alert}${ev.alertFrom ? ` sent by the ${ev.alertFrom === 'client' ? 'phone' : 'lab'}` : ''}` : ''}`);
  }
  for (const ev of events) {
    if (ev.kind !== 'tls.hello') continue;
    const key = offerKey(ev);
    let o = offers.get(key);
    if (!o) offers.set(key, (o = { hello: ev, conns: [], outcomes: [] }));
    o.conns.push(ev.conn);
    const port = ports.get(ev.conn);
    o.outcomes.push(`${ev.conn}${port ? ` (port ${port})` : ''}: ${outcome.get(ev.conn) ?? '– no result recorded (the phone went away during the handshake)'}`);
  }
  return [...offers.values()];
}

/** Outcome lines shown per offer; a session with hundreds of handshakes lists the first ones. */
export const MAX_TLS_OUTCOMES = 12;

export function drawTls(ctx: ReportContext): void {
  const { w } = ctx;
  w.sectionBreak();
  w.heading('5. Encryption (TLS): what the phone offered');
  const offers = tlsOffers(ctx.events);
  if (offers.length === 0) {
    w.para('The phone did not try an encrypted connection (SSL/TLS or STARTTLS) during this session.');
    return;
  }
  w.para('When a phone starts an encrypted connection it lists the protocol versions and cipher suites it can use; the server picks one. Old phones offer only old ones, which current servers refuse. Weak choices are marked ⚠ with the reason.', { size: 9.5, color: COLOR.muted, gapAfter: 8 });
  offers.forEach((o, i) => {
    const h = o.hello;
    w.heading(`Offer ${i + 1}: connection${o.conns.length > 1 ? 's' : ''} ${o.conns.slice(0, 8).join(', ')}${o.conns.length > 8 ? ` and ${o.conns.length - 8} more` : ''}`, 2, 120);
    const versions = h.supportedVersions?.length ? h.supportedVersions.join(', ') : h.clientVersion;
    const vw = versionWeakness(h.maxVersion);
    const kv: Array<[string, string, string?]> = [
      ['Highest version', `${h.maxVersion}${vw ? `   ⚠ ${vw}` : ''}`, vw ? COLOR.warn : undefined],
      ['Versions offered', versions],
      ['Server name (SNI)', h.sni ?? 'none sent'],
      ['Compression', h.compression.map((c) => (c === 0 ? 'none' : c === 1 ? 'DEFLATE' : String(c))).join(', ') || 'none'],
      ['Extensions', h.extensions.length ? h.extensions.join(', ') : 'none'],
    ];
    if (h.signatureAlgorithms?.length) kv.push(['Signature algorithms', h.signatureAlgorithms.join(', ')]);
    if (h.groups?.length) kv.push(['Groups', h.groups.join(', ')]);
    if (h.ja3Hash) kv.push(['JA3 fingerprint', h.ja3Hash]);
    for (const [k, v, color] of kv) {
      const vh = w.heightOf(v, w.width - 130, { size: 9 });
      w.ensure(vh + 4);
      const y = w.y;
      w.at(k, w.x0, y, { size: 9, color: COLOR.muted });
      w.para(v, { x: w.x0 + 130, size: 9, color, gapAfter: 3 });
      w.y = Math.max(w.y, y + 13);
    }
    w.y += 4;
    w.at(`Cipher suites offered (${h.cipherSuites.length}, in the phone's order of preference)`, w.x0, w.y, { size: 9, font: 'bold' });
    w.y += 14;
    for (const s of h.cipherSuites) {
      w.ensure(13);
      const y = w.y;
      const weak = suiteWeakness(s);
      w.at(describeSuite(s), w.x0 + 10, y, { size: 8.5, font: 'mono', width: 150 });
      w.at(s === describeSuite(s) ? '' : s, w.x0 + 165, y, { size: 8, font: 'mono', color: COLOR.muted, width: 220 });
      if (weak) w.at(`⚠ ${weak}`, w.x0 + 390, y, { size: 8.5, color: COLOR.warn, width: w.x1 - w.x0 - 390 });
      w.y = y + 12;
    }
    w.y += 6;
    w.at('What was agreed', w.x0, w.y, { size: 9, font: 'bold' });
    w.y += 14;
    for (const line of o.outcomes.slice(0, MAX_TLS_OUTCOMES)) {
      const bad = line.includes('✗') || line.includes('– no result');
      w.para(line, { x: w.x0 + 10, size: 9, color: bad ? COLOR.fail : COLOR.ink, gapAfter: 2 });
    }
    if (o.outcomes.length > MAX_TLS_OUTCOMES) w.para(`… and ${o.outcomes.length - MAX_TLS_OUTCOMES} more connections with the same offer.`, { x: w.x0 + 10, size: 8.5, color: COLOR.muted });
    w.y += 8;
  });
}
