/**
 * Encoder-error panel (METHOD.md §3 "Encoder-error term", estimator ours), per modality k:
 *  - L_k = 95th percentile over test samples of ‖∂ℓ/∂z_k‖ (`Predictor.embeddingGradNorms`);
 *  - ε_k = mean over test samples (and R repeats) of ‖g_k(x̃^k) − g_k(x^k)‖ under the Gaussian-noise
 *    stress test at severity `severity` (default 0.5; the same seeded noise as the stress curve);
 *  - the extended bound r + (1 + √B) Σ_k L_k ε_k with r = E[ℓ] + √B·sd(ℓ) the closed-form robust risk
 *    on clean test losses at B = B_eval.
 * Beside the bound, the measured mean test loss when modality k (and then every modality) is noised.
 * Not available for early fusion (no per-modality encoder).
 */
import type { PreparedData } from '../data/dataset';
import type { Predictor } from '../model/predictor';
import { Rng } from '../rng';
import { quantile } from '../stats';
import { logLoss } from './metrics';
import { gaussianNoise, PerturbedScorer, stressSeed, trainingMoments } from './stress';

export const DEFAULT_ENCODER_SEVERITY = 0.5;
export const GRAD_NORM_QUANTILE = 0.95;

export interface EncoderErrorModality {
  modality: string;
  /** 95th percentile of ‖∂ℓ/∂z_k‖ over test samples. */
  lipschitz: number;
  /** Mean ‖g_k(x̃^k) − g_k(x^k)‖. */
  embeddingShift: number;
  /** L_k ε_k. */
  contribution: number;
  /** Mean test log-loss with modality k noised at `severity` (mean over repeats). */
  measuredLoss: number;
}

export type EncoderErrorResult =
  | {
      available: true;
      severity: number;
      repeats: number;
      bEval: number;
      /** Closed-form robust risk r on the clean test losses. */
      robustRisk: number;
      modalities: EncoderErrorModality[];
      /** Σ_k L_k ε_k. */
      sumContribution: number;
      /** r + (1 + √B) Σ_k L_k ε_k. */
      bound: number;
      /** Mean test log-loss with every modality noised at once. */
      measuredLossAll: number;
    }
  | { available: false; reason: string };

/** The extended bound of METHOD.md §3 from its parts (also used to re-evaluate at another B). */
export function extendedBound(meanLoss: number, sdLoss: number, b: number, sumContribution: number): { robustRisk: number; bound: number } {
  const robustRisk = meanLoss + Math.sqrt(b) * sdLoss;
  return { robustRisk, bound: robustRisk + (1 + Math.sqrt(b)) * sumContribution };
}

export interface EncoderErrorOptions {
  bEval: number;
  seed: number;
  severity?: number;
  repeats?: number;
  /** Clean-loss mean and sd (population) on the test split. */
  meanLoss: number;
  sdLoss: number;
  scorer?: PerturbedScorer;
}

export function encoderError(predictor: Predictor, data: PreparedData, opts: EncoderErrorOptions): EncoderErrorResult {
  if (!predictor.embed || !predictor.embeddingGradNorms) {
    return { available: false, reason: 'this model has no per-modality encoder (early fusion), so there is no embedding to measure' };
  }
  const severity = opts.severity ?? DEFAULT_ENCODER_SEVERITY;
  const repeats = Math.max(1, Math.floor(opts.repeats ?? 3));
  const { n, x, y } = data.test;
  const K = data.widths.length;
  const C = predictor.nClasses;
  const moments = trainingMoments(data);
  const scorer = opts.scorer ?? new PerturbedScorer(predictor, x, n);
  const grads = predictor.embeddingGradNorms(x, y, n);
  const modalities: EncoderErrorModality[] = [];
  const noisedAll: Float32Array[][] = Array.from({ length: repeats }, () => []);
  for (let k = 0; k < K; k++) {
    const zClean = scorer.cleanEmbedding(k) ?? predictor.embed(k, x[k], n);
    const w = zClean.length / n;
    let shift = 0, loss = 0;
    for (let r = 0; r < repeats; r++) {
      const rng = new Rng(stressSeed(opts.seed, gaussianNoise.name, k, r));
      const xt = gaussianNoise.perturb({ xj: x[k], n, width: data.widths[k], j: k, severity, rng, moments });
      noisedAll[r][k] = xt.x;
      const z = predictor.embed(k, xt.x, n);
      for (let i = 0; i < n; i++) {
        let d2 = 0;
        for (let f = 0; f < w; f++) { const d = z[i * w + f] - zClean[i * w + f]; d2 += d * d; }
        shift += Math.sqrt(d2);
      }
      loss += logLoss(scorer.probs(new Map([[k, xt]])), y, C);
    }
    const lipschitz = quantile(grads[k], GRAD_NORM_QUANTILE);
    const embeddingShift = shift / (n * repeats);
    modalities.push({ modality: data.modalityNames[k], lipschitz, embeddingShift, contribution: lipschitz * embeddingShift, measuredLoss: loss / repeats });
  }
  let lossAll = 0;
  for (let r = 0; r < repeats; r++) {
    lossAll += logLoss(scorer.probs(new Map(noisedAll[r].map((xk, k) => [k, { x: xk, constantRows: false }]))), y, C);
  }
  const sumContribution = modalities.reduce((a, m) => a + m.contribution, 0);
  const { robustRisk, bound } = extendedBound(opts.meanLoss, opts.sdLoss, opts.bEval, sumContribution);
  return { available: true, severity, repeats, bEval: opts.bEval, robustRisk, modalities, sumContribution, bound, measuredLossAll: lossAll / repeats };
}
