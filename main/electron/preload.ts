/**
 * The only bridge between the sandboxed renderer and the host: `window.drmm`
 * (DrmmBridge of main/api/contract.ts). Nothing else of Node or Electron is exposed.
 * Bundled by scripts/build.mjs to dist/electron/preload.cjs (sandboxed preloads are CommonJS).
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { DrmmBridge, EventMessage } from '../api/contract';

// Duplicated from ipc.ts on purpose: the preload bundle stays tiny and imports nothing of ours at run time.
const IPC_CALL = 'drmm:call';
const IPC_EVENT = 'drmm:event';

const bridge: DrmmBridge = {
  host: 'electron',
  call(channel, request) {
    return ipcRenderer.invoke(IPC_CALL, String(channel), request);
  },
  pathForFile(file) {
    try {
      return webUtils.getPathForFile(file);
    } catch {
      return '';
    }
  },
  on(event, listener) {
    const handler = (_e: IpcRendererEvent, msg: EventMessage) => {
      if (msg && msg.event === event) (listener as (p: unknown) => void)(msg.payload);
    };
    ipcRenderer.on(IPC_EVENT, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, handler);
    };
  },
};

contextBridge.exposeInMainWorld('drmm', bridge);
