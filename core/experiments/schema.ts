/**
 * The shapes of experiments (METHOD.md §5 "Seeds and experiments", "Radius frontier"): the grid a
 * user asks for, a run's cell, and the aggregate over seeds that the CLI prints, the API returns,
 * and the experiment report and the UI draw. Zod schemas (the API contract validates with them);
 * the TypeScript types are inferred from them, so there is one definition of each.
 *
 * For the report and UI: `ExperimentAggregate` (configurations with per-metric `MetricSummary`,
 * seed-paired `Comparison`s, `ExperimentReferences`), `FrontierSeries` / `FrontierPoint`
 * (core/experiments/frontier.ts), `ExperimentCellStatus` (one row per grid cell), and
 * `ExperimentReportModel` (core/experiments/report-model.ts) which holds all of them.
 */
import { z } from 'zod';
import type { RunCell } from '../store/types';
import { FUSIONS, METHODS, TrainConfigRequestSchema, TrainConfigSchema, type TrainConfigInput } from '../train/config';

// ---------------------------------------------------------------- the grid

/**
 * Training settings shared by every cell of a grid: a TrainConfig without method, fusion and seed
 * (the grid's own dimensions), as the user gave them — defaults are applied per cell, so that a
 * method's own defaults (logreg's learning rate) still apply.
 */
export type TrainSettings = Partial<Omit<TrainConfigInput, 'method' | 'fusion' | 'seed'>>;
const SettingsCheck = TrainConfigSchema.omit({ method: true, fusion: true, seed: true }).partial();
export const TrainSettingsSchema = z.record(z.string(), z.unknown()).superRefine((v, ctx) => {
  const r = SettingsCheck.safeParse(v);
  if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
}) as unknown as z.ZodType<TrainSettings, TrainSettings>;

const Radius = z.number().min(0).max(1e6);
const Seed = z.number().int().min(0);

export const GridMethodSchema = z.object({
  method: z.enum(METHODS),
  fusion: z.enum(FUSIONS).default('intermediate'),
  /** This method's training radii, instead of the grid's `radii`. */
  radii: z.array(Radius).min(1).max(50).optional(),
});
export type GridMethod = z.infer<typeof GridMethodSchema>;

/** methods × held-out groups × training radii × seeds, over shared settings. */
export const ProductGridSchema = z.object({
  kind: z.literal('product'),
  methods: z.array(GridMethodSchema).min(1).max(30),
  seeds: z.array(Seed).min(1).max(100),
  /**
   * Training radii of the methods that have one: ρ for chi2 and kl; for mm-dro ρ with every
   * modality at that value, or — when `settings.rhoByModality` is given — a common scale of those
   * ρ_k; α for cvar (in (0, 1]). erm, group-dro and logreg get one cell (the B = 0 point).
   */
  radii: z.array(Radius).min(1).max(50).optional(),
  /** Leave-one-environment-out: one cell per group held out as the test set; 'all' = every group. */
  heldOut: z.union([z.literal('all'), z.array(z.string().min(1)).min(1).max(200)]).optional(),
  settings: TrainSettingsSchema.default({}),
});
export type ProductGrid = z.infer<typeof ProductGridSchema>;

/** An explicit list of configurations (`experiments.start`, one-run experiments). */
export const ListGridSchema = z.object({
  kind: z.literal('list'),
  configs: z.array(TrainConfigRequestSchema).max(500),
});
export type ListGrid = z.infer<typeof ListGridSchema>;

export const ExperimentGridSchema = z.discriminatedUnion('kind', [ProductGridSchema, ListGridSchema]);
export type ExperimentGrid = z.infer<typeof ExperimentGridSchema>;
export type ExperimentGridInput = z.input<typeof ExperimentGridSchema>;

export const RunCellSchema: z.ZodType<RunCell> = z.object({
  configuration: z.string(),
  method: z.string(),
  fusion: z.string().nullable(),
  radius: z.number().optional(),
  heldOut: z.string().optional(),
  seed: z.number().nullable(),
});

