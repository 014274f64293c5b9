/**
 * Smoke: browser mode serves the built renderer, the page loads and talks to the server over
 * HTTP and the event socket, and nothing leaves 127.0.0.1. Also checks that the harness itself
 * catches an external request (so the offline check can fail).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, isLocalUrl, rendererBuilt, startApp, type App } from './harness';

const ready = chromiumAvailable() && rendererBuilt();

describe.skipIf(!ready)('e2e smoke (browser mode + Chromium)', () => {
  let app: App;

  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('loads the app with nothing remote', async () => {
    await app.page.waitForLoadState('networkidle');
    await expect.poll(() => app.page.locator('#app *').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => app.requests.some((r) => r.url.includes('/api/call/')), { timeout: 15_000 }).toBe(true);
    await app.screenshot('smoke-start');
    app.assertOffline();
    expect(app.requests.every((r) => isLocalUrl(r.url))).toBe(true);
    expect(app.pageErrors.filter((e) => /Content Security Policy|Refused to/.test(e))).toEqual([]);
  });

  it('opens the event socket with the token', async () => {
    await expect.poll(() => app.requests.some((r) => r.resourceType === 'websocket' && r.url.includes('/api/events')), { timeout: 15_000 }).toBe(true);
  });

  it('keeps working after a restart on the same data directory', async () => {
    const dir = app.dataDir;
    await app.page.evaluate(() => fetch('/api/call/settings.update', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ theme: 'dark' }) }));
    await app.restart();
    expect(app.dataDir).toBe(dir);
    const theme = await app.page.evaluate(async () => ((await (await fetch('/api/call/settings.get', { method: 'POST', body: '{}' })).json()) as { theme: string }).theme);
    expect(theme).toBe('dark');
  });

  it('fails the offline check when the page reaches out', async () => {
    const before = app.requests.length;
    // (A fetch from the app would already be stopped by its CSP; a navigation is not.)
    const p = await app.context.newPage();
    await p.goto('https://example.com/x').catch(() => undefined);
    await p.close();
    expect(app.requests.slice(before).some((r) => r.external)).toBe(true);
    expect(() => app.assertOffline()).toThrow(/beyond 127\.0\.0\.1/);
    // Forget it so stop() reports only real leaks.
    app.requests.splice(before);
  });
});
