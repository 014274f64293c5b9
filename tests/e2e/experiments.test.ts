/**
 * Experiments in the UI (issue "Experiments") and History as an analyst meets it, in browser mode
 * with Chromium:
 *  - Setup shows the grid and its size ("2 configurations × 2 seeds = 4 runs, about …") and launches
 *    ONE experiment (experiments.create); the form keeps its values afterwards;
 *  - Training groups the queue under the experiment with an overall progress bar;
 *  - History lists the experiment (configurations, best configuration, status), expandable to its
 *    runs with configuration and seed on each; search and sort on both levels; the experiment's
 *    report opens from there; retry of failed cells and clone are offered and work;
 *  - History layout: no horizontal scroll at 1280, "Created" whole; # and Name stay in view with
 *    the side panel open; at 1920 numbers right-aligned under right-aligned headers; the Datasets
 *    tab's delete icon whole; delete has an undo; "Change runs" keeps the selection; "Clone this
 *    run"; a re-imported bundle adds nothing twice.
 * Screenshots (both themes, 1280×800 and 1920×1080): test-artifacts/screenshots/experiments-*.png;
 * `npm run screenshots`-style runs (DRMM_UPDATE_DOCS_SCREENSHOTS=1) refresh docs/screenshots/experiment-history.png.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, rendererBuilt, startApp, type App } from './harness';
import { apiCall, gotoScreen, setTheme, shoot, waitLoaded } from './ui-steps';

const ready = chromiumAvailable() && rendererBuilt();
const SMALL = { width: 1280, height: 800 };
const LARGE = { width: 1920, height: 1080 };

interface RunRow { id: number; status: string; name: string; experimentId: number; cell: { configuration: string; seed: number } }
interface ExperimentRow { id: number; name: string; status: string; cells: number; configurations: string[]; statusCounts: Record<string, number> }

/** An API answer, whether or not the host wraps it. */
async function call<T>(page: Page, channel: string, request: unknown = {}): Promise<T> {
  const r = await apiCall<T | { result: T }>(page, channel, request);
  return (r && typeof r === 'object' && 'result' in (r as object) ? (r as { result: T }).result : r) as T;
}
const runs = (page: Page) => call<RunRow[]>(page, 'runs.list', {});
const experiments = (page: Page) => call<ExperimentRow[]>(page, 'experiments.list', {});

/** Both themes at both sizes: <name>-{light,dark}-{1280,1920}.png. Leaves the page light at 1280. */
async function shootAll(app: App, name: string, reopen: () => Promise<void>): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(app.page, theme);
    for (const size of [SMALL, LARGE]) {
      await app.page.setViewportSize(size);
      await reopen();
      await shoot(app, `${name}-${theme}-${size.width}`, { docs: false });
    }
  }
  await setTheme(app.page, 'light');
  await app.page.setViewportSize(SMALL);
  await reopen();
}

