/**
 * How the wizard reaches the engine: `window.mailprobe` in Electron (the preload bridge), or,
 * in browser mode, the loopback control server with the per-run token from the page URL.
 * Both give the same `MailprobeApi` (electron/api.ts); nothing else is ever called.
 */
import type { ApiError, ApiMethod, ApiParams, ApiResult, ApiStreamMessage, MailprobeApi } from '../../../electron/api';

declare global {
  interface Window {
    mailprobe?: MailprobeApi;
  }
}

export const TOKEN_HEADER = 'x-mailprobe-token';
const TOKEN_KEY = 'mailprobe.token';

export function isApiError(x: unknown): x is ApiError {
  return !!x && typeof x === 'object' && 'error' in x && typeof (x as ApiError).error?.message === 'string';
}

/** Stream connection state, for the "reconnecting…" banner. */
export type LinkState = 'connecting' | 'open' | 'lost';

export interface HttpApi extends MailprobeApi {
  onLink(fn: (s: LinkState) => void): () => void;
}

/** The token from `?token=` (kept for reloads in sessionStorage, then removed from the address bar). */
export function takeToken(loc: Location = window.location, store: Storage = window.sessionStorage): string | undefined {
  const params = new URLSearchParams(loc.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    store.setItem(TOKEN_KEY, fromUrl);
    params.delete('token');
    const rest = params.toString();
    // Out of the address bar: the token is not shown to whoever looks over the shoulder.
    window.history.replaceState(null, '', loc.pathname + (rest ? '?' + rest : '') + loc.hash);
    return fromUrl;
  }
  return store.getItem(TOKEN_KEY) ?? undefined;
}

export function createHttpApi(token: string, base = ''): HttpApi {
  const streamListeners = new Set<(m: ApiStreamMessage) => void>();
  const linkListeners = new Set<(s: LinkState) => void>();
  let source: EventSource | undefined;
  const setLink = (s: LinkState) => linkListeners.forEach((fn) => fn(s));

  const open = () => {
    source = new EventSource(`${base}/api/stream?token=${encodeURIComponent(token)}`);
    source.onopen = () => setLink('open');
    source.onerror = () => setLink('lost'); // EventSource reconnects by itself; the server replays
    source.onmessage = (e: MessageEvent<string>) => {
      const msg = JSON.parse(e.data) as ApiStreamMessage;
      streamListeners.forEach((fn) => fn(msg));
    };
  };

  return {
    async call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M> | ApiError> {
      try {
        const res = await fetch(`${base}/api/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
          body: JSON.stringify(params ?? {}),
        });
        return (await res.json()) as ApiResult<M> | ApiError;
      } catch (err) {
        return { error: { code: 'internal', message: `Mailprobe is not answering (${(err as Error).message}). Is it still running?` } };
      }
    },
    subscribe(fn) {
      streamListeners.add(fn);
      if (!source) open();
      return () => {
        streamListeners.delete(fn);
        if (streamListeners.size === 0) {
          source?.close();
          source = undefined;
        }
      };
    },
    onLink(fn) {
      linkListeners.add(fn);
      return () => linkListeners.delete(fn);
    },
  };
}

/** The API for this page, or a reason why there is none. */
export function connect(): { api: MailprobeApi; link?: HttpApi['onLink'] } | { problem: string } {
  if (window.mailprobe) return { api: window.mailprobe };
  const token = takeToken();
  if (!token) {
    return { problem: 'This page needs the address Mailprobe printed, including its ?token=… part. Copy the whole line from the terminal.' };
  }
  const api = createHttpApi(token);
  return { api, link: api.onLink };
}
