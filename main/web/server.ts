/**
 * Browser mode: the same renderer and services as the desktop app, over HTTP + WebSocket on
 * 127.0.0.1 with a random access token (issue 5).
 *
 *   GET  /?token=…                  the renderer (dist/renderer); sets the session cookie
 *   POST /api/call/:channel         JSON request → 200 response JSON | 4xx/5xx { error } (the shared dispatcher)
 *   POST /api/upload                raw body, X-File-Name header → { uploadId, path }
 *   GET  /api/download/:id/:name    an exported file (report, metrics, model, bundle)
 *   WS   /api/events                EventMessage frames (run progress, epochs, status)
 *
 * Every request and the socket need the token (Authorization: Bearer, the HttpOnly SameSite=Strict
 * cookie, or ?token=); without it: 401 and the connection closed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { DrmmError } from '../../core/errors';
import type { Launcher } from '../../core/jobs/launcher';
import { httpStatusFor, errorInfo, wireBody } from '../api/dispatch';
import type { ApiErrorPayload, ErrorInfo } from '../api/contract';
import { acquireDataDirLock, updateLockUrl, type DataDirLock } from '../services/data-dir-lock';
import { createAppServices, type AppServices } from '../services/app-services';
import type { ExportedFile, HostAdapter } from '../services/host';
import { authenticate, checkBindAddress, checkToken, cookieName, hostHeaderOk, newToken, originOk, securityHeaders } from './security';
import { mimeTypeOf } from '../api/content-policy';

export interface WebServerOptions {
  /** The history's directory (created if needed). One server per directory (a lock file). */
  dataDir: string;
  /** 0 or undefined: a free port. */
  port?: number;
  /** Only 127.0.0.1 (or 'localhost'); anything else is refused. */
  host?: string;
  /** Access token; a random 32-byte one by default. */
  token?: string;
  /** The built renderer (vite output). Default: <repo>/dist/renderer, or $DRMM_RENDERER_DIR. */
  rendererDir?: string;
  /** How runs are started; default: child_process.fork of the training worker. */
  launcher?: Launcher;
  /** Keep a prepared training process waiting while idle (`drmm serve` does; default false). */
  keepWarm?: boolean;
  /** Where the "running at" line goes; default console.log. */
  log?: (line: string) => void;
  /** Largest accepted upload; default 2 GiB. */
  maxUploadBytes?: number;
}

export interface WebServer {
  readonly port: number;
  readonly token: string;
  /** http://127.0.0.1:PORT/ (no token). */
  readonly url: string;
  /** The URL to open: http://127.0.0.1:PORT/?token=… */
  readonly urlWithToken: string;
  readonly dataDir: string;
  readonly services: AppServices;
  close(): Promise<void>;
}

const MAX_JSON_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_UPLOAD = 2 * 1024 * 1024 * 1024;
const DOWNLOAD_TTL_MS = 30 * 60 * 1000;


export function defaultRendererDir(): string {
  if (process.env.DRMM_RENDERER_DIR) return path.resolve(process.env.DRMM_RENDERER_DIR);
  return fileURLToPath(new URL('../../dist/renderer', import.meta.url));
}

async function defaultLauncher(): Promise<Launcher> {
  const mod = (await import('../../core/jobs/launcher')) as unknown as { ChildProcessLauncher: new (...a: unknown[]) => Launcher };
  return new mod.ChildProcessLauncher();
}

class HttpError extends Error {
  constructor(readonly status: number, readonly info: ErrorInfo) {
    super(info.message);
  }
}

/** Past this much, a body over the limit is no longer read to its end: the connection is dropped. */
const DRAIN_LIMIT = 256 * 1024 * 1024;

