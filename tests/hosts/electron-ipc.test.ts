/**
 * The Electron IPC binding (main/electron/ipc.ts) with a fake ipcMain: the same dispatcher, so
 * unknown channels and malformed payloads are rejected exactly as in browser mode; calls from a
 * frame that is not the app are refused. (The Electron binary is not needed: ipc.ts imports no Electron.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ORIGIN, forwardEvents, IPC_CALL, IPC_EVENT, registerIpc, type InvokeEventLike, type IpcMainLike } from '../../main/electron/ipc';
import { createAppServices, type AppServices } from '../../main/services/app-services';
import { ChildProcessLauncher } from '../../core/jobs/launcher';
import type { ErrorInfo, EventMessage } from '../../main/api/contract';
import { CHANNEL_NAMES } from '../../main/api/dispatch';
import { MALFORMED, nullHost } from './fixtures';

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What ipcRenderer.invoke(channel, ...args) would resolve to. */
  async invoke(frameUrl: string, channel: string, ...args: unknown[]): Promise<{ error?: ErrorInfo } & Record<string, unknown>> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    // Electron structured-clones arguments and results; JSON is a close stand-in here.
    return JSON.parse(JSON.stringify(await h({ senderFrame: { url: frameUrl } }, ...args))) as { error?: ErrorInfo } & Record<string, unknown>;
  }
}

const APP = `${APP_ORIGIN}/index.html`;

describe('Electron IPC handler', () => {
  let dir: string;
  let services: AppServices;
  let ipc: FakeIpcMain;
  let unregister: () => void;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'drmm-ipc-'));
    services = await createAppServices({ dataDir: dir, launcher: new ChildProcessLauncher(), host: nullHost('electron'), backendProbe: async () => ({ name: 'cpu', device: 'test' }) });
    ipc = new FakeIpcMain();
    unregister = registerIpc(ipc, services.dispatch);
  });
  afterAll(async () => {
    unregister();
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers exactly one invoke channel', () => {
    expect([...ipc.handlers.keys()]).toEqual([IPC_CALL]);
  });

  it('answers a valid call from the app frame', async () => {
    expect(await ipc.invoke(APP, IPC_CALL, 'settings.get', {})).toEqual({ backend: 'auto', concurrency: 1, theme: 'system' });
    expect(await ipc.invoke(APP, IPC_CALL, 'system.info', {})).toMatchObject({ host: 'electron' });
  });

  for (const name of CHANNEL_NAMES) {
    it(`rejects a malformed ${name} payload with the field named`, async () => {
      const { payload, field } = MALFORMED[name];
      const r = await ipc.invoke(APP, IPC_CALL, name, payload);
      expect(Object.keys(r)).toEqual(['error']);
      if (!r.error) return;
      expect(r.error.code).toBe('INVALID_ARGUMENT');
      expect(r.error.message).toContain(field === 'the request' ? 'the request' : `field '${field}`);
    });
  }

  it('rejects unknown channels and a channel that is not a string', async () => {
    expect(await ipc.invoke(APP, IPC_CALL, 'fs.readFile', { path: '/etc/passwd' })).toMatchObject({ error: { code: 'UNKNOWN_CHANNEL' } });
    expect(await ipc.invoke(APP, IPC_CALL, { channel: 'settings.get' }, {})).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    expect(await ipc.invoke(APP, IPC_CALL)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    expect(await ipc.invoke(APP, IPC_CALL, 'settings.get', {}, 'extra')).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
  });

  it('refuses calls from any frame but the app', async () => {
    for (const url of ['https://evil.example/', 'file:///tmp/x.html', 'app://drmm.evil/', '', 'about:blank']) {
      expect(await ipc.invoke(url, IPC_CALL, 'settings.get', {}), url).toMatchObject({ error: { code: 'FORBIDDEN' } });
    }
  });

  it('forwards service events to the window on the one event channel', () => {
    const sent: [string, EventMessage][] = [];
    let listener: ((m: EventMessage) => void) | undefined;
    const off = forwardEvents(
      (l) => {
        listener = l;
        return () => (listener = undefined);
      },
      () => ({ isDestroyed: () => false, send: (c, m) => sent.push([c, m]) }),
    );
    listener!({ event: 'run.status', payload: { runId: 1, status: 'running' } });
    expect(sent).toEqual([[IPC_EVENT, { event: 'run.status', payload: { runId: 1, status: 'running' } }]]);
    off();
    expect(listener).toBeUndefined();
  });
});
