/**
 * Radii of the χ² balls (METHOD.md §3): the effective radius B of modality-aware DRO, the early
 * fusion radius for comparison, and the three rules for choosing ρ_k.
 */
import { Rng } from '../rng';
import { chiSquare1Quantile, choleskySolve } from '../stats';

/** B = Σ_k ρ_k + 2 Σ_{i<j} |γ_ij| √(ρ_i ρ_j)  (METHOD.md §3). */
export function effectiveRadius(rho: number[], gamma: number[][]): number {
  const K = rho.length;
  let b = 0;
  for (let k = 0; k < K; k++) {
    if (!(rho[k] >= 0)) throw new Error(`effectiveRadius: ρ_${k} must be ≥ 0, got ${rho[k]}`);
    b += rho[k];
  }
  for (let i = 0; i < K; i++) {
    for (let j = i + 1; j < K; j++) b += 2 * Math.abs(gamma[i]?.[j] ?? 0) * Math.sqrt(rho[i] * rho[j]);
  }
  return b;
}

/** Radius one χ² ball over concatenated features needs for independent per-modality shifts: Π(1+ρ_k) − 1. */
export function earlyFusionRadius(rho: number[]): number {
  return rho.reduce((p, r) => p * (1 + r), 1) - 1;
}

/** Statistical rule ρ = χ²_{1,1−α} / n (METHOD.md §3). */
export function statisticalRadius(n: number, alpha: number): number {
  if (!(n > 0)) throw new Error(`statisticalRadius: n must be > 0, got ${n}`);
  if (!(alpha > 0 && alpha < 1)) throw new Error(`statisticalRadius: alpha must be in (0,1), got ${alpha}`);
  return chiSquare1Quantile(1 - alpha) / n;
}

export interface EnvironmentPairRadius {
  /** Source environment code s (the expectation is over its rows). */
  source: number;
  /** Target environment code t. */
  target: number;
  nSource: number;
  nTarget: number;
  /** mean_s[(w − 1)²] with w = p(t|x)/p(s|x)·n_s/n_t clipped to [0, 20]. */
  rho: number;
}

export interface EnvironmentRadius {
  /** max over ordered pairs (0 when fewer than two environments have enough rows). */
  rho: number;
  pairs: EnvironmentPairRadius[];
}

/** Environments with fewer rows than this are skipped. */
const MIN_ENV_ROWS = 5;
/** Rows per environment used to fit the classifier (seeded subsample above this). */
const MAX_ENV_ROWS = 4000;
/** Above this many features the modality is reduced by a seeded Gaussian random projection. */
const MAX_FEATURES = 128;
const RIDGE = 1.0;
const W_MAX = 20;

/**
 * Environment rule (METHOD.md §3): for every ordered pair of environments (s, t), a logistic
 * regression on modality k alone separates t from s; w = p(t|x)/p(s|x)·n_s/n_t, clipped to
 * [0, 20]; ρ_k = max over pairs of mean over s of (w − 1)².
 * `xk` is row-major n × width (standardised). Ridge-penalised Newton (IRLS) fit; wide modalities
 * are first projected to 128 dimensions by a seeded random projection.
 */
