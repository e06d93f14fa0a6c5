/**
 * What a phone is, from its browser's User-Agent. ua-parser-js (v1, MIT: v2 is AGPL,
 * do not upgrade) knows vendors and models; it does not know where Nokia puts the firmware
 * version, which is what the technician needs to compare with the seed's "V 05.10". Those rules
 * are here, tried first:
 *   Series 40:  `Nokia6233/2.0 (05.10) Profile/MIDP-2.0 Configuration/CLDC-1.1`
 *               (browser version after the slash, firmware in parentheses)
 *   Series 40 (later): `Mozilla/5.0 (Series40; Nokia2700c-2/07.80; Profile/MIDP-2.1 …)`
 *   Series 60:  `Mozilla/5.0 (SymbianOS/9.1; U; en; Series60/3.0 NokiaE60/4.06.0) …`
 *               (firmware after the slash) or `… Series60/3.0 NokiaN80-3/2.0 (3.0617.0.6)`
 *               (firmware in parentheses again)
 *   Sony Ericsson: `SonyEricssonK800i/R1KG Browser/NetFront/3.3 …` (firmware after the slash)
 */
import { createRequire } from 'node:module';
import type UAParserClass from 'ua-parser-js';
import type { DeviceInfo } from '../../api.js';

/** ua-parser-js (55 kB of rules) is loaded on the first User-Agent, not with the lab: a start does not wait for it. */
let uaParserClass: typeof UAParserClass | undefined;
const uaParser = (): typeof UAParserClass => (uaParserClass ??= createRequire(import.meta.url)('ua-parser-js') as typeof UAParserClass);

/** Longer User-Agents are cut before parsing (ua-parser-js cuts at 500 too). */
export const MAX_USER_AGENT_CHARS = 512;

// ua-parser-js extensions: prepended to its own device rules.
const EXTENSIONS = {
  device: [
    // Its rule splits "SonyEricssonK800i" into vendor "Sony", model "EricssonK800i".
    [/sonyericsson([a-z0-9]+)/i],
    ['model', ['vendor', 'Sony Ericsson'], ['type', 'mobile']],
  ],
};

interface NokiaMatch {
  model: string;
  firmware?: string;
  platform: string;
}

const S60 = /series ?60\/([\d.]+)/i;
const SYMBIAN = /symbian(?:os)?\/([\d.]+)/i;
const S40_NEW = /\(Series40;\s*Nokia([A-Za-z0-9-]+)\/([\w.]+)/;
// NokiaMODEL/VERSION followed optionally by " (FIRMWARE)"; MODEL like 6233, E60, N80-3, 2700c-2.
const NOKIA = /Nokia([A-Za-z]{0,2}\d[A-Za-z0-9-]*)\/([\w.]+)(?:\s*\(([\w.]+)\))?/;

function nokia(ua: string): NokiaMatch | undefined {
  const s40new = S40_NEW.exec(ua);
  if (s40new) return { model: s40new[1], firmware: s40new[2], platform: 'Series 40' };
  const m = NOKIA.exec(ua);
  if (!m) return undefined;
  const s60 = S60.test(ua) || SYMBIAN.test(ua);
  // Series 40: version after the slash is the browser's, the firmware is in parentheses.
  // Series 60: the firmware is in parentheses when present, else after the slash.
  const firmware = m[3] ?? (s60 ? m[2] : undefined);
  const platform = s60 ? 'Series 60' : /Profile\/MIDP/i.test(ua) ? 'Series 40' : 'Nokia';
  return { model: m[1], firmware, platform };
}

function clean(s: string | undefined): string | undefined {
  const t = s?.trim();
  return t ? t : undefined;
}

/** The device a User-Agent names, or undefined when it names none (curl, a desktop browser). */
export function deviceFromUserAgent(userAgent: string | undefined): DeviceInfo | undefined {
  if (!userAgent) return undefined;
  const ua = userAgent.slice(0, MAX_USER_AGENT_CHARS);
  const n = nokia(ua);
  if (n) return { vendor: 'Nokia', model: n.model, firmware: n.firmware, platform: n.platform, source: 'http.request' };

  const r = new (uaParser())(ua, EXTENSIONS).getResult();
  const se = /SonyEricsson[A-Za-z0-9]+\/(\w+)/.exec(ua);
  const os = clean([r.os.name, r.os.version].filter(Boolean).join(' '));
  const info: DeviceInfo = {
    vendor: clean(r.device.vendor),
    model: clean(r.device.model),
    firmware: se ? se[1] : undefined,
    platform: os,
    source: 'http.request',
  };
  // A desktop browser names an OS but no device: that is not the phone under test.
  if (!info.vendor && !info.model && r.device.type === undefined) return undefined;
  return stripUndefined(info);
}

export function stripUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}
