import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkInterfaceInfo } from 'node:os';
import { chooseLanAddress, listInterfaces, qrPng, qrSvg, qrTerminal } from '../../electron/lab/handoff/index.js';
import { tmp } from '../certs/helpers.js';
import { runPeer as run } from '../support/run.js';
import { bitmapToPng, terminalQrToBitmap } from './png.js';

const URL = 'http://192.168.100.200:8080/c';

async function zbar(png: Buffer): Promise<string> {
  const f = join(tmp('mp-qr-'), 'qr.png');
  writeFileSync(f, png);
  const r = await run('zbarimg', ['--raw', '-q', f]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe('QR codes of the hand-off URL', () => {
  it('the PNG decodes to the URL', async () => {
    const png = await qrPng(URL);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(await zbar(png)).toBe(URL);
  });

  it('the terminal QR, drawn back to pixels, decodes to the URL (with and without ANSI colours)', async () => {
    const ansi = await qrTerminal(URL);
    expect(ansi).toContain('\x1b[47m'); // black on white whatever the terminal's colours
    const plain = await qrTerminal(URL, { ansi: false });
    expect(plain).not.toContain('\x1b');
    // Fits an 80-column terminal.
    expect(Math.max(...plain.split('\n').map((l) => [...l].length))).toBeLessThanOrEqual(80);
    for (const text of [ansi, plain]) expect(await zbar(bitmapToPng(terminalQrToBitmap(text), 4))).toBe(URL);
  });

  it('the SVG is an SVG of the same code', async () => {
    const svg = await qrSvg(URL);
    expect(svg).toMatch(/^<svg[^>]*viewBox="0 0 \d+ \d+"/);
    expect(svg).toContain('<path');
  });
});

const iface = (address: string, extra: Partial<NetworkInterfaceInfo> = {}): NetworkInterfaceInfo =>
  ({ address, netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: `${address}/24`, ...extra }) as NetworkInterfaceInfo;

const ROUTES = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0
wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0
`;

describe('LAN address', () => {
  const interfaces = {
    lo: [iface('127.0.0.1', { internal: true, netmask: '255.0.0.0' }), iface('::1', { family: 'IPv6', internal: true })],
    docker0: [iface('172.17.0.1')],
    'br-3f2a': [iface('172.18.0.1')],
    veth12ab: [iface('169.254.3.3')],
    virbr0: [iface('192.168.122.1')],
    tun0: [iface('10.8.0.2')],
    wlan0: [iface('192.168.1.23'), iface('fe80::1', { family: 'IPv6' })],
    eth0: [iface('10.0.0.7')],
  };

  it('prefers the private IPv4 of the default route with the lowest metric; skips loopback, bridges, tunnels', () => {
    const c = chooseLanAddress({ interfaces, routeTable: ROUTES });
    expect(c).toMatchObject({ address: '10.0.0.7', listen: '10.0.0.7', interface: 'eth0', fallback: false });
    const noEth = { ...interfaces, eth0: [] };
    expect(chooseLanAddress({ interfaces: noEth, routeTable: ROUTES }).address).toBe('192.168.1.23');
    // No route table (macOS): any private LAN address, never docker0/virbr0/tun0.
    expect(chooseLanAddress({ interfaces: noEth, routeTable: null })).toMatchObject({ address: '192.168.1.23', interface: 'wlan0' });
  });

  it('falls back to 127.0.0.1 with a warning when nothing else is usable', () => {
    const c = chooseLanAddress({ interfaces: { lo: interfaces.lo, docker0: interfaces.docker0, veth1: interfaces.veth12ab }, routeTable: null });
    expect(c.address).toBe('127.0.0.1');
    expect(c.fallback).toBe(true);
    expect(c.warning).toMatch(/no LAN address/);
  });

  it('--bind overrides; 0.0.0.0 listens everywhere but still names a LAN address', () => {
    expect(chooseLanAddress({ bind: '192.168.1.50', interfaces, routeTable: ROUTES })).toMatchObject({ address: '192.168.1.50', listen: '192.168.1.50' });
    expect(chooseLanAddress({ bind: '0.0.0.0', interfaces, routeTable: ROUTES })).toMatchObject({ address: '10.0.0.7', listen: '0.0.0.0' });
    expect(() => chooseLanAddress({ bind: 'not-an-ip' })).toThrow(/--bind/);
  });

  it('lists and classifies every interface for the wizard', () => {
    const list = listInterfaces({ interfaces, routeTable: ROUTES });
    const kind = (a: string) => list.find((x) => x.address === a)?.kind;
    expect(kind('127.0.0.1')).toBe('loopback');
    expect(kind('172.17.0.1')).toBe('container');
    expect(kind('172.18.0.1')).toBe('container');
    expect(kind('192.168.122.1')).toBe('container');
    expect(kind('10.8.0.2')).toBe('vpn');
    expect(kind('fe80::1')).toBe('link-local');
    expect(kind('192.168.1.23')).toBe('lan');
    expect(list.find((x) => x.address === '192.168.1.23')).toMatchObject({ private: true, defaultRoute: true });
    // On this machine: a real listing reads /proc/net/route and finds loopback at least.
    expect(listInterfaces().some((x) => x.kind === 'loopback')).toBe(true);
    expect(chooseLanAddress().address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });
});
