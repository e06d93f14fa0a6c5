// The Electron shell's policy, the preload, the page's CSP and `mailprobe start`, without Electron.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CSP_HEADER, IPC, allowPermission, isAllowedNavigation, isAllowedSender, routeIpcCall, windowPreferences } from '../../electron/main/policy.js';
import { CSP_META, TOKEN_HEADER, loadProfiles } from '../../electron/lab/control/index.js';
import { chooseShell } from '../../electron/cli/commands/start.js';
import { firewallHint, listNetworkInterfaces } from '../../electron/lab/control/net.js';
import { tempDir } from '../support/temp.js';

const INDEX = 'file:///opt/Mailprobe/resources/app.asar/dist/renderer/index.html';

describe('Electron policy', () => {
  it('isolates and sandboxes the renderer with no Node', () => {
    expect(windowPreferences('/p.cjs')).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
  });

  it('accepts API calls only from the wizard’s own top frame', () => {
    expect(isAllowedSender(INDEX, INDEX)).toBe(true);
    expect(isAllowedSender(INDEX + '#results', INDEX)).toBe(true);
    expect(isAllowedSender(INDEX, INDEX, false)).toBe(false); // an iframe
    expect(isAllowedSender('https://evil.example/', INDEX)).toBe(false);
    expect(isAllowedSender('file:///tmp/other.html', INDEX)).toBe(false);
    expect(isAllowedSender(undefined, INDEX)).toBe(false);
    expect(isAllowedNavigation('https://example.org/', INDEX)).toBe(false);
    expect(allowPermission('media')).toBe(false);
  });

  it('routes IPC calls through the sender check and the method table, answering errors as data', async () => {
    const seen: string[] = [];
    const engine = async (m: string) => {
      seen.push(m);
      return { ok: m };
    };
    expect(await routeIpcCall(INDEX, true, INDEX, 'lab.status', {}, engine)).toEqual({ ok: 'lab.status' });
    expect(await routeIpcCall('https://evil.example/', true, INDEX, 'lab.stop', {}, engine)).toMatchObject({ error: { code: 'unauthorized' } });
    expect(await routeIpcCall(INDEX, true, INDEX, 'fs.readFile', {}, engine)).toMatchObject({ error: { code: 'not-found' } });
    expect(await routeIpcCall(INDEX, true, INDEX, 'lab.start', [1], engine)).toMatchObject({ error: { code: 'bad-request' } });
    expect(seen).toEqual(['lab.status']);
  });

  it('has a preload that exposes only window.mailprobe, on the same channels as main', () => {
    const src = readFileSync('electron/preload/preload.cts', 'utf8');
    for (const ch of Object.values(IPC)) expect(src).toContain(`'${ch}'`);
    expect(src.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    expect(src).toContain("exposeInMainWorld('mailprobe', api)");
    expect(src).not.toMatch(/require\(|from '(?!electron'|\.\.\/api\.js')/);
  });

  it('uses one CSP: strict, no inline script, same in the page meta tag and the headers', () => {
    const html = readFileSync('renderer/index.html', 'utf8');
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(CSP_META);
    expect(CSP_HEADER.startsWith(CSP_META)).toBe(true);
    expect(CSP_HEADER).toContain("default-src 'self'");
    expect(CSP_HEADER).toContain("connect-src 'self'");
    expect(CSP_HEADER).not.toContain('unsafe-inline');
    expect(CSP_HEADER).not.toContain('unsafe-eval');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(html).not.toMatch(/https?:\/\//); // no CDN, no web font
  });
});

describe('mailprobe start', () => {
  const root = '/app';
  const files = new Set(['/app/node_modules/electron/dist', '/app/node_modules/electron/path.txt', '/app/node_modules/electron/dist/electron']);
  const facts = { root, platform: 'linux' as const, exists: (p: string) => files.has(p), read: () => 'electron' };

  it('opens Electron where it is installed and a display exists, else browser mode with the reason', () => {
    expect(chooseShell({ ...facts, env: { DISPLAY: ':0' }, forceBrowser: false })).toEqual({ mode: 'electron', binary: '/app/node_modules/electron/dist/electron' });
    expect(chooseShell({ ...facts, env: {}, forceBrowser: false })).toMatchObject({ mode: 'browser', reason: expect.stringContaining('no display') });
    expect(chooseShell({ ...facts, exists: () => false, env: { DISPLAY: ':0' }, forceBrowser: false })).toMatchObject({ mode: 'browser', reason: expect.stringContaining('Electron is not installed') });
    expect(chooseShell({ ...facts, env: { DISPLAY: ':0' }, forceBrowser: true }).mode).toBe('browser');
  });

  it('falls back to browser mode here, printing a loopback URL with a token that works', async () => {
    const dataDir = tempDir('mp-start-');
    // The CLI's entry point, from the sources (bin/mailprobe.js needs a build).
    const script = `const { main } = await import('./electron/cli/main.ts'); process.exitCode = await main(['start', '--no-open', '--data-dir', ${JSON.stringify(dataDir)}]);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, DISPLAY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no URL printed: ' + out)), 15_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[0]);
        }
      });
    });
    expect(out).toContain('Electron is not installed here');
    const u = new URL(url);
    const res = await fetch(`${u.origin}/api/lab.status`, { method: 'POST', headers: { 'content-type': 'application/json', [TOKEN_HEADER]: u.searchParams.get('token')! }, body: '{}' });
    expect(await res.json()).toMatchObject({ state: 'stopped' });
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
  });
});

describe('device profiles and network hints', () => {
  it('loads every profile in resources/profiles with its menu path, fields and verification marks', () => {
    const profiles = loadProfiles('resources/profiles');
    expect(readdirSync('resources/profiles').filter((f) => f.endsWith('.json'))).toHaveLength(profiles.length);
    expect(profiles.map((p) => p.id)).toEqual(expect.arrayContaining(['nokia-6233', 'nokia-6300', 'nokia-n80', 'nokia-e61-e65', 'generic']));
    expect(profiles.at(-1)?.id).toBe('generic');
    const n6233 = profiles.find((p) => p.id === 'nokia-6233')!;
    expect(n6233.matches).toContain('6233');
    expect(n6233.fields.mechanism.verified).toBe(false);
    expect(n6233.certificate.format).toBe('der');
  });

  it('recommends a LAN address over loopback and virtual bridges, and names the ports in the firewall hint', () => {
    const list = listNetworkInterfaces({
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '', mac: '', cidr: null }],
      docker0: [{ address: '172.17.0.1', family: 'IPv4', internal: false, netmask: '', mac: '', cidr: null }],
      wlan0: [{ address: '192.168.1.20', family: 'IPv4', internal: false, netmask: '', mac: '', cidr: null }],
      vboxnet0: [{ address: '192.168.56.1', family: 'IPv4', internal: false, netmask: '', mac: '', cidr: null }],
    });
    // A VM's host-only network looks like a LAN address; the phone can never reach it.
    expect(list.find((i) => i.name === 'vboxnet0')).toMatchObject({ recommended: false, label: 'virtual network (a phone cannot reach it)' });
    expect(list[0]).toMatchObject({ address: '192.168.1.20', recommended: true, label: 'Wi-Fi' });
    expect(list.filter((i) => i.recommended)).toHaveLength(1);
    const listeners = { imap: { host: '192.168.1.20', port: 143 }, imaps: { host: '192.168.1.20', port: 993 } };
    expect(firewallHint('192.168.1.20', listeners, 'linux', (p) => p === '/etc/ufw/ufw.conf', () => 'ENABLED=yes\n')).toContain('sudo ufw allow proto tcp to any port 143,993');
    expect(firewallHint('127.0.0.1', listeners, 'linux')).toMatch(/only this computer/);
    expect(firewallHint('192.168.1.20', listeners, 'win32')).toMatch(/Windows Defender Firewall.*143 and 993/);
  });
});
