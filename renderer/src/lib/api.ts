/**
 * The one API client. Every screen talks to the backend through `api` and nothing else.
 *
 * - Electron: the preload exposes `window.drmm = { call, on, host: 'electron' }` (IPC underneath).
 * - Browser mode: POST /api/call/<channel> with a bearer token, events over WebSocket
 *   /api/events?token=…, uploads via POST /api/upload, downloads fetched with the token.
 * - `?mock=1`: an in-memory mock (development screenshots only).
 *
 * The renderer never branches on the host for behaviour, only for capabilities (uploads vs paths).
 */
import type { AppApi, Channel, ChannelRequest, ChannelResponse, EventName, EventPayload } from './api-types';
import { ApiError, toErrorInfo } from './errors';

export interface UploadResult {
  uploadId: string;
  path: string;
}

/** AppApi plus the capabilities the host offers outside the channel list. */
export interface ClientApi extends AppApi {
  /** Browser mode: send a local file to the server. Electron: resolve the file's own path. */
  upload(file: File): Promise<UploadResult>;
  /** Save a file the host offered as `downloadUrl` (browser mode). */
  download(url: string, fileName: string): Promise<void>;
  /** Live-connection state of the event stream (browser mode reconnects on its own). */
  onConnection(listener: (connected: boolean) => void): () => void;
  /** Fire-and-forget call that survives the page going away (browser mode: a keepalive request); errors are dropped. */
  beacon<C extends Channel>(channel: C, request: ChannelRequest<C>): void;
}

/** `window.drmm` as the preload exposes it (DrmmBridge of the contract), seen loosely typed here. */
interface PreloadBridge {
  call(channel: string, request: unknown): Promise<unknown>;
  on(event: string, cb: (payload: unknown) => void): () => void;
  host: 'electron';
  /** webUtils.getPathForFile; '' when the File has no local path. */
  pathForFile?(file: File): string;
}

declare global {
  interface Window {
    drmm?: PreloadBridge;
  }
}

type Listener = (payload: unknown) => void;

// ---------------------------------------------------------------- Electron

function electronClient(bridge: PreloadBridge): ClientApi {
  return {
    host: 'electron',
    async call<C extends Channel>(channel: C, request: ChannelRequest<C>) {
      let result: unknown;
      try {
        result = await bridge.call(channel, request);
      } catch (err) {
        throw new ApiError(toErrorInfo(err));
      }
      if (result && typeof result === 'object' && 'error' in result && Object.keys(result).length === 1) {
        throw new ApiError(toErrorInfo(result));
      }
      return result as ChannelResponse<C>;
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
      return bridge.on(event, listener as Listener);
    },
    async upload(file: File) {
      const path = bridge.pathForFile?.(file) ?? '';
      if (!path) {
        throw new ApiError({
          code: 'INVALID_ARGUMENT',
          message: `Could not read the location of '${file.name}'.`,
          location: {},
          hint: 'Use "Choose files…" to pick the file instead of dropping it.',
        });
      }
      return { uploadId: '', path };
    },
    async download() {
      /* Electron saves through a native dialog; nothing to do here. */
    },
    onConnection(listener) {
      listener(true);
      return () => {};
    },
    beacon(channel, request) {
      void Promise.resolve(bridge.call(channel, request)).catch(() => undefined);
    },
  };
}

// ---------------------------------------------------------------- browser mode

const TOKEN_KEY = 'drmm.token';

/** The access token: `?token=` in the page URL first, then what this tab kept in sessionStorage. */
export function resolveToken(loc: Location = window.location, storage: Storage = window.sessionStorage): string {
  const fromUrl = new URLSearchParams(loc.search).get('token');
  if (fromUrl) {
    storage.setItem(TOKEN_KEY, fromUrl);
    return fromUrl;
  }
  return storage.getItem(TOKEN_KEY) ?? '';
}

function browserClient(token: string): ClientApi {
  const listeners = new Map<string, Set<Listener>>();
  const connectionListeners = new Set<(c: boolean) => void>();
  let socket: WebSocket | null = null;
  let connected = false;
  let retryMs = 500;

  const authHeaders = (): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {});

  function setConnected(c: boolean) {
    if (c === connected) return;
    connected = c;
    for (const l of connectionListeners) l(c);
  }

  function connect() {
    const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${proto}//${window.location.host}/api/events?token=${encodeURIComponent(token)}`;
    try {
      socket = new WebSocket(url);
    } catch {
      setTimeout(connect, retryMs);
      return;
    }
    socket.onopen = () => {
      retryMs = 500;
      setConnected(true);
    };
    socket.onmessage = (msg) => {
      let data: { event?: string; payload?: unknown };
      try {
        data = JSON.parse(String(msg.data));
      } catch {
        return;
      }
      if (!data.event) return;
      for (const l of listeners.get(data.event) ?? []) {
        try {
          l(data.payload);
        } catch (err) {
          console.error(err);
        }
      }
    };
    socket.onclose = () => {
      setConnected(false);
      socket = null;
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  }
  connect();

  async function parseError(res: Response): Promise<ApiError> {
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      /* not JSON */
    }
    const info = toErrorInfo(body ?? new Error(`${res.status} ${res.statusText}`));
    if (res.status === 401) {
      info.hint ||= 'Open the exact URL printed by `npm run serve` (it carries the access token).';
    }
    return new ApiError(info);
  }

  return {
    host: 'browser',
    async call<C extends Channel>(channel: C, request: ChannelRequest<C>) {
      let res: Response;
      try {
        res = await fetch(`/api/call/${channel}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...authHeaders() },
          body: JSON.stringify(request ?? {}),
        });
      } catch (err) {
        throw new ApiError(toErrorInfo(err));
      }
      if (!res.ok) throw await parseError(res);
      return (await res.json()) as ChannelResponse<C>;
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as Listener);
      return () => set!.delete(listener as Listener);
    },
    async upload(file: File) {
      let res: Response;
      try {
        res = await fetch('/api/upload', {
          method: 'POST',
          headers: { 'Content-Type': 'application/octet-stream', 'X-File-Name': encodeURIComponent(file.name), ...authHeaders() },
          body: file,
        });
      } catch (err) {
        throw new ApiError(toErrorInfo(err));
      }
      if (!res.ok) throw await parseError(res);
      return (await res.json()) as UploadResult;
    },
    async download(url: string, fileName: string) {
      const res = await fetch(url, { headers: authHeaders() });
      if (!res.ok) throw await parseError(res);
      const blob = await res.blob();
      const href = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = href;
      a.download = fileName;
      a.rel = 'noopener';
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(href), 10_000);
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      listener(connected);
      return () => connectionListeners.delete(listener);
    },
    beacon(channel, request) {
      void fetch(`/api/call/${channel}`, {
        method: 'POST',
        keepalive: true,
        headers: { 'Content-Type': 'application/json', ...authHeaders() },
        body: JSON.stringify(request ?? {}),
      }).catch(() => undefined);
    },
  };
}

// ---------------------------------------------------------------- selection

async function createClient(): Promise<ClientApi> {
  const params = new URLSearchParams(window.location.search);
  if (params.get('mock') === '1') {
    const { createMockApi } = await import('./mock-api');
    return createMockApi({ empty: params.get('empty') === '1' });
  }
  if (window.drmm && window.drmm.host === 'electron') return electronClient(window.drmm);
  return browserClient(resolveToken());
}

/** The client, created once at start-up (see main.ts); screens import `api`. */
export let api: ClientApi;

export async function initApi(): Promise<ClientApi> {
  api = await createClient();
  return api;
}
