/**
 * Which job body the process tests drive. Default: the real training path (core/experiment.ts
 * through core/jobs/experiment-job.ts, TF.js on the cpu backend). `DRMM_TEST_JOB=diagnostic` runs
 * the same crash / cancel / cache tests on the diagnostic job (plain CPU work, no TF.js), which is
 * quicker when working on the queue itself.
 */
import { encodeDataset } from '../../core/data/cache';
import type { Dataset } from '../../core/data/dataset';

export type JobUnderTest = 'diagnostic' | 'experiment';
export const JOB: JobUnderTest = process.env.DRMM_TEST_JOB === 'diagnostic' ? 'diagnostic' : 'experiment';
export const isDiagnostic = JOB === 'diagnostic';

/** A run config that trains for roughly `seconds` on this machine, in `epochs` epochs. */
export function slowConfig(seconds: number, epochs = 5): Record<string, unknown> {
  if (JOB === 'diagnostic') {
    const stepsPerEpoch = 10;
    return { method: 'erm', diagnostic: { epochs, stepsPerEpoch, stepMs: Math.round((seconds * 1000) / (epochs * stepsPerEpoch)) } };
  }
  // minSteps 0: the run trains exactly these epochs, so its duration follows `seconds`.
  return { method: 'erm', fusion: 'intermediate', epochs: Math.max(epochs, Math.round(seconds * 20)), batchSize: 64, minSteps: 0, patienceSteps: 0, seed: 1, backend: 'cpu' };
}

/** A run config that finishes quickly. */
export function fastConfig(): Record<string, unknown> {
  if (JOB === 'diagnostic') return { method: 'erm', diagnostic: { epochs: 2, stepsPerEpoch: 3, stepMs: 5 } };
  return { method: 'erm', fusion: 'intermediate', epochs: 2, batchSize: 64, minSteps: 0, seed: 1, backend: 'cpu' };
}

/** A small two-modality dataset. */
export function syntheticDataset(n = 600): Dataset {
  const a = new Float32Array(n * 4);
  const b = new Float32Array(n * 3);
  const codes = new Int32Array(n);
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
  for (let i = 0; i < n; i++) {
    const y = i % 2;
    codes[i] = y;
    for (let j = 0; j < 4; j++) a[i * 4 + j] = rnd() + (j === 0 ? y : 0);
    for (let j = 0; j < 3; j++) b[i * 3 + j] = rnd() + (j === 1 ? -y : 0);
  }
  return {
    name: 'synthetic', nRows: n,
    modalities: [
      { name: 'a', features: ['a0', 'a1', 'a2', 'a3'], width: 4, values: a },
      { name: 'b', features: ['b0', 'b1', 'b2'], width: 3, values: b },
    ],
    target: { name: 'y', classes: ['0', '1'], codes },
  };
}

/** The dataset cache bytes the job under test reads: any bytes for the diagnostic job, helper A's encoding for the real one. */
export async function datasetCacheBytes(): Promise<Buffer> {
  if (JOB === 'diagnostic') return Buffer.from(JSON.stringify({ synthetic: true, rows: 600 }));
  return encodeDataset(syntheticDataset());
}
