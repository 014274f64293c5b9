/**
 * The experiment report as data (`drmm report --experiment ID --format json`; the HTML, PDF and CSV
 * renderings read only this): the experiment, its cells, the aggregate over seeds (one row per
 * configuration, the reference rows), the seed-paired comparisons in words, the stress curves
 * aggregated over seeds, the missing-modality matrix, where each configuration breaks, the radius
 * frontier, a plain-words summary, and the per-run details of the appendix. METHOD.md §5
 * "Seeds and experiments", "Radius frontier".
 *
 * Built from the aggregate (core/experiments/aggregate.ts) and the runs' stored evaluations and
 * training histories only — never from a model. The sections are computed in report-sections.ts.
 */
import { z } from 'zod';
import type { RunEvaluation, RunEvaluationSummary } from '../evaluate/schema';
import { EpochRecordSchema, type EpochRecord } from '../report/model';
import { radiusFrontier } from './frontier';
import { num3, signed3 } from './report-format';
import {
  aggregateStress, breaksOf, frontierSentence, worstGroupEqualsAccuracy, missingMatrix, referenceInWords, referenceRows, runDetails, stressLabelOf, writeExperimentSummary,
} from './report-sections';
import { configurationStyles, MARKERS } from './report-style';
import {
  ComparisonSchema, ExperimentAggregateSchema, ExperimentCellStatusSchema, ExperimentInfoSchema, EXPERIMENT_METRICS, FrontierSeriesSchema,
  MetricSummarySchema, StatusCountsSchema,
  type Comparison, type ExperimentAggregate, type ExperimentCellStatus, type ExperimentInfo, type StatusCounts,
} from './schema';

/** v2: rows, styles, stress, missing, breaks, frontier sentence, summary, run details, dataset. v1 had the aggregate and findings only. */
export const EXPERIMENT_REPORT_VERSION = 2;

const N = z.number().nullable();

/** A configuration's colour, dash and marker: the same in every chart (core/experiments/report-style.ts). */
export const ConfigurationStyleSchema = z.object({ configuration: z.string(), color: z.string(), dash: z.string().nullable(), marker: z.enum(MARKERS as [string, ...string[]]) });

/** One row of the configurations table: a configuration (its aggregate's metrics as they are) or a reference. */
export const ReportRowSchema = z.object({
  kind: z.enum(['configuration', 'majority', 'logistic-regression']),
  label: z.string(),
  heldOut: z.string().optional(),
  /** Configurations: the seeds aggregated. References: the number of splits they come from is `metrics.accuracy.n`. */
  seeds: z.array(z.number()),
  metrics: z.partialRecord(z.enum(EXPERIMENT_METRICS), MetricSummarySchema),
});
export type ReportRow = z.infer<typeof ReportRowSchema>;

/** One configuration's curve for one corruption of one modality: per severity, the mean and sd over seeds of the runs' mean accuracy. */
export const StressSeriesSchema = z.object({
  configuration: z.string(),
  severities: z.array(z.number()),
  mean: z.array(N),
  sd: z.array(N),
  /** Seeds behind each point. */
  n: z.array(z.number().int()),
});
export type StressSeries = z.infer<typeof StressSeriesSchema>;

/** One small multiple: a modality under one corruption; `part` of `parts` when the configurations are split into charts of at most eight lines. */
export const StressChartSchema = z.object({ modality: z.string(), part: z.number().int(), parts: z.number().int(), series: z.array(StressSeriesSchema) });
export const StressBlockSchema = z.object({
  test: z.string(),
  label: z.string(),
  /** The y-axis of every chart of this corruption: fitted to the means ± sd (within [0, 1]). */
  yRange: z.tuple([z.number(), z.number()]),
  charts: z.array(StressChartSchema),
});
export type StressBlock = z.infer<typeof StressBlockSchema>;

