/**
 * Electron main: one window showing the wizard (dist/renderer), the engine in this process,
 * the API over IPC. Policy (CSP, sender and navigation checks, routing) lives in ./policy.ts.
 */
import { app, BrowserWindow, ipcMain, session, shell, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ApiStreamMessage, ReportExport } from '../api.js';
import { Engine, isApiError } from '../lab/control/engine.js';
import { loadEngineDeps } from '../lab/control/deps.js';
import { defaultDataDir } from '../lab/paths.js';
import { CSP_HEADER, IPC, allowPermission, isAllowedNavigation, isAllowedSender, routeIpcCall, windowPreferences } from './policy.js';

const indexFile = fileURLToPath(new URL('../../renderer/index.html', import.meta.url));
const indexUrl = pathToFileURL(indexFile).href;
const preload = fileURLToPath(new URL('../preload/preload.cjs', import.meta.url));

let engine: Engine | undefined;
const subscriptions = new Map<number, () => void>();

function senderOk(e: { senderFrame: { url: string } | null; sender: WebContents }): boolean {
  const frame = e.senderFrame;
  return !!frame && isAllowedSender(frame.url, indexUrl, frame === e.sender.mainFrame);
}

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'Mailprobe',
    show: false,
    webPreferences: windowPreferences(preload),
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Links to the exported PDF and the like open outside, never in a new app window.
    if (url.startsWith('file:')) void shell.openPath(fileURLToPath(url));
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, indexUrl)) event.preventDefault();
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  void win.loadFile(indexFile);
}

async function main(): Promise<void> {
  await app.whenReady();
  engine = new Engine({ mode: 'electron', dataDir: defaultDataDir(), deps: await loadEngineDeps() });

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP_HEADER] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) => callback(allowPermission(permission)));

  ipcMain.handle(IPC.call, async (e: IpcMainInvokeEvent, method: unknown, params: unknown) => {
    const frame = e.senderFrame;
    const result = await routeIpcCall(frame?.url, !!frame && frame === e.sender.mainFrame, indexUrl, method, params, (m, p) =>
      engine!.call(m, p as never),
    );
    if (method === 'report.export' && !isApiError(result)) shell.showItemInFolder((result as ReportExport).file);
    return result;
  });
  ipcMain.on(IPC.subscribe, (e) => {
    if (!senderOk(e)) return;
    const wc = e.sender;
    subscriptions.get(wc.id)?.();
    const off = engine!.subscribe((msg: ApiStreamMessage) => {
      if (!wc.isDestroyed()) wc.send(IPC.stream, msg);
    });
    subscriptions.set(wc.id, off);
    wc.once('destroyed', () => {
      subscriptions.get(wc.id)?.();
      subscriptions.delete(wc.id);
    });
  });
  ipcMain.on(IPC.unsubscribe, (e) => {
    if (!senderOk(e)) return;
    subscriptions.get(e.sender.id)?.();
    subscriptions.delete(e.sender.id);
  });

  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, indexUrl)) event.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.on('window-all-closed', () => {
  void engine?.close().finally(() => app.quit());
});

main().catch((err: Error) => {
  process.stderr.write(`mailprobe: ${err.stack ?? err.message}\n`);
  app.exit(1);
});