describe.skipIf(!ready)('experiments in the UI', () => {
  let app: App;
  let page: Page;
  let experimentId = 0;

  beforeAll(async () => {
    app = await startApp({ viewport: SMALL });
    page = app.page;
    await waitLoaded(page);
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
  });

  async function openSetup(): Promise<void> {
    await gotoScreen(page, 'setup');
    await page.waitForSelector('[data-testid=setup-grid] [data-testid=grid-size]');
  }

  it('sets up 2 methods × 2 seeds on dermatology, shows the grid and its size, launches one experiment', async () => {
    await page.click('[data-testid=try-sample-dermatology]');
    await page.waitForSelector('main[data-testid=screen-setup] [data-testid=setup-modality]', { timeout: 90_000 });
    for (const m of ['erm', 'chi2', 'cvar', 'kl', 'group-dro', 'mm-dro', 'logreg']) {
      const box = page.locator(`[data-testid=method-${m}]`);
      const want = m === 'erm' || m === 'mm-dro';
      if ((await box.isEnabled()) && (await box.isChecked()) !== want) await box.setChecked(want);
    }
    await page.selectOption('[data-testid=fusion-erm]', 'early');
    await page.click('[data-testid=seed-mode-count]');
    await page.fill('[data-testid=setup-seed-count]', '2');
    await page.fill('[data-testid=setup-epochs]', '3');
    await page.fill('[data-testid=setup-batch]', '32');
    await page.fill('[data-testid=setup-name]', 'derm grid');
    const advanced = page.locator('[data-testid=setup-advanced]');
    if (!(await advanced.evaluate((d) => (d as HTMLDetailsElement).open))) await advanced.locator('summary').click();
    await page.fill('[data-testid=setup-min-steps]', '20');
    await page.fill('[data-testid=setup-patience]', '0');
    await expect.poll(() => page.textContent('[data-testid=grid-size]')).toMatch(/^2 configurations × 2 seeds = 4 runs, (about \d+ (s|min)|under a minute)$/);
    expect(await page.textContent('[data-testid=grid-estimate-source]')).toMatch(/rows × steps/);
    expect(await page.locator('[data-testid=grid-configuration]').allTextContents()).toEqual(['erm:early', 'mm-dro:intermediate']);
    expect(await page.textContent('[data-testid=start-runs]')).toMatch(/4 runs/);
    // The radii are explained by a glossary tooltip; a radius list grows the grid.
    await page.locator('[data-testid=term-training-radii]').focus();
    await expect.poll(() => page.locator('[data-testid=tooltip-training-radii]').isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await page.fill('[data-testid=setup-radii]', '0.05, 0.2');
    await expect.poll(() => page.textContent('[data-testid=grid-size]')).toMatch(/^3 configurations × 2 seeds = 6 runs/);
    expect(await page.locator('[data-testid=grid-configuration]').allTextContents()).toEqual(['erm:early', 'mm-dro:intermediate ρ=0.05', 'mm-dro:intermediate ρ=0.2']);
    await page.fill('[data-testid=setup-radii]', '');
    await expect.poll(() => page.textContent('[data-testid=grid-size]')).toMatch(/= 4 runs/);
    await page.evaluate(() => document.querySelector('main .screen-body')?.scrollTo(0, 0));

    await shootAll(app, 'experiments-setup', async () => {
      await openSetup();
      await page.evaluate(() => document.querySelector('main .screen-body')?.scrollTo(0, 0));
    });
    // Switching screens kept every value.
    expect(await page.inputValue('[data-testid=setup-seed-count]')).toBe('2');
    expect(await page.inputValue('[data-testid=setup-name]')).toBe('derm grid');

    await page.click('[data-testid=start-runs]');
    await page.waitForSelector('main[data-testid=screen-monitor]', { timeout: 30_000 });
    const list = await experiments(page);
    const exp = list.find((e) => e.name === 'derm grid')!;
    expect(exp).toMatchObject({ cells: 4, configurations: ['erm:early', 'mm-dro:intermediate'] });
    experimentId = exp.id;
    expect((await runs(page)).filter((r) => r.experimentId === experimentId)).toHaveLength(4);
    expect(list.filter((e) => e.name === 'derm grid')).toHaveLength(1); // ONE experiment
  }, 240_000);

  it('groups the queue under the experiment with an overall progress bar', async () => {
    const group = page.locator(`[data-testid=queue-experiment][data-experiment-id="${experimentId}"]`);
    await group.waitFor({ timeout: 30_000 });
    expect(await group.locator('[data-testid=queue-item]').count()).toBeGreaterThan(0);
    expect(await group.locator('[role=progressbar]').first().getAttribute('aria-label')).toBe('Overall progress of experiment derm grid');
    expect(await group.locator('[data-testid=queue-experiment-count]').textContent()).toMatch(/^\d\/4$/);
    await shoot(app, 'experiments-monitor-light-1280');
    await page.setViewportSize(LARGE);
    await shoot(app, 'experiments-monitor-light-1920');
    await page.setViewportSize(SMALL);
    // The form kept its values after the launch.
    await openSetup();
    expect(await page.inputValue('[data-testid=setup-seed-count]')).toBe('2');
    expect(await page.inputValue('[data-testid=setup-epochs]')).toBe('3');
    expect(await page.locator('[data-testid=method-mm-dro]').isChecked()).toBe(true);
    expect(await page.locator('[data-testid=method-kl]').isChecked()).toBe(false);
    await gotoScreen(page, 'monitor');
    const t0 = Date.now();
    await expect.poll(async () => (await experiments(page)).find((e) => e.id === experimentId)?.status, { timeout: 400_000, interval: 2000 }).toBe('succeeded');
    if (process.env.DRMM_E2E_TIMINGS === '1') {
      const ids = (await runs(page)).filter((r) => r.experimentId === experimentId).map((r) => r.id);
      const details = await Promise.all(ids.map((id) => call<{ results: { timing: unknown; training: unknown } }>(page, 'runs.get', { id })));
      console.log(JSON.stringify({ waitedMs: Date.now() - t0, timings: details.map((d) => [d.results.timing, d.results.training]) }));
    }
  }, 480_000);

  async function openHistory(): Promise<void> {
    await gotoScreen(page, 'history');
    await page.waitForSelector(`[data-testid=experiment-row][data-experiment-id="${experimentId}"]`);
    const toggle = page.locator(`[data-testid=experiment-row][data-experiment-id="${experimentId}"] [data-testid=experiment-toggle]`);
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
    await page.waitForSelector(`[data-testid=run-row][data-experiment-id="${experimentId}"]`);
  }

  it('lists the experiment in History, expandable to its runs, with search and sort on both levels', async () => {
    await openHistory();
    const row = page.locator(`[data-testid=experiment-row][data-experiment-id="${experimentId}"]`);
    expect(await row.locator('[data-testid=experiment-name]').textContent()).toBe('derm grid');
    expect(await row.locator('[data-testid=experiment-configurations]').textContent()).toBe('2 configurations');
    expect(await row.locator('[data-testid=experiment-status]').textContent()).toMatch(/succeeded/);
    expect(await row.locator('[data-testid=experiment-best]').textContent()).toMatch(/^best (erm:early|mm-dro:intermediate), robust acc\. \d\.\d{3}$/);
    expect(await row.locator('[data-testid=experiment-seeds]').textContent()).toBe('2 seeds (0, 1)');
    const children = page.locator(`[data-testid=run-row][data-experiment-id="${experimentId}"]`);
    expect(await children.count()).toBe(4);
    const cells = await children.evaluateAll((rows) => rows.map((r) => `${r.querySelector('[data-testid=run-configuration]')!.textContent} #${r.querySelector('[data-testid=run-seed]')!.textContent}`));
    expect(cells.sort()).toEqual(['erm:early #0', 'erm:early #1', 'mm-dro:intermediate #0', 'mm-dro:intermediate #1']);
    // the best metric can be chosen
    await page.selectOption('[data-testid=history-best-metric]', 'accuracy');
    await expect.poll(() => row.locator('[data-testid=experiment-best]').textContent()).toMatch(/, accuracy \d\.\d{3}$/);
    await page.selectOption('[data-testid=history-best-metric]', 'robustAccuracy');
    // search on the run level: the experiment opens with just the matching runs
    await row.locator('[data-testid=experiment-toggle]').click(); // collapse
    expect(await children.count()).toBe(0);
    await page.fill('[data-testid=history-filter]', 'mm-dro');
    await expect.poll(() => children.count()).toBe(2);
    expect(await children.locator('[data-testid=run-configuration]').allTextContents()).toEqual(['mm-dro:intermediate', 'mm-dro:intermediate']);
    await page.fill('[data-testid=history-filter]', 'derm grid'); // the experiment level: found, left closed
    await expect.poll(() => children.count()).toBe(0);
    expect(await row.count()).toBe(1);
    await page.fill('[data-testid=history-filter]', 'no such thing');
    await expect.poll(() => row.count()).toBe(0);
    await page.fill('[data-testid=history-filter]', '');
    // sort on the run level (seed, descending then ascending)
    await openHistory();
    await page.click('[data-testid=sort-seed]');
    await page.click('[data-testid=sort-seed]');
    const seeds = async () => children.locator('[data-testid=run-seed]').allTextContents();
    const first = await seeds();
    await page.click('[data-testid=sort-seed]');
    const second = await seeds();
    expect([first, second].map((s) => s.join(''))).toEqual(expect.arrayContaining(['0011', '1100']));
    await page.click('[data-testid=sort-createdAt]');
  }, 120_000);

  it('History layout: no horizontal scroll at 1280 and “Created” whole; # and Name stay in view with the side panel', async () => {
    await openHistory();
    const scroller = page.locator('[data-testid=history-scroll]');
    const fits = () => scroller.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    const f = await fits();
    expect(f.scroll).toBeLessThanOrEqual(f.client);
    const created = await page.evaluate(() => {
      const th = document.querySelector('[data-testid=sort-createdAt]')!.closest('th')!;
      const wrap = document.querySelector('[data-testid=history-scroll]')!.getBoundingClientRect();
      const r = th.getBoundingClientRect();
      const label = th.querySelector('.label') as HTMLElement;
      return { right: r.right, wrapRight: wrap.right, labelCut: label.scrollWidth > label.clientWidth, dateCut: Array.from(document.querySelectorAll('[data-testid=run-row] td.date')).some((td) => (td as HTMLElement).scrollWidth > (td as HTMLElement).clientWidth) };
    });
    expect(created.right).toBeLessThanOrEqual(created.wrapRight + 0.5);
    expect(created.labelCut).toBe(false);
    expect(created.dateCut).toBe(false);
    await shoot(app, 'experiments-history-light-1280');

    // The side panel narrows the table; scrolled right, # and Name stay in view.
    const firstRun = page.locator(`[data-testid=run-row][data-experiment-id="${experimentId}"]`).first();
    await firstRun.locator('[data-testid=run-name]').click();
    await page.waitForSelector('[data-testid=run-inspector]');
    expect(await page.textContent('[data-testid=inspector-configuration]')).toMatch(/erm:early|mm-dro:intermediate/);
    await scroller.evaluate((el) => (el.scrollLeft = el.scrollWidth));
    const sticky = await page.evaluate(() => {
      const wrap = document.querySelector('[data-testid=history-scroll]') as HTMLElement;
      const w = wrap.getBoundingClientRect();
      const row = document.querySelector('[data-testid=run-row]')!;
      const id = row.querySelector('td.s1')!.getBoundingClientRect();
      const name = row.querySelector('td.s2')!.getBoundingClientRect();
      const hdr = document.querySelector('[data-testid=sort-name]')!.closest('th')!.getBoundingClientRect();
      return { scrolled: wrap.scrollLeft, wrapLeft: w.left, idLeft: id.left, nameLeft: name.left, nameRight: name.right, headerLeft: hdr.left };
    });
    expect(sticky.scrolled).toBeGreaterThan(0);
    expect(sticky.idLeft).toBeGreaterThanOrEqual(sticky.wrapLeft);
    expect(sticky.idLeft).toBeLessThan(sticky.wrapLeft + 60);
    expect(sticky.nameLeft).toBeLessThan(sticky.wrapLeft + 100);
    expect(sticky.headerLeft).toBeCloseTo(sticky.nameLeft, 0);
    await shoot(app, 'experiments-history-panel-light-1280');
    await scroller.evaluate((el) => (el.scrollLeft = 0));
    await page.click('[data-testid=run-inspector] [aria-label="Close details"]');
  }, 120_000);

  it('at 1920 numbers sit right-aligned under right-aligned headers; the Datasets tab’s delete icon is whole', async () => {
    await page.setViewportSize(LARGE);
    await openHistory();
    const align = await page.evaluate(() => {
      const out: { col: string; header: number; cells: number[] }[] = [];
      for (const key of ['accuracy', 'robust', 'seed', 'id']) {
        const th = document.querySelector(`[data-testid=sort-${key}]`)!.closest('th')!;
        const index = Array.from(th.parentElement!.children).indexOf(th);
        const label = th.querySelector('.label')!.getBoundingClientRect();
        const cells = Array.from(document.querySelectorAll('[data-testid=run-row]')).map((tr) => {
          const td = tr.children[index] as HTMLElement;
          const range = document.createRange();
          range.selectNodeContents(td);
          return range.getBoundingClientRect().right;
        });
        out.push({ col: key, header: label.right, cells });
      }
      return out;
    });
    for (const c of align) for (const x of c.cells) expect(Math.abs(x - c.header), c.col).toBeLessThan(1.5);
    await page.click('[data-testid=tab-datasets]');
    const icon = await page.evaluate(() => {
      const btn = document.querySelector('[data-testid=dataset-delete]')!.getBoundingClientRect();
      const td = document.querySelector('[data-testid=dataset-delete]')!.closest('td')!.getBoundingClientRect();
      const wrap = document.querySelector('[data-testid=datasets-table]')!.parentElement!;
      return { btnRight: btn.right, tdRight: td.right, btnLeft: btn.left, tdLeft: td.left, scroll: wrap.scrollWidth - wrap.clientWidth };
    });
    expect(icon.btnRight).toBeLessThanOrEqual(icon.tdRight);
    expect(icon.btnLeft).toBeGreaterThanOrEqual(icon.tdLeft);
    expect(icon.scroll).toBeLessThanOrEqual(0);
    await shoot(app, 'experiments-datasets-light-1920');
    await page.setViewportSize(SMALL);
    await shoot(app, 'experiments-datasets-light-1280');
    const small = await page.evaluate(() => {
      const btn = document.querySelector('[data-testid=dataset-delete]')!.getBoundingClientRect();
      const td = document.querySelector('[data-testid=dataset-delete]')!.closest('td')!.getBoundingClientRect();
      return btn.right <= td.right && btn.left >= td.left;
    });
    expect(small).toBe(true);
    await page.click('[data-testid=tab-runs]');
  }, 120_000);

  it('screenshots History with the experiment expanded, both themes and sizes', async () => {
    await shootAll(app, 'experiments-history', openHistory);
  }, 180_000);

  it('opens the experiment report from History, with its configurations and comparisons', async () => {
    await openHistory();
    await page.locator(`[data-testid=experiment-row][data-experiment-id="${experimentId}"] [data-testid=experiment-name]`).click();
    await page.waitForSelector('[data-testid=experiment-inspector]');
    expect(await page.locator('[data-testid=experiment-retry]').isVisible()).toBe(true);
    expect(await page.locator('[data-testid=experiment-retry]').isDisabled()).toBe(true); // nothing failed
    expect(await page.locator('[data-testid=experiment-clone]').isVisible()).toBe(true);
    await page.click('[data-testid=experiment-open-report]');
    await page.waitForSelector('main[data-testid=screen-report] [data-testid=report-experiment]');
    const frame = page.frameLocator('[data-testid=report-frame]');
    await frame.locator('body').waitFor({ timeout: 120_000 });
    await expect.poll(() => frame.locator('body').textContent(), { timeout: 120_000 }).toMatch(/erm:early/);
    const text = (await frame.locator('body').textContent()) ?? '';
    expect(text).toContain('mm-dro:intermediate');
    // A comparison in words against ERM (whatever the report helper renders: a sentence or a table row).
    expect(text).toMatch(/(than|against|vs\.?|compared|difference|versus)/i);
    await shoot(app, 'experiments-report-light-1280');
  }, 180_000);

  it('clones the experiment (other seeds) and retries its failed cells', async () => {
    await openHistory();
    await page.locator(`[data-testid=experiment-row][data-experiment-id="${experimentId}"] [data-testid=experiment-name]`).click();
    await page.click('[data-testid=experiment-clone]');
    await page.fill('[data-testid=experiment-clone-name]', 'derm grid, seed 5');
    // Radii can change too: the grid had none (each method's default); a wrong list is refused in words.
    expect(await page.inputValue('[data-testid=experiment-clone-radii]')).toBe('');
    await page.fill('[data-testid=experiment-clone-radii]', '0.1, abc');
    await expect.poll(() => page.locator('[data-testid=experiment-clone-submit]').isDisabled()).toBe(true);
    expect(await page.textContent('[data-testid=experiment-clone-form]')).toContain('Give radii as numbers ≥ 0');
    await page.fill('[data-testid=experiment-clone-radii]', '');
    await page.fill('[data-testid=experiment-clone-seeds]', '5');
    await page.click('[data-testid=experiment-clone-submit]');
    await expect.poll(async () => (await experiments(page)).find((e) => e.name === 'derm grid, seed 5')?.cells).toBe(2);
    const clone = (await experiments(page)).find((e) => e.name === 'derm grid, seed 5')!;
    const cloneRuns = (await runs(page)).filter((r) => r.experimentId === clone.id);
    // One cell fails to finish: cancel the queued one.
    const queued = cloneRuns.sort((a, b) => b.id - a.id)[0]!;
    await call(page, 'runs.cancel', { id: queued.id });
    // The monitor groups the clone, in the dark theme, at both sizes.
    await setTheme(page, 'dark');
    for (const size of [SMALL, LARGE]) {
      await page.setViewportSize(size);
      await gotoScreen(page, 'monitor');
      const group = page.locator(`[data-testid=queue-experiment][data-experiment-id="${clone.id}"]`);
      if (await group.count()) await shoot(app, `experiments-monitor-dark-${size.width}`);
    }
    await page.setViewportSize(SMALL);
    await setTheme(page, 'light');
    await expect.poll(async () => (await experiments(page)).find((e) => e.id === clone.id)?.status, { timeout: 300_000, interval: 2000 }).toBe('incomplete');
    await gotoScreen(page, 'history');
    await page.locator(`[data-testid=experiment-row][data-experiment-id="${clone.id}"] [data-testid=experiment-name]`).click();
    const retry = page.locator('[data-testid=experiment-retry]');
    await expect.poll(() => retry.textContent()).toMatch(/Retry failed cells \(1\)/);
    expect(await retry.isEnabled()).toBe(true);
    await shoot(app, 'experiments-history-retry-light-1280');
    await retry.click();
    await page.waitForSelector('[data-testid=toast-success]:has-text("1 cell queued again")');
    await expect.poll(async () => (await experiments(page)).find((e) => e.id === clone.id)?.status, { timeout: 300_000, interval: 2000 }).toBe('succeeded');
    // The README's picture: two experiments, the first one open (DRMM_UPDATE_DOCS_SCREENSHOTS=1 copies it to docs/screenshots/).
    await page.click('[data-testid=experiment-inspector] [aria-label="Close details"]');
    await openHistory();
    await shoot(app, 'experiment-history', { docs: true });
  }, 480_000);

  it('deletes with an undo, keeps the selection on “Change runs”, clones a run', async () => {
    await openHistory();
    const ids = (await runs(page)).filter((r) => r.experimentId === experimentId).map((r) => r.id).sort((a, b) => a - b);
    // Change runs keeps the selection
    for (const id of ids.slice(0, 2)) await page.check(`[data-testid=run-row][data-run-id="${id}"] input[type=checkbox]`);
    await page.click('[data-testid=compare-selected]');
    await page.waitForSelector('[data-testid=report-frame]', { timeout: 120_000 });
    await page.click('[data-testid=report-change-runs]');
    await page.waitForSelector('[data-testid=report-picker]');
    for (const id of ids.slice(0, 2)) expect(await page.isChecked(`[data-testid=report-pick][data-run-id="${id}"]`)).toBe(true);
    expect(await page.isChecked(`[data-testid=report-pick][data-run-id="${ids[2]}"]`)).toBe(false);

    // Delete + Undo: the run comes back and is never deleted on the host.
    await openHistory();
    const victim = ids[3]!;
    await page.locator(`[data-testid=run-row][data-run-id="${victim}"] [data-testid=run-name]`).click();
    await page.click('[data-testid=run-delete]');
    await expect.poll(() => page.locator(`[data-testid=run-row][data-run-id="${victim}"]`).count()).toBe(0);
    const toast = page.locator('[data-testid=toast-success]:has-text("Run deleted")');
    await shoot(app, 'experiments-history-undo-light-1280');
    await toast.locator('[data-testid=toast-action]').click();
    await expect.poll(() => page.locator(`[data-testid=run-row][data-run-id="${victim}"]`).count()).toBe(1);
    await page.waitForTimeout(7000);
    expect((await runs(page)).some((r) => r.id === victim)).toBe(true);

    // Clone this run: a new run with the same configuration and seed.
    await page.locator(`[data-testid=run-row][data-run-id="${victim}"] [data-testid=run-name]`).click();
    const before = (await runs(page)).length;
    await page.click('[data-testid=run-clone]');
    await page.waitForSelector('[data-testid=toast-success]:has-text("cloned as run")');
    const after = await runs(page);
    expect(after.length).toBe(before + 1);
    const copy = after.sort((a, b) => b.id - a.id)[0]!;
    const original = after.find((r) => r.id === victim)!;
    expect(copy.cell.seed).toBe(original.cell.seed);
    expect(copy.name).toMatch(/\(copy\)$/);
    await call(page, 'runs.cancel', { id: copy.id });
  }, 240_000);

  it('re-importing a bundle of runs already here adds nothing and says so', async () => {
    const id = (await runs(page)).find((r) => r.experimentId === experimentId && r.status === 'succeeded')!.id;
    const out = await call<{ downloadUrl: string; fileName: string }>(page, 'export.file', { kind: 'bundle', runIds: [id] });
    const text = await page.evaluate(async (url) => (await fetch(url)).text(), out.downloadUrl);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'drmm-e2e-bundle-')), out.fileName);
    writeFileSync(file, text);
    const before = (await runs(page)).length;
    await gotoScreen(page, 'history');
    await page.setInputFiles('[data-testid=bundle-file-input]', file);
    await page.waitForSelector('[data-testid=toast-info]:has-text("Already in the history")', { timeout: 60_000 });
    expect((await runs(page)).length).toBe(before);
    expect(app.pageErrors.filter((e) => /pageerror|Content Security Policy/.test(e))).toEqual([]);
  }, 120_000);
});
