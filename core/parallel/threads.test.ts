/**
 * mapOnThreads: the per-modality computations on worker threads give the numbers of one thread,
 * the workers really take part, and a task a worker cannot run is computed by the caller.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { unimodalLossesTask, type UnimodalInput } from '../evaluate/eval-radius';
import { shiftSensitivity, type ModalityRegressors } from '../evaluate/shift-sensitivity';
import { Rng } from '../rng';
import { bytesToCopy, lastMapStats, mapOnThreads, stopThreads } from './threads';

afterAll(() => stopThreads());

function unimodalInputs(k: number): UnimodalInput[] {
  const rng = new Rng(5);
  const n = 400, nClasses = 4;
  const y = Int32Array.from({ length: n }, () => Math.floor(rng.next() * nClasses));
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: k }, (_, m) => {
    const width = 30 + 10 * m;
    const x = Float32Array.from({ length: n * width }, (_, j) => (j % 5 === 0 ? 0 : rng.normal() + (y[Math.floor(j / width)] === j % nClasses ? 0.8 : 0)));
    return { x, width, y, nClasses, rows };
  });
}

/** Calls until the pool's workers have started and computed some tasks (they start in the background). */
async function withWorkers<R>(f: () => R): Promise<R> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const r = f();
    if (lastMapStats().byWorkers > 0) return r;
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error('no worker thread ever computed a task');
}

describe('mapOnThreads', () => {
  it('gives the unimodal fits of one thread, bit for bit, with the workers computing some of them', async () => {
    const inputs = unimodalInputs(6);
    const local = inputs.map(unimodalLossesTask);
    const threaded = await withWorkers(() => mapOnThreads('unimodal-losses', inputs, unimodalLossesTask, { threads: 3 }));
    expect(lastMapStats()).toMatchObject({ tasks: 6, workers: 2 });
    expect(threaded).toEqual(local);
  });

  it('gives the shift sensitivity of one thread', async () => {
    const rng = new Rng(9);
    const n = 120;
    const regressors: ModalityRegressors[] = Array.from({ length: 4 }, (_, k) => ({ modality: `m${k}`, x: Float64Array.from({ length: n * 12 }, () => rng.normal()), width: 12, kind: 'inputs' }));
    const loss = Array.from({ length: n }, (_, i) => Math.abs(regressors[1]!.x[i * 12] as number) + 0.3 * rng.next());
    const one = shiftSensitivity(loss, regressors, { seed: 3, threads: 1 });
    expect(lastMapStats().workers).toBe(0);
    const several = await withWorkers(() => shiftSensitivity(loss, regressors, { seed: 3, threads: 4 }));
    expect(several).toEqual(one);
    if (!one.available) throw new Error('expected an estimate');
    // the modality the loss depends on stands out (the estimate is not empty)
    expect(one.modalities[1]!.share).toBeGreaterThan(Math.max(...one.modalities.filter((_, k) => k !== 1).map((m) => m.share)));
  });

  it('computes on the calling thread what a worker cannot run (an unknown task), with the same results', async () => {
    const inputs = [1, 2, 3, 4, 5, 6, 7, 8];
    // warm the pool so that the workers do take tasks (and fail them)
    await withWorkers(() => mapOnThreads('unimodal-losses', unimodalInputs(4), unimodalLossesTask, { threads: 2 }));
    const out = mapOnThreads('no-such-task', inputs, (v) => v * v, { threads: 2 });
    expect(out).toEqual(inputs.map((v) => v * v));
  });

  it('keeps inputs above the byte budget on the calling thread', () => {
    const inputs = unimodalInputs(3);
    mapOnThreads('unimodal-losses', inputs, unimodalLossesTask, { threads: 3, bytes: bytesToCopy(inputs.map((t) => t.x)), maxBytes: 1000 });
    expect(lastMapStats()).toMatchObject({ tasks: 3, byWorkers: 0, workers: 0 });
  });

  it('counts the whole buffer of a view, each buffer once', () => {
    const buf = new Float32Array(1000);
    expect(bytesToCopy([buf.subarray(0, 10), buf.subarray(10, 20)])).toBe(4000);
    expect(bytesToCopy([new Float64Array(3), [1, 2]])).toBe(24 + 16);
  });
});
