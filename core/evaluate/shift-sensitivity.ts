/**
 * Modality shift sensitivity (METHOD.md §5, ours): which modality's shift the model is most exposed to.
 *
 * A shift of modality k alone reweights samples by a function of x^k. Over the χ² ball of radius ρ
 * its worst case is R_χ²(ρ) of the conditional losses m_k(x^k) = E[ℓ | x^k], in closed form
 * R_k = E[ℓ] + √ρ · sd(m_k). We estimate m_k on the test split by cross-fitted ridge regression of
 * the per-sample log-loss ℓ on modality k's inputs, and report per modality R_k at ρ = 0.1 and the
 * share sd(m_k)/sd(ℓ) (0: the loss does not move with modality k; 1: it is a function of it).
 *
 * - **sd(m_k) from the held-out error.** Since ℓ − m_k is uncorrelated with every function of x^k,
 *   Var ℓ = Var m_k + E[(ℓ − m_k)²], and the held-out error of a cross-fitted m̂_k is
 *   E[(ℓ − m_k)²] + E[(m̂_k − m_k)²]. So sd(m_k) is estimated by √max(0, Var ℓ − mean((ℓ − m̂_k)²)),
 *   and the share is √R² with R² the cross-validated R² of the fit. Estimation noise in m̂_k can only
 *   lower this estimate, never raise it. The spread of m̂_k itself (`sdFitted`, also stored) has the
 *   opposite bias: noise in the fit spreads it even when m_k is constant — measured on synthetic data
 *   (loss a function of one modality, 60–300 rows), it gave the other modalities shares up to 0.34,
 *   the held-out estimate below 0.08, with the same share (0.91–0.97) for the modality that matters.
 * - **Cross-fitting.** The test rows are split into 5 folds by a seeded permutation (the same folds
 *   for every modality, and for every run evaluated with the same seed). Each fold's m̂ comes from a
 *   ridge fit on the other four, so no row's estimate has seen its own loss.
 * - **Inputs.** The model's embedding z_k = g_k(x^k) where it has one (intermediate and late fusion),
 *   otherwise the prepared inputs of modality k. Inputs wider than `MAX_LINEAR_WIDTH` columns (raw
 *   hashed text, omics) are first mapped by a seeded Gaussian random projection to that width, which
 *   keeps the cost at O(n·d) and preserves distances up to a small distortion.
 * - **Features.** The ridge sees the standardised inputs and `FOURIER_FEATURES` random Fourier
 *   features of them (Gaussian kernel, bandwidth the root-mean-square distance between two rows;
 *   Rahimi & Recht 2007), i.e. an approximate kernel ridge regression. A linear fit alone is not
 *   enough: the log-loss is large where a modality's evidence is ambiguous and small where it points
 *   clearly to one class — a V-shaped function of the class scores that a linear fit averages away
 *   (on the report's sample models the linear shares were all below 10⁻⁴).
 * - **Ridge.** Intercept unpenalised (features and loss centred on the fitting rows); the normal
 *   equations (Gc + λI)β = Xcᵀℓc are solved by Cholesky in float64, always well posed because λ > 0.
 * - **λ rule.** λ = α · tr(Gc)/d (α times the mean eigenvalue of the centred Gram matrix, so the grid
 *   does not depend on the scale of the inputs or the number of rows), with α from `RIDGE_ALPHAS`
 *   chosen by inner cross-validation: within the four fitting folds of each outer fold, each is held
 *   out in turn and the α of least mean held-out squared error wins (ties: the larger α). Why: the
 *   held-out estimate above is best when m̂_k predicts best, which is what this choice targets, on the
 *   data at hand and without touching the outer fold. The grid's top (α = 10⁴) is in effect the
 *   intercept-only model, so a modality that carries no signal about the loss can be fit as such.
 */
import type { Predictor } from '../model/predictor';
import { bytesToCopy, mapOnThreads } from '../parallel/threads';
import { Rng } from '../rng';
import { choleskySolve, mean, std } from '../stats';
import { stressSeed, type PerturbedScorer } from './stress';

