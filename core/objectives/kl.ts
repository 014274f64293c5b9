/**
 * KL-DRO (METHOD.md §4): min_{λ>0} λρ + λ log mean(exp(ℓ/λ)) with λ solved exactly on every batch
 * (bisection; λ → 0, the maximum loss, when ρ ≥ log(n/#argmax)); the gradient goes through the
 * tilted weights w* ∝ exp(ℓ/λ*), mean 1 (dual.ts, worstcase.ts solveKlDual).
 */
import { solvedDualGradient, solvedDualObjective } from './dual';
import type { ObjectiveOptions, TrainingObjective } from './objective';
import { solveKlDual } from './worstcase';

export function createKl(o: ObjectiveOptions): TrainingObjective {
  const rho = o.rho;
  return {
    name: 'kl',
    loss: (l) => solvedDualObjective(l, (x) => solveKlDual(x, rho)),
    valueAndGradient: (l) => solvedDualGradient(l, (x) => solveKlDual(x, rho)),
    dispose() {},
  };
}
