/**
 * Modality-aware DRO (METHOD.md §3): the χ² objective at the effective radius
 * B = Σρ_k + 2Σ_{i<j}|γ_ij|√(ρ_iρ_j) (computed by the trainer from ρ_k and γ; see radius.ts).
 */
import { createChi2Objective } from './chi2';
import type { ObjectiveOptions, TrainingObjective } from './objective';

export function createMmDro(o: ObjectiveOptions): TrainingObjective {
  if (o.B === undefined) throw new Error('mm-dro needs the effective radius B');
  return createChi2Objective('mm-dro', o.B, o.form);
}
