/**
 * The machine's addresses as the Network step shows them, and the hint about firewalls. The
 * phone must reach the lab over Wi-Fi/LAN, so loopback is only for demo mode and virtual
 * bridges (Docker, VMs) are listed last: a phone can never reach them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo as OsIf } from 'node:os';
import type { ListenerAddress, ListenerName, NetworkInterfaceInfo } from '../../api.js';

const VIRTUAL = /^(docker|br-|veth|virbr|vmnet|vboxnet|tun|tap|lxc|lxd|cni|flannel|podman|zt|tailscale|utun)/i;
const WIFI = /^(wl|wlan|wifi|Wi-Fi|en0$)/i;

export function labelFor(name: string, internal: boolean): string {
  if (internal) return 'loopback (demo only: a phone cannot reach it)';
  if (VIRTUAL.test(name)) return 'virtual network (a phone cannot reach it)';
  if (WIFI.test(name)) return 'Wi-Fi';
  return 'wired or other network';
}

/** Interfaces, best candidate first; exactly one is `recommended` when any LAN address exists. */
export function listNetworkInterfaces(
  source: NodeJS.Dict<OsIf[]> = networkInterfaces(),
  preferred?: string,
): NetworkInterfaceInfo[] {
  const out: NetworkInterfaceInfo[] = [];
  for (const [name, addrs] of Object.entries(source)) {
    for (const a of addrs ?? []) {
      if (a.family !== 'IPv4' && a.family !== 'IPv6') continue;
      // Link-local IPv6 needs a zone id a phone's settings screen cannot take.
      if (a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80')) continue;
      out.push({ name, address: a.address, family: a.family, internal: a.internal, recommended: false, label: labelFor(name, a.internal) });
    }
  }
  const rank = (i: NetworkInterfaceInfo): number =>
    (i.internal ? 100 : 0) + (VIRTUAL.test(i.name) ? 50 : 0) + (i.family === 'IPv6' ? 10 : 0) + (WIFI.test(i.name) ? 0 : 1);
  out.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  const pick = out.find((i) => i.address === preferred) ?? out.find((i) => !i.internal && !VIRTUAL.test(i.name) && i.family === 'IPv4');
  if (pick) pick.recommended = true;
  return out;
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