/** Accuracy with a modality missing (or only it kept), and its drop from the configuration's own clean accuracy, over seeds. */
export const MissingCellSchema = z.object({ modality: z.string(), accuracy: N, accuracySd: N, drop: N, dropSd: N, n: z.number().int() });
export const MissingRowSchema = z.object({ configuration: z.string(), clean: N, missing: z.array(MissingCellSchema), onlyKept: z.array(MissingCellSchema) });
export const MissingMatrixSchema = z.object({ modalities: z.array(z.string()), rows: z.array(MissingRowSchema) });
export type MissingMatrix = z.infer<typeof MissingMatrixSchema>;

/** The corruption of one modality that costs a configuration the most accuracy (mean over seeds of clean − corrupted). */
export const WorstBreakSchema = z.object({
  test: z.string(), label: z.string(), modality: z.string(),
  /** The severity compared (the highest of a graded curve; 1 for a missing modality). */
  severity: z.number(),
  clean: N, accuracy: N, drop: z.number(), dropSd: N, n: z.number().int(),
});
/** The modality whose shift the configuration's loss moves with most (mean share over seeds, METHOD.md §5). */
export const BreakExposureSchema = z.object({
  modality: z.string(), share: z.number(), shareSd: N, risk: N, n: z.number().int(),
  /** share ≥ 0.05 (LOW_EXPOSURE_SHARE): below it, no single modality moves the loss much. */
  exposed: z.boolean(),
  shares: z.array(z.object({ modality: z.string(), share: N, sd: N })),
});
export const BreakRowSchema = z.object({ configuration: z.string(), worst: WorstBreakSchema.nullable(), exposure: BreakExposureSchema.nullable(), sentence: z.string() });
export type BreakRow = z.infer<typeof BreakRowSchema>;

