/**
 * The machine's addresses as the Network step shows them, and the hint about firewalls. The
 * phone must reach the lab over Wi-Fi/LAN, so loopback is only for demo mode and virtual
 * bridges (Docker, VMs) are listed last: a phone can never reach them.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { NetworkInterfaceInfo as OsIf } from 'node:os';
import { listInterfaces, type InterfaceKind } from '../handoff/address.js';
import type { ListenerAddress, ListenerName, NetworkInterfaceInfo } from '../../api.js';

const WIFI = /^(wl|wlan|wifi|Wi-Fi|en0$)/i;

/**
 * The words the Network step shows for an interface. What a phone can reach is decided in one
 * place, handoff/address.ts (the same classification picks the lab's default address).
 */
export function labelFor(name: string, kind: InterfaceKind): string {
  switch (kind) {
    case 'loopback':
      return 'loopback (demo only: a phone cannot reach it)';
    case 'container':
    case 'vpn':
      return 'virtual network (a phone cannot reach it)';
    case 'link-local':
      return 'link-local address (a phone cannot reach it)';
    case 'lan':
      return WIFI.test(name) ? 'Wi-Fi' : 'wired or other network';
  }
}

/** Interfaces, best candidate first; exactly one is `recommended` when any LAN address exists. */
export function listNetworkInterfaces(source?: NodeJS.Dict<OsIf[]>, preferred?: string): NetworkInterfaceInfo[] {
  const out = listInterfaces(source ? { interfaces: source } : {})
    // Link-local IPv6 needs a zone id a phone's settings screen cannot take.
    .filter((a) => !(a.family === 'IPv6' && a.kind === 'link-local'))
    .map((a) => ({ name: a.name, address: a.address, family: a.family, internal: a.kind === 'loopback', recommended: false, label: labelFor(a.name, a.kind), lan: a.kind === 'lan' }));
  const rank = (i: (typeof out)[number]): number =>
    (i.internal ? 100 : 0) + (i.lan ? 0 : 50) + (i.family === 'IPv6' ? 10 : 0) + (WIFI.test(i.name) ? 0 : 1);
  out.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  const pick = out.find((i) => i.address === preferred) ?? out.find((i) => i.lan && i.family === 'IPv4');
  if (pick) pick.recommended = true;
  return out.map(({ lan: _lan, ...info }) => info);
}

/** Listener ports the phone needs, as "143, 993 and 8080". */
function portList(listeners: Partial<Record<ListenerName, ListenerAddress>>): string {
  const ports = Object.values(listeners).map((l) => String(l?.port));
  return ports.length <= 1 ? ports.join('') : ports.slice(0, -1).join(', ') + ' and ' + ports[ports.length - 1];
}

/**
 * What might stop the phone from reaching the lab. Local checks only: a firewall cannot be
 * tested from the machine itself (loopback traffic bypasses it), so the hint names the ports and
 * the command for the firewall that is installed.
 */
export function firewallHint(
  address: string,
  listeners: Partial<Record<ListenerName, ListenerAddress>>,
  platform: NodeJS.Platform = process.platform,
  fileExists: (p: string) => boolean = existsSync,
  readText: (p: string) => string = (p) => readFileSync(p, 'utf8'),
): string {
  const ports = portList(listeners);
  const numbers = Object.values(listeners).map((l) => l?.port).join(',');
  if (address === '127.0.0.1' || address === '::1' || address === 'localhost') {
    return `The lab listens on loopback (${address}): only this computer can reach it. Pick the Wi-Fi address for a real phone.`;
  }
  if (platform === 'win32') {
    return `If the phone gets no answer, allow Mailprobe through Windows Defender Firewall (private networks) for TCP ports ${ports}.`;
  }
  if (platform === 'darwin') {
    return `If the phone gets no answer, allow incoming connections for Mailprobe in System Settings → Network → Firewall (TCP ports ${ports}).`;
  }
  let ufwOn = false;
  try {
    ufwOn = fileExists('/etc/ufw/ufw.conf') && /^\s*ENABLED\s*=\s*yes/m.test(readText('/etc/ufw/ufw.conf'));
  } catch {
    ufwOn = false;
  }
  if (ufwOn) return `ufw is enabled and may block the phone: run  sudo ufw allow proto tcp to any port ${numbers}  (TCP ports ${ports}).`;
  if (fileExists('/usr/sbin/firewalld') || fileExists('/usr/bin/firewall-cmd')) {
    return `If the phone gets no answer, firewalld may block it: sudo firewall-cmd --add-port={${numbers}}/tcp  (TCP ports ${ports}).`;
  }
  return `If the phone gets no answer, check that the phone is on the same Wi-Fi and that no firewall blocks TCP ports ${ports}; guest Wi-Fi networks often isolate devices from each other.`;
}
