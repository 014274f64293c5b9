/**
 * Per-group (environment) metrics with counts, and worst-group accuracy over groups of a minimum
 * size (METHOD.md §5 "Groups", version 2).
 *
 * A group with fewer than max(10, 2% of the test rows) rows is too small to rank: one row decides
 * its accuracy (0 or 1), so before version 2 a single misclassified row pinned worst-group accuracy
 * to 0. Such groups are pooled into one "small groups" row (listed by name). Worst-group accuracy is
 * the minimum over the groups that reach the minimum size, and over the pooled row when the pool
 * itself reaches it: a pool of that size is estimated as well as any single group, and leaving it out
 * would hide every rare environment at once. A pool below the minimum is shown but not ranked.
 */
import { accuracy, argmaxRows, balancedAccuracy, logLoss, macroF1 } from './metrics';

/** Minimum rows of a ranked group: max(MIN_GROUP_ROWS, MIN_GROUP_FRACTION × test rows) (METHOD.md §5). */
export const MIN_GROUP_ROWS = 10;
export const MIN_GROUP_FRACTION = 0.02;
/** Label of the pooled row (and of the worst group when the pool is the worst). */
export const SMALL_GROUPS_LABEL = 'small groups (pooled)';

export interface GroupScores {
  n: number;
  /** Class counts of the true labels. */
  classCounts: number[];
  accuracy: number;
  balancedAccuracy: number;
  macroF1: number;
  logLoss: number;
}

export interface GroupMetrics extends GroupScores {
  /** Group code (index into the dataset's group levels). */
  code: number;
  level: string;
  /** Below the minimum size: pooled, not ranked on its own. */
  small: boolean;
}

export interface PooledGroups extends GroupScores {
  /** Levels of the pooled groups, in level order. */
  levels: string[];
  /** The pool reaches the minimum size and counts toward worst-group accuracy. */
  ranked: boolean;
}

export interface GroupReport {
  groups: GroupMetrics[];
  /** Groups with fewer rows are pooled (METHOD.md §5). */
  minGroupSize: number;
  /** The small groups as one row; null when there are none. */
  pooled: PooledGroups | null;
  /** Minimum accuracy over the ranked groups (and the pool when ranked); NaN when none is ranked. */
  worstGroupAccuracy: number;
  /** Level of the worst group, `SMALL_GROUPS_LABEL` for the pool, '' when none is ranked. */
  worstGroup: string;
}

/** Which groups are ranked on their own, and whether the pool of the others is. */
export interface GroupPartition {
  minSize: number;
  /** Codes of the non-empty groups with at least `minSize` rows. */
  big: number[];
  /** Codes of the non-empty groups below it. */
  small: number[];
  poolRanked: boolean;
}

/** max(10, 2% of the rows), as a row count (a group of n rows qualifies when n ≥ this). */
export function minGroupSize(nRows: number): number {
  return Math.max(MIN_GROUP_ROWS, Math.ceil(MIN_GROUP_FRACTION * nRows - 1e-9));
}

/** Splits groups by their row counts (`counts[code]`) against the minimum size for `nRows` test rows. */
export function partitionGroups(counts: ArrayLike<number>, nRows: number): GroupPartition {
  const minSize = minGroupSize(nRows);
  const big: number[] = [], small: number[] = [];
  let pooled = 0;
  for (let g = 0; g < counts.length; g++) {
    if (counts[g] <= 0) continue;
    if (counts[g] >= minSize) big.push(g);
    else { small.push(g); pooled += counts[g]; }
  }
  return { minSize, big, small, poolRanked: pooled >= minSize };
}

/** Rows of `group` equal to each code, in order. */
export function groupIndices(group: ArrayLike<number>, nLevels: number): number[][] {
  const idx: number[][] = Array.from({ length: nLevels }, () => []);
  for (let i = 0; i < group.length; i++) { const g = group[i]; if (g >= 0 && g < nLevels) idx[g].push(i); }
  return idx;
}