/** Radius of the per-modality worst case (METHOD.md §5). */
export const SHIFT_RHO = 0.1;
export const SHIFT_FOLDS = 5;
/** λ = α · tr(Gc)/d; α by inner cross-validation over this grid. */
export const RIDGE_ALPHAS = [1e-3, 1e-2, 0.1, 1, 10, 100, 1e4] as const;
/** Inputs wider than this are randomly projected to this many columns first. */
export const MAX_LINEAR_WIDTH = 128;
/** Random Fourier features added to the (standardised) inputs. */
export const FOURIER_FEATURES = 128;
/** Below this many test rows per fold the estimate is not computed. */
export const MIN_ROWS_PER_FOLD = 4;

export type RegressorKind = 'embedding' | 'inputs';

/** What the loss of one modality is regressed on: row-major n × width. */
export interface ModalityRegressors {
  modality: string;
  x: ArrayLike<number>;
  width: number;
  kind: RegressorKind;
}

export interface ModalityShiftSensitivity {
  modality: string;
  /** What ℓ was regressed on. */
  input: RegressorKind;
  /** Columns of the input (its width before any projection). */
  width: number;
  /** The input was randomly projected to `MAX_LINEAR_WIDTH` columns (wider than that). */
  projected: boolean;
  /** sd(m_k) estimated from the held-out error: √max(0, Var ℓ − mean((ℓ − m̂_k)²)). */
  sdConditional: number;
  /** sd over test rows of the cross-fitted m̂_k itself (inflated by estimation noise; for reference). */
  sdFitted: number;
  /** sdConditional / sd(ℓ) = √(cross-validated R²). */
  share: number;
  /** R_k = E[ℓ] + √ρ · sdConditional. */
  risk: number;
  /** α chosen in each outer fold (λ = α · mean eigenvalue of the centred Gram matrix). */
  alphas: number[];
}

export type ShiftSensitivity =
  | { available: true; rho: number; folds: number; seed: number; meanLoss: number; sdLoss: number; modalities: ModalityShiftSensitivity[] }
  | { available: false; reason: string };

// ---------------------------------------------------------------- ridge on sufficient statistics

/** Row count, sums, and uncentred cross-products of a set of rows (additive over folds). */
interface Moments { m: number; sx: Float64Array; sl: number; sxx: Float64Array; sxl: Float64Array }

function emptyMoments(d: number): Moments {
  return { m: 0, sx: new Float64Array(d), sl: 0, sxx: new Float64Array(d * d), sxl: new Float64Array(d) };
}

