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
import { DEFAULT_BATCH_BYTES, gaussianNoise, PerturbedScorer, stressSeed } from './stress';

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
  /**
   * Memory budget of one batched forward call, bytes (default the stress grid's): the R noised
   * copies of a modality are embedded in one call and reused for the all-modalities pass.
   * 0 = one pass per call.
   */
  batchBytes?: number;
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
  const scorer = opts.scorer ?? new PerturbedScorer(predictor, x, n);
  const moments = scorer.trainingMoments(data);
  const grads = predictor.embeddingGradNorms(x, y, n);
  const modalities: EncoderErrorModality[] = [];
  const noised = (k: number, r: number) =>
    gaussianNoise.perturb({ xj: x[k], n, width: data.widths[k], j: k, severity, rng: new Rng(stressSeed(opts.seed, gaussianNoise.name, k, r)), moments });
  /** Mean ‖z_i − zClean_i‖ summed over rows (w = embedding width). */
  const shiftSum = (z: Float32Array, zClean: Float32Array, w: number): number => {
    let shift = 0;
    for (let i = 0; i < n; i++) {
      let d2 = 0;
      for (let f = 0; f < w; f++) { const d = z[i * w + f] - zClean[i * w + f]; d2 += d * d; }
      shift += Math.sqrt(d2);
    }
    return shift;
  };
  const budget = opts.batchBytes ?? DEFAULT_BATCH_BYTES;
  let lossAll = 0;
  if (budget > 0 && scorer.usesCache) {
    // Batched: the R noised copies of modality k embedded in as few calls as the budget allows; the
    // head on them with the clean embeddings of the others; then the head once more on every
    // modality's noised copies together (the same inputs, so the same embeddings).
    const zNoised = new Map<number, Float32Array>();
    for (let k = 0; k < K; k++) {
      const zClean = scorer.cleanEmbedding(k)!;
      const w = zClean.length / n, wx = data.widths[k];
      const group = Math.max(1, Math.min(repeats, Math.floor(budget / (4 * n * (wx + w)))));
      const z = new Float32Array(repeats * n * w);
      for (let r0 = 0; r0 < repeats; r0 += group) {
        const g = Math.min(group, repeats - r0);
        const stacked = new Float32Array(g * n * wx);
        for (let r = 0; r < g; r++) stacked.set(noised(k, r0 + r).x, r * n * wx);
        z.set(predictor.embed(k, stacked, g * n), r0 * n * w);
      }
      zNoised.set(k, z);
      let shift = 0;
      for (let r = 0; r < repeats; r++) shift += shiftSum(z.subarray(r * n * w, (r + 1) * n * w), zClean, w);
      const loss = scorer.probsFromEmbeddings(new Map([[k, z]]), repeats).reduce((a, p) => a + logLoss(p, y, C), 0);
      const lipschitz = quantile(grads[k], GRAD_NORM_QUANTILE);
      const embeddingShift = shift / (n * repeats);
      modalities.push({ modality: data.modalityNames[k], lipschitz, embeddingShift, contribution: lipschitz * embeddingShift, measuredLoss: loss / repeats });
    }
    for (const p of scorer.probsFromEmbeddings(zNoised, repeats)) lossAll += logLoss(p, y, C);
  } else {
    const noisedAll: Float32Array[][] = Array.from({ length: repeats }, () => []);
    for (let k = 0; k < K; k++) {
      const zClean = scorer.cleanEmbedding(k) ?? predictor.embed(k, x[k], n);
      const w = zClean.length / n;
      let shift = 0, loss = 0;
      for (let r = 0; r < repeats; r++) {
        const xt = noised(k, r);
        noisedAll[r][k] = xt.x;
        shift += shiftSum(predictor.embed(k, xt.x, n), zClean, w);
        loss += logLoss(scorer.probs(new Map([[k, xt]])), y, C);
      }
      const lipschitz = quantile(grads[k], GRAD_NORM_QUANTILE);
      const embeddingShift = shift / (n * repeats);
      modalities.push({ modality: data.modalityNames[k], lipschitz, embeddingShift, contribution: lipschitz * embeddingShift, measuredLoss: loss / repeats });
    }
    for (let r = 0; r < repeats; r++) {
      lossAll += logLoss(scorer.probs(new Map(noisedAll[r].map((xk, k) => [k, { x: xk, constantRows: false }]))), y, C);
    }
  }
  const sumContribution = modalities.reduce((a, m) => a + m.contribution, 0);
  const { robustRisk, bound } = extendedBound(opts.meanLoss, opts.sdLoss, opts.bEval, sumContribution);
  return { available: true, severity, repeats, bEval: opts.bEval, robustRisk, modalities, sumContribution, bound, measuredLossAll: lossAll / repeats };
}
