/**
 * The Electron window's security policy as plain data and pure functions (no 'electron' import),
 * so tests check it without the Electron binary: the CSP, the window's webPreferences, which
 * frame may call the API, where the window may navigate, and the IPC routing table.
 */
import type { ApiError, ApiMethod } from '../api.js';
import { API_METHODS } from '../api.js';
import { CSP_HEADER } from '../lab/control/policy.js';

export { CSP_HEADER };

/** IPC channels. The sandboxed preload cannot import this module: it repeats them (tested). */
export const IPC = {
  call: 'mailprobe:call',
  subscribe: 'mailprobe:subscribe',
  unsubscribe: 'mailprobe:unsubscribe',
  stream: 'mailprobe:stream',
} as const;

/** The renderer runs with no Node, in Chromium's sandbox, isolated from the preload's world. */
export function windowPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  } as const;
}

/** The page without query or hash: file:///…/dist/renderer/index.html. */
function bare(url: string): string | undefined {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return undefined;
  }
}

/** Only the wizard's own top frame may call the API (not an iframe, not a navigated-away page). */
export function isAllowedSender(frameUrl: string | undefined, indexUrl: string, isMainFrame = true): boolean {
  if (!frameUrl || !isMainFrame) return false;
  const a = bare(frameUrl);
  return a !== undefined && a === bare(indexUrl);
}

/** The window never navigates anywhere but the wizard itself (a reload). */
export function isAllowedNavigation(url: string, indexUrl: string): boolean {
  return isAllowedSender(url, indexUrl);
}

/** Which permission requests (camera, notifications, …) the renderer gets: none. */
export function allowPermission(_permission: string): boolean {
  return false;
}

export type IpcRoute = (method: ApiMethod, params: unknown) => Promise<unknown>;

/**
 * The routing table of the `mailprobe:call` channel: the sender is checked, the method must be
 * one of the API's, then the engine answers. Anything else is an ApiError, never an exception
 * (an exception would reach the renderer as an opaque "Error invoking remote method").
 */
export async function routeIpcCall(
  senderUrl: string | undefined,
  isMainFrame: boolean,
  indexUrl: string,
  method: unknown,
  params: unknown,
  engineCall: IpcRoute,
): Promise<unknown> {
  if (!isAllowedSender(senderUrl, indexUrl, isMainFrame)) {
    return { error: { code: 'unauthorized', message: `IPC from ${senderUrl ?? 'an unknown frame'} refused` } } satisfies ApiError;
  }
  if (typeof method !== 'string' || !(API_METHODS as readonly string[]).includes(method)) {
    return { error: { code: 'not-found', message: `unknown method '${String(method)}'` } } satisfies ApiError;
  }
  const p = params === undefined ? {} : params;
  if (p === null || typeof p !== 'object' || Array.isArray(p)) {
    return { error: { code: 'bad-request', message: 'params must be an object' } } satisfies ApiError;
  }
  return engineCall(method as ApiMethod, p);
}
