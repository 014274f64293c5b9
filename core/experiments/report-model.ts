/**
 * The experiment report as data (`drmm report --experiment ID --format json`): the experiment, its
 * cells, the aggregate over seeds, the radius frontier, and the comparisons in words. Versioned like
 * the run report model; the HTML/PDF rendering reads only this.
 */
import { z } from 'zod';
import { radiusFrontier } from './frontier';
import {
  ComparisonSchema, ExperimentAggregateSchema, ExperimentCellStatusSchema, ExperimentInfoSchema, FrontierSeriesSchema, StatusCountsSchema,
  type Comparison, type ExperimentAggregate, type ExperimentCellStatus, type ExperimentInfo, type StatusCounts,
} from './schema';

export const EXPERIMENT_REPORT_VERSION = 1;

export const ExperimentReportModelSchema = z.object({
  kind: z.literal('experiment-report'),
  version: z.literal(EXPERIMENT_REPORT_VERSION),
  generatedAt: z.string(),
  appVersion: z.string(),
  experiment: ExperimentInfoSchema,
  cells: z.array(ExperimentCellStatusSchema),
  statusCounts: StatusCountsSchema,
  aggregate: ExperimentAggregateSchema,
  frontier: z.array(FrontierSeriesSchema),
  /** One sentence per comparison, saying whether the difference is real (its interval excludes 0). */
  findings: z.array(z.object({ comparison: ComparisonSchema, text: z.string() })),
});
export type ExperimentReportModel = z.infer<typeof ExperimentReportModelSchema>;

const METRIC_WORDS: Record<Comparison['metric'], string> = { accuracy: 'accuracy', robustAccuracy: 'robust accuracy', worstGroupAccuracy: 'worst-group accuracy' };
const signed = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;

/** "mm-dro:intermediate vs erm:early, accuracy: +0.041 (95% interval +0.012 to +0.070, 3 seeds) — a real difference: the interval excludes 0." */
export function comparisonInWords(c: Comparison): string {
  const head = `${c.b} vs ${c.a}, ${METRIC_WORDS[c.metric]}`;
  if (c.meanDiff === null || c.ci === null) return `${head}: no paired seeds to compare${c.note ? ` (${c.note.replace(/\.$/, '')})` : ''}.`;
  const seeds = `${c.seeds.length} seed${c.seeds.length === 1 ? '' : 's'}`;
  const verdict = c.real
    ? `a real difference: the interval excludes 0 (${c.meanDiff > 0 ? `${c.b} is better` : `${c.b} is worse`}).`
    : 'not a real difference: the interval includes 0.';
  return `${head}: ${signed(c.meanDiff)} (95% interval ${signed(c.ci[0])} to ${signed(c.ci[1])}, ${seeds}) — ${verdict}`;
}

export function buildExperimentReport(input: {
  experiment: ExperimentInfo; cells: ExperimentCellStatus[]; statusCounts: StatusCounts; aggregate: ExperimentAggregate;
  appVersion: string; generatedAt?: string;
}): ExperimentReportModel {
  return {
    kind: 'experiment-report',
    version: EXPERIMENT_REPORT_VERSION,
    generatedAt: input.generatedAt ?? new Date().toISOString(),
    appVersion: input.appVersion,
    experiment: input.experiment,
    cells: input.cells,
    statusCounts: input.statusCounts,
    aggregate: input.aggregate,
    frontier: radiusFrontier(input.aggregate),
    findings: input.aggregate.comparisons.map((comparison) => ({ comparison, text: comparisonInWords(comparison) })),
  };
}
