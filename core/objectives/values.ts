/**
 * The plain-number value of each method's objective on a full loss vector (no tensors): what the
 * "robust objective" model-selection rule and the progress charts show on the validation split.
 */
import type { MethodName } from '../train/config';
import { chi2WorstCaseClosedForm, chi2WorstCaseExact, cvar, klWorstCase } from './worstcase';
import { mean } from '../stats';

export interface ObjectiveValueOptions {
  /** Radius: ρ for chi2/kl, B for mm-dro. */
  radius: number;
  form: 'closed-form' | 'exact';
  cvarAlpha: number;
  /** Group code per row (group-dro: the worst group's mean loss). */
  groups?: Int32Array;
  nGroups?: number;
}

export function objectiveValue(method: MethodName, losses: ArrayLike<number>, o: ObjectiveValueOptions): number {
  switch (method) {
    case 'erm':
    case 'logreg': return mean(losses);
    case 'chi2':
    case 'mm-dro':
      return o.form === 'exact' ? chi2WorstCaseExact(losses, o.radius) : chi2WorstCaseClosedForm(losses, o.radius);
    case 'cvar': return cvar(losses, o.cvarAlpha);
    case 'kl': return klWorstCase(losses, o.radius);
    case 'group-dro': {
      if (!o.groups || !o.nGroups) return mean(losses);
      const sum = new Float64Array(o.nGroups), cnt = new Float64Array(o.nGroups);
      for (let i = 0; i < losses.length; i++) { sum[o.groups[i]] += losses[i]; cnt[o.groups[i]]++; }
      let worst = -Infinity;
      for (let g = 0; g < o.nGroups; g++) if (cnt[g] > 0) worst = Math.max(worst, sum[g] / cnt[g]);
      return worst;
    }
  }
}
