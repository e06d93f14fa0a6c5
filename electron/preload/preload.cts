/**
 * The preload bridge: exposes exactly `MailprobeApi` (electron/api.ts) as `window.mailprobe`,
 * nothing else. Sandboxed preloads are CommonJS and may require only 'electron', so the IPC
 * channel names are repeated here (electron/main/policy.ts IPC; a test keeps them equal).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiMethod, ApiParams, ApiStreamMessage, MailprobeApi } from '../api.js';

const CALL = 'mailprobe:call';
const SUBSCRIBE = 'mailprobe:subscribe';
const UNSUBSCRIBE = 'mailprobe:unsubscribe';
const STREAM = 'mailprobe:stream';

const listeners = new Set<(msg: ApiStreamMessage) => void>();
const onStream = (_e: IpcRendererEvent, msg: ApiStreamMessage): void => {
  for (const fn of listeners) fn(msg);
};

const api: MailprobeApi = {
  call: <M extends ApiMethod>(method: M, params: ApiParams<M>) => ipcRenderer.invoke(CALL, method, params),
  subscribe(fn) {
    listeners.add(fn);
    if (listeners.size === 1) {
      ipcRenderer.on(STREAM, onStream);
      ipcRenderer.send(SUBSCRIBE); // main replays the session, then streams
    }
    return () => {
      listeners.delete(fn);
      if (listeners.size === 0) {
        ipcRenderer.removeListener(STREAM, onStream);
        ipcRenderer.send(UNSUBSCRIBE);
      }
    };
  },
};

contextBridge.exposeInMainWorld('mailprobe', api);
