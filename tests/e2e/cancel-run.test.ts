/**
 * Cancel a running run from the training monitor: it ends as "cancelled" (kept in the history,
 * never lost), and the queued run behind it still trains to the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, rendererBuilt, startApp, type App } from './harness';
import { apiCall, gotoScreen, historyStatuses, shoot, startExperiment, waitLoaded } from './ui-steps';

const ready = chromiumAvailable() && rendererBuilt();

describe.skipIf(!ready)('cancel a running run', () => {
  let app: App;

  beforeAll(async () => {
    app = await startApp();
    await waitLoaded(app.page);
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
  });

  it('marks the run cancelled and the queue continues', async () => {
    const page = app.page;
    await page.click('[data-testid=try-sample-dermatology]');
    await page.waitForSelector('main[data-testid=screen-setup] [data-testid=setup-modality]', { timeout: 60_000 });
    // A long run first, then a short one queued behind it (one worker by default).
    await startExperiment(page, { methods: [{ method: 'erm', fusion: 'early' }], epochs: 5000, batchSize: 16, name: 'long', patienceSteps: 0 });
    await gotoScreen(page, 'setup');
    await startExperiment(page, { methods: [{ method: 'erm', fusion: 'intermediate' }], epochs: 3, name: 'short', minSteps: 0 });
    const running = page.locator('[data-testid=queue-item][data-status=running]').first();
    await running.waitFor({ timeout: 120_000 });
    const longId = await running.getAttribute('data-run-id');
    await running.click();
    await page.waitForSelector(`[data-testid=run-detail][data-run-id="${longId}"]`);
    await page.waitForSelector('[data-testid=progress-text]:has-text("epoch")', { timeout: 120_000 });
    // A long run's table shows its newest 100 epochs, all of them on request (charts: every epoch).
    await page.waitForSelector('[data-testid=epoch-table-all]', { timeout: 120_000 });
    expect(await page.locator('[data-testid=epoch-table] tbody tr').count()).toBe(100);
    await page.click('[data-testid=epoch-table-all]');
    await expect.poll(() => page.locator('[data-testid=epoch-table] tbody tr').count()).toBeGreaterThan(100);
    await page.click('[data-testid=epoch-table-fewer]');
    await page.click('[data-testid=cancel-run]');
    await shoot(app, 'monitor-cancel-confirm-light');
    await page.click('[data-testid=confirm-ok]');
    await page.waitForSelector(`[data-testid=run-detail][data-run-id="${longId}"][data-status=cancelled]`, { timeout: 60_000 });
    await page.waitForSelector('[data-testid=run-stopped]');
    await expect
      .poll(async () => (await page.locator('[data-testid=queue-item][data-status=succeeded]').count()), { timeout: 240_000, interval: 1000 })
      .toBe(1);
    await shoot(app, 'monitor-after-cancel-light');
    const statuses = await historyStatuses(page);
    expect(statuses[longId!]).toBe('cancelled');
    expect(Object.values(statuses).filter((s) => s === 'succeeded')).toHaveLength(1);
  }, 420_000);

  it('cancels an experiment from its group in the queue: every unfinished run, nothing else', async () => {
    const page = app.page;
    await gotoScreen(page, 'setup');
    await startExperiment(page, { methods: [{ method: 'erm', fusion: 'early' }, { method: 'chi2', fusion: 'early' }, { method: 'cvar', fusion: 'early' }], epochs: 5000, batchSize: 16, name: 'three long', patienceSteps: 0 });
    const group = page.locator('[data-testid=queue-experiment]').first();
    await group.waitFor({ timeout: 60_000 });
    const experimentId = Number(await group.getAttribute('data-experiment-id'));
    await page.waitForSelector('[data-testid=queue-item][data-status=running]', { timeout: 120_000 });
    await group.locator('[data-testid=queue-experiment-cancel]').click();
    const dialog = page.locator(`[data-testid=confirm-experiment-dialog][data-experiment-id="${experimentId}"]`);
    const listedX = await apiCall<{ result: { id: number; cells: number }[] } | { id: number; cells: number }[]>(page, 'experiments.list');
    const cells = (Array.isArray(listedX) ? listedX : listedX.result).find((x) => x.id === experimentId)!.cells;
    expect(cells).toBe(3);
    await expect.poll(() => dialog.locator('[data-testid=confirm-message]').textContent()).toMatch(/Its 3 unfinished runs \(1 running, 2 queued\) stop now/);
    await shoot(app, 'monitor-cancel-experiment-light');
    await dialog.locator('[data-testid=confirm-ok]').click();
    await page.waitForSelector('[data-testid=toast-info]:has-text("Cancelled 3 runs of “three long”")');
    await expect.poll(() => page.locator('[data-testid=queue-experiment]').count()).toBe(0);
    const listed = await apiCall<{ result: { id: number; experimentId: number | null }[] } | { id: number; experimentId: number | null }[]>(page, 'runs.list');
    const mine = (Array.isArray(listed) ? listed : listed.result).filter((r) => r.experimentId === experimentId);
    expect(mine).toHaveLength(3);
    const statuses = await historyStatuses(page);
    for (const r of mine) expect(statuses[String(r.id)]).toBe('cancelled');
    // the earlier runs are untouched
    expect(Object.values(statuses).filter((s) => s === 'succeeded')).toHaveLength(1);
    expect(Object.values(statuses).filter((s) => s === 'cancelled')).toHaveLength(4);
  }, 300_000);
});
