/**
 * Steps the UI end-to-end tests share (built on harness.ts): navigation, theme, screenshots,
 * the import wizard and experiment setup driven the way a user would, by data-testid.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT, SCREENSHOT_DIR, type App } from './harness';

export const DOCS_SCREENSHOTS = path.join(REPO_ROOT, 'docs', 'screenshots');
export type ScreenName = 'history' | 'import' | 'setup' | 'monitor' | 'report' | 'glossary' | 'settings';

export async function waitLoaded(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid=app-shell][data-loaded=true]', { timeout: 30_000 });
}

export async function gotoScreen(page: Page, screen: ScreenName): Promise<void> {
  await page.click(`[data-testid=nav-${screen}]`);
  await page.waitForSelector(`main[data-testid=screen-${screen}]`);
}

export async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await gotoScreen(page, 'settings');
  await page.check(`[data-testid=theme-${theme}]`);
  await page.waitForSelector(`html[data-theme=${theme}]`);
}

/**
 * A 1280×800 screenshot in test-artifacts/screenshots/<name>.png. With `docs`, and when
 * DRMM_UPDATE_DOCS_SCREENSHOTS=1 (`npm run screenshots`), it also refreshes the README's copy in
 * docs/screenshots/ — a plain `npm test` leaves tracked files alone.
 */
export async function shoot(app: App, name: string, opts: { docs?: boolean } = {}): Promise<string> {
  await app.page.waitForTimeout(250); // let charts and transitions settle
  const file = await app.screenshot(name, { fullPage: false });
  if (opts.docs && process.env.DRMM_UPDATE_DOCS_SCREENSHOTS === '1') {
    mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
    copyFileSync(file, path.join(DOCS_SCREENSHOTS, path.basename(file)));
  }
  return file;
}

export { SCREENSHOT_DIR };

/** Import wizard: add files by path, or by upload when `upload` is set. Leaves the wizard on the Files step. */
export async function addImportFile(page: Page, file: string, how: 'path' | 'upload'): Promise<void> {
  await gotoScreen(page, 'import');
  const before = await page.locator('[data-testid=file-row]').count();
  if (how === 'upload') await page.setInputFiles('[data-testid=file-input]', file);
  else {
    await page.fill('[data-testid=file-path-input]', file);
    await page.click('[data-testid=file-path-add]');
  }
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid=file-row]').length > n || !!document.querySelector('[data-testid=error-notice]'),
    before,
    { timeout: 30_000 },
  );
}

/** Columns step: modality by regex pattern. */
export async function assignByPattern(page: Page, modality: string, pattern: string): Promise<void> {
  await page.selectOption('[data-testid=rule-kind]', 'pattern');
  await page.fill('[data-testid=rule-value]', pattern);
  await page.fill('[data-testid=rule-name]', modality);
  await page.click('[data-testid=rule-apply]');
}

/** Columns step: every feature column without a modality goes to `modality`. */
export async function assignUnassigned(page: Page, modality: string): Promise<void> {
  await page.fill('[data-testid=selection-name]', modality);
  await page.click('[data-testid=selection-apply]');
}

export async function validateImport(page: Page): Promise<void> {
  await page.click('[data-testid=import-next-validate]');
  await page.waitForSelector('[data-testid=validation-panel][data-checked=true], [data-testid=error-notice]', { timeout: 60_000 });
}

/** Setup screen: choose methods (with fusion), epochs, batch size; start; lands on the monitor. Returns the new run count. */
export async function startExperiment(
  page: Page,
  opts: { methods: { method: string; fusion?: string }[]; epochs: number; batchSize?: number; name?: string; patienceSteps?: number; minSteps?: number },
): Promise<void> {
  await page.waitForSelector('[data-testid=setup-modality]', { timeout: 30_000 });
  for (const m of ['erm', 'chi2', 'cvar', 'kl', 'group-dro', 'mm-dro']) {
    const box = page.locator(`[data-testid=method-${m}]`);
    const want = opts.methods.some((x) => x.method === m);
    if ((await box.isEnabled()) && (await box.isChecked()) !== want) await box.setChecked(want);
  }
  for (const m of opts.methods) if (m.fusion) await page.selectOption(`[data-testid=fusion-${m.method}]`, m.fusion);
  await page.fill('[data-testid=setup-epochs]', String(opts.epochs));
  if (opts.batchSize) await page.fill('[data-testid=setup-batch]', String(opts.batchSize));
  if (opts.name) await page.fill('[data-testid=setup-name]', opts.name);
  if (opts.patienceSteps !== undefined || opts.minSteps !== undefined) {
    const advanced = page.locator('[data-testid=setup-advanced]');
    if (!(await advanced.evaluate((d) => (d as HTMLDetailsElement).open))) await advanced.locator('summary').click();
    if (opts.patienceSteps !== undefined) await page.fill('[data-testid=setup-patience]', String(opts.patienceSteps));
    if (opts.minSteps !== undefined) await page.fill('[data-testid=setup-min-steps]', String(opts.minSteps));
  }
  await page.click('[data-testid=start-runs]');
  await page.waitForSelector('main[data-testid=screen-monitor]', { timeout: 30_000 });
}

/** History: show the runs of every experiment (experiments of several runs are listed collapsed). */
export async function expandExperiments(page: Page): Promise<void> {
  const toggle = page.locator('[data-testid=history-expand-all]');
  if ((await toggle.count()) && (await toggle.isEnabled()) && (await toggle.textContent())?.includes('Expand')) await toggle.click();
}

/** Status of every run in the History table (every experiment expanded), by run id. */
export async function historyStatuses(page: Page): Promise<Record<string, string>> {
  await gotoScreen(page, 'history');
  await page.waitForSelector('[data-testid=runs-table]');
  await expandExperiments(page);
  return page.$$eval('[data-testid=run-row]', (rows) => Object.fromEntries(rows.map((r) => [r.getAttribute('data-run-id') ?? '', r.getAttribute('data-status') ?? ''])));
}

/** Calls the API from the page (same token/cookie as the UI). */
export async function apiCall<T>(page: Page, channel: string, request: unknown = {}): Promise<T> {
  return page.evaluate(
    async ([c, r]) => {
      const res = await fetch(`/api/call/${c}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r) });
      return res.json();
    },
    [channel, request] as const,
  ) as Promise<T>;
}