// ---------------------------------------------------------------- cells and their runs

export const CellStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted', 'missing']);
export type CellStatus = z.infer<typeof CellStatusSchema>;

/** One grid cell and its current run (the newest attempt); `missing` when no run exists for it (deleted). */
export const ExperimentCellStatusSchema = z.object({
  runId: z.number().nullable(),
  configuration: z.string(),
  method: z.string(),
  fusion: z.string().nullable(),
  radius: z.number().optional(),
  heldOut: z.string().optional(),
  seed: z.number().nullable(),
  status: CellStatusSchema,
  error: z.string().nullable(),
  /** Runs recorded for this cell (1 + retries); earlier attempts stay in the history. */
  attempts: z.number().int(),
  previousRunIds: z.array(z.number()),
});
export type ExperimentCellStatus = z.infer<typeof ExperimentCellStatusSchema>;

export const StatusCountsSchema = z.partialRecord(CellStatusSchema, z.number().int());
export type StatusCounts = z.infer<typeof StatusCountsSchema>;

// ---------------------------------------------------------------- the aggregate

export const EXPERIMENT_METRICS = ['accuracy', 'robustAccuracy', 'macroF1', 'logLoss', 'worstGroupAccuracy', 'meanStressAccuracy'] as const;
export type ExperimentMetric = (typeof EXPERIMENT_METRICS)[number];
export const COMPARED_METRICS = ['accuracy', 'robustAccuracy', 'worstGroupAccuracy'] as const;
export type ComparedMetric = (typeof COMPARED_METRICS)[number];

const N = z.number().nullable();
const Interval = z.tuple([z.number(), z.number()]);

/**
 * One metric of one configuration over its seeds: mean, sample sd (n − 1) and the 95% Student-t
 * interval of the mean; `values` are the per-seed values in the order of the configuration's
 * `seeds` (null where undefined for that run). sd and ci are null below two finite values.
 */
export const MetricSummarySchema = z.object({ n: z.number().int(), mean: N, sd: N, ci: Interval.nullable(), values: z.array(N) });
export type MetricSummary = z.infer<typeof MetricSummarySchema>;

export const ConfigurationMetricsSchema = z.object({
  accuracy: MetricSummarySchema,
  robustAccuracy: MetricSummarySchema,
  macroF1: MetricSummarySchema,
  logLoss: MetricSummarySchema,
  /** Present when the test splits have groups. */
  worstGroupAccuracy: MetricSummarySchema.optional(),
  /** Mean accuracy over the stress grid (every stress curve, every severity). */
  meanStressAccuracy: MetricSummarySchema,
});
export type ConfigurationMetrics = z.infer<typeof ConfigurationMetricsSchema>;

export const ConfigurationAggregateSchema = z.object({
  label: z.string(),
  method: z.string(),
  fusion: z.string().nullable(),
  radius: z.number().optional(),
  heldOut: z.string().optional(),
  /** Seeds whose run succeeded — the ones aggregated — ascending; `runIds` and every `values` follow this order. */
  seeds: z.array(z.number()),
  runIds: z.array(z.number()),
  /** Cells of this configuration in the grid, and their current status. */
  cells: z.number().int(),
  statusCounts: StatusCountsSchema,
  /** The training radius B the runs used (results.B; 0 for ERM; null values where the run reports none). */
  trainingB: MetricSummarySchema,
  metrics: ConfigurationMetricsSchema,
});
export type ConfigurationAggregate = z.infer<typeof ConfigurationAggregateSchema>;

/**
 * Seed-paired comparison of configuration `b` against reference `a` (an ERM configuration): the
 * mean over the paired seeds of (b − a), with a 95% percentile interval from a bootstrap that
 * resamples test rows within each seed and averages over seeds. `real`: the interval excludes 0.
 */