/** What the appendix shows of one run: its training curves, confusion matrix and bound panel. */
export const RunDetailSchema = z.object({
  runId: z.number(),
  configuration: z.string(),
  seed: N,
  splitDescription: z.string(),
  nTest: z.number().int(),
  classes: z.array(z.string()),
  confusion: z.array(z.array(z.number())),
  bestEpoch: z.number().int().optional(),
  trainingB: N,
  bound: z.object({ bEval: z.number(), meanLoss: N, chi2Exact: N, chi2ClosedForm: N, measuredLossAll: N, bound: N, severity: N }),
  history: z.array(EpochRecordSchema),
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

export const ExperimentReportModelSchema = z.object({
  kind: z.literal('experiment-report'),
  version: z.literal(EXPERIMENT_REPORT_VERSION),
  generatedAt: z.string(),
  appVersion: z.string(),
  experiment: ExperimentInfoSchema,
  /** The dataset's files by name (never a path) and content hash. */
  dataset: z.object({ name: z.string(), version: z.number(), files: z.array(z.object({ file: z.string(), sha256: z.string() })) }).optional(),
  cells: z.array(ExperimentCellStatusSchema),
  statusCounts: StatusCountsSchema,
  aggregate: ExperimentAggregateSchema,
  styles: z.array(ConfigurationStyleSchema),
  /** The configurations table: one row per configuration (its aggregate), then the reference rows. */
  rows: z.array(ReportRowSchema),
  frontier: z.array(FrontierSeriesSchema),
  /** One sentence on what the frontier shows; null without a radius grid. */
  frontierSentence: z.string().nullable(),
  /** One sentence per comparison, saying whether the difference is real (its interval excludes 0). */
  findings: z.array(z.object({ comparison: ComparisonSchema, text: z.string() })),
  /**
   * Every run's worst-group accuracy equals its accuracy (a test split of one group, e.g. a held-out
   * environment): the renderings leave the duplicate column, comparisons and frontier chart out.
   */
  worstGroupEqualsAccuracy: z.boolean(),
  stressLabels: z.record(z.string(), z.string()),
  stress: z.array(StressBlockSchema),
  missing: MissingMatrixSchema,
  breaks: z.array(BreakRowSchema),
  /** The plain-words answer: scope, best configurations, references, where each breaks, which differences are real, the frontier. */
  summary: z.array(z.string()),
  runs: z.array(RunDetailSchema),
});
export type ExperimentReportModel = z.infer<typeof ExperimentReportModelSchema>;

/** A run of the experiment as the report reads it: the stored evaluation (per-sample block not needed) and training history. */
export interface ExperimentRunInput {
  runId: number;
  configuration: string;
  seed: number | null;
  evaluation: RunEvaluation | RunEvaluationSummary;
  history?: EpochRecord[];
  bestEpoch?: number;
  trainingB?: number | null;
}

const METRIC_WORDS: Record<Comparison['metric'], string> = { accuracy: 'accuracy', robustAccuracy: 'robust accuracy', worstGroupAccuracy: 'worst-group accuracy' };

/**
 * One comparison in one sentence: "mm-dro:intermediate vs ERM (intermediate): accuracy −0.002,
 * 95% CI −0.011 to 0.007 over 3 seeds — no real difference." A difference is real when its
 * interval excludes 0 (METHOD.md §5).
 */
export function comparisonInWords(c: Comparison): string {
  const head = `${c.b} vs ${referenceInWords(c)}: ${METRIC_WORDS[c.metric]}`;
  if (c.meanDiff === null || c.ci === null) return `${head} — not compared: ${(c.note ?? 'no paired seeds').replace(/\.$/, '')}.`;
  const seeds = `${c.seeds.length} seed${c.seeds.length === 1 ? '' : 's'}`;
  const verdict = c.real ? `a real difference (${c.b} is ${c.meanDiff > 0 ? 'better' : 'worse'})` : 'no real difference';
  return `${head} ${signed3(c.meanDiff)}, 95% CI ${num3(c.ci[0])} to ${num3(c.ci[1])} over ${seeds} — ${verdict}.`;
}

export function buildExperimentReport(input: {
  experiment: ExperimentInfo; cells: ExperimentCellStatus[]; statusCounts: StatusCounts; aggregate: ExperimentAggregate;
  appVersion: string; generatedAt?: string;
  /** The runs behind the aggregate (the others are ignored); without them the stress, missing, breaks and appendix sections are empty. */
  runs?: readonly ExperimentRunInput[];
  dataset?: ExperimentReportModel['dataset'];
}): ExperimentReportModel {
  const { aggregate } = input;
  const aggregated = new Set(aggregate.configurations.flatMap((c) => c.runIds));
  const runs = (input.runs ?? []).filter((r) => aggregated.has(r.runId));
  const byConfig = new Map(aggregate.configurations.map((c) => [c.label, runs.filter((r) => r.configuration === c.label)]));
  const styles = configurationStyles(aggregate.configurations.map((c) => c.label));
  const frontier = radiusFrontier(aggregate);
  const findings = aggregate.comparisons.map((comparison) => ({ comparison, text: comparisonInWords(comparison) }));
  const stressLabels = Object.fromEntries([...new Set(runs.flatMap((r) => [...r.evaluation.stress.curves, ...r.evaluation.stress.points].map((c) => c.test)))].map((t) => [t, stressLabelOf(t)]));
  const breaks = breaksOf(aggregate.configurations, byConfig);
  const model: ExperimentReportModel = {
    kind: 'experiment-report',
    version: EXPERIMENT_REPORT_VERSION,
    generatedAt: input.generatedAt ?? new Date().toISOString(),
    appVersion: input.appVersion,
    experiment: input.experiment,
    ...(input.dataset ? { dataset: input.dataset } : {}),
    cells: input.cells,
    statusCounts: input.statusCounts,
    aggregate,
    styles,
    rows: [
      ...aggregate.configurations.map((c): ReportRow => ({
        kind: 'configuration', label: c.label, ...(c.heldOut !== undefined ? { heldOut: c.heldOut } : {}), seeds: c.seeds, metrics: { ...c.metrics },
      })),
      ...referenceRows(aggregate.references),
    ],
    frontier,
    frontierSentence: frontierSentence(frontier),
    findings,
    worstGroupEqualsAccuracy: worstGroupEqualsAccuracy(aggregate),
    stressLabels,
    stress: aggregateStress(aggregate.configurations, byConfig),
    missing: missingMatrix(aggregate.configurations, byConfig),
    breaks,
    summary: [],
    runs: runDetails(aggregate.configurations, byConfig),
  };
  model.summary = writeExperimentSummary(model);
  return model;
}
