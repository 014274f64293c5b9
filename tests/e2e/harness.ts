/**
 * End-to-end harness: browser mode on a temporary data directory (in-process `startWebServer`),
 * driven by playwright-core with a Chromium from core/chromium.ts (the system one when installed,
 * else the one shipped in the npm package @sparticuz/chromium; DRMM_CHROMIUM=npm forces that one,
 * DRMM_CHROMIUM=/path picks a binary). Every request the page makes is
 * recorded; any that leaves 127.0.0.1 is aborted and fails `assertOffline()` (which `stop()` calls).
 *
 *   const app = await startApp();
 *   await app.page.getByRole('button', { name: 'Try a sample dataset' }).click();
 *   await app.screenshot('history-empty');      // → test-artifacts/screenshots/history-empty.png
 *   await app.restart();                         // same data dir, new server and page
 *   await app.stop();                            // throws if anything left 127.0.0.1
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { resolveChromium } from '../../core/chromium';
import { startWebServer, type WebServer } from '../../main/web/server';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-artifacts', 'screenshots');
const resolvedChromium = resolveChromium({ purpose: 'browser' });
/** The Chromium executable the e2e tests drive ('' when none could be found). */
export const CHROMIUM = resolvedChromium?.path ?? '';
/** Environment it needs (the npm Chromium's libraries and fonts; empty for a system one). */
export const CHROMIUM_ENV: Record<string, string> = resolvedChromium?.env ?? {};
/** Where it came from: 'system', 'npm' or 'override' (DRMM_CHROMIUM=/path). */
export const CHROMIUM_SOURCE = resolvedChromium?.source ?? null;
export const RENDERER_DIR = path.join(REPO_ROOT, 'dist', 'renderer');

/** Flags that keep Chromium from calling home (updates, sync, safe browsing, QUIC probes…). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication',
  '--metrics-recording-only',
  '--mute-audio',
];

export interface RecordedRequest {
  url: string;
  method: string;
  resourceType: string;
  /** Aborted because it was going somewhere else than 127.0.0.1. */
  external: boolean;
}

export interface StartAppOptions {
  /** Reuse a data directory (default: a fresh temporary one, removed by stop()). */
  dataDir?: string;
  rendererDir?: string;
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  /** Extra query string for the first page (e.g. 'theme=dark'). */
  query?: string;
  /** Give the server's output lines here (default: dropped). */
  log?: (line: string) => void;
}

export interface App {
  readonly dataDir: string;
  readonly server: WebServer;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every request so far (page, assets, API, sockets), oldest first. */
  readonly requests: RecordedRequest[];
  /** Console errors and uncaught page errors. */
  readonly pageErrors: string[];
  /** Saves test-artifacts/screenshots/<name>.png (full page); returns the path. */
  screenshot(name: string, opts?: { fullPage?: boolean }): Promise<string>;
  /** Opens another page of the app (same token/cookie). */
  newPage(): Promise<Page>;
  /** Stops server and browser, starts both again on the SAME data directory. */
  restart(): Promise<void>;
  /** Throws when any request left 127.0.0.1. */
  assertOffline(): void;
  /** Closes browser and server; throws if any request left 127.0.0.1. Removes a temporary data dir. */
  stop(): Promise<void>;
}

export function isLocalUrl(raw: string): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (['data:', 'blob:', 'about:', 'chrome-error:'].includes(u.protocol)) return true;
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) return false;
  return u.hostname === '127.0.0.1';
}

export function chromiumAvailable(): boolean {
  return CHROMIUM !== '' && existsSync(CHROMIUM);
}

export function rendererBuilt(dir = RENDERER_DIR): boolean {
  return existsSync(path.join(dir, 'index.html'));
}

class AppImpl implements App {
  dataDir: string;
  server!: WebServer;
  context!: BrowserContext;
  page!: Page;
  readonly requests: RecordedRequest[] = [];
  readonly pageErrors: string[] = [];
  private profileDir = '';

  constructor(private readonly opts: StartAppOptions, private readonly ownsDataDir: boolean) {
    this.dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'drmm-e2e-data-'));
  }

  async start(): Promise<void> {
    this.server = await startWebServer({
      dataDir: this.dataDir,
      rendererDir: this.opts.rendererDir ?? RENDERER_DIR,
      log: this.opts.log ?? (() => undefined),
    });
    this.profileDir = mkdtempSync(path.join(tmpdir(), 'drmm-e2e-profile-'));
    try {
      this.context = await chromium.launchPersistentContext(this.profileDir, {
        executablePath: CHROMIUM,
        env: { ...process.env, ...CHROMIUM_ENV } as Record<string, string>,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: this.opts.viewport ?? { width: 1280, height: 800 },
        colorScheme: this.opts.colorScheme ?? 'light',
        acceptDownloads: true,
        serviceWorkers: 'block',
      });
    } catch (e) {
      await this.server.close();
      throw e;
    }
    // Anything not for 127.0.0.1 is recorded and aborted before it leaves.
    await this.context.route('**/*', (route) => {
      const req = route.request();
      const external = !isLocalUrl(req.url());
      this.requests.push({ url: req.url(), method: req.method(), resourceType: req.resourceType(), external });
      return external ? route.abort('blockedbyclient') : route.continue();
    });
    this.context.on('page', (p) => this.watch(p));
    this.page = this.context.pages()[0] ?? (await this.context.newPage());
    this.watch(this.page);
    const q = this.opts.query ? `&${this.opts.query}` : '';
    await this.page.goto(`${this.server.urlWithToken}${q}`, { waitUntil: 'domcontentloaded' });
  }

  private watch(p: Page): void {
    p.on('websocket', (ws) => {
      this.requests.push({ url: ws.url(), method: 'GET', resourceType: 'websocket', external: !isLocalUrl(ws.url()) });
    });
    p.on('pageerror', (e) => this.pageErrors.push(`pageerror: ${e.message}`));
    p.on('console', (m) => {
      if (m.type() === 'error') this.pageErrors.push(`console: ${m.text()}`);
    });
  }

  async screenshot(name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
    await this.page.screenshot({ path: file, fullPage: opts.fullPage ?? true });
    return file;
  }

  async newPage(): Promise<Page> {
    const p = await this.context.newPage();
    await p.goto(this.server.urlWithToken, { waitUntil: 'domcontentloaded' });
    return p;
  }

  assertOffline(): void {
    const bad = this.requests.filter((r) => r.external);
    if (bad.length > 0) {
      throw new Error(`The app tried to reach beyond 127.0.0.1:\n${bad.map((r) => `  ${r.method} ${r.url} (${r.resourceType})`).join('\n')}`);
    }
  }

  private async shutdown(): Promise<void> {
    await this.context?.close().catch(() => undefined);
    if (this.profileDir) rmSync(this.profileDir, { recursive: true, force: true });
    await this.server?.close();
  }

  async restart(): Promise<void> {
    await this.shutdown();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.shutdown();
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
    this.assertOffline();
  }
}

/** Starts browser mode and Chromium, opens the tokened URL. */
export async function startApp(opts: StartAppOptions = {}): Promise<App> {
  const app = new AppImpl(opts, opts.dataDir === undefined);
  await app.start();
  return app;
}
