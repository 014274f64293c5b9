/**
 * The IPC binding of the AppApi: ONE invoke channel (`drmm:call`, arguments: API channel name and
 * request; answer: the response or `{ error }`) and ONE event channel (`drmm:event`, EventMessage). Every payload goes through the
 * shared dispatcher (main/api/dispatch.ts): unknown channels and malformed requests are rejected
 * there, exactly as in browser mode. Calls from any frame but the app's own are refused.
 *
 * No Electron import here (only structural types), so tests drive it with a fake ipcMain.
 */
import type { ApiErrorPayload, EventMessage } from '../api/contract';
import { wireBody, type Dispatcher } from '../api/dispatch';

export const IPC_CALL = 'drmm:call';
export const IPC_EVENT = 'drmm:event';
/** The origin the renderer is served from (see protocol.ts). */
export const APP_ORIGIN = 'app://drmm';

/** What we use of Electron's IpcMainInvokeEvent. */
export interface InvokeEventLike {
  senderFrame?: { url: string } | null;
}

/** What we use of Electron's ipcMain. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown> | unknown): void;
  removeHandler(channel: string): void;
}

export function isAppFrame(event: InvokeEventLike): boolean {
  const url = event.senderFrame?.url ?? '';
  return url === APP_ORIGIN || url.startsWith(APP_ORIGIN + '/');
}

/** Installs the one handler; returns a function that removes it. */
export function registerIpc(
  ipcMain: IpcMainLike,
  dispatch: Dispatcher,
  opts: { isTrustedSender?: (event: InvokeEventLike) => boolean } = {},
): () => void {
  const trusted = opts.isTrustedSender ?? isAppFrame;
  ipcMain.handle(IPC_CALL, async (event, ...args): Promise<unknown> => {
    if (!trusted(event)) {
      return { error: { code: 'FORBIDDEN', message: 'API calls are only accepted from the app window.', location: {}, hint: '' } } satisfies ApiErrorPayload;
    }
    if (args.length < 1 || args.length > 2 || typeof args[0] !== 'string') {
      return {
        error: {
          code: 'INVALID_ARGUMENT',
          message: `An API call takes a channel name and one request object; got ${args.length} argument(s)${args.length ? ` with a ${typeof args[0]} channel` : ''}.`,
          location: {},
          hint: 'Call window.drmm.call(channel, request).',
        },
      } satisfies ApiErrorPayload;
    }
    return wireBody(await dispatch(args[0], args[1]));
  });
  return () => ipcMain.removeHandler(IPC_CALL);
}

/** What we use of a WebContents to push events. */
export interface EventSinkLike {
  isDestroyed(): boolean;
  send(channel: string, message: EventMessage): void;
}

export function forwardEvents(subscribe: (listener: (msg: EventMessage) => void) => () => void, target: () => EventSinkLike | null): () => void {
  return subscribe((msg) => {
    const wc = target();
    if (wc && !wc.isDestroyed()) wc.send(IPC_EVENT, msg);
  });
}
