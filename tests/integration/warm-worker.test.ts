/**
 * A run's fixed costs paid ahead: the queue starts the next run's training process while the
 * current one trains and hands it that run's dataset (`prepare` with `data`), so the process
 * decodes and prepares the data, computes the evaluation radius's γ and the reference rows before
 * the run starts; the run then takes them as they are, with the same numbers.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeDataset } from '../../core/data/cache';
import { JobQueue } from '../../core/jobs/queue';
import { Store } from '../../core/store/store';
import { syntheticDataset } from './job-under-test';

let dir: string;
let store: Store;
let queue: JobQueue | undefined;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'drmm-warm-'));
  store = Store.open(dir);
});

afterEach(async () => {
  await queue?.shutdown();
  queue = undefined;
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

type Timing = { trainSeconds: number; evaluateSeconds: number; prepareSeconds?: number; evalRadiusSeconds?: number; referencesSeconds?: number };
type Results = { test: { accuracy: number | null; logLoss: number | null }; bEval: number; timing: Timing };

describe('a process started ahead prepares its run', () => {
  it('the second run starts in a process that already decoded and prepared its dataset; same numbers', async () => {
    const ds = store.importDataset({ name: 'synthetic', spec: { test: true }, files: [{ path: 'd.csv', sha256: 'd'.repeat(64), bytes: 1 }], cache: encodeDataset(syntheticDataset()) }).dataset;
    queue = new JobQueue({ store, job: 'experiment' });
    const config = { method: 'erm', fusion: 'intermediate', epochs: 3, batchSize: 64, minSteps: 0, seed: 1, backend: 'cpu' };
    const r1 = queue.enqueue({ datasetId: ds.id, config });
    const r2 = queue.enqueue({ datasetId: ds.id, config });
    const f1 = await queue.waitFor(r1.id);
    const f2 = await queue.waitFor(r2.id);
    expect(f1.status, f1.error ?? '').toBe('succeeded');
    expect(f2.status, f2.error ?? '').toBe('succeeded');
    expect(f2.timings?.prelaunched).toBe(1);

    const a = store.getRunResult(r1.id)!.results as Results;
    const b = store.getRunResult(r2.id)!.results as Results;
    // The first run prepared its data itself; the second found them prepared in its process.
    expect(a.timing.prepareSeconds).toBeGreaterThan(0);
    expect(b.timing.prepareSeconds).toBe(0);
    // γ (and so B_eval) from the process's memory or the disk cache: the same value, almost no time.
    expect(b.bEval).toBe(a.bEval);
    expect(b.timing.evalRadiusSeconds).toBeLessThan(0.05);
    expect(readdirSync(path.join(dir, 'cache', 'eval-radius'))).toHaveLength(1);
    // Same config, same seed, same data: the same model and metrics.
    expect(b.test).toEqual(a.test);
  });
});
