/**
 * The secure window: the renderer is served from the app's own `app://drmm/` origin (not file://,
 * so 'self' in the CSP means exactly the bundle), sandboxed, context-isolated, no Node, no
 * navigation, no new windows, no permissions, no network.
 */
import { BrowserWindow, protocol, session, type Session, type WebContents } from 'electron';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { APP_ORIGIN } from './ipc';
import { contentSecurityPolicy, mimeTypeOf } from '../api/content-policy';
import { printDocuments } from './print-documents';

export const APP_SCHEME = 'app';

export const ELECTRON_CSP = contentSecurityPolicy();

/** Must run before `app` is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves dist/renderer under app://drmm/ with the CSP header. */
export function serveRenderer(rendererDir: string): void {
  const root = path.resolve(rendererDir);
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const printDoc = printDocuments.lookup(url);
    if (printDoc !== undefined) {
      return new Response(printDoc, { headers: { 'Content-Type': mimeTypeOf('.html'), 'Content-Security-Policy': ELECTRON_CSP, 'X-Content-Type-Options': 'nosniff' } });
    }
    if (url.host !== 'drmm') return new Response('Not found', { status: 404 });
    let rel = decodeURIComponent(url.pathname);
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = path.join(root, path.normalize(rel));
    if (!file.startsWith(root + path.sep)) return new Response('Forbidden', { status: 403 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: { 'Content-Type': mimeTypeOf(path.extname(file)), 'Content-Security-Policy': ELECTRON_CSP, 'X-Content-Type-Options': 'nosniff' },
      });
    } catch {
      if (path.extname(rel) === '') {
        const index = await readFile(path.join(root, 'index.html'));
        return new Response(index, { headers: { 'Content-Type': mimeTypeOf('.html'), 'Content-Security-Policy': ELECTRON_CSP } });
      }
      return new Response('Not found', { status: 404 });
    }
  });
}

/** No network, no permissions, CSP on every response of the session. */
export function hardenSession(ses: Session = session.defaultSession): void {
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onBeforeRequest({ urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'ftp://*/*'] }, (_details, callback) => callback({ cancel: true }));
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [ELECTRON_CSP] } });
  });
  ses.on('will-download', (event) => event.preventDefault());
}

/** Applied to every WebContents the app creates (the main window, the PDF printer, devtools). */
export function lockDownContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(APP_ORIGIN + '/')) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!url.startsWith(APP_ORIGIN + '/')) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** `devTools`: only in a development build (not packaged); a packaged app cannot open DevTools at all. */
export function createMainWindow(opts: { preload: string; title: string; devTools: boolean }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 1024,
    minHeight: 700,
    title: opts.title,
    show: false,
    backgroundColor: '#1e1e1e',
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: opts.devTools,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}
