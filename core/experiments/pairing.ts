/**
 * Seed-paired comparison of two configurations (METHOD.md §5 "Seeds and experiments"): for every
 * seed both configurations ran, the two runs share their split, so the difference b − a is taken
 * on the same test rows; the estimate is the mean of the per-seed differences, and its 95%
 * interval comes from a bootstrap that, in each of 1000 replicates (fixed seed), resamples test
 * rows within each seed — the same rows for both runs — and averages the per-seed differences.
 *
 * The resampling and the statistics are those of the single-test-set paired bootstrap
 * (core/evaluate/bootstrap.ts): the same generator, the same draws (with one seed the two agree
 * exactly), the same per-sample statistics (accuracy, robust accuracy, worst-group accuracy).
 */
import {
  accuracyStatistic, DEFAULT_BOOTSTRAP_SEED, DEFAULT_RESAMPLES, robustAccuracyStatistic, worstGroupAccuracyStatistic,
  type BootstrapOptions, type SampleStatistic,
} from '../evaluate/bootstrap';
import { argmaxRows, sampleLosses } from '../evaluate/metrics';
import type { RunEvaluation } from '../evaluate/schema';
import { Rng } from '../rng';
import { mean, quantileSorted } from '../stats';
import type { ComparedMetric } from './schema';

/** One seed's pair: statistics of run a and run b on resampled test rows (indices into that seed's test split). */
export interface SeedPair {
  seed: number;
  n: number;
  statA: SampleStatistic;
  statB: SampleStatistic;
}

export interface SeedPairedInterval {
  /** Mean over seeds of stat(b) − stat(a) on the full test splits. */
  meanDiff: number;
  lo: number;
  hi: number;
  perSeed: { seed: number; diff: number }[];
  resamples: number;
  seed: number;
  /** Replicates left out because a statistic was undefined on some seed's resample (a group absent). */
  skipped: number;
}

export function seedPairedBootstrap(pairs: readonly SeedPair[], opts: BootstrapOptions = {}): SeedPairedInterval {
  if (pairs.length === 0) throw new Error('seedPairedBootstrap: no seed pairs');
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const seed = opts.seed ?? DEFAULT_BOOTSTRAP_SEED;
  const level = opts.level ?? 0.95;
  const perSeed = pairs.map((p) => {
    const all = Int32Array.from({ length: p.n }, (_, i) => i);
    return { seed: p.seed, diff: p.statB(all) - p.statA(all) };
  });
  const rng = new Rng(seed);
  const idx = pairs.map((p) => new Int32Array(p.n));
  const replicates: number[] = [];
  let skipped = 0;
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    // Every seed's rows are drawn even when an earlier seed's statistic is undefined, so replicate r
    // always uses the same stretch of the generator.
    for (let s = 0; s < pairs.length; s++) {
      const { n, statA, statB } = pairs[s];
      for (let i = 0; i < n; i++) idx[s][i] = rng.int(n);
      sum += statB(idx[s]) - statA(idx[s]);
    }
    if (Number.isFinite(sum)) replicates.push(sum / pairs.length); else skipped++;
  }
  const sorted = Float64Array.from(replicates).sort();
  return {
    meanDiff: mean(perSeed.map((p) => p.diff)), lo: quantileSorted(sorted, (1 - level) / 2), hi: quantileSorted(sorted, 1 - (1 - level) / 2),
    perSeed, resamples, seed, skipped,
  };
}

/** Whether two evaluations scored the same test rows in the same order (the condition for pairing them). */
export function sameTestRows(a: RunEvaluation, b: RunEvaluation): boolean {
  const ra = a.samples.rows, rb = b.samples.rows;
  return ra.length === rb.length && ra.every((r, i) => r === rb[i]);
}

/** The per-sample statistic of `metric` for one run's stored predictions; undefined when the run has no groups (worst-group). */
export function metricStatistic(ev: RunEvaluation, metric: ComparedMetric, bEval: number): SampleStatistic | undefined {
  const { probs, y, group } = ev.samples;
  const pred = argmaxRows(probs, y.length, ev.classes.length);
  if (metric === 'accuracy') return accuracyStatistic(pred, y);
  if (metric === 'robustAccuracy') return robustAccuracyStatistic(sampleLosses(probs, y, ev.classes.length), pred, y, bEval);
  return group && ev.groupLevels ? worstGroupAccuracyStatistic(pred, y, group, ev.groupLevels.length) : undefined;
}
