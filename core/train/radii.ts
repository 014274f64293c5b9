/**
 * The radii a run trains at (METHOD.md §3 "Choosing ρ_k", "Estimating γ_ij"): ρ_k per included
 * modality by the chosen rule, the single radius of chi2/kl, and for mm-dro either a fixed γ with
 * its B, or the flag that γ is estimated during training (the trainer then sets B after the warm-up).
 */
import type { PreparedPart } from '../data/dataset';
import { fixedGamma } from '../objectives/copula';
import { earlyFusionRadius, effectiveRadius, environmentRadius, statisticalRadius, type EnvironmentPairRadius } from '../objectives/radius';
import type { TrainConfig } from './config';
import { invalidConfig } from './train-errors';

export interface Radii {
  /** ρ_k by modality name, and in the order of the included modalities. */
  rho: Record<string, number>;
  rhoVec: number[];
  /** Environment rule: the per-pair values each ρ_k came from, by modality name. */
  rhoDetails?: Record<string, EnvironmentPairRadius[]>;
  /** The radius of chi2/kl: ρ (manual), the statistical ρ, or the early-fusion radius Π(1+ρ_k) − 1 of the environment ρ_k. */
  singleRadius: number;
  /** mm-dro with γ estimated by the auxiliary heads during training. */
  estimateGamma: boolean;
  /** mm-dro with a fixed γ (independent, coupled, manual) and its B = Σρ_k + 2Σ|γ_ij|√(ρ_iρ_j). */
  gamma?: number[][];
  B?: number;
}

/** ρ_k, γ and B for the included modalities `names` (widths `widths`) of the training split `train`. */
export function resolveRadii(
  config: TrainConfig, train: Pick<PreparedPart, 'n' | 'x' | 'group'>, names: string[], widths: number[], nGroups: number, envSeed: number,
): Radii {
  const K = names.length;
  const rho: Record<string, number> = {};
  let rhoDetails: Record<string, EnvironmentPairRadius[]> | undefined;
  if (config.rhoRule === 'manual') {
    names.forEach((nm) => { rho[nm] = config.rhoByModality?.[nm] ?? config.rho; });
  } else if (config.rhoRule === 'statistical') {
    const r = statisticalRadius(train.n, config.rhoAlpha);
    names.forEach((nm) => { rho[nm] = r; });
  } else {
    if (!(nGroups > 0 && train.group)) throw invalidConfig('The environment rule for ρ needs a group/environment column.', 'Set a group column, or use the manual or statistical rule.');
    rhoDetails = {};
    names.forEach((nm, k) => {
      const r = environmentRadius(train.x[k], train.n, widths[k], train.group!, nGroups, envSeed + k);
      rho[nm] = r.rho;
      rhoDetails![nm] = r.pairs;
    });
  }
  const rhoVec = names.map((nm) => rho[nm]);
  const singleRadius = config.rhoRule === 'manual' ? config.rho : config.rhoRule === 'statistical' ? rhoVec[0] : earlyFusionRadius(rhoVec);

  const isMm = config.method === 'mm-dro';
  const estimateGamma = isMm && config.gammaMode === 'estimated';
  let gamma: number[][] | undefined;
  if (isMm && !estimateGamma) {
    try { gamma = fixedGamma(config.gammaMode as 'independent' | 'coupled' | 'manual', K, config.gammaMatrix); }
    catch (e) { throw invalidConfig((e as Error).message, 'Give gammaMatrix as a K×K matrix in the order of the included modalities.'); }
  }
  return {
    rho, rhoVec, ...(rhoDetails ? { rhoDetails } : {}), singleRadius, estimateGamma,
    ...(gamma ? { gamma, B: effectiveRadius(rhoVec, gamma) } : {}),
  };
}
