/**
 * Browser mode: token on every request and on the socket (401 and closed without it),
 * loopback-only binding, one server per data directory, the same dispatcher over HTTP.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync, utimesSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWebServer, type WebServer } from '../../main/web/server';
import { LOCK_FILE_NAME } from '../../main/services/data-dir-lock';
import { MALFORMED } from './fixtures';
import type { Channel } from '../../main/api/contract';

const tmp = (tag: string) => mkdtempSync(path.join(tmpdir(), `drmm-web-${tag}-`));
const quiet = { log: () => undefined };

function rendererFixture(): string {
  const dir = tmp('renderer');
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><html><head><script type="module" src="./app.js"></script></head><body>fixture</body></html>');
  writeFileSync(path.join(dir, 'app.js'), 'document.body.dataset.ok = "1";');
  return dir;
}

/** A raw HTTP request (fetch cannot send a forged Host header). */
function raw(port: number, opts: { path: string; method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: opts.path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

function wsOutcome(url: string, headers: Record<string, string> = {}): Promise<{ opened: boolean; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve({ opened: true });
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode });
      res.resume();
      res.socket?.destroy();
    });
    ws.on('error', () => resolve({ opened: false }));
  });
}

describe('browser mode server', () => {
  let server: WebServer;
  let dataDir: string;
  let rendererDir: string;
  const call = (channel: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${server.token}` }) =>
    fetch(`${server.url}api/call/${channel}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    dataDir = tmp('data');
    rendererDir = rendererFixture();
    server = await startWebServer({ dataDir, rendererDir, ...quiet });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(rendererDir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 with a 32-byte random token in the URL', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(Buffer.from(server.token, 'base64url').length).toBe(32);
    expect(server.urlWithToken).toBe(`${server.url}?token=${server.token}`);
  });

  it('prints the tokened URL', async () => {
    const lines: string[] = [];
    const dir = tmp('print');
    const s = await startWebServer({ dataDir: dir, rendererDir, log: (l) => lines.push(l) });
    await s.close();
    expect(lines).toEqual([`DRMM Workbench is running at ${s.urlWithToken}`]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 (and closes) every request without the token', async () => {
    for (const p of ['/', '/index.html', '/app.js', '/api/call/settings.get', '/api/upload', '/api/download/x/y']) {
      const r = await raw(server.port, { path: p, method: p.startsWith('/api/call') || p === '/api/upload' ? 'POST' : 'GET', headers: { host: `127.0.0.1:${server.port}` } });
      expect(r.status, p).toBe(401);
      expect(r.headers.connection, p).toBe('close');
    }
    const wrong = await call('settings.get', {}, { authorization: 'Bearer ' + 'A'.repeat(43) });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    // ?token= only opens pages and downloads (GET), never a POST API call.
    const viaQuery = await fetch(`${server.url}api/call/settings.get?token=${server.token}`, { method: 'POST', body: '{}' });
    expect(viaQuery.status).toBe(401);
  });

  it('refuses the event socket without the token: 401 and closed', async () => {
    const wsUrl = `ws://127.0.0.1:${server.port}/api/events`;
    expect(await wsOutcome(wsUrl)).toEqual({ opened: false, status: 401 });
    expect(await wsOutcome(`${wsUrl}?token=nope-nope-nope-nope`)).toEqual({ opened: false, status: 401 });
    expect(await wsOutcome(`${wsUrl}?token=${server.token}`)).toEqual({ opened: true });
    expect(await wsOutcome(wsUrl, { authorization: `Bearer ${server.token}` })).toEqual({ opened: true });
    // A page from another origin cannot open it even with a token.
    expect((await wsOutcome(`${wsUrl}?token=${server.token}`, { origin: 'http://evil.example' })).opened).toBe(false);
  });

  it('rejects a forged Host header (DNS rebinding)', async () => {
    const r = await raw(server.port, { path: `/?token=${server.token}`, headers: { host: 'evil.example:80' } });
    expect(r.status).toBe(421);
  });

  it('serves the renderer with the token, sets the HttpOnly SameSite=Strict cookie and a strict CSP', async () => {
    const r = await raw(server.port, { path: `/?token=${server.token}`, headers: { host: `127.0.0.1:${server.port}` } });
    expect(r.status).toBe(200);
    expect(r.body).toContain('fixture');
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toContain(`=${server.token}`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(csp).not.toMatch(/https?:\/\/(?!127\.0\.0\.1|localhost)/);
    // The cookie alone now authorises assets and API calls.
    const name = cookie.split(';')[0];
    const asset = await raw(server.port, { path: '/app.js', headers: { host: `127.0.0.1:${server.port}`, cookie: name } });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('javascript');
    const api = await call('settings.get', {}, { cookie: name });
    expect(api.status).toBe(200);
    // Path traversal stays inside the renderer folder.
    const trav = await raw(server.port, { path: '/..%2f..%2f..%2fetc%2fpasswd', headers: { host: `127.0.0.1:${server.port}`, cookie: name } });
    expect(trav.body).not.toContain('root:');
  });

  it('runs API calls through the shared dispatcher: malformed payloads are 400 with the field named', async () => {
    const ok = await call('settings.get', {});
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ backend: 'auto', concurrency: 1, theme: 'system' });
    for (const name of ['runs.get', 'experiments.start', 'export.file', 'settings.update'] as Channel[]) {
      const { payload, field } = MALFORMED[name];
      const r = await call(name, payload);
      expect(r.status, name).toBe(400);
      const body = (await r.json()) as { error: { code: string; message: string } };
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error.code).toBe('INVALID_ARGUMENT');
      expect(body.error.message).toContain(`field '${field}`);
    }
    const unknown = await call('system.reboot', {});
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'UNKNOWN_CHANNEL' } });
    const notJson = await fetch(`${server.url}api/call/runs.list`, { method: 'POST', headers: { authorization: `Bearer ${server.token}` }, body: '{oops' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { message: string } }).error.message).toMatch(/not valid JSON/);
  });

  it('accepts an upload into the data dir', async () => {
    const csv = 'a,b,label\n1,2,x\n3,4,y\n';
    const r = await fetch(`${server.url}api/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'x-file-name': encodeURIComponent('my data.csv') },
      body: csv,
    });
    expect(r.status).toBe(200);
    const up = (await r.json()) as { uploadId: string; path: string };
    expect(up.uploadId).toMatch(/^[a-f0-9]{32}$/);
    expect(readFileSync(up.path, 'utf8')).toBe(csv);
    expect(up.path.startsWith(path.join(dataDir, 'uploads'))).toBe(true);
    const noName = await fetch(`${server.url}api/upload`, { method: 'POST', headers: { authorization: `Bearer ${server.token}` }, body: 'x' });
    expect(noName.status).toBe(400);
    // A name that is only dots, or a path, still lands as a file inside its own upload folder.
    for (const name of ['..', '.', '../..', '../../secret.csv']) {
      const dots = await fetch(`${server.url}api/upload`, { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'x-file-name': encodeURIComponent(name) }, body: csv });
      expect(dots.status, name).toBe(200);
      const d = (await dots.json()) as { uploadId: string; path: string };
      expect(path.dirname(d.path), name).toBe(path.join(dataDir, 'uploads', d.uploadId));
      expect(readFileSync(d.path, 'utf8'), name).toBe(csv);
    }
  });

  it('refuses an upload over the size limit', async () => {
    const dir = tmp('limit');
    const s = await startWebServer({ dataDir: dir, rendererDir, maxUploadBytes: 10, ...quiet });
    const r = await fetch(`${s.url}api/upload`, { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'x-file-name': 'big.csv' }, body: 'x'.repeat(100) });
    expect(r.status).toBe(413);
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('browser mode refuses what it must', () => {
  it('refuses to bind anywhere but 127.0.0.1', async () => {
    const dir = tmp('bind');
    for (const host of ['0.0.0.0', '::', '192.168.1.20', '10.0.0.5', '::1', 'example.com']) {
      await expect(startWebServer({ dataDir: dir, host, ...quiet }), host).rejects.toThrow(/only listens on 127\.0\.0\.1/);
    }
    // Nothing was left behind: the lock is free.
    expect(existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false);
    const s = await startWebServer({ dataDir: dir, host: 'localhost', ...quiet });
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second server on the same data directory, naming the first', async () => {
    const dir = tmp('lock');
    const first = await startWebServer({ dataDir: dir, ...quiet });
    const err = await startWebServer({ dataDir: dir, ...quiet }).then(
      () => null,
      (e: unknown) => e as { code: string; message: string; hint: string },
    );
    expect(err).not.toBeNull();
    expect(err!.code).toBe('CONFLICT');
    expect(err!.message).toContain(dir);
    expect(err!.message).toContain(`pid ${process.pid}`);
    expect(err!.message).toContain(first.url);
    expect(err!.message).not.toContain(first.token);
    expect(err!.hint).toMatch(/--data-dir/);
    // The first one is untouched and still answers.
    const r = await fetch(`${first.url}api/call/settings.get`, { method: 'POST', headers: { authorization: `Bearer ${first.token}` }, body: '{}' });
    expect(r.status).toBe(200);
    await first.close();
    // Once closed, the directory is free again.
    const second = await startWebServer({ dataDir: dir, ...quiet });
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes over a stale lock left by a dead process', async () => {
    const dir = tmp('stale');
    mkdirSync(dir, { recursive: true });
    // A pid that surely is dead: a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    writeFileSync(path.join(dir, LOCK_FILE_NAME), JSON.stringify({ pid: deadPid, host: 'browser mode', startedAt: '2020-01-01T00:00:00Z' }));
    const s = await startWebServer({ dataDir: dir, ...quiet });
    expect(JSON.parse(readFileSync(path.join(dir, LOCK_FILE_NAME), 'utf8')).pid).toBe(process.pid);
    await s.close();
    expect(existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('browser mode hardening', () => {
  let server: WebServer;
  let dataDir: string;
  const auth = () => ({ authorization: `Bearer ${server.token}`, host: `127.0.0.1:${server.port}` });

  beforeAll(async () => {
    dataDir = tmp('hard');
    // Two leftover uploads of an import never saved: one from two days ago, one from an hour ago.
    for (const [id, ageH] of [['a'.repeat(32), 48], ['b'.repeat(32), 1]] as const) {
      const d = path.join(dataDir, 'uploads', id);
      mkdirSync(d, { recursive: true });
      writeFileSync(path.join(d, 'old.csv'), 'x\n');
      const t = new Date(Date.now() - ageH * 3600_000);
      utimesSync(d, t, t);
    }
    server = await startWebServer({ dataDir, ...quiet });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a channel name that is not valid percent-encoding is a 400, not a 500', async () => {
    const r = await raw(server.port, { path: '/api/call/%E0%A4%A', method: 'POST', headers: auth(), body: '{}' });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
  });

  it('a body over the 16 MiB limit gets the 413 message, not a reset connection', async () => {
    const r = await raw(server.port, { path: '/api/call/runs.list', method: 'POST', headers: auth(), body: 'x'.repeat(17 * 1024 * 1024) });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error.message).toMatch(/16 MiB/);
  });

  it('the 421 answer to a wrong Host carries the security headers too', async () => {
    const r = await raw(server.port, { path: `/?token=${server.token}`, headers: { host: 'evil.example:80' } });
    expect(r.status).toBe(421);
    expect(String(r.headers['content-security-policy'])).toContain("default-src 'self'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('DENY');
  });

  it('removes uploads older than a day at start-up, and an upload once its import is saved', async () => {
    expect(existsSync(path.join(dataDir, 'uploads', 'a'.repeat(32)))).toBe(false);
    expect(existsSync(path.join(dataDir, 'uploads', 'b'.repeat(32)))).toBe(true);
    const up = await fetch(`${server.url}api/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'x-file-name': 'tiny.csv' },
      body: 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n',
    });
    const { uploadId, path: uploaded } = (await up.json()) as { uploadId: string; path: string };
    const saved = await fetch(`${server.url}api/call/import.save`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'tiny', spec: { name: 'tiny', files: [{ path: uploaded }], target: 'label' } }),
    });
    expect(saved.status, await saved.clone().text()).toBe(200);
    expect(existsSync(path.join(dataDir, 'uploads', uploadId))).toBe(false);
  });
});
