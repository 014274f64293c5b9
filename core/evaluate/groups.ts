/**
 * Per-group (environment) metrics with counts, and worst-group accuracy (METHOD.md §5 "Groups").
 */
import { accuracy, argmaxRows, balancedAccuracy, logLoss, macroF1 } from './metrics';

export interface GroupMetrics {
  /** Group code (index into the dataset's group levels). */
  code: number;
  level: string;
  n: number;
  /** Class counts of the true labels in this group. */
  classCounts: number[];
  accuracy: number;
  balancedAccuracy: number;
  macroF1: number;
  logLoss: number;
}

export interface GroupReport {
  groups: GroupMetrics[];
  /** Minimum accuracy over groups with at least one test sample. */
  worstGroupAccuracy: number;
  worstGroup: string;
}

/** Rows of `group` equal to each code, in order. */
export function groupIndices(group: ArrayLike<number>, nLevels: number): number[][] {
  const idx: number[][] = Array.from({ length: nLevels }, () => []);
  for (let i = 0; i < group.length; i++) { const g = group[i]; if (g >= 0 && g < nLevels) idx[g].push(i); }
  return idx;
}

/** Worst-group accuracy from predictions (groups with no sample are skipped). NaN when there are none. */
export function worstGroupAccuracy(pred: ArrayLike<number>, y: ArrayLike<number>, group: ArrayLike<number>, nLevels: number): number {
  const ok = new Float64Array(nLevels), cnt = new Float64Array(nLevels);
  for (let i = 0; i < y.length; i++) { const g = group[i]; if (g < 0 || g >= nLevels) continue; cnt[g]++; if (pred[i] === y[i]) ok[g]++; }
  let worst = NaN;
  for (let g = 0; g < nLevels; g++) if (cnt[g] > 0) { const a = ok[g] / cnt[g]; if (!(a >= worst)) worst = a; }
  return worst;
}

export function groupMetrics(
  probs: ArrayLike<number>, y: ArrayLike<number>, group: ArrayLike<number>, levels: string[], nClasses: number,
): GroupReport {
  const n = y.length;
  const pred = argmaxRows(probs, n, nClasses);
  const groups: GroupMetrics[] = [];
  groupIndices(group, levels.length).forEach((rows, code) => {
    if (rows.length === 0) return;
    const gp = new Float32Array(rows.length * nClasses), gy = new Int32Array(rows.length), gpred = new Int32Array(rows.length);
    const classCounts = new Array<number>(nClasses).fill(0);
    rows.forEach((r, i) => {
      for (let c = 0; c < nClasses; c++) gp[i * nClasses + c] = probs[r * nClasses + c];
      gy[i] = y[r]; gpred[i] = pred[r]; classCounts[y[r]]++;
    });
    groups.push({
      code, level: levels[code], n: rows.length, classCounts,
      accuracy: accuracy(gpred, gy),
      balancedAccuracy: balancedAccuracy(gpred, gy, nClasses),
      macroF1: macroF1(gpred, gy, nClasses),
      logLoss: logLoss(gp, gy, nClasses),
    });
  });
  let worst = groups[0];
  for (const g of groups) if (g.accuracy < worst.accuracy) worst = g;
  return { groups, worstGroupAccuracy: worst ? worst.accuracy : NaN, worstGroup: worst ? worst.level : '' };
}