export const ComparisonSchema = z.object({
  a: z.string(),
  b: z.string(),
  /** Why `a` is the reference: ERM at b's fusion, or ERM with early fusion. */
  against: z.enum(['erm-same-fusion', 'erm-early']),
  metric: z.enum(COMPARED_METRICS),
  /** Seeds where both runs succeeded on the same test rows. */
  seeds: z.array(z.number()),
  meanDiff: N,
  ci: Interval.nullable(),
  real: z.boolean(),
  resamples: z.number().int(),
  bootstrapSeed: z.number(),
  note: z.string().optional(),
});
export type Comparison = z.infer<typeof ComparisonSchema>;

export const ReferenceAggregateSchema = z.object({
  /** Splits (seed × held-out group) the references come from, one run each. */
  splits: z.number().int(),
  majorityAccuracy: MetricSummarySchema,
  logisticRegression: z.object({
    accuracy: MetricSummarySchema,
    balancedAccuracy: MetricSummarySchema,
    macroF1: MetricSummarySchema,
    logLoss: MetricSummarySchema,
    robustAccuracy: MetricSummarySchema,
    worstGroupAccuracy: MetricSummarySchema.optional(),
  }).nullable(),
});
export type ReferenceAggregate = z.infer<typeof ReferenceAggregateSchema>;

/** The reference rows (majority class, logistic regression) over seeds; per held-out group too when the grid has them. */
export const ExperimentReferencesSchema = ReferenceAggregateSchema.extend({
  byHeldOut: z.record(z.string(), ReferenceAggregateSchema).optional(),
});
export type ExperimentReferences = z.infer<typeof ExperimentReferencesSchema>;

export const ExperimentAggregateSchema = z.object({
  configurations: z.array(ConfigurationAggregateSchema),
  comparisons: z.array(ComparisonSchema),
  references: ExperimentReferencesSchema,
  statistics: z.object({ level: z.number(), interval: z.literal('student-t'), resamples: z.number().int(), bootstrapSeed: z.number() }),
  /** What the numbers leave out and why (runs without an evaluation, unpaired seeds, …). */
  notes: z.array(z.string()),
});
export type ExperimentAggregate = z.infer<typeof ExperimentAggregateSchema>;

// ---------------------------------------------------------------- the radius frontier

/** One configuration on the frontier: its radius (0 for ERM, the B = 0 point) and its metrics over seeds (bands: sd / ci / values). */
export const FrontierPointSchema = z.object({
  configuration: z.string(),
  method: z.string(),
  radius: z.number(),
  isErm: z.boolean(),
  trainingB: MetricSummarySchema,
  accuracy: MetricSummarySchema,
  robustAccuracy: MetricSummarySchema,
  meanStressAccuracy: MetricSummarySchema,
  worstGroupAccuracy: MetricSummarySchema.optional(),
});
export type FrontierPoint = z.infer<typeof FrontierPointSchema>;

/** A method's configurations over the radius grid at one fusion (and held-out group), ERM first, radius ascending. */
export const FrontierSeriesSchema = z.object({
  method: z.string(),
  fusion: z.string().nullable(),
  heldOut: z.string().optional(),
  /** The ERM configuration drawn as B = 0, when the grid has one (same fusion, else early fusion). */
  erm: z.string().nullable(),
  points: z.array(FrontierPointSchema),
});
export type FrontierSeries = z.infer<typeof FrontierSeriesSchema>;

// ---------------------------------------------------------------- the experiment itself

export const ExperimentInfoSchema = z.object({
  id: z.number(),
  name: z.string(),
  dataset: z.object({ id: z.number(), name: z.string(), version: z.number() }),
  /** ISO time. */
  createdAt: z.string(),
  clonedFrom: z.number().nullable(),
  /** The grid as stored (`ExperimentGrid`; an older one-run experiment may hold a config list the schema no longer reads). */
  grid: z.unknown(),
});
export type ExperimentInfo = z.infer<typeof ExperimentInfoSchema>;
