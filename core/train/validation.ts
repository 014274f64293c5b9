/**
 * The per-epoch look at the validation split (the training split when there is none): mean loss,
 * accuracy, worst-group accuracy, and the method's own objective on the validation losses — the
 * numbers the selection rules score and the training charts show.
 */
import type { PreparedPart } from '../data/dataset';
import type { MultimodalModel } from '../model/model';
import { objectiveValue, type ObjectiveValueOptions } from '../objectives/values';
import type { MethodName } from './config';
import { worstGroupAccuracy } from '../evaluate/groups';
import { accuracy, argmaxRows } from '../evaluate/metrics';

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

/** Accuracy, and worst-group accuracy under the report's minimum-size rule (METHOD.md §5), so selection ranks the same groups the report does. */
function accuracyOf(proba: Float32Array, y: Int32Array, C: number, groups?: Int32Array, nGroups = 0): { acc: number; worst?: number } {
  const pred = argmaxRows(proba, y.length, C);
  const worst = groups && nGroups > 0 ? worstGroupAccuracy(pred, y, groups, nGroups) : NaN;
  return { acc: y.length ? accuracy(pred, y) : NaN, worst: Number.isFinite(worst) ? worst : undefined };
}
