/**
 * What the phone is, from what it told us: the lab's own `device` field on http.request or a
 * `device` event (IMAP ID), else its User-Agent, read by the one device identifier
 * (../device/: ua-parser-js plus the Nokia Series 40/60 firmware rules; QUIRKS.md, Device facts).
 * Here only the merging of several descriptions of the same phone.
 */
import type { DeviceInfo } from '../../api.js';

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
