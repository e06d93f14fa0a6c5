/**
 * Transcript rows: one per line the phone or the lab sent (so the Nokia's bare CRLF shows as its
 * own "empty line" row), one per other event. Secrets are masked here, before anything renders.
 */
import { indexingText, type LabEvent } from '../../../electron/api';

export type Who = 'phone' | 'lab' | 'note';

export interface Row {
  /** Index into the store's events. */
  i: number;
  who: Who;
  text: string;
  tls: boolean;
  /**
   * The phone sent an empty line where a command would start (CRLF alone): worth seeing at a
   * glance. Blank lines inside a message (the header/body separator of SMTP DATA or of an
   * APPEND literal, which arrive in the same chunk as the lines around them) are not marked.
   */
  empty?: boolean;
  error?: boolean;
}

/** The most lines one event shows; a 20 KB FETCH body is summarised after this. */
export const MAX_LINES_PER_EVENT = 40;
export const SECRET_MASK = '‹secret›';

function mask(text: string, secrets: Array<[number, number]> | undefined): string {
  if (!secrets?.length) return text;
  let out = '';
  let at = 0;
  for (const [s, e] of [...secrets].sort((a, b) => a[0] - b[0])) {
    if (e <= at) continue;
    out += text.slice(at, Math.max(at, s)) + SECRET_MASK;
    at = Math.max(at, e);
  }
  return out + text.slice(at);
}

export function describe(ev: LabEvent): { text: string; error?: boolean } {
  switch (ev.kind) {
    case 'lab.start':
      return { text: `Lab started (version ${ev.version}); account ${ev.account.user}` };
    case 'lab.stop':
      return { text: `Lab stopped: ${ev.reason}` };
    case 'conn.open':
      return { text: `Phone connected to ${ev.proto.toUpperCase()} port ${ev.port} from ${ev.remote}` };
    case 'conn.close':
      return { text: `Connection closed by ${ev.by} (${ev.bytesIn} bytes in, ${ev.bytesOut} out)${ev.reason ? ': ' + ev.reason : ''}` };
    case 'tls.hello':
      return { text: `TLS ClientHello: up to ${ev.maxVersion}, ${ev.cipherSuites.length} cipher suites (${ev.cipherSuites.slice(0, 3).join(', ')}${ev.cipherSuites.length > 3 ? ', …' : ''})${ev.sni ? ', SNI ' + ev.sni : ''}` };
    case 'tls.established':
      return { text: `TLS established: ${ev.version}, ${ev.cipher} (${ev.engine} engine${ev.mode ? ', ' + ev.mode : ''}${ev.certificate ? `, ${ev.certificate === 'sha1' ? 'SHA-1' : 'SHA-256'} certificate` : ''})` };
    case 'tls.failed':
      return { text: `TLS failed: ${ev.reason}${ev.alert ? ` (alert ${ev.alert} from ${ev.alertFrom ?? '?'})` : ''}${ev.description ? ' — ' + ev.description : ''}`, error: true };
    case 'auth':
      return { text: `Authentication ${ev.mechanism} for '${ev.user}': ${ev.ok ? 'accepted by the lab' : 'rejected' + (ev.reason ? ' (' + ev.reason + ')' : '')}`, error: !ev.ok };
    case 'http.request': {
      const dev = ev.device ? ` — ${[ev.device.vendor, ev.device.model].filter(Boolean).join(' ')}${ev.device.firmware ? ' firmware ' + ev.device.firmware : ''}` : '';
      return { text: `Browser ${ev.method} ${ev.path} → ${ev.status}${ev.served ? ' (' + ev.served + ')' : ''}${dev}`, error: ev.status >= 400 };
    }
    case 'device': {
      const name = [ev.device.vendor, ev.device.model, ev.device.firmware].filter(Boolean).join(' ');
      return { text: ev.device.source === 'profile' ? `Phone model chosen by the technician: ${name}` : `Phone identified itself: ${name}` };
    }
    case 'input.rejected':
      return { text: `Refused input (${ev.what}): ${ev.detail}`, error: true };
    case 'lab.error':
      return { text: `Lab error in ${ev.where}: ${ev.message}`, error: true };
    case 'note':
      return { text: ev.text };
    case 'mailbox.indexing':
      return { text: `Mailbox ${indexingText(ev)}` };
    default:
      return { text: (ev as LabEvent).kind };
  }
}

/** Rows for one event, appended to `out`. */
export function rowsFor(ev: LabEvent, i: number, out: Row[]): void {
  if (ev.kind === 'c2s' || ev.kind === 's2c') {
    const who: Who = ev.kind === 'c2s' ? 'phone' : 'lab';
    const tls = ev.tls === true;
    // One response (or literal) longer than an event holds is recorded as several: say so, so
    // the rows below do not read as a new message.
    if (ev.continued) out.push({ i, who, tls, text: `… continued: more of the same ${ev.kind === 's2c' ? 'response' : 'data'}` });
    if (ev.text === undefined) {
      const size = Math.floor(((ev.b64?.length ?? 0) * 3) / 4);
      out.push({ i, who, tls, text: ev.secrets?.length ? SECRET_MASK : `‹${size} binary bytes›` });
      return;
    }
    const text = mask(ev.text, ev.secrets);
    const lines = text.split('\r\n');
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    const shown = lines.length > MAX_LINES_PER_EVENT ? lines.slice(0, MAX_LINES_PER_EVENT) : lines;
    shown.forEach((line, n) => {
      if (line !== '') out.push({ i, who, tls, text: line });
      // A stray CRLF comes alone or right behind one command line in the same segment.
      else if (who === 'phone' && !ev.continued && (n === 0 || (n === 1 && lines.length === 2))) out.push({ i, who, tls, text: '(empty line: CR LF alone)', empty: true });
      else out.push({ i, who, tls, text: '' });
    });
    if (shown.length < lines.length) out.push({ i, who, tls, text: `… ${lines.length - shown.length} more lines` });
    if (ev.truncated) out.push({ i, who, tls, text: `… recorded ${ev.text.length} of ${ev.truncated} bytes` });
    return;
  }
  const d = describe(ev);
  out.push({ i, who: 'note', tls: false, text: d.text, error: d.error });
}
