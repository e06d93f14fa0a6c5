/** Device profiles (resources/profiles/*.json): what the Phone and Configure steps show. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceInfo, DeviceProfile, IncomingProtocol, ProfileFieldName } from '../../api.js';

const FIELD_NAMES: readonly ProfileFieldName[] = ['server', 'port', 'user', 'password', 'security', 'mechanism'];

const PROTOCOLS: readonly IncomingProtocol[] = ['imap', 'pop3'];

export class ProfileError extends Error {
  override name = 'ProfileError';
}

/** Check one parsed profile; the message names the file and the missing key. */
export function validateProfile(data: unknown, file: string): DeviceProfile {
  const p = data as Partial<DeviceProfile>;
  const need = (cond: unknown, what: string): void => {
    if (!cond) throw new ProfileError(`${file}: ${what}`);
  };
  need(p && typeof p === 'object', 'not an object');
  for (const k of ['id', 'vendor', 'model', 'platform'] as const) need(typeof p[k] === 'string' && p[k], `'${k}' must be a non-empty string`);
  need(Array.isArray(p.matches), "'matches' must be an array");
  need(Array.isArray(p.menuPath) && p.menuPath.length > 0, "'menuPath' must list the screens");
  need(typeof p.menuPathVerified === 'boolean', "'menuPathVerified' must say whether the path was checked");
  need(p.fields && typeof p.fields === 'object', "'fields' missing");
  for (const f of FIELD_NAMES) {
    const field = p.fields?.[f];
    need(field && typeof field.label === 'string' && typeof field.verified === 'boolean', `field '${f}' needs a label and 'verified'`);
  }
  need(p.certificate && Array.isArray(p.certificate.steps), "'certificate.steps' missing");
  need(Array.isArray(p.notes) && Array.isArray(p.knownQuirks), "'notes' and 'knownQuirks' must be arrays");
  const ip = p.incomingProtocols;
  if (ip !== undefined) {
    need(ip && typeof ip.label === 'string' && typeof ip.verified === 'boolean', "'incomingProtocols' needs a label and 'verified'");
    need(ip.choices && typeof ip.choices === 'object' && Object.keys(ip.choices).every((k) => PROTOCOLS.includes(k as IncomingProtocol)), "'incomingProtocols.choices' may only name imap and pop3");
    need(PROTOCOLS.includes(ip.default) && ip.choices[ip.default], "'incomingProtocols.default' must be one of its choices");
  }
  if (p.pop3 !== undefined) {
    need(ip?.choices.pop3, "'pop3' choices need 'incomingProtocols' offering pop3");
    need(p.pop3.securityChoices && typeof p.pop3.securityChoices === 'object', "'pop3.securityChoices' missing");
    need(p.pop3.mechanismChoices && Object.keys(p.pop3.mechanismChoices).length > 0, "'pop3.mechanismChoices' must list the login choices");
    need(typeof p.pop3.mechanismLabel === 'string' && typeof p.pop3.verified === 'boolean', "'pop3' needs 'mechanismLabel' and 'verified'");
  }
  return p as DeviceProfile;
}

/** All profiles in a directory, the generic one last. */
export function loadProfiles(dir: string): DeviceProfile[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const out = files.map((f) => validateProfile(JSON.parse(readFileSync(join(dir, f), 'utf8')), f));
  return out.sort((a, b) => Number(a.id === 'generic') - Number(b.id === 'generic') || a.model.localeCompare(b.model));
}

/** The profile a device (from a User-Agent or IMAP ID) corresponds to, if any. */
export function matchProfile(profiles: readonly DeviceProfile[], device: DeviceInfo | undefined): DeviceProfile | undefined {
  const model = device?.model?.toLowerCase().replace(/^nokia\s*/, '');
  if (!model) return undefined;
  return profiles.find((p) => p.matches.some((m) => m.toLowerCase() === model || model.startsWith(m.toLowerCase() + '-')));
}
