/**
 * Development aid: serve dist/renderer and screenshot every screen against the mock API
 * (`?mock=1`) in both themes. Usage: node --import tsx renderer/scripts/mock-screenshots.ts [outDir]
 */
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../../dist/renderer');
const out = resolve(process.argv[2] ?? 'test-artifacts/screenshots/mock');
const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.wasm': 'application/wasm' };

const server = createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  try {
    const body = await readFile(join(root, path === '/' ? 'index.html' : path));
    res.writeHead(200, { 'Content-Type': types[extname(path)] ?? (path === '/' ? 'text/html' : 'application/octet-stream') });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as { port: number }).port;
await mkdir(out, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const only = process.env.ONLY?.split(',');
for (const theme of ['light', 'dark']) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (m) => m.type() === 'error' && console.error(`[${theme}] console:`, m.text()));
  page.on('pageerror', (e) => console.error(`[${theme}] pageerror:`, e.message));
  const shots: [string, string, (() => Promise<void>)?][] = [
    ['history-empty', `?mock=1&empty=1&theme=${theme}#/history`],
    ['history', `?mock=1&theme=${theme}#/history`, async () => { await page.click('[data-testid=run-row][data-run-id="2"] [data-testid=run-name]'); }],
    ['datasets', `?mock=1&theme=${theme}#/history`, async () => { await page.click('[data-testid=tab-datasets]'); }],
    ['import-files', `?mock=1&theme=${theme}#/import`, async () => { await page.fill('[data-testid=file-path-input]', '/data/study/patients.csv'); await page.click('[data-testid=file-path-add]'); await page.waitForSelector('[data-testid=file-row]'); }],
    ['import-columns', `?mock=1&theme=${theme}#/import`, async () => {
      await page.fill('[data-testid=file-path-input]', '/data/study/patients.csv'); await page.click('[data-testid=file-path-add]'); await page.waitForSelector('[data-testid=file-row]');
      await page.click('[data-testid=import-next-columns]');
      await page.fill('[data-testid=rule-value]', 'lab_'); await page.fill('[data-testid=rule-name]', 'lab'); await page.click('[data-testid=rule-apply]');
      await page.selectOption('[data-testid=rule-kind]', 'pattern'); await page.fill('[data-testid=rule-value]', '^img_'); await page.fill('[data-testid=rule-name]', 'imaging'); await page.click('[data-testid=rule-apply]');
      for (const c of ['age', 'sex', 'bp', 'chol']) await page.check(`[data-testid=column-row][data-column="${c}"] input[type=checkbox]`);
      await page.fill('[data-testid=selection-name]', 'clinical'); await page.click('[data-testid=selection-apply]');
    }],
    ['import-validate', `?mock=1&theme=${theme}#/import`, async () => {
      await page.fill('[data-testid=file-path-input]', '/data/study/patients.csv'); await page.click('[data-testid=file-path-add]'); await page.waitForSelector('[data-testid=file-row]');
      await page.click('[data-testid=import-next-columns]');
      await page.fill('[data-testid=rule-value]', 'lab_'); await page.fill('[data-testid=rule-name]', 'lab'); await page.click('[data-testid=rule-apply]');
      await page.fill('[data-testid=rule-value]', 'img_'); await page.fill('[data-testid=rule-name]', 'imaging'); await page.click('[data-testid=rule-apply]');
      await page.click('[data-testid=import-next-validate]'); await page.waitForSelector('[data-testid=validation-issue], [data-testid=validation-ok]');
    }],
    ['setup', `?mock=1&theme=${theme}#/setup?dataset=2`, async () => { await page.waitForSelector('[data-testid=setup-modality]'); }],
    ['monitor', `?mock=1&theme=${theme}#/setup?dataset=1`, async () => {
      await page.waitForSelector('[data-testid=setup-modality]'); await page.click('[data-testid=start-runs]'); await page.waitForSelector('[data-testid=run-detail][data-status=running]'); await page.waitForTimeout(7000);
    }],
    ['report', `?mock=1&theme=${theme}#/report?runs=1,2`, async () => { await page.waitForSelector('[data-testid=report-frame]'); }],
    ['settings', `?mock=1&theme=${theme}#/settings`],
  ];
  for (const [name, url, act] of shots) {
    if (only && !only.includes(name)) continue;
    await page.goto(`http://127.0.0.1:${port}/${url.replace('?', `?n=${name}&`)}`);
    await page.waitForSelector('[data-loaded=true]');
    await page.waitForTimeout(150);
    if (act) await act();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(out, `${name}-${theme}.png`) });
  }
  await page.close();
}
await browser.close();
server.close();
console.log(`screenshots in ${out}`);
