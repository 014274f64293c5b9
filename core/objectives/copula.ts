/**
 * Coupling between modalities: the Gaussian-copula correlation γ of modality-conditional losses
 * (METHOD.md §3, "Estimating γ_ij"), or a fixed γ (independent, coupled, manual).
 */
import { normalQuantile, pearson, ranks } from '../stats';

export type GammaMode = 'estimated' | 'independent' | 'coupled' | 'manual';

/** Normal scores z_i = Φ⁻¹(rank_i/(n+1)) (average ranks for ties). */
export function normalScores(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const r = ranks(values);
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) z[i] = normalQuantile(r[i] / (n + 1));
  return z;
}

/**
 * γ_ij = Pearson(z_i, z_j) of the normal scores of each modality's per-sample unimodal losses
 * (all arrays over the same samples). Returns a symmetric K×K matrix with ones on the diagonal.
 */
export function copulaGamma(unimodalLosses: ArrayLike<number>[]): number[][] {
  const K = unimodalLosses.length;
  const n = K ? unimodalLosses[0].length : 0;
  for (const u of unimodalLosses) if (u.length !== n) throw new Error('copulaGamma: loss vectors differ in length');
  const z = unimodalLosses.map(normalScores);
  const g: number[][] = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  for (let i = 0; i < K; i++) {
    g[i][i] = 1;
    for (let j = i + 1; j < K; j++) g[i][j] = g[j][i] = pearson(z[i], z[j]);
  }
  return g;
}

/** γ for a fixed mode: independent (identity), coupled (all ones), manual (validated copy). */
export function fixedGamma(mode: Exclude<GammaMode, 'estimated'>, K: number, manual?: number[][]): number[][] {
  if (mode === 'independent') return Array.from({ length: K }, (_, i) => Array.from({ length: K }, (_, j) => (i === j ? 1 : 0)));
  if (mode === 'coupled') return Array.from({ length: K }, () => new Array<number>(K).fill(1));
  if (!manual || manual.length !== K || manual.some((row) => row.length !== K)) {
    throw new Error(`manual γ must be a ${K}×${K} matrix`);
  }
  return manual.map((row, i) => row.map((v, j) => (i === j ? 1 : v)));
}
