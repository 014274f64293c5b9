/**
 * The lab queue in the UI (browser mode, Chromium), with a Redis server started for the test:
 *  - Setup offers "Run on" only once a lab queue is configured (Settings → Lab queue: URL, test
 *    connection, key);
 *  - "the lab queue" sends the experiment's cells there (waiting in Redis, not training here), and
 *    Training says they wait in the lab queue;
 *  - a lab worker with the key takes the cell: Training names the machine running it, the run
 *    lands in the history like a local one (its report stored), and names its worker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeyFile } from '../../core/distributed/envelope';
import { CELLS_QUEUE } from '../../core/distributed/layout';
import { parseQueueUrl } from '../../core/distributed/queue-url';
import { LabWorker } from '../../core/distributed/worker';
import { chromiumAvailable, rendererBuilt, startApp, type App } from '../e2e/harness';
import { apiCall, gotoScreen, waitLoaded } from '../e2e/ui-steps';
import { redisMissing, startRedis, type TestRedis } from './redis-server';

const missing = redisMissing() ?? (!chromiumAvailable() ? 'no Chromium found' : !rendererBuilt() ? 'the renderer is not built (npm run build:renderer)' : undefined);
if (missing) console.warn(`tests/distributed/lab-ui.test.ts skipped: ${missing}`);

interface RunRow { id: number; status: string; experimentId: number; labQueue: string | null; workerHost: string | null }

async function call<T>(page: Page, channel: string, request: unknown = {}): Promise<T> {
  const r = await apiCall<T | { result: T }>(page, channel, request);
  return (r && typeof r === 'object' && 'result' in (r as object) ? (r as { result: T }).result : r) as T;
}

describe.skipIf(missing !== undefined)('the lab queue in the UI (Setup → Run on, Training names the worker)', () => {
  let redis: TestRedis;
  let app: App;
  let page: Page;
  let worker: LabWorker | undefined;
  let cells: Queue;
  let experimentId = 0;
  const workDir = mkdtempSync(path.join(tmpdir(), 'drmm-lab-ui-'));

  beforeAll(async () => {
    redis = await startRedis();
    app = await startApp({ viewport: { width: 1280, height: 800 } });
    page = app.page;
    await waitLoaded(page);
    cells = new Queue(CELLS_QUEUE, { connection: { host: '127.0.0.1', port: redis.port, username: 'drmm', password: redis.password }, prefix: 'drmm' });
  }, 60_000);
  afterAll(async () => {
    await worker?.close(true);
    await cells?.close();
    await app?.stop();
    await redis?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('Setup offers no "Run on" while no lab queue is configured', async () => {
    await page.click('[data-testid=try-sample-dermatology]');
    await page.waitForSelector('main[data-testid=screen-setup] [data-testid=setup-modality]', { timeout: 90_000 });
    await page.waitForSelector('[data-testid=grid-size]');
    expect(await page.locator('[data-testid=setup-run-on]').count()).toBe(0);
  }, 120_000);

  it('Settings: the queue URL is saved, the connection tested, a key made; Setup then offers the lab queue', async () => {
    await gotoScreen(page, 'settings');
    await page.fill('[data-testid=lab-url]', redis.url);
    await page.click('[data-testid=lab-save]');
    await expect.poll(() => page.textContent('[data-testid=settings-lab]')).toContain(`redis://drmm:***@127.0.0.1:${redis.port}/0`);
    await page.click('[data-testid=lab-test]');
    await expect.poll(() => page.textContent('[data-testid=lab-test-result]')).toMatch(/^Connected to Redis 7\.\d+\.\d+ at 127\.0\.0\.1:\d+ as drmm/);
    await page.click('[data-testid=lab-generate-key]');
    await expect.poll(() => call<{ keyId: string | null }>(page, 'lab.get').then((l) => l.keyId)).toMatch(/^[0-9a-f]{16}$/);
    const { keyId } = await call<{ keyId: string }>(page, 'lab.get');
    expect(await page.textContent('[data-testid=settings-lab]')).not.toContain(redis.password);

    await gotoScreen(page, 'setup');
    await page.waitForSelector('[data-testid=setup-run-on]');
    expect(await page.locator('[data-testid=run-on-local]').isChecked()).toBe(true); // this machine stays the default
    await page.check('[data-testid=run-on-lab]');
    expect(await page.textContent('[data-testid=run-on-note]')).toBe(
      `cells wait in redis://drmm@127.0.0.1:${redis.port}/0 for the lab's workers (drmm worker) holding the lab key ${keyId} (${path.join(app.dataDir, 'lab.key')}); results are recorded here.`,
    );
  }, 60_000);

  it('"the lab queue" sends the cells there: they wait in Redis, and Training says so', async () => {
    for (const m of ['erm', 'chi2', 'cvar', 'kl', 'group-dro', 'mm-dro', 'logreg']) {
      const box = page.locator(`[data-testid=method-${m}]`);
      const want = m === 'erm';
      if ((await box.isEnabled()) && (await box.isChecked()) !== want) await box.setChecked(want);
    }
    await page.selectOption('[data-testid=fusion-erm]', 'early');
    await page.fill('[data-testid=setup-epochs]', '2');
    await page.fill('[data-testid=setup-batch]', '64');
    await page.fill('[data-testid=setup-name]', 'on the lab');
    const advanced = page.locator('[data-testid=setup-advanced]');
    if (!(await advanced.evaluate((d) => (d as HTMLDetailsElement).open))) await advanced.locator('summary').click();
    await page.fill('[data-testid=setup-min-steps]', '0');
    await page.selectOption('[data-testid=setup-backend]', 'cpu');
    await expect.poll(() => page.textContent('[data-testid=grid-size]')).toMatch(/^1 configuration × 1 seed = 1 run/);
    await page.click('[data-testid=start-runs]');
    await page.waitForSelector('main[data-testid=screen-monitor]', { timeout: 30_000 });

    const exp = (await call<{ id: number; name: string }[]>(page, 'experiments.list')).find((e) => e.name === 'on the lab')!;
    experimentId = exp.id;
    const label = `redis://drmm@127.0.0.1:${redis.port}/0`;
    await expect.poll(async () => (await cells.getJobCounts('waiting')).waiting, { timeout: 20_000 }).toBe(1);
    const mine = (await call<RunRow[]>(page, 'runs.list')).filter((r) => r.experimentId === experimentId);
    expect(mine.map((r) => [r.status, r.labQueue, r.workerHost])).toEqual([['queued', label, null]]);
    await expect.poll(() => page.locator('[data-testid=queue-item]').first().textContent(), { timeout: 10_000 }).toContain('waiting in the lab queue');
  }, 60_000);

  it('a lab worker takes the cell: Training names the machine; the run lands in the history with its report', async () => {
    worker = await LabWorker.start({
      address: parseQueueUrl(redis.url), key: readKeyFile(path.join(app.dataDir, 'lab.key')), dir: path.join(workDir, 'worker'), name: 'gpu-box', stallSeconds: 10, log: () => undefined,
    });
    // While it runs (TF.js loading, training, evaluation: seconds), the queue item names the worker.
    await expect.poll(() => page.locator('[data-testid=queue-item-worker]').first().textContent().then((t) => t?.trim(), () => null), { timeout: 120_000, interval: 100 }).toBe('· on gpu-box');
    const id = (await call<RunRow[]>(page, 'runs.list')).find((r) => r.experimentId === experimentId)!.id;
    await expect.poll(async () => (await call<RunRow[]>(page, 'runs.list')).find((r) => r.id === id)?.status, { timeout: 240_000, interval: 500 }).toBe('succeeded');
    const run = (await call<RunRow[]>(page, 'runs.list')).find((r) => r.id === id)!;
    expect(run.workerHost).toBe('gpu-box');
    // As if it had run here: its report was stored from the evaluation the worker sent back.
    const detail = await call<{ artifacts: { kind: string }[] }>(page, 'runs.get', { id });
    expect(detail.artifacts.map((a) => a.kind).sort()).toEqual(['model', 'report-html', 'report-json']);
    // The finished run's detail in Training names the machine too.
    await page.click(`[data-testid=queue-item][data-run-id="${id}"]`);
    await expect.poll(() => page.textContent('[data-testid=run-detail]'), { timeout: 10_000 }).toContain('on lab worker gpu-box');
  }, 300_000);
});