/**
 * The request body, or null when it is over `limit`. An oversized body is still read to its end
 * (and thrown away) so that the client, which is still sending, gets the 413 answer instead of a
 * reset connection; only a body beyond DRAIN_LIMIT drops the connection.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > DRAIN_LIMIT) req.destroy();
      else if (size <= limit) chunks.push(c);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => { if (!req.complete) reject(new Error('the client closed the connection mid-request')); });
  });
}

/** A URI component, or undefined when it is not valid percent-encoded UTF-8 (e.g. `%E0%A4%A`). */
function decodeComponent(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

const badRequest = (message: string, hint = ''): HttpError => new HttpError(400, { code: 'INVALID_ARGUMENT', message, location: {}, hint });

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const bindHost = checkBindAddress(opts.host);
  const token = opts.token !== undefined ? checkToken(opts.token) : newToken();
  const port0 = opts.port ?? 0;
  if (!Number.isInteger(port0) || port0 < 0 || port0 > 65535) {
    throw new DrmmError('INVALID_ARGUMENT', `Port ${opts.port} is not a port number.`, { hint: 'Give 1–65535, or leave it out for a free port.' });
  }
  const dataDir = path.resolve(opts.dataDir);
  const rendererDir = path.resolve(opts.rendererDir ?? defaultRendererDir());
  const log = opts.log ?? ((line: string) => console.log(line));
  const maxUpload = opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD;

  const lock: DataDirLock = acquireDataDirLock(dataDir, { host: 'browser mode' });
  let services: AppServices | undefined;
  /** Export id → file, for a one-click download; links expire so the map does not grow for the life of the server. */
  const downloads = new Map<string, { file: ExportedFile; expires: number }>();
  let port = port0;

  const host: HostAdapter = {
    kind: 'browser',
    async deliverFile(file) {
      const id = randomBytes(16).toString('hex');
      const now = Date.now();
      for (const [k, d] of downloads) if (d.expires < now) downloads.delete(k);
      downloads.set(id, { file, expires: now + DOWNLOAD_TTL_MS });
      return { downloadUrl: `/api/download/${id}/${encodeURIComponent(file.fileName)}` };
    },
    async openFiles() {
      return { paths: [], unsupported: true };
    },
  };

  try {
    // Interactive (`drmm serve`, keepWarm): runs a lab queue holds for this history are collected in the background.
    services = await createAppServices({ dataDir, launcher: opts.launcher ?? (await defaultLauncher()), host, keepWarm: opts.keepWarm, collectLabRuns: opts.keepWarm });
  } catch (e) {
    lock.release();
    throw e;
  }
  const svc = services;
  // Uploads of imports that were never saved: kept a day, then removed at the next start.
  svc.imports.sweepUploads();

  /** The request's URL, or null for a request target that is not one (an absolute URL with a bad port, say). */
  const requestUrl = (req: IncomingMessage): URL | null => {
    try {
      return new URL(req.url ?? '/', `http://${bindHost}:${port}`);
    } catch {
      return null;
    }
  };
  const sendJson = (res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) => {
    const data = Buffer.from(JSON.stringify(body));
    res.writeHead(status, { ...securityHeaders(port), 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(data.length), 'Cache-Control': 'no-store', ...extra });
    res.end(data);
  };
  const sendError = (res: ServerResponse, status: number, info: ErrorInfo, extra: Record<string, string> = {}) => {
    const body: ApiErrorPayload = { error: info };
    sendJson(res, status, body, extra);
  };
  const unauthorized = (res: ServerResponse, isApi: boolean) => {
    const info: ErrorInfo = {
      code: 'UNAUTHORIZED',
      message: 'This DRMM Workbench server needs its access token.',
      location: {},
      hint: 'Open the URL with ?token=… that `npm run serve` (or `drmm serve`) printed.',
    };
    if (isApi) {
      sendJson(res, 401, { error: info } satisfies ApiErrorPayload, { Connection: 'close' });
    } else {
      const body = `401 Unauthorized\n\n${info.message}\n${info.hint}\n`;
      res.writeHead(401, { ...securityHeaders(port), 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close', 'Content-Length': String(Buffer.byteLength(body)) });
      res.end(body);
    }
  };

  const serveStatic = (res: ServerResponse, pathname: string, extraHeaders: Record<string, string>) => {
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      rel = '/';
    }
    if (rel.includes('\0')) rel = '/';
    let file = path.join(rendererDir, path.normalize(rel));
    if (!file.startsWith(rendererDir + path.sep) && file !== rendererDir) file = path.join(rendererDir, 'index.html');
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch {
      /* missing */
    }
    if (!isFile) {
      // Client-side routes fall back to the app; missing assets are 404.
      if (path.extname(rel) !== '' && rel !== '/') {
        res.writeHead(404, { ...securityHeaders(port), 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Not found');
        return;
      }
      file = path.join(rendererDir, 'index.html');
    }
    if (!existsSync(file)) {
      const body = `<!doctype html><meta charset="utf-8"><title>DRMM Workbench</title><p>The user interface is not built: run <code>npm run build:renderer</code> (expected in ${rendererDir.replace(/</g, '&lt;')}), then reload.</p>`;
      res.writeHead(503, { ...securityHeaders(port), 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...extraHeaders });
      res.end(body);
      return;
    }
    const ext = path.extname(file).toLowerCase();
    const headers: Record<string, string> = {
      ...securityHeaders(port),
      'Content-Type': mimeTypeOf(ext),
      'Cache-Control': ext === '.html' ? 'no-store' : 'private, max-age=3600',
      ...extraHeaders,
    };
    if (ext === '.html') {
      res.writeHead(200, headers);
      res.end(readFileSync(file));
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': String(statSync(file).size) });
    createReadStream(file).pipe(res);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!hostHeaderOk(req, port)) {
      res.writeHead(421, { ...securityHeaders(port), 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
      res.end('Misdirected request: use http://127.0.0.1:' + port + '/');
      return;
    }
    const url = requestUrl(req);
    if (!url) throw badRequest('The request target is not a valid URL path.');
    const isApi = url.pathname.startsWith('/api/');
    const how = authenticate(req, url, token, port);
    // ?token= is for opening the page and downloads only (GET); API calls use the cookie or header.
    if (!how || (how === 'query' && req.method !== 'GET')) return unauthorized(res, isApi);
    if (!originOk(req, port)) {
      return sendError(res, 403, { code: 'FORBIDDEN', message: 'Cross-origin request refused.', location: {}, hint: '' });
    }
    const cookieHeader: Record<string, string> =
      how === 'query' ? { 'Set-Cookie': `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/` } : {};

    if (url.pathname.startsWith('/api/call/')) {
      if (req.method !== 'POST') return sendError(res, 405, { code: 'INVALID_ARGUMENT', message: 'Use POST for API calls.', location: {}, hint: '' });
      const channel = decodeComponent(url.pathname.slice('/api/call/'.length));
      if (channel === undefined) {
        req.resume();
        throw badRequest('The channel name in the URL is not valid percent-encoded UTF-8.', "Call /api/call/<channel>, e.g. /api/call/runs.list.");
      }
      const raw = await readBody(req, MAX_JSON_BYTES);
      if (raw === null) {
        const message = `The request body is over the ${MAX_JSON_BYTES / 1024 / 1024} MiB limit of API calls.`;
        return sendError(res, 413, { code: 'INVALID_ARGUMENT', message, location: {}, hint: 'Send large files with an upload (or by their local path), not inside an API call.' }, { Connection: 'close' });
      }
      let payload: unknown = {};
      if (raw.length > 0) {
        try {
          payload = JSON.parse(raw.toString('utf8'));
        } catch (e) {
          return sendError(res, 400, {
            code: 'INVALID_ARGUMENT',
            message: `The body of '${channel}' is not valid JSON: ${(e as Error).message}.`,
            location: {},
            hint: 'Send the request as a JSON object.',
          });
        }
      }
      const env = await svc.dispatch(channel, payload);
      return sendJson(res, env.ok ? 200 : httpStatusFor(env.error.code), wireBody(env));
    }

    if (url.pathname === '/api/upload') {
      if (req.method !== 'POST') return sendError(res, 405, { code: 'INVALID_ARGUMENT', message: 'Use POST to upload.', location: {}, hint: '' });
      const rawName = req.headers['x-file-name'];
      let fileName = '';
      try {
        fileName = decodeURIComponent(Array.isArray(rawName) ? rawName[0] : (rawName ?? ''));
      } catch {
        fileName = '';
      }
      if (!fileName) {
        return sendError(res, 400, { code: 'INVALID_ARGUMENT', message: 'An upload needs its file name in the X-File-Name header (URI-encoded).', location: {}, hint: '' });
      }
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > maxUpload) {
        req.resume();
        return sendError(res, 413, {
          code: 'INVALID_ARGUMENT',
          message: `${fileName} is ${declared} bytes; uploads are limited to ${maxUpload} bytes.`,
          location: { file: fileName },
          hint: 'Import it by its local path instead (the file picker in the desktop app, or type the path).',
        });
      }
      try {
        const out = await svc.imports.saveUpload(fileName, req, maxUpload);
        return sendJson(res, 200, out);
      } catch (e) {
        const info = errorInfo(e);
        return sendError(res, info.code === 'INVALID_ARGUMENT' ? 413 : httpStatusFor(info.code), info);
      }
    }

    if (url.pathname.startsWith('/api/download/')) {
      const id = url.pathname.slice('/api/download/'.length).split('/')[0];
      const entry = downloads.get(id);
      const file = entry && entry.expires >= Date.now() ? entry.file : undefined;
      if (!file || !existsSync(file.path)) {
        return sendError(res, 404, { code: 'NOT_FOUND', message: 'This download has expired.', location: {}, hint: 'Export the file again.' });
      }
      res.writeHead(200, {
        ...securityHeaders(port),
        ...cookieHeader,
        'Content-Type': file.mime,
        'Content-Length': String(statSync(file.path).size),
        'Content-Disposition': `attachment; filename="${file.fileName.replace(/[^\w.\- ]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`,
        'Cache-Control': 'no-store',
      });
      createReadStream(file.path).pipe(res);
      return;
    }

    if (isApi) return sendError(res, 404, { code: 'NOT_FOUND', message: `No API route ${url.pathname}.`, location: {}, hint: '' });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, securityHeaders(port));
      res.end();
      return;
    }
    serveStatic(res, url.pathname, cookieHeader);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof HttpError) return sendError(res, e.status, e.info);
      sendError(res, 500, errorInfo(e));
    });
  });

  // ---- events over WebSocket
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const refuseUpgrade = (socket: Duplex, status: string) => {
    socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  };
  server.on('upgrade', (req, socket, head) => {
    const url = requestUrl(req);
    if (url?.pathname !== '/api/events') return refuseUpgrade(socket, '404 Not Found');
    if (!hostHeaderOk(req, port) || !originOk(req, port)) return refuseUpgrade(socket, '403 Forbidden');
    if (!authenticate(req, url, token, port)) return refuseUpgrade(socket, '401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', () => {
      /* the socket is one-way: host → renderer */
    });
    ws.on('error', () => ws.terminate());
  });
  const unsubscribe = svc.onEvent((msg) => {
    const data = JSON.stringify(msg);
    for (const client of wss.clients) if (client.readyState === 1) client.send(data);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port0, bindHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    unsubscribe();
    await svc.close();
    lock.release();
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') {
      throw new DrmmError('CONFLICT', `Port ${port0} on 127.0.0.1 is already in use.`, { hint: 'Choose another --port, or leave it out for a free one.' });
    }
    throw e;
  }
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : port0;
  const baseUrl = `http://${bindHost}:${port}/`;
  const urlWithToken = `${baseUrl}?token=${token}`;
  updateLockUrl(lock, baseUrl);
  const onExit = () => lock.release();
  process.once('exit', onExit);
  log(`DRMM Workbench is running at ${urlWithToken}`);

  let closed: Promise<void> | undefined;
  return {
    port,
    token,
    url: baseUrl,
    urlWithToken,
    dataDir,
    services: svc,
    close() {
      closed ??= (async () => {
        unsubscribe();
        for (const c of wss.clients) c.terminate();
        await new Promise<void>((r) => wss.close(() => r()));
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        });
        try {
          await svc.close();
        } finally {
          lock.release();
          process.off('exit', onExit);
        }
      })();
      return closed;
    },
  };
}
