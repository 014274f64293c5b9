/**
 * Distributional metrics on the test split at one evaluation radius B_eval (METHOD.md §5).
 *
 * B_eval is shared by every run being compared: by default B from ρ_k = 0.1 per modality and the
 * dataset's γ (METHOD.md §3, `effectiveRadius`), a property of the data, never of the method; the
 * user may set it. A run's own training B is reported beside it, not used here.
 */
import { chi2WorstCaseClosedForm, chi2WorstCaseExact, chi2WorstCaseWeights, cvar } from '../objectives/worstcase';
import { effectiveRadius } from '../objectives/radius';
import { mean, std } from '../stats';

/** Per-modality radius behind the default B_eval (METHOD.md §5). */
export const DEFAULT_EVAL_RHO = 0.1;
export const CVAR_ALPHAS = [0.1, 0.2] as const;

/**
 * Default evaluation radius: B = Σρ_k + 2 Σ_{i<j} |γ_ij| √(ρ_i ρ_j) with ρ_k = 0.1 for every modality.
 * Without γ the modalities are taken as independent (γ = 0, B = 0.1 K).
 */
export function defaultEvalRadius(nModalities: number, gamma?: number[][]): number {
  const rho = new Array<number>(nModalities).fill(DEFAULT_EVAL_RHO);
  const g = gamma ?? Array.from({ length: nModalities }, (_, i) => Array.from({ length: nModalities }, (_, j) => (i === j ? 1 : 0)));
  return effectiveRadius(rho, g);
}

export interface DistributionalMetrics {
  bEval: number;
  meanLoss: number;
  sdLoss: number;
  /** R_χ²(B_eval) on the per-sample cross-entropy, exact dual (METHOD.md §2). */
  chi2Exact: number;
  /** E[ℓ] + √(B_eval Var ℓ) — equals `chi2Exact` while the worst-case weights stay ≥ 0, above it otherwise. */
  chi2ClosedForm: number;
  /** CVaR_α of the losses, α = 0.1 and 0.2 (mean of the worst α fraction). */
  cvar10: number;
  cvar20: number;
  /** Accuracy under the worst-case reweighting of the log-losses at B_eval (`robustAccuracy`). */
  robustAccuracy: number;
}

/**
 * Robust accuracy (METHOD.md §5, version 2): accuracy on the worst-case reweighting of the test set,
 * `mean(w*ᵢ · 1[ŷᵢ = yᵢ])`, with w* the optimal χ² weights of the per-sample log-losses at radius
 * `bEval` (exact dual, `chi2WorstCaseWeights`, METHOD.md §3). Equals accuracy at B = 0. Unlike the
 * version-1 quantity (1 − worst-case 0-1 loss, a function of the error rate alone), it depends on
 * which samples the model is unsure about: two models of equal accuracy whose high-loss samples are
 * errors for one and hits for the other get different values.
 *
 * `correct[i]` is 1 when sample i is classified correctly, else 0.
 */
export function robustAccuracy(losses: ArrayLike<number>, correct: ArrayLike<number>, bEval: number): number {
  if (losses.length !== correct.length) throw new Error(`robustAccuracy: ${losses.length} losses but ${correct.length} correctness flags`);
  const n = losses.length;
  if (n === 0) return NaN;
  const w = chi2WorstCaseWeights(losses, bEval);
  let s = 0;
  for (let i = 0; i < n; i++) s += w[i] * correct[i];
  return s / n;
}

export function distributionalMetrics(losses: ArrayLike<number>, correct: ArrayLike<number>, bEval: number): DistributionalMetrics {
  if (!(bEval >= 0) || !Number.isFinite(bEval)) throw new Error(`distributionalMetrics: B_eval must be a finite number ≥ 0, got ${bEval}`);
  return {
    bEval,
    meanLoss: mean(losses),
    sdLoss: std(losses),
    chi2Exact: chi2WorstCaseExact(losses, bEval),
    chi2ClosedForm: chi2WorstCaseClosedForm(losses, bEval),
    cvar10: cvar(losses, CVAR_ALPHAS[0]),
    cvar20: cvar(losses, CVAR_ALPHAS[1]),
    robustAccuracy: robustAccuracy(losses, correct, bEval),
  };
}
