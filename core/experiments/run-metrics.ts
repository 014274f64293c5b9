/**
 * The numbers an experiment aggregates, read from one run's stored evaluation
 * (core/evaluate/schema.ts), in the current definitions (a version-1 evaluation is re-scored
 * from its per-sample predictions first).
 */
import { withCurrentScores } from '../evaluate/evaluate-run';
import type { RunEvaluation } from '../evaluate/schema';
import { mean } from '../stats';
import type { ExperimentMetric } from './schema';

export type RunMetrics = Record<Exclude<ExperimentMetric, 'worstGroupAccuracy'>, number | null> & { worstGroupAccuracy?: number | null };

/** Higher is better for every experiment metric except the log-loss. */
export const HIGHER_IS_BETTER: Record<ExperimentMetric, boolean> = {
  accuracy: true, robustAccuracy: true, macroF1: true, logLoss: false, worstGroupAccuracy: true, meanStressAccuracy: true,
};

const nz = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Mean accuracy over the stress grid: every curve (test × modality), every severity. */
export function meanStressAccuracy(stress: RunEvaluation['stress']): number | null {
  const acc = stress.curves.flatMap((c) => c.accuracyMean).filter((v): v is number => nz(v) !== null);
  return acc.length ? mean(acc) : null;
}

export function runMetrics(stored: RunEvaluation): RunMetrics {
  const ev = withCurrentScores(stored);
  const m = ev.nominal.metrics;
  return {
    accuracy: nz(m.accuracy),
    robustAccuracy: nz(ev.distributional.robustAccuracy),
    macroF1: nz(m.macroF1),
    logLoss: nz(m.logLoss),
    ...(ev.groups ? { worstGroupAccuracy: nz(ev.groups.worstGroupAccuracy) } : {}),
    meanStressAccuracy: meanStressAccuracy(ev.stress),
  };
}