export function environmentRadius(
  xk: Float32Array, n: number, width: number, groupCodes: Int32Array, nGroups: number, seed: number,
): EnvironmentRadius {
  const rng = new Rng(seed);
  let x: Float64Array;
  let d: number;
  if (width > MAX_FEATURES) {
    d = MAX_FEATURES;
    const proj = new Float64Array(width * d);
    for (let i = 0; i < proj.length; i++) proj[i] = rng.normal() / Math.sqrt(d);
    x = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < width; f++) {
        const v = xk[i * width + f];
        if (v === 0) continue;
        for (let j = 0; j < d; j++) x[i * d + j] += v * proj[f * d + j];
      }
    }
  } else {
    d = width;
    x = Float64Array.from(xk.subarray(0, n * width));
  }
  const rowsOf: number[][] = Array.from({ length: nGroups }, () => []);
  for (let i = 0; i < n; i++) { const g = groupCodes[i]; if (g >= 0 && g < nGroups) rowsOf[g].push(i); }
  const fitRows = rowsOf.map((rows) => (rows.length > MAX_ENV_ROWS ? rng.shuffle(rows.slice()).slice(0, MAX_ENV_ROWS) : rows));
  const pairs: EnvironmentPairRadius[] = [];
  const fits = new Map<string, Float64Array>();
  for (let s = 0; s < nGroups; s++) {
    for (let t = 0; t < nGroups; t++) {
      if (s === t || rowsOf[s].length < MIN_ENV_ROWS || rowsOf[t].length < MIN_ENV_ROWS) continue;
      const ns = rowsOf[s].length, nt = rowsOf[t].length;
      // The classifier for (t vs s) is the negation of (s vs t): fit once per unordered pair.
      const lo = Math.min(s, t), hi = Math.max(s, t);
      let hiVsLo = fits.get(`${lo},${hi}`);
      if (!hiVsLo) { hiVsLo = fitLogistic(x, d, fitRows[hi], fitRows[lo]); fits.set(`${lo},${hi}`, hiVsLo); }
      const beta = t === hi ? hiVsLo : negate(hiVsLo);
      // The fit's prior odds are those of the subsample; correct to the full-sample ratio n_s/n_t.
      const priorShift = Math.log(fitRows[t].length / fitRows[s].length);
      let acc = 0;
      for (const i of rowsOf[s]) {
        const logit = linear(beta, x, i, d) - priorShift;
        const w = Math.min(W_MAX, Math.max(0, Math.exp(logit))); // p(t|x)/p(s|x)·n_s/n_t
        acc += (w - 1) * (w - 1);
      }
      pairs.push({ source: s, target: t, nSource: ns, nTarget: nt, rho: acc / ns });
    }
  }
  return { rho: pairs.reduce((m, p) => Math.max(m, p.rho), 0), pairs };
}

function negate(b: Float64Array): Float64Array { return b.map((v) => -v); }

function linear(beta: Float64Array, x: Float64Array, i: number, d: number): number {
  let z = beta[d];
  for (let j = 0; j < d; j++) z += beta[j] * x[i * d + j];
  return z;
}

/** Ridge logistic regression (label 1 for `pos` rows), Newton–IRLS; returns [w_0 … w_{d-1}, bias]. */
function fitLogistic(x: Float64Array, d: number, pos: number[], neg: number[]): Float64Array {
  const rows = pos.concat(neg);
  const y = new Float64Array(rows.length);
  y.fill(1, 0, pos.length);
  const p = d + 1;
  const beta = new Float64Array(p);
  const h = new Float64Array(p * p), g = new Float64Array(p), xi = new Float64Array(p);
  for (let iter = 0; iter < 30; iter++) {
    h.fill(0); g.fill(0);
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r];
      for (let j = 0; j < d; j++) xi[j] = x[i * d + j];
      xi[d] = 1;
      let z = 0;
      for (let j = 0; j < p; j++) z += beta[j] * xi[j];
      const mu = 1 / (1 + Math.exp(-z));
      const wt = Math.max(mu * (1 - mu), 1e-10);
      const res = mu - y[r];
      for (let a = 0; a < p; a++) {
        g[a] += res * xi[a];
        const wa = wt * xi[a];
        for (let b = 0; b <= a; b++) h[a * p + b] += wa * xi[b];
      }
    }
    for (let a = 0; a < d; a++) { g[a] += RIDGE * beta[a]; h[a * p + a] += RIDGE; }
    h[d * p + d] += 1e-8;
    for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) h[b * p + a] = h[a * p + b];
    const step = choleskySolve(h, g, p);
    let maxStep = 0;
    for (let j = 0; j < p; j++) { beta[j] -= step[j]; maxStep = Math.max(maxStep, Math.abs(step[j])); }
    if (maxStep < 1e-8) break;
  }
  return beta;
}