/** The ranked unit of lowest accuracy (a group code, or null for the pool); ties keep the first. */
function worstUnit(ok: ArrayLike<number>, cnt: ArrayLike<number>, p: GroupPartition): { code: number | null; accuracy: number } | undefined {
  const units: { code: number | null; accuracy: number }[] = p.big.filter((g) => cnt[g] > 0).map((g) => ({ code: g, accuracy: ok[g] / cnt[g] }));
  if (p.poolRanked) {
    let o = 0, c = 0;
    for (const g of p.small) { o += ok[g]; c += cnt[g]; }
    if (c > 0) units.push({ code: null, accuracy: o / c });
  }
  let worst: (typeof units)[number] | undefined;
  for (const u of units) if (!worst || u.accuracy < worst.accuracy) worst = u;
  return worst;
}

/**
 * Worst-group accuracy from predictions under the minimum-size rule. `partition` fixes which groups
 * are ranked (the bootstrap passes the full test split's, so every resample ranks the same groups);
 * by default it is computed from these rows. NaN when no group is ranked.
 */
export function worstGroupAccuracy(pred: ArrayLike<number>, y: ArrayLike<number>, group: ArrayLike<number>, nLevels: number, partition?: GroupPartition): number {
  const ok = new Float64Array(nLevels), cnt = new Float64Array(nLevels);
  for (let i = 0; i < y.length; i++) { const g = group[i]; if (g < 0 || g >= nLevels) continue; cnt[g]++; if (pred[i] === y[i]) ok[g]++; }
  return worstUnit(ok, cnt, partition ?? partitionGroups(cnt, y.length))?.accuracy ?? NaN;
}

/** Metrics of the rows `rows` (indices into the test split). */
function scoreRows(rows: number[], probs: ArrayLike<number>, y: ArrayLike<number>, pred: Int32Array, nClasses: number): GroupScores {
  const gp = new Float32Array(rows.length * nClasses), gy = new Int32Array(rows.length), gpred = new Int32Array(rows.length);
  const classCounts = new Array<number>(nClasses).fill(0);
  rows.forEach((r, i) => {
    for (let c = 0; c < nClasses; c++) gp[i * nClasses + c] = probs[r * nClasses + c];
    gy[i] = y[r]; gpred[i] = pred[r]; classCounts[y[r]]++;
  });
  return {
    n: rows.length, classCounts,
    accuracy: accuracy(gpred, gy),
    balancedAccuracy: balancedAccuracy(gpred, gy, nClasses),
    macroF1: macroF1(gpred, gy, nClasses),
    logLoss: logLoss(gp, gy, nClasses),
  };
}

export function groupMetrics(
  probs: ArrayLike<number>, y: ArrayLike<number>, group: ArrayLike<number>, levels: string[], nClasses: number,
): GroupReport {
  const n = y.length;
  const pred = argmaxRows(probs, n, nClasses);
  const idx = groupIndices(group, levels.length);
  const p = partitionGroups(idx.map((rows) => rows.length), n);
  const groups: GroupMetrics[] = [];
  idx.forEach((rows, code) => {
    if (rows.length) groups.push({ code, level: levels[code], small: p.small.includes(code), ...scoreRows(rows, probs, y, pred, nClasses) });
  });
  const pooled = p.small.length
    ? { levels: p.small.map((g) => levels[g]), ranked: p.poolRanked, ...scoreRows(p.small.flatMap((g) => idx[g]), probs, y, pred, nClasses) }
    : null;
  const ok = idx.map((rows) => rows.filter((r) => pred[r] === y[r]).length);
  const worst = worstUnit(ok, idx.map((rows) => rows.length), p);
  return {
    groups, minGroupSize: p.minSize, pooled,
    worstGroupAccuracy: worst ? worst.accuracy : NaN,
    worstGroup: !worst ? '' : worst.code === null ? SMALL_GROUPS_LABEL : levels[worst.code],
  };
}
