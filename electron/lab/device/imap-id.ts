/**
 * What a phone is, from the IMAP ID command (RFC 2971 §3.3: name, version, os, os-version,
 * vendor, …; field names are case-insensitive and values may be NIL). Some clients put their
 * User-Agent in a field; that gives the Nokia firmware rules of ./user-agent.ts a chance too.
 */
import type { DeviceInfo } from '../../api.js';
import { deviceFromUserAgent, stripUndefined } from './user-agent.js';

/** RFC 2971 §3.3 limits field values to 1024 octets; the lab keeps less. */
export const MAX_ID_VALUE_CHARS = 256;

const VENDOR_HINTS: Array<[RegExp, string]> = [
  [/\bnokia\b/i, 'Nokia'],
  [/\b(ios|iphone|ipad|mac ?os)\b/i, 'Apple'],
  [/\bsony ?ericsson\b/i, 'Sony Ericsson'],
  [/\bsamsung\b/i, 'Samsung'],
  [/\bblackberry\b/i, 'BlackBerry'],
  [/\bwindows (mobile|phone)\b/i, 'Microsoft'],
];

export function deviceFromImapId(fields: Record<string, string>): DeviceInfo {
  const f: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === 'string' && v.toUpperCase() !== 'NIL') f[k.toLowerCase()] = v.slice(0, MAX_ID_VALUE_CHARS).trim();
  }
  // A User-Agent-shaped value (e.g. "Nokia6233/2.0 (05.10) …") tells the most.
  for (const v of Object.values(f)) {
    if (/\bNokia[A-Za-z]{0,2}\d[\w-]*\//.test(v) || /\(Series40;|SymbianOS\//.test(v)) {
      const d = deviceFromUserAgent(v);
      if (d) return { ...d, source: 'imap.id' };
    }
  }
  const all = [f.vendor, f.name, f.os].filter(Boolean).join(' ');
  const vendor = f.vendor || VENDOR_HINTS.find(([re]) => re.test(all))?.[1];
  const platform = [f.os, f['os-version']].filter(Boolean).join(' ') || undefined;
  return stripUndefined({
    vendor: vendor || undefined,
    model: f.name || undefined,
    firmware: f.version || undefined,
    platform,
    source: 'imap.id' as const,
  });
}