/** Moments of `rows` of x (n × d, row-major) and ℓ; the upper triangle of sxx, mirrored at the end. */
function momentsOf(x: Float64Array, d: number, loss: ArrayLike<number>, rows: number[]): Moments {
  const mo = emptyMoments(d);
  for (const i of rows) {
    const off = i * d, l = loss[i];
    mo.m++; mo.sl += l;
    for (let a = 0; a < d; a++) {
      const xa = x[off + a];
      if (xa === 0) continue;
      mo.sx[a] += xa; mo.sxl[a] += xa * l;
      for (let b = a; b < d; b++) mo.sxx[a * d + b] += xa * x[off + b];
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) mo.sxx[a * d + b] = mo.sxx[b * d + a];
  return mo;
}

function sumMoments(parts: Moments[], d: number): Moments {
  const s = emptyMoments(d);
  for (const p of parts) {
    s.m += p.m; s.sl += p.sl;
    for (let a = 0; a < d; a++) { s.sx[a] += p.sx[a]; s.sxl[a] += p.sxl[a]; }
    for (let j = 0; j < d * d; j++) s.sxx[j] += p.sxx[j];
  }
  return s;
}

export interface RidgeFit { beta: Float64Array; xbar: Float64Array; lbar: number; lambda: number }

/** Ridge with an unpenalised intercept from moments: (Gc + λI)β = bc, λ = α · tr(Gc)/d. */
function ridgeFromMoments(mo: Moments, d: number, alpha: number): RidgeFit {
  const xbar = mo.sx.map((v) => v / mo.m), lbar = mo.sl / mo.m;
  const g = new Float64Array(d * d), b = new Float64Array(d);
  let trace = 0;
  for (let a = 0; a < d; a++) {
    b[a] = mo.sxl[a] - mo.m * xbar[a] * lbar;
    for (let c = 0; c < d; c++) g[a * d + c] = mo.sxx[a * d + c] - mo.m * xbar[a] * xbar[c];
    trace += g[a * d + a];
  }
  const lambda = alpha * (trace > 1e-12 * mo.m ? trace / d : 1);
  for (let a = 0; a < d; a++) g[a * d + a] += lambda;
  return { beta: choleskySolve(g, b, d), xbar, lbar, lambda };
}

/** Ridge regression of `loss` on the `rows` of x (n × d) with penalty λ = α · tr(Gc)/d. */
export function ridgeFit(x: ArrayLike<number>, d: number, loss: ArrayLike<number>, rows: number[], alpha: number): RidgeFit {
  return ridgeFromMoments(momentsOf(Float64Array.from(x), d, loss, rows), d, alpha);
}

function predictRow(f: RidgeFit, x: Float64Array, d: number, i: number): number {
  let s = f.lbar;
  for (let a = 0; a < d; a++) s += (x[i * d + a] - f.xbar[a]) * f.beta[a];
  return s;
}

/** Squared held-out errors of `f` on `rows`, appended to `out`. */
function heldOutErrors(f: RidgeFit, x: Float64Array, d: number, loss: ArrayLike<number>, rows: number[], out: number[]): void {
  for (const i of rows) { const r = loss[i] - predictRow(f, x, d, i); out.push(r * r); }
}

/**
 * Ridge fits on every set of folds but some, by α, computed once: the inner fit that leaves out
 * folds {f, g} serves both outer fold f (inner fold g) and outer fold g (inner fold f).
 */
class FitCache {
  private readonly fits = new Map<string, RidgeFit>();
  constructor(private readonly moments: Moments[], private readonly d: number) {}

  without(left: number[], alpha: number): RidgeFit {
    const key = `${[...left].sort((a, b) => a - b).join(',')}|${alpha}`;
    let f = this.fits.get(key);
    if (!f) {
      f = ridgeFromMoments(sumMoments(this.moments.filter((_, h) => !left.includes(h)), this.d), this.d, alpha);
      this.fits.set(key, f);
    }
    return f;
  }
}

/**
 * Inner cross-validation for outer fold `f`: each other fold g is predicted from the folds other
 * than f and g; the α of least mean held-out squared error wins (ties: the larger α).
 */
function chooseAlpha(fits: FitCache, f: number, folds: number[][], x: Float64Array, d: number, loss: ArrayLike<number>): number {
  let best: number = RIDGE_ALPHAS[RIDGE_ALPHAS.length - 1], bestErr = Infinity;
  for (const alpha of [...RIDGE_ALPHAS].reverse()) {
    const errors: number[] = [];
    folds.forEach((rows, g) => { if (g !== f) heldOutErrors(fits.without([f, g], alpha), x, d, loss, rows, errors); });
    const err = mean(errors);
    if (err < bestErr * (1 - 1e-12)) { bestErr = err; best = alpha; }
  }
  return best;
}

/** Seeded assignment of n rows to `k` folds of near-equal size. */
export function foldsOf(n: number, k: number, seed: number): number[][] {
  const perm = new Rng(seed).shuffle(Array.from({ length: n }, (_, i) => i));
  const folds: number[][] = Array.from({ length: k }, () => []);
  perm.forEach((row, j) => folds[j % k].push(row));
  for (const f of folds) f.sort((a, b) => a - b);
  return folds;
}

/**
 * Cross-fitted ridge estimate of the variation of m(x) = E[ℓ | x] around the mean loss: row i of
 * fold f gets (x_i − x̄)·β̂ with x̄ and β̂ fit on the other folds only (α by inner cross-validation
 * within them), so it never depends on ℓ_i. The level of m̂ is the mean test loss, a constant added
 * by the caller: the folds' own fitted intercepts differ by noise alone, which would spread m̂ even
 * for a modality that carries no signal. Returns the deviations and the α of each fold.
 */
export function crossFittedRidge(x: ArrayLike<number>, d: number, loss: ArrayLike<number>, folds: number[][]): { deviation: Float64Array; alphas: number[] } {
  const n = loss.length;
  // Centre each column on all rows first: the centred Gram matrices below are then differences of
  // small numbers, not of large uncentred sums.
  const xc = Float64Array.from(x);
  for (let a = 0; a < d; a++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += xc[i * d + a];
    const mu = s / n;
    for (let i = 0; i < n; i++) xc[i * d + a] -= mu;
  }
  const fits = new FitCache(folds.map((rows) => momentsOf(xc, d, loss, rows)), d);
  const deviation = new Float64Array(n);
  const alphas = folds.map((rows, f) => {
    const alpha = chooseAlpha(fits, f, folds, xc, d, loss);
    const model = fits.without([f], alpha);
    for (const i of rows) deviation[i] = predictRow(model, xc, d, i) - model.lbar;
    return alpha;
  });
  return { deviation, alphas };
}

// ---------------------------------------------------------------- features

/** Standardises the columns of x (n × d) in place: mean 0, sd 1; constant columns become 0. Returns the non-constant count. */
function standardiseColumns(x: Float64Array, n: number, d: number): number {
  let active = 0;
  for (let a = 0; a < d; a++) {
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) s += x[i * d + a];
    const mu = s / n;
    for (let i = 0; i < n; i++) { const v = x[i * d + a] - mu; s2 += v * v; }
    const sd = Math.sqrt(s2 / n);
    const ok = sd > 1e-12 * (Math.abs(mu) + 1);
    if (ok) active++;
    for (let i = 0; i < n; i++) x[i * d + a] = ok ? (x[i * d + a] - mu) / sd : 0;
  }
  return active;
}

