/**
 * The names and addresses a server certificate covers.
 *
 * Never a wildcard: readers of the seed (reply 9) suspect a `*` in the name broke the Nokia
 * 6233's certificate handling, and the lab always knows the exact address the phone will type.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** A host given for a certificate that cannot be used (wildcard, empty, not a name or an address). */
export class CertificateHostError extends Error {
  override name = 'CertificateHostError';
}

/** RFC 1035 §2.3.4: 253 characters in a name, 63 in a label. */
export const MAX_DNS_NAME_LENGTH = 253;
export const MAX_DNS_LABEL_LENGTH = 63;

export interface HostEntry {
  /** As written into the certificate: lower-case DNS name, or the IP address text. */
  host: string;
  kind: 'dns' | 'ip';
}

/**
 * 4, 6 or 0, as net.isIP. Every IPv6 address has a colon and no name has one: a name is not
 * put through isIPv6, whose large regular expression is compiled on its first use (a sizeable
 * part of a lab's start, which checks its machine name).
 */
function ipFamily(h: string): 0 | 4 | 6 {
  if (h.includes(':')) return isIPv6(h) ? 6 : 0;
  return isIPv4(h) ? 4 : 0;
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/;

/** Validate and normalise one host (brackets around IPv6 are dropped, names lower-cased). */
export function parseHost(raw: string): HostEntry {
  let h = raw.trim();
  if (h === '') throw new CertificateHostError('an empty host name was given');
  if (h.includes('*')) {
    throw new CertificateHostError(
      `wildcard names are not allowed ('${raw}'): older phones reject them; give the exact name or address the phone will use`,
    );
  }
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (ipFamily(h) !== 0) return { host: h.toLowerCase(), kind: 'ip' };
  const name = h.toLowerCase().replace(/\.$/, '');
  if (name.length > MAX_DNS_NAME_LENGTH || !name.split('.').every((l) => l.length <= MAX_DNS_LABEL_LENGTH && LABEL.test(l))) {
    throw new CertificateHostError(`'${raw}' is neither an IP address nor a valid DNS name`);
  }
  return { host: name, kind: 'dns' };
}

/** Validate a list; order is kept (the first becomes the CN), duplicates dropped. */
export function parseHosts(raw: readonly string[]): HostEntry[] {
  const out: HostEntry[] = [];
  const seen = new Set<string>();
  for (const r of raw) {
    const e = parseHost(r);
    const key = hostKey(e);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  if (out.length === 0) throw new CertificateHostError('at least one host (name or IP address) is needed');
  return out;
}

/** A canonical comparison key: IPv6 spellings of the same address compare equal. */
export function hostKey(e: HostEntry): string {
  return e.kind === 'ip' ? `ip:${canonicalIp(e.host)}` : `dns:${e.host}`;
}

function canonicalIp(ip: string): string {
  if (ipFamily(ip) === 4) return ip;
  // Expand "::" and write all eight groups, so "::1" and "0:0:…:1" match.
  let s = ip.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const b = v4[1].split('.').map(Number);
    s = s.slice(0, -v4[1].length) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16).toString(16)).join(':');
}

/** Same set of hosts, ignoring order and spelling of IPv6 addresses. */
export function sameHostSet(a: readonly HostEntry[], b: readonly HostEntry[]): boolean {
  const ka = new Set(a.map(hostKey));
  const kb = new Set(b.map(hostKey));
  return ka.size === kb.size && [...ka].every((k) => kb.has(k));
}

/**
 * What the lab's own server certificate covers: the LAN address the phone is told to use
 * first (it becomes the CN), loopback for the technician's own checks, and the machine's
 * names for a phone or client configured by name (verified "by IP and by name").
 * A machine name that is not a valid DNS name is left out rather than failing the lab.
 */
export function labCertificateHosts(lanAddress: string, machineName: string): string[] {
  const hosts = [lanAddress, '127.0.0.1', 'localhost'];
  try {
    const name = parseHost(machineName);
    if (name.kind === 'dns') hosts.push(name.host);
  } catch {
    // e.g. a hostname with characters DNS does not allow: the addresses still work.
  }
  return parseHosts(hosts).map((e) => e.host);
}
