/**
 * Worst-case expected loss over divergence balls around the empirical distribution of a loss
 * vector — plain numbers, exact (no tensors). Used by evaluation (robust risk, robust accuracy),
 * by the training objectives, which solve their dual on every minibatch with these solvers
 * (METHOD.md §3 "exact", §4), and as the reference those objectives are tested against. METHOD.md §2, §4.
 */
import { logMeanExp, mean, variance } from '../stats';

/**
 * A dual solved exactly: the worst case `value` = sup_Q E_Q[ℓ] over the ball (= the dual minimum),
 * and the likelihood ratios `weights` wᵢ = n·Q(i) that attain it (wᵢ ≥ 0, mean(w) = 1,
 * mean(w·ℓ) = value). Since the dual variable sits at its optimum, ∂value/∂ℓᵢ = wᵢ/n (envelope
 * theorem) — the gradient the training objectives use.
 */
export interface DualSolution {
  value: number;
  weights: Float64Array;
}

function toSortedDesc(losses: ArrayLike<number>): Float64Array {
  const s = Float64Array.from(losses as ArrayLike<number>);
  for (let i = 0; i < s.length; i++) if (!Number.isFinite(s[i])) throw new Error(`worst case: non-finite loss at index ${i}`);
  s.sort();
  s.reverse();
  return s;
}

interface Chi2Solution { value: number; eta: number }

/**
 * Solves the χ² dual of METHOD.md §2 exactly:
 *   R(ρ) = min_η  η + √(1+ρ) · √(E[(ℓ − η)₊²]).
 * The objective is convex and smooth between consecutive sorted losses. With the top m losses
 * active (mean μ_m, population variance v_m over those m), its stationary point is
 *   η = μ_m − √(v_m / ((1+ρ)·m/n − 1))    (when (1+ρ)·m/n > 1);
 * the minimum is the smallest objective over these stationary points (inside their piece) and the
 * kinks (the losses themselves). Variances are kept by Welford updates to avoid cancellation.
 */
function chi2Dual(losses: ArrayLike<number>, rho: number): Chi2Solution {
  if (!(rho >= 0)) throw new Error(`chi2 worst case: rho must be ≥ 0, got ${rho}`);
  const n = losses.length;
  if (n === 0) throw new Error('chi2 worst case: empty loss vector');
  const s = toSortedDesc(losses);
  if (rho === 0 || s[0] === s[n - 1]) return { value: mean(s), eta: -Infinity };
  const c2 = 1 + rho, c = Math.sqrt(c2);
  let best = Infinity, bestEta = s[0];
  let mu = 0, m2 = 0; // running mean and sum of squared deviations of the top m
  const objective = (eta: number, m: number): number => {
    const t = mu - eta;
    const g = (m / n) * (t * t + m2 / m); // E[(ℓ−η)₊²] with the top m active
    return eta + c * Math.sqrt(Math.max(0, g));
  };
  for (let m = 1; m <= n; m++) {
    const x = s[m - 1];
    const d = x - mu;
    mu += d / m;
    m2 += d * (x - mu);
    // Kink at η = s[m-1] (the m-th largest): the top m are the active set (the m-th contributes 0).
    const fk = objective(x, m);
    if (fk < best) { best = fk; bestEta = x; }
    // Stationary point within the piece [s[m], s[m-1]] (s[n] = −∞).
    const denom = c2 * (m / n) - 1;
    if (denom > 0) {
      const eta = mu - Math.sqrt(Math.max(0, m2 / m) / denom);
      const lo = m < n ? s[m] : -Infinity;
      if (eta <= x && eta >= lo) {
        const fs = objective(eta, m);
        if (fs < best) { best = fs; bestEta = eta; }
      }
    }
  }
  return { value: best, eta: bestEta };
}

/** Exact worst-case expected loss over the χ² ball E[(dQ/dP − 1)²] ≤ ρ (METHOD.md §2). */
export function chi2WorstCaseExact(losses: ArrayLike<number>, rho: number): number {
  return chi2Dual(losses, rho).value;
}

/** The optimal dual variable η* of `chi2WorstCaseExact` (−∞ when ρ = 0 or the losses are constant). */
export function chi2DualEta(losses: ArrayLike<number>, rho: number): number {
  return chi2Dual(losses, rho).eta;
}

