/**
 * CVaR-DRO (METHOD.md §4): min_η η + mean(relu(ℓ − η))/α with η solved exactly on every batch
 * (the batch's (1−α)-quantile); the gradient is the mean over the worst α-fraction, with a
 * fractional weight on the boundary loss (dual.ts, worstcase.ts solveCvarDual).
 */
import { solvedDualGradient, solvedDualObjective } from './dual';
import type { ObjectiveOptions, TrainingObjective } from './objective';
import { solveCvarDual } from './worstcase';

export function createCvar(o: ObjectiveOptions): TrainingObjective {
  const alpha = o.cvarAlpha;
  return {
    name: 'cvar',
    loss: (l) => solvedDualObjective(l, (x) => solveCvarDual(x, alpha)),
    valueAndGradient: (l) => solvedDualGradient(l, (x) => solveCvarDual(x, alpha)),
    dispose() {},
  };
}
