/**
 * What the phone is, from what it told us: the lab's own `device` field on http.request or a
 * `device` event (IMAP ID), else a User-Agent read here (QUIRKS.md, Device facts):
 *   Series 40: `Nokia6233/2.0 (05.10) Profile/MIDP-2.0 Configuration/CLDC-1.1`
 *   Series 60: `Mozilla/5.0 (SymbianOS/9.1; U; en; Series60/3.0 NokiaE60/4.06.0) …`
 */
import type { DeviceInfo } from '../../api.js';

export function deviceFromUserAgent(ua: string): DeviceInfo | undefined {
  let m = /Series60\/([\d.]+)\s+Nokia([A-Za-z0-9-]+)\/([\w.]+)/.exec(ua);
  if (m) return { vendor: 'Nokia', model: m[2], firmware: m[3], platform: `Series 60 ${m[1]}`, source: 'http.request' };
  m = /^Nokia([A-Za-z0-9-]+)\/[\d.]+\s+\(([^)]+)\)/.exec(ua);
  if (m) return { vendor: 'Nokia', model: m[1], firmware: m[2], platform: 'Series 40', source: 'http.request' };
  m = /Nokia([A-Za-z0-9-]+)/.exec(ua);
  if (m) return { vendor: 'Nokia', model: m[1], source: 'http.request' };
  return undefined;
}

const score = (d: DeviceInfo): number => (d.model ? 2 : 0) + (d.firmware ? 1 : 0);

/** Keep the most informative description; fill its gaps from the newcomer. */
export function mergeDevice(current: DeviceInfo | undefined, next: DeviceInfo | undefined): DeviceInfo | undefined {
  if (!next) return current;
  if (!current) return { ...next };
  const [best, other] = score(next) > score(current) ? [next, current] : [current, next];
  const out: DeviceInfo = { ...best };
  for (const k of ['vendor', 'model', 'firmware', 'platform'] as const) if (out[k] === undefined && other[k] !== undefined && other.model === best.model) out[k] = other[k];
  return out;
}