/**
 * Closed form E[ℓ] + √(ρ · Var ℓ) (population variance). Equals the exact value while the
 * weights 1 + √ρ(ℓ − Eℓ)/sd(ℓ) stay ≥ 0, a strict upper bound otherwise (METHOD.md §2).
 */
export function chi2WorstCaseClosedForm(losses: ArrayLike<number>, rho: number): number {
  if (!(rho >= 0)) throw new Error(`chi2 closed form: rho must be ≥ 0, got ${rho}`);
  return mean(losses) + Math.sqrt(rho * variance(losses, 0));
}

/**
 * The χ² dual of METHOD.md §2/§3 solved exactly, with the worst-case likelihood ratios
 *   wᵢ* = (ℓᵢ − η*)₊ / mean((ℓ − η*)₊)      (mean 1; mean(w*²) = 1 + ρ when the constraint binds).
 * When the optimum puts all mass on the largest losses (ρ ≥ n/#argmax − 1, η* = max ℓ) the
 * weights are uniform over the argmax set; ρ = 0 or constant losses: all ones.
 */
export function solveChi2Dual(losses: ArrayLike<number>, rho: number): DualSolution {
  const n = losses.length;
  const weights = new Float64Array(n);
  const { value, eta } = chi2Dual(losses, rho);
  if (!Number.isFinite(eta)) return { value, weights: weights.fill(1) };
  let sum = 0;
  for (let i = 0; i < n; i++) { weights[i] = Math.max(0, losses[i] - eta); sum += weights[i]; }
  if (sum > 0) {
    for (let i = 0; i < n; i++) weights[i] *= n / sum;
    return { value, weights };
  }
  return { value, weights: uniformOnArgmax(losses) };
}

/** Worst-case likelihood ratios of the χ² ball (mean 1, E[(w−1)²] ≤ ρ) attaining `chi2WorstCaseExact`; see `solveChi2Dual`. */
export function chi2WorstCaseWeights(losses: ArrayLike<number>, rho: number): Float64Array {
  return solveChi2Dual(losses, rho).weights;
}

/** n/#argmax on the largest losses, 0 elsewhere: the worst case when the ball reaches the maximum. */
function uniformOnArgmax(losses: ArrayLike<number>): Float64Array {
  const n = losses.length;
  let max = -Infinity, count = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, losses[i]);
  for (let i = 0; i < n; i++) if (losses[i] === max) count++;
  return Float64Array.from(losses as ArrayLike<number>, (l) => (l === max ? n / count : 0));
}

/**
 * CVaR at level α ∈ (0, 1] (METHOD.md §4): min_η η + E[(ℓ − η)₊]/α, the mean of the worst α
 * fraction. The dual is piecewise linear and convex, minimised at η* = the k-th largest loss,
 * k = ⌈αn⌉ (the (1−α)-quantile).
 */
function cvarDual(losses: ArrayLike<number>, alpha: number): { value: number; eta: number } {
  if (!(alpha > 0 && alpha <= 1)) throw new Error(`cvar: alpha must be in (0, 1], got ${alpha}`);
  const n = losses.length;
  if (n === 0) throw new Error('cvar: empty loss vector');
  const s = toSortedDesc(losses);
  const k = Math.min(n, Math.max(1, Math.ceil(alpha * n - 1e-9)));
  const eta = s[k - 1];
  let tail = 0;
  for (let i = 0; i < k; i++) tail += s[i] - eta;
  return { value: eta + tail / (n * alpha), eta };
}

/** CVaR_α of the losses: the mean of the worst α fraction (fractional boundary); see `cvarDual`. */
export function cvar(losses: ArrayLike<number>, alpha: number): number {
  return cvarDual(losses, alpha).value;
}

/**
 * CVaR_α solved exactly, with its worst-case weights: wᵢ = 1/α on the losses above η*; the losses
 * equal to η* share the rest of the budget αn equally, wᵢ = (αn − #{ℓ > η*}) / (#{ℓ = η*} · α)
 * (the fractional boundary weight when αn is not an integer); 0 below η*. So 0 ≤ w ≤ 1/α,
 * mean(w) = 1 and mean(w·ℓ) = CVaR_α (the mean of the worst α-fraction).
 */
