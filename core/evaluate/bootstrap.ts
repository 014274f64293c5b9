/**
 * Paired bootstrap 95% intervals for differences between runs scored on the same test rows
 * (METHOD.md §5 "Comparison"): 1000 resamples of the test samples with a fixed seed; the same
 * resampled indices are applied to both runs, so the interval reflects the paired difference.
 * Percentile intervals (2.5%, 97.5%).
 */
import { Rng } from '../rng';
import { quantileSorted } from '../stats';
import { groupIndices, partitionGroups, worstGroupAccuracy } from './groups';
import { robustAccuracy } from './distributional';

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_BOOTSTRAP_SEED = 20251107;

/** A statistic of one run on the resampled rows `idx` (indices into the test split, with repeats). */
export type SampleStatistic = (idx: Int32Array) => number;

export interface PairedInterval {
  /** Statistic of B minus statistic of A on the full test split. */
  difference: number;
  lo: number;
  hi: number;
  resamples: number;
  seed: number;
  /** Resamples where either statistic was undefined (e.g. a group absent), left out. */
  skipped: number;
}

export interface BootstrapOptions { resamples?: number; seed?: number; level?: number }

/** Paired percentile bootstrap of stat(b) − stat(a). */
export function pairedBootstrap(n: number, statA: SampleStatistic, statB: SampleStatistic, opts: BootstrapOptions = {}): PairedInterval {
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const seed = opts.seed ?? DEFAULT_BOOTSTRAP_SEED;
  const level = opts.level ?? 0.95;
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const difference = statB(all) - statA(all);
  const rng = new Rng(seed);
  const diffs: number[] = [];
  const idx = new Int32Array(n);
  let skipped = 0;
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    const d = statB(idx) - statA(idx);
    if (Number.isFinite(d)) diffs.push(d); else skipped++;
  }
  const s = Float64Array.from(diffs).sort();
  return { difference, lo: quantileSorted(s, (1 - level) / 2), hi: quantileSorted(s, 1 - (1 - level) / 2), resamples, seed, skipped };
}

// ---- the statistics the report compares, from per-sample predictions ----

export function accuracyStatistic(pred: ArrayLike<number>, y: ArrayLike<number>): SampleStatistic {
  return (idx) => { let ok = 0; for (let i = 0; i < idx.length; i++) if (pred[idx[i]] === y[idx[i]]) ok++; return ok / idx.length; };
}

/**
 * Worst-group accuracy under the minimum-size rule (METHOD.md §5). Which groups are ranked (and
 * whether the pool of small ones is) is fixed on the full test split, so every resample measures the
 * same quantity; a ranked group absent from a resample is skipped.
 */
export function worstGroupAccuracyStatistic(pred: ArrayLike<number>, y: ArrayLike<number>, group: ArrayLike<number>, nLevels: number): SampleStatistic {
  const partition = partitionGroups(groupIndices(group, nLevels).map((rows) => rows.length), y.length);
  return (idx) => {
    const p = new Int32Array(idx.length), yy = new Int32Array(idx.length), g = new Int32Array(idx.length);
    for (let i = 0; i < idx.length; i++) { p[i] = pred[idx[i]]; yy[i] = y[idx[i]]; g[i] = group[idx[i]]; }
    return worstGroupAccuracy(p, yy, g, nLevels, partition);
  };
}

/**
 * Robust accuracy (METHOD.md §5): the worst-case χ² weights of the resampled log-losses at `bEval`,
 * applied to the resampled correctness flags. `losses` are the per-sample log-losses of the run.
 */
export function robustAccuracyStatistic(losses: ArrayLike<number>, pred: ArrayLike<number>, y: ArrayLike<number>, bEval: number): SampleStatistic {
  return (idx) => {
    const l = new Float64Array(idx.length), c = new Float64Array(idx.length);
    for (let i = 0; i < idx.length; i++) { l[i] = losses[idx[i]]; c[i] = pred[idx[i]] === y[idx[i]] ? 1 : 0; }
    return robustAccuracy(l, c, bEval);
  };
}