/** Seeded Gaussian random projection of x (n × d) to `width` columns; zero entries skipped. */
export function randomProjection(x: ArrayLike<number>, n: number, d: number, width: number, rng: Rng): Float64Array {
  const r = new Float64Array(d * width);
  for (let j = 0; j < r.length; j++) r[j] = rng.normal();
  const out = new Float64Array(n * width);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const v = x[i * d + a];
      if (v === 0) continue;
      const ro = a * width, oo = i * width;
      for (let c = 0; c < width; c++) out[oo + c] += v * r[ro + c];
    }
  }
  return out;
}

/**
 * Random Fourier features of standardised x (n × d): cos(x·w_c / σ + b_c), w_c ~ N(0, I), b_c ~ U[0, 2π),
 * an approximation of the Gaussian kernel exp(−‖x − x'‖²/2σ²). σ² = 2·(non-constant columns) is the
 * mean squared distance between two rows of standardised data.
 */
export function fourierFeatures(x: Float64Array, n: number, d: number, count: number, active: number, rng: Rng): Float64Array {
  const sigma = Math.sqrt(2 * Math.max(1, active));
  const w = Float64Array.from({ length: d * count }, () => rng.normal() / sigma);
  const b = Float64Array.from({ length: count }, () => 2 * Math.PI * rng.next());
  const out = new Float64Array(n * count);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < count; c++) {
      let s = b[c];
      for (let a = 0; a < d; a++) s += x[i * d + a] * w[a * count + c];
      out[i * count + c] = Math.cos(s);
    }
  }
  return out;
}

/** The ridge's design matrix for one modality: [standardised (projected) inputs | Fourier features], columns standardised. */
export function shiftFeatures(r: ModalityRegressors, n: number, rng: Rng): { x: Float64Array; width: number } {
  const wide = r.width > MAX_LINEAR_WIDTH;
  const dl = wide ? MAX_LINEAR_WIDTH : r.width;
  const lin = wide ? randomProjection(r.x, n, r.width, dl, rng) : Float64Array.from(r.x);
  const active = standardiseColumns(lin, n, dl);
  const rff = fourierFeatures(lin, n, dl, FOURIER_FEATURES, active, rng);
  standardiseColumns(rff, n, FOURIER_FEATURES);
  const width = dl + FOURIER_FEATURES;
  const x = new Float64Array(n * width);
  for (let i = 0; i < n; i++) {
    x.set(lin.subarray(i * dl, (i + 1) * dl), i * width);
    x.set(rff.subarray(i * FOURIER_FEATURES, (i + 1) * FOURIER_FEATURES), i * width + dl);
  }
  return { x, width };
}

// ---------------------------------------------------------------- inputs

