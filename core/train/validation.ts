/**
 * The per-epoch look at the validation split (the training split when there is none): mean loss,
 * accuracy, worst-group accuracy, and the method's own objective on the validation losses — the
 * numbers the selection rules score and the training charts show.
 */
import type { PreparedPart } from '../data/dataset';
import type { MultimodalModel } from '../model/model';
import { objectiveValue, type ObjectiveValueOptions } from '../objectives/values';
import type { MethodName } from './config';

export interface ValidationScores {
  valLoss: number;
  valAccuracy: number;
  worstGroupValAccuracy?: number;
  /** The method's objective on the validation losses (selection rule `robust-objective`). */
  valRobustObjective: number;
}

export function validate(
  model: MultimodalModel, part: Pick<PreparedPart, 'n' | 'x' | 'y' | 'group'>, method: MethodName, value: Omit<ObjectiveValueOptions, 'groups'>,
): ValidationScores {
  const C = model.network.spec.nClasses;
  const { losses, proba } = model.lossesAndProba(part.x, part.y, part.n);
  const { acc, worst } = accuracyOf(proba, part.y, C, part.group, value.nGroups ?? 0);
  let valLoss = 0;
  for (let i = 0; i < losses.length; i++) valLoss += losses[i];
  valLoss /= Math.max(1, losses.length);
  const valRobustObjective = objectiveValue(method, losses, { ...value, groups: part.group });
  return { valLoss, valAccuracy: acc, ...(worst !== undefined ? { worstGroupValAccuracy: worst } : {}), valRobustObjective };
}

function accuracyOf(proba: Float32Array, y: Int32Array, C: number, groups?: Int32Array, nGroups = 0): { acc: number; worst?: number } {
  const n = y.length;
  let correct = 0;
  const gc = new Float64Array(nGroups), gn = new Float64Array(nGroups);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (proba[i * C + c] > proba[i * C + best]) best = c;
    const ok = best === y[i] ? 1 : 0;
    correct += ok;
    if (groups) { gc[groups[i]] += ok; gn[groups[i]]++; }
  }
  let worst: number | undefined;
  if (groups && nGroups > 0) {
    worst = Infinity;
    for (let g = 0; g < nGroups; g++) if (gn[g] > 0) worst = Math.min(worst, gc[g] / gn[g]);
    if (!Number.isFinite(worst)) worst = undefined;
  }
  return { acc: n ? correct / n : NaN, worst };
}
