/**
 * The report frame (hardening issue, finding 8): the report has no scripts, so its frame is
 * sandboxed without allow-scripts; and its contents links still work there — checked in Chromium
 * with the app's own Content-Security-Policy, which a srcdoc frame inherits.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveChromium } from '../../core/chromium';
import { renderHtml, REPORT_SECTIONS } from '../../core/report/html';
import { sampleReport } from '../../core/report/sample';
import { contentSecurityPolicy } from '../../main/api/content-policy';
import { reportFrameDoc } from '../../renderer/src/lib/report-frame';

const root = path.resolve(__dirname, '../..');
// The system Chromium, else the npm one (core/chromium.ts; DRMM_CHROMIUM=npm forces it).
const resolved = resolveChromium({ purpose: 'browser' });
const CHROMIUM = resolved?.path ?? '';
const screen = readFileSync(path.join(root, 'renderer/src/screens/ReportScreen.svelte'), 'utf8');
const frameTag = /<iframe\b[^>]*data-testid="report-frame"[^>]*>/.exec(screen)?.[0] ?? '';
const sandbox = /\ssandbox="([^"]*)"/.exec(frameTag)?.[1];

describe('the report frame', () => {
  it('is sandboxed without scripts and shows the report through reportFrameDoc', () => {
    expect(frameTag).not.toBe('');
    expect(sandbox).toBeDefined();
    expect(sandbox!.split(/\s+/)).not.toContain('allow-scripts');
    expect(sandbox!.split(/\s+/)).not.toContain('allow-same-origin');
    expect(frameTag).toContain('srcdoc={reportFrameDoc(html)}');
  });

  describe.skipIf(!CHROMIUM || !existsSync(CHROMIUM))('in Chromium, under the app’s CSP', () => {
    let server: Server;
    let browser: Browser;
    let url = '';
    beforeAll(async () => {
      const html = renderHtml(sampleReport({ repeats: 1, severities: [0, 0.5] }));
      const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
      // The frame exactly as ReportScreen renders it: the same sandbox value, the same srcdoc transform.
      const page = `<!doctype html><html><body style="margin:0"><iframe id="report" style="width:900px;height:700px;border:0" sandbox="${sandbox}" srcdoc="${esc(reportFrameDoc(html))}"></iframe></body></html>`;
      server = createServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': contentSecurityPolicy() });
        res.end(page);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as { port: number }).port;
      url = `http://127.0.0.1:${port}/report`;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], env: { ...process.env, ...resolved?.env } as Record<string, string> });
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      server?.close();
    });

    it('its contents links scroll to their section, inside the frame', async () => {
      const page = await browser.newPage();
      await page.goto(url);
      const [id] = REPORT_SECTIONS[REPORT_SECTIONS.length - 1];
      const inner = page.frames().find((f) => f !== page.mainFrame())!;
      // A real mouse click on the link (the frame sits at the page's top left). Playwright's own
      // click waits for animation frames, which a frame without scripts never runs. On a loaded
      // machine the first click can land before the page is laid out for good (fonts), so the box
      // is measured again and the click repeated until the frame has moved, a few times at most.
      const clickLink = async () => {
        const box = await inner.evaluate((s) => {
          const r = document.querySelector(`nav.toc a[href$="#${s}"]`)!.getBoundingClientRect();
          return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
        }, id);
        await page.mouse.click(box.x, box.y);
      };
      for (let attempt = 0; attempt < 5 && inner.url() !== `about:srcdoc#${id}`; attempt++) {
        await clickLink();
        await expect.poll(() => inner.url(), { timeout: 3_000 }).toBe(`about:srcdoc#${id}`).catch(() => {});
      }
      expect(inner.url()).toBe(`about:srcdoc#${id}`);
      const top = await inner.evaluate((s) => document.getElementById(s)!.getBoundingClientRect().top, id);
      expect(Math.abs(top)).toBeLessThan(5);
      await page.close();
    });
  });
});