export function solveCvarDual(losses: ArrayLike<number>, alpha: number): DualSolution {
  const { value, eta } = cvarDual(losses, alpha);
  const n = losses.length;
  let above = 0, tied = 0;
  for (let i = 0; i < n; i++) { if (losses[i] > eta) above++; else if (losses[i] === eta) tied++; }
  // above + tied ≥ k = ⌈αn − 1e-9⌉, so share ≤ 1 but for that tolerance; above ≤ k − 1 < αn, so share > 0.
  const share = Math.min(1, (alpha * n - above) / tied);
  const weights = Float64Array.from(losses as ArrayLike<number>, (l) => (l > eta ? 1 : l === eta ? share : 0) / alpha);
  return { value, weights };
}

/**
 * The KL dual min_{λ>0} λρ + λ log E[exp(ℓ/λ)] (METHOD.md §4) with its minimiser λ*. The derivative
 * in λ is ρ − KL(q_λ‖p) with q_λ ∝ exp(ℓ/λ), increasing in λ, so the optimum is found by bisection
 * on log λ. λ* = ∞ when ρ = 0 or the losses are constant (value = mean); λ* = 0 when
 * ρ ≥ log(n/#argmax): then even the point mass on the argmax set is inside the ball (value = max ℓ).
 */
function klDual(losses: ArrayLike<number>, rho: number): { value: number; lambda: number } {
  if (!(rho >= 0)) throw new Error(`kl worst case: rho must be ≥ 0, got ${rho}`);
  const n = losses.length;
  if (n === 0) throw new Error('kl worst case: empty loss vector');
  const s = toSortedDesc(losses);
  const max = s[0], min = s[n - 1];
  if (rho === 0 || max === min) return { value: mean(s), lambda: Infinity };
  let nMax = 0;
  while (nMax < n && s[nMax] === max) nMax++;
  if (rho >= Math.log(n / nMax)) return { value: max, lambda: 0 };
  const dual = (lambda: number): number => {
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) z[i] = s[i] / lambda;
    return lambda * rho + lambda * logMeanExp(z);
  };
  // KL(q_λ‖p) = E_q[ℓ]/λ − log E_p[exp(ℓ/λ)], computed with the shift by max for stability.
  const klOfTilt = (lambda: number): number => {
    let zsum = 0, lsum = 0;
    for (let i = 0; i < n; i++) { const e = Math.exp((s[i] - max) / lambda); zsum += e; lsum += e * s[i]; }
    const eq = lsum / zsum;
    return (eq - max) / lambda - Math.log(zsum / n);
  };
  const spread = max - min;
  let lo = spread * 1e-6, hi = spread;
  while (klOfTilt(lo) < rho && lo > 1e-300) lo /= 10;
  while (klOfTilt(hi) > rho && hi < 1e300) hi *= 10;
  for (let it = 0; it < 200; it++) {
    const mid = Math.sqrt(lo * hi);
    if (klOfTilt(mid) > rho) lo = mid; else hi = mid;
    if (hi / lo - 1 < 1e-14) break;
  }
  let best = { value: Infinity, lambda: hi };
  for (const lambda of [lo, Math.sqrt(lo * hi), hi]) {
    const value = dual(lambda);
    if (value < best.value) best = { value, lambda };
  }
  return best;
}

/** Worst case over the KL ball KL(Q‖P) ≤ ρ: min_{λ>0} λρ + λ log E[exp(ℓ/λ)] (METHOD.md §4); see `klDual`. */
export function klWorstCase(losses: ArrayLike<number>, rho: number): number {
  return klDual(losses, rho).value;
}

/**
 * The KL dual solved exactly, with its worst-case weights wᵢ* = n·exp(ℓᵢ/λ*) / Σⱼ exp(ℓⱼ/λ*)
 * (max-shifted; the exponential tilt with KL(q‖p) = ρ). λ* → 0 (ρ ≥ log(n/#argmax)): uniform on
 * the argmax set; λ* = ∞ (ρ = 0, constant losses): all ones.
 */
export function solveKlDual(losses: ArrayLike<number>, rho: number): DualSolution {
  const { value, lambda } = klDual(losses, rho);
  const n = losses.length;
  if (lambda === Infinity) return { value, weights: new Float64Array(n).fill(1) };
  if (lambda === 0) return { value, weights: uniformOnArgmax(losses) };
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, losses[i]);
  const weights = Float64Array.from(losses as ArrayLike<number>, (l) => Math.exp((l - max) / lambda));
  let sum = 0;
  for (let i = 0; i < n; i++) sum += weights[i];
  for (let i = 0; i < n; i++) weights[i] *= n / sum;
  return { value, weights };
}
