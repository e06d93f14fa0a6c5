/**
 * Which address the phone should use to reach the lab: the private IPv4 address of the
 * interface that carries the default route, since the phone sits on the same Wi-Fi as the
 * laptop. Loopback, link-local (169.254/16, fe80::/10), container bridges and VPN tunnels are
 * never offered: a phone cannot reach them. IPv4 only for the choice: phones of 2006 have no IPv6.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export const ROUTE_TABLE_PATH = '/proc/net/route';
export const LOOPBACK_FALLBACK = '127.0.0.1';

/** Interfaces that exist on the laptop but not on the phone's network. */
/** Container bridges and virtual machines' host-only networks (VMware vmnet, VirtualBox vboxnet). */
export const CONTAINER_INTERFACE_PATTERNS: readonly RegExp[] = [/^docker\d*$/, /^br-/, /^veth/, /^virbr/, /^cni/, /^flannel/, /^podman/, /^lxc/, /^lxdbr/, /^vmnet/, /^vboxnet/];
export const VPN_INTERFACE_PATTERNS: readonly RegExp[] = [/^tun\d*/, /^tap\d*/, /^wg\d*/, /^tailscale/, /^zt/, /^utun/];

export type InterfaceKind = 'loopback' | 'link-local' | 'container' | 'vpn' | 'lan';

export interface InterfaceAddress {
  name: string;
  address: string;
  family: 'IPv4' | 'IPv6';
  netmask: string;
  cidr: string | null;
  mac: string;
  kind: InterfaceKind;
  /** RFC 1918 (IPv4) or unique-local fc00::/7 (IPv6). */
  private: boolean;
  /** The interface carries the default route (from /proc/net/route). */
  defaultRoute: boolean;
}

export interface AddressSources {
  /** os.networkInterfaces() output; for tests. */
  interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** The text of /proc/net/route; null when there is none (macOS, Windows). */
  routeTable?: string | null;
}

export function isPrivateIPv4(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number);
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

function isLinkLocal(ip: string, family: 'IPv4' | 'IPv6'): boolean {
  return family === 'IPv4' ? ip.startsWith('169.254.') : /^fe[89ab]/i.test(ip);
}

function readRouteTable(): string | null {
  try {
    return readFileSync(ROUTE_TABLE_PATH, 'utf8');
  } catch {
    return null;
  }
}

/** Interface names carrying an IPv4 default route, best (lowest metric) first. */
export function defaultRouteInterfaces(routeTable: string | null): string[] {
  if (!routeTable) return [];
  const RTF_UP = 0x1;
  const routes: Array<{ iface: string; metric: number }> = [];
  for (const line of routeTable.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 8) continue;
    const [iface, dest, , flags, , , metric, mask] = cols;
    if (dest === '00000000' && mask === '00000000' && (parseInt(flags, 16) & RTF_UP) !== 0) {
      routes.push({ iface, metric: Number(metric) || 0 });
    }
  }
  return routes.sort((x, y) => x.metric - y.metric).map((r) => r.iface);
}

function kindOf(name: string, info: NetworkInterfaceInfo): InterfaceKind {
  if (info.internal) return 'loopback';
  if (isLinkLocal(info.address, info.family)) return 'link-local';
  if (CONTAINER_INTERFACE_PATTERNS.some((re) => re.test(name))) return 'container';
  if (VPN_INTERFACE_PATTERNS.some((re) => re.test(name))) return 'vpn';
  return 'lan';
}

/** Every address of every interface, classified (the wizard lists them for the technician). */
export function listInterfaces(src: AddressSources = {}): InterfaceAddress[] {
  const ifaces = src.interfaces ?? networkInterfaces();
  const defaults = new Set(defaultRouteInterfaces(src.routeTable !== undefined ? src.routeTable : readRouteTable()));
  const out: InterfaceAddress[] = [];
  for (const [name, infos] of Object.entries(ifaces)) {
    for (const info of infos ?? []) {
      out.push({
        name,
        address: info.address,
        family: info.family,
        netmask: info.netmask,
        cidr: info.cidr,
        mac: info.mac,
        kind: kindOf(name, info),
        private: info.family === 'IPv4' ? isPrivateIPv4(info.address) : /^f[cd]/i.test(info.address),
        defaultRoute: defaults.has(name),
      });
    }
  }
  return out;
}

export interface LanAddressChoice {
  /** The address to put in URLs, certificates and the phone's settings. */
  address: string;
  /** The address to listen on (differs from `address` only for --bind 0.0.0.0 / ::). */
  listen: string;
  interface?: string;
  /** True when no usable LAN address was found and loopback is used: the phone cannot connect. */
  fallback: boolean;
  warning?: string;
  /** Why this address, in a few words (for the wizard and the log). */
  reason: string;
}

/**
 * The address the phone should use. `bind` (--bind) overrides; an unspecified bind (0.0.0.0)
 * still needs a concrete address for the URL, chosen as without it.
 */
export function chooseLanAddress(opts: { bind?: string } & AddressSources = {}): LanAddressChoice {
  if (opts.bind && opts.bind !== '0.0.0.0' && opts.bind !== '::') {
    if (isIP(opts.bind) === 0) {
      throw new TypeError(`--bind must be an IP address, got '${opts.bind}'`);
    }
    return { address: opts.bind, listen: opts.bind, fallback: false, reason: 'given with --bind' };
  }
  const listen = opts.bind ?? undefined;
  const usable = listInterfaces(opts).filter((a) => a.family === 'IPv4' && a.kind === 'lan');
  const order = defaultRouteInterfaces(opts.routeTable !== undefined ? opts.routeTable : readRouteTable());
  const rank = (a: InterfaceAddress): number => {
    const routeRank = a.defaultRoute ? order.indexOf(a.name) : order.length + 1;
    return routeRank * 2 + (a.private ? 0 : 1);
  };
  const best = [...usable].sort((x, y) => rank(x) - rank(y))[0];
  if (!best) {
    return {
      address: LOOPBACK_FALLBACK,
      listen: listen ?? LOOPBACK_FALLBACK,
      fallback: true,
      warning: 'no LAN address found: only this computer can reach the lab; connect it to the network the phone uses',
      reason: 'no usable interface',
    };
  }
  const why = best.defaultRoute
    ? `${best.private ? 'private ' : ''}address of ${best.name}, the interface of the default route`
    : `${best.private ? 'private ' : ''}address of ${best.name} (no default route found)`;
  return { address: best.address, listen: listen ?? best.address, interface: best.name, fallback: false, reason: why };
}