/**
 * What each modality's loss is regressed on: the model's embedding z_k where it has one (from the
 * scorer's cache, else `predictor.embed`), otherwise the prepared inputs.
 */
export function modalityRegressors(predictor: Predictor, x: Float32Array[], n: number, scorer?: PerturbedScorer): ModalityRegressors[] {
  return predictor.modalityNames.map((modality, k) => {
    const cached = scorer?.cleanEmbedding(k);
    if (cached) return { modality, x: cached, width: cached.length / Math.max(1, n), kind: 'embedding' as const };
    if (predictor.embed && predictor.embeddingWidth) return { modality, x: predictor.embed(k, x[k], n), width: predictor.embeddingWidth(k), kind: 'embedding' as const };
    return { modality, x: x[k], width: predictor.widths[k], kind: 'inputs' as const };
  });
}

// ---------------------------------------------------------------- the estimate

export interface ShiftSensitivityOptions {
  seed: number;
  rho?: number;
  folds?: number;
  /** Compute threads (default: core/parallel/threads.ts `computeThreads`); the result does not depend on it. */
  threads?: number;
}

/** What one modality's estimate needs (any thread can compute it: see `modalityShiftTask`). */
export interface ModalityShiftInput {
  loss: Float64Array;
  regressors: ModalityRegressors;
  /** The modality's position: its features' random stream. */
  index: number;
  folds: number[][];
  seed: number;
  rho: number;
  meanLoss: number;
  sdLoss: number;
}

/** Modality `index`'s shift sensitivity: cross-fitted ridge of ℓ on its features (METHOD.md §5). */
export function modalityShiftTask(t: ModalityShiftInput): ModalityShiftSensitivity {
  const { loss, regressors: r, meanLoss, sdLoss } = t;
  const n = loss.length;
  const f = shiftFeatures(r, n, new Rng(stressSeed(t.seed, 'shift-sensitivity', t.index, 0)));
  const { deviation, alphas } = crossFittedRidge(f.x, f.width, loss, t.folds);
  let heldOut = 0; // mean((ℓ − m̂_k)²), m̂_k = E[ℓ] + deviation
  for (let i = 0; i < n; i++) heldOut += (loss[i] - meanLoss - deviation[i]) ** 2;
  const sdConditional = Math.sqrt(Math.max(0, sdLoss * sdLoss - heldOut / n));
  return {
    modality: r.modality, input: r.kind, width: r.width, projected: r.width > MAX_LINEAR_WIDTH,
    sdConditional, sdFitted: std(deviation), share: sdLoss > 0 ? sdConditional / sdLoss : NaN, risk: meanLoss + Math.sqrt(t.rho) * sdConditional, alphas,
  };
}

/**
 * Modality shift sensitivity of per-sample losses (n) given each modality's regressors (METHOD.md §5).
 * The modalities are independent: they are computed on the process's compute threads
 * (core/parallel/threads.ts), with the numbers of a single thread.
 */
export function shiftSensitivity(loss: ArrayLike<number>, regressors: ModalityRegressors[], o: ShiftSensitivityOptions): ShiftSensitivity {
  const n = loss.length;
  const rho = o.rho ?? SHIFT_RHO, k = o.folds ?? SHIFT_FOLDS;
  if (n < MIN_ROWS_PER_FOLD * k) return { available: false, reason: `the test split has ${n} rows, fewer than the ${MIN_ROWS_PER_FOLD * k} that cross-fitting needs` };
  const meanLoss = mean(loss), sdLoss = std(loss);
  // One seeded stream for the folds (shared by the modalities), one per modality for its features.
  const folds = foldsOf(n, k, stressSeed(o.seed, 'shift-sensitivity', -1, 0));
  const losses = Float64Array.from(loss);
  const inputs = regressors.map((r, index): ModalityShiftInput => ({ loss: losses, regressors: r, index, folds, seed: o.seed, rho, meanLoss, sdLoss }));
  const bytes = bytesToCopy(regressors.map((r) => r.x));
  const modalities = mapOnThreads('shift-sensitivity', inputs, modalityShiftTask, { bytes, threads: o.threads });
  return { available: true, rho, folds: k, seed: o.seed, meanLoss, sdLoss, modalities };
}
