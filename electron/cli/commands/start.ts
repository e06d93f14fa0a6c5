/**
 * `mailprobe start` (what `npm start` runs): the Electron window where Electron is installed and
 * a display exists; otherwise browser mode, printing (and on a desktop opening) the wizard's
 * loopback URL. The wizard starts the lab itself (Network step).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlServer } from '../../lab/control/server.js';
import { packageRoot } from '../../lab/package-root.js';
import { parseFlags, parsePort } from '../usage.js';

export type ShellChoice = { mode: 'electron'; binary: string } | { mode: 'browser'; reason: string };

export interface ShellFacts {
  root: string;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  forceBrowser: boolean;
  exists?: (p: string) => boolean;
  read?: (p: string) => string;
}

/** The Electron binary shipped by the `electron` npm package, when its download happened. */
function electronBinary(
  root: string,
  exists: (p: string) => boolean = existsSync,
  read: (p: string) => string = (p) => readFileSync(p, 'utf8'),
): string | undefined {
  const dir = join(root, 'node_modules', 'electron');
  const dist = join(dir, 'dist');
  if (!exists(dist)) return undefined;
  // electron/install.js writes the binary's path relative to dist/ into path.txt.
  const pathTxt = join(dir, 'path.txt');
  const rel = exists(pathTxt) ? read(pathTxt).trim() : undefined;
  const bin = rel ? join(dist, rel) : undefined;
  return bin && exists(bin) ? bin : undefined;
}

function hasDisplay(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): boolean {
  if (platform === 'win32' || platform === 'darwin') return true;
  return !!(env.DISPLAY || env.WAYLAND_DISPLAY);
}

export function chooseShell(f: ShellFacts): ShellChoice {
  if (f.forceBrowser) return { mode: 'browser', reason: 'browser mode was asked for (--browser)' };
  const bin = electronBinary(f.root, f.exists, f.read);
  if (!bin) return { mode: 'browser', reason: 'Electron is not installed here (node_modules/electron/dist is missing)' };
  if (!hasDisplay(f.platform, f.env)) return { mode: 'browser', reason: 'no display (DISPLAY/WAYLAND_DISPLAY unset)' };
  return { mode: 'electron', binary: bin };
}

function hasXdgOpen(env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, 'xdg-open')));
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    browser: { type: 'boolean' },
    'no-open': { type: 'boolean' },
    port: { type: 'string' },
    'data-dir': { type: 'string' },
  }, false);
  const root = packageRoot();
  const choice = chooseShell({ root, platform: process.platform, env: process.env, forceBrowser: !!values.browser });

  if (choice.mode === 'electron') {
    const child = spawn(choice.binary, [root], { stdio: 'inherit', env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined } });
    return await new Promise<number>((resolve) => {
      child.on('exit', (code) => resolve(code ?? 1));
      child.on('error', (err) => {
        process.stderr.write(`mailprobe start: could not run Electron (${err.message})\n`);
        resolve(1);
      });
    });
  }

  const ui = await startControlServer({ port: parsePort('port', values.port, 0), host: '127.0.0.1', dataDir: values['data-dir'] });
  process.stdout.write(`Mailprobe wizard (browser mode: ${choice.reason}):\n  ${ui.url}\nOpen it in a browser on this computer. Ctrl+C stops Mailprobe.\n`);
  if (!values['no-open'] && hasDisplay(process.platform, process.env) && process.platform === 'linux' && hasXdgOpen(process.env)) {
    const opener = spawn('xdg-open', [ui.url], { stdio: 'ignore', detached: true });
    opener.on('error', () => undefined);
    opener.unref();
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await ui.close();
  return 0;
}
