/**
 * The report model: a typed, versioned, JSON-serialisable description of a robustness report for
 * one or more runs (issue "Robustness reports", METHOD.md §5). Every rendering (HTML, PDF, CSV,
 * JSON, the app's report screen) reads this and nothing else. `docs/report-schema.json` is
 * generated from `ReportModelSchema` (see `core/report/schema-file.ts`).
 *
 * `buildReport` works from stored evaluations only (per-sample test predictions included), so it
 * never reloads a model: it re-scores at the shared B_eval, bootstraps differences against a
 * baseline, computes effective robustness against an ERM run on the same test rows, and writes the
 * plain-words summary.
 */
import { z } from 'zod';
import { DrmmError } from '../errors';
import { accuracyStatistic, DEFAULT_BOOTSTRAP_SEED, DEFAULT_RESAMPLES, pairedBootstrap, robustAccuracyStatistic, worstGroupAccuracyStatistic } from '../evaluate/bootstrap';
import { extendedBound } from '../evaluate/encoder-error';
import { withCurrentScores } from '../evaluate/evaluate-run';
import { SMALL_GROUPS_LABEL } from '../evaluate/groups';
import { argmaxRows, listMetrics, sampleLosses } from '../evaluate/metrics';
import { EVALUATION_VERSION, RunEvaluationSchema, type RunEvaluation } from '../evaluate/schema';
import { getStressTest } from '../evaluate/stress';

/**
 * v3 (METHOD.md version 2): robust accuracy under the worst-case reweighting of the log-losses,
 * worst-group accuracy over groups of a minimum size, modality shift sensitivity (`exposure`),
 * reference rows (`references`), the data-level γ, `meta.bestEpoch`. v2: `loeo`.
 * Older documents are upgraded on reading (core/report/json.ts).
 */
export const REPORT_SCHEMA_VERSION = 3;

const N = z.number().nullable();

export const EnvironmentPairSchema = z.object({
  source: z.number().int(), target: z.number().int(), nSource: z.number().int(), nTarget: z.number().int(), rho: z.number(),
});
/** How the radii ρ_k were chosen, with the data behind it (METHOD.md §3 "Choosing ρ_k"). */
export const RhoDetailsSchema = z.object({
  rule: z.string(),
  /** Environment level names (decode `source` / `target` codes). */
  environments: z.array(z.string()).optional(),
  modalities: z.array(z.object({
    modality: z.string(),
    rho: z.number(),
    /** Environment rule: the per-pair radii, of which ρ_k is the maximum. */
    pairs: z.array(EnvironmentPairSchema).optional(),
    note: z.string().optional(),
  })),
});

export const DatasetInfoSchema = z.object({
  name: z.string(),
  version: z.union([z.string(), z.number()]).optional(),
  hashes: z.array(z.object({ file: z.string(), sha256: z.string() })),
  /** The dataset spec (JSON) as imported. */
  spec: z.unknown(),
});

export const RunMetaSchema = z.object({
  id: z.string(),
  name: z.string(),
  method: z.string(),
  fusion: z.string(),
  config: z.record(z.string(), z.unknown()),
  seed: z.number(),
  backend: z.string(),
  device: z.string().optional(),
  appVersion: z.string(),
  dataset: DatasetInfoSchema,
  /** The run's own training radius (reported beside B_eval, never used for evaluation). */
  B: z.number().optional(),
  gamma: z.array(z.array(z.number())).optional(),
  /** Per-modality training radii, in modality order. */
  rho: z.array(z.number()).optional(),
  rhoDetails: RhoDetailsSchema.optional(),
  /** The 1-based epoch whose weights were kept (model selection, METHOD.md §6); marked on the training curves. */
  bestEpoch: z.number().int().optional(),
  createdAt: z.string(),
});
export type RunMeta = z.infer<typeof RunMetaSchema>;

/** One epoch of training history: `epoch` plus any numeric series (trainLoss, valLoss, valAccuracy, worstGroupAccuracy, …). */
export const EpochRecordSchema = z.object({ epoch: z.number() }).catchall(z.union([z.number(), z.array(z.number()), z.null()]));
export type EpochRecord = z.infer<typeof EpochRecordSchema>;

const EvaluationSummarySchema = RunEvaluationSchema.omit({ samples: true });

export const ReportRunSchema = z.object({
  meta: RunMetaSchema,
  /** The stored evaluation without its per-sample block, re-scored at the report's B_eval. */
  evaluation: EvaluationSummarySchema,
  history: z.array(EpochRecordSchema).optional(),
});

export const ComparisonRowSchema = z.object({
  runId: z.string(), name: z.string(), method: z.string(), fusion: z.string(),
  trainingB: N,
  metrics: z.record(z.string(), N),
  worstGroupAccuracy: N,
  robustAccuracy: N, chi2Exact: N, chi2ClosedForm: N, cvar10: N, cvar20: N,
  /** Mean relative robustness over the modality × graded-corruption curves. */
  meanRelativeRobustness: N,
  meanEffectiveRobustness: N,
});

export const BootstrapRowSchema = z.object({
  runId: z.string(), baselineRunId: z.string(),
  metric: z.enum(['accuracy', 'worstGroupAccuracy', 'robustAccuracy']),
  difference: N, lo: N, hi: N, resamples: z.number().int(), seed: z.number(),
});

export const EffectiveRobustnessSchema = z.object({
  runId: z.string(), test: z.string(), modality: z.string(),
  relativeRobustness: N, ermRelativeRobustness: N, effectiveRobustness: N,
});

export const MissingMatrixSchema = z.object({
  /** 'none' first, then every modality seen in any run. */
  columns: z.array(z.string()),
  rows: z.array(z.object({
    runId: z.string(), label: z.string(), trainModalities: z.array(z.string()),
    cells: z.array(z.object({ accuracy: N, notUsed: z.boolean() })),
  })),
});

/**
 * Leave-one-environment-out (METHOD.md §5): runs trained with a leave-one-group-out split, one row
 * per (method, fusion), one cell per held-out group = test accuracy on that held-out environment
 * (mean over the seeds that have it), then mean and worst over the held-out groups present.
 */
export const LoeoCellSchema = z.object({
  accuracy: N,
  /** Standard deviation over seeds (null with one run). */
  sd: N,
  /** Test rows (the held-out group's size) of the first run of the cell. */
  n: z.number().int().nullable(),
  runIds: z.array(z.string()),
});
export const LoeoRowSchema = z.object({
  method: z.string(), fusion: z.string(), label: z.string(),
  /** One per entry of `groups`; `runIds` empty where no run held that group out. */
  cells: z.array(LoeoCellSchema),
  mean: N, worst: N, worstGroup: z.string().nullable(),
});
export const LoeoSchema = z.object({
  /** Held-out group levels, in the dataset's level order. */
  groups: z.array(z.string()),
  rows: z.array(LoeoRowSchema),
  note: z.string().optional(),
});
export type Loeo = z.infer<typeof LoeoSchema>;

/** A reference row of the metrics tables (METHOD.md §5 "References in every report"). */
export const ReferenceRowSchema = z.object({
  kind: z.enum(['majority', 'logistic-regression']),
  label: z.string(),
  /** Null where the reference has no such value (the majority class has an accuracy only). */
  metrics: z.object({ accuracy: N, balancedAccuracy: N, macroF1: N, logLoss: N, robustAccuracy: N, worstGroupAccuracy: N }),
  /** The runs this reference belongs to (same split and modalities). */
  runIds: z.array(z.string()),
});
export const ReferencesSchema = z.object({
  rows: z.array(ReferenceRowSchema),
  /** Whether each run beats its references, in words; null when no run has any. */
  sentence: z.string().nullable(),
  notes: z.array(z.string()),
});
export type References = z.infer<typeof ReferencesSchema>;

/** Per run: the modality whose shift the model is most exposed to (METHOD.md §5 "Modality shift sensitivity"). */
export const ExposureSchema = z.object({
  runId: z.string(),
  modality: z.string().nullable(),
  share: N,
  risk: N,
  /** The finding in words, or why it is missing. */
  sentence: z.string(),
});
export type Exposure = z.infer<typeof ExposureSchema>;

export const ReportModelSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  title: z.string(),
  generatedAt: z.string(),
  appVersion: z.string(),
  bEval: z.number(),
  bEvalSource: z.enum(['default', 'user', 'stored']),
  /** Severity used by summary sentences and the bound panel (closest to 0.5 in the grid). */
  referenceSeverity: N,
  dataset: DatasetInfoSchema,
  summary: z.array(z.string()),
  warnings: z.array(z.string()),
  metricLabels: z.record(z.string(), z.object({ label: z.string(), higherIsBetter: z.boolean() })),
  stressLabels: z.record(z.string(), z.string()),
  runs: z.array(ReportRunSchema),
  comparison: z.object({
    baselineRunId: z.string(),
    baselineReason: z.string(),
    rows: z.array(ComparisonRowSchema),
    bootstrap: z.array(BootstrapRowSchema),
    bootstrapNote: z.string().optional(),
  }),
  effectiveRobustness: z.object({ ermRunId: z.string().nullable(), entries: z.array(EffectiveRobustnessSchema), note: z.string().optional() }),
  missingMatrix: MissingMatrixSchema,
  /** Null when no run in the report used a leave-one-group-out split. */
  loeo: LoeoSchema.nullable(),
  references: ReferencesSchema,
  /** One entry per run, in run order. */
  exposure: z.array(ExposureSchema),
});
export type ReportModel = z.infer<typeof ReportModelSchema>;
export type ReportRun = z.infer<typeof ReportRunSchema>;

export interface ReportRunInput {
  meta: RunMeta;
  evaluation: RunEvaluation;
  history?: EpochRecord[];
}

export interface BuildReportOptions {
  /** Shared evaluation radius; default: the first run's stored B_eval. */
  bEval?: number;
  /** Where B_eval came from (shown in the report). */
  bEvalSource?: 'default' | 'user' | 'stored';
  /** Run to compare against; default the first ERM run, else the first run. */
  baselineRunId?: string;
  bootstrapSeed?: number;
  resamples?: number;
  title?: string;
  appVersion?: string;
  /** ISO time; pass it for byte-identical reports. */
  generatedAt?: string;
}

const sameRows = (a: RunEvaluation, b: RunEvaluation) =>
  a.samples.rows.length === b.samples.rows.length && a.samples.rows.every((r, i) => r === b.samples.rows[i]);

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
const nz = (v: number | null | undefined): number | null => (finite(v) ? v : null);
const f2 = (v: number | null | undefined) => (finite(v) ? v.toFixed(2) : 'n/a');
/** A group level as the summary names it ("the pooled small groups" for the pool). */
const groupInWords = (level: string) => (level === SMALL_GROUPS_LABEL ? 'the pooled small groups' : level);
const meanOf = (v: (number | null)[]) => { const f = v.filter(finite); return f.length ? f.reduce((a, b) => a + b, 0) / f.length : null; };

export function buildReport(inputs: ReportRunInput[], opts: BuildReportOptions = {}): ReportModel {
  if (inputs.length === 0) throw new DrmmError('INVALID_ARGUMENT', 'A report needs at least one run.', { hint: 'Pass one or more run ids.' });
  const warnings: string[] = [];
  const runsIn = inputs.map((r) => ({ ...r, meta: RunMetaSchema.parse(r.meta), evaluation: RunEvaluationSchema.parse(r.evaluation) }));
  const ids = new Set<string>();
  for (const r of runsIn) { if (ids.has(r.meta.id)) throw new DrmmError('INVALID_ARGUMENT', `Run '${r.meta.id}' is listed twice.`, { hint: 'List each run once.' }); ids.add(r.meta.id); }
  const first = runsIn[0];
  const bEval = opts.bEval ?? first.evaluation.distributional.bEval;
  if (!(bEval >= 0) || !Number.isFinite(bEval)) throw new DrmmError('INVALID_ARGUMENT', `B_eval must be a number ≥ 0 (got ${bEval}).`, { hint: 'Leave it unset for the default.' });
  const bEvalSource = opts.bEvalSource ?? (opts.bEval === undefined ? 'stored' : 'user');

  const datasets = new Set(runsIn.map((r) => r.meta.dataset.name + '@' + (r.meta.dataset.hashes.map((h) => h.sha256).join(','))));
  if (datasets.size > 1) warnings.push('The runs come from different datasets (or dataset versions); comparisons between them are not like for like.');

  // ---- every run in the current definitions (METHOD.md §5, v2), at the shared B_eval
  const runs: ReportRun[] = runsIn.map((r) => {
    const { samples, ...ev } = withCurrentScores(r.evaluation, bEval); // the report keeps no per-sample block
    const stored = r.evaluation.distributional.bEval;
    const moved = Math.abs(stored - bEval) > 1e-12;
    if (moved && ev.encoder.available && finite(ev.encoder.sumContribution)) {
      const eb = extendedBound(ev.distributional.meanLoss ?? NaN, ev.distributional.sdLoss ?? NaN, bEval, ev.encoder.sumContribution);
      ev.encoder = { ...ev.encoder, bEval, robustRisk: nz(eb.robustRisk), bound: nz(eb.bound) };
    }
    // The reference's robust accuracy was scored at the stored radius; its predictions are not stored.
    if (moved && ev.references?.logisticRegression) ev.references = { ...ev.references, logisticRegression: { ...ev.references.logisticRegression, robustAccuracy: null } };
    if (moved) warnings.push(`${r.meta.name} was evaluated at B = ${stored.toFixed(3)}; its distributional metrics were recomputed at B_eval = ${bEval.toFixed(3)} from its stored test predictions${ev.references?.logisticRegression ? ' (its logistic-regression reference has no robust accuracy at this radius)' : ''}.`);
    if (r.evaluation.version < EVALUATION_VERSION) warnings.push(`${r.meta.name} was evaluated before v2: its robust accuracy${ev.groups ? ' and worst-group accuracy were' : ' was'} re-scored from its stored test predictions, and its modality shift sensitivity was not computed.`);
    return { meta: r.meta, evaluation: ev, history: r.history };
  });

  // ---- baseline (bootstrap) and ERM reference (effective robustness)
  let baselineReason: string;
  let baseline = opts.baselineRunId ? runsIn.find((r) => r.meta.id === opts.baselineRunId) : undefined;
  if (opts.baselineRunId && !baseline) throw new DrmmError('NOT_FOUND', `Baseline run '${opts.baselineRunId}' is not among the runs of this report.`, { hint: 'Pick one of the listed runs.' });
  if (baseline) baselineReason = 'chosen by the user';
  else if ((baseline = runsIn.find((r) => r.meta.method === 'erm'))) baselineReason = 'the ERM run';
  else { baseline = first; baselineReason = 'the first run (no ERM run in this report)'; }
  const erm = runsIn.find((r) => r.meta.method === 'erm');

  // ---- paired bootstrap against the baseline
  const bootstrapSeed = opts.bootstrapSeed ?? DEFAULT_BOOTSTRAP_SEED;
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const bootstrap: z.infer<typeof BootstrapRowSchema>[] = [];
  let bootstrapNote: string | undefined;
  const predOf = (e: RunEvaluation) => argmaxRows(e.samples.probs, e.samples.y.length, e.classes.length);
  const lossesOf = (e: RunEvaluation) => sampleLosses(e.samples.probs, e.samples.y, e.classes.length);
  const basePred = predOf(baseline.evaluation);
  const bs = baseline.evaluation.samples;
  const skippedSplit: string[] = [];
  for (const r of runsIn) {
    if (r === baseline) continue;
    if (!sameRows(r.evaluation, baseline.evaluation)) { skippedSplit.push(r.meta.name); continue; }
    const pred = predOf(r.evaluation);
    const y = r.evaluation.samples.y;
    const n = y.length;
    const add = (metric: 'accuracy' | 'worstGroupAccuracy' | 'robustAccuracy', a: (idx: Int32Array) => number, b: (idx: Int32Array) => number) => {
      const ci = pairedBootstrap(n, a, b, { seed: bootstrapSeed, resamples });
      bootstrap.push({ runId: r.meta.id, baselineRunId: baseline!.meta.id, metric, difference: nz(ci.difference), lo: nz(ci.lo), hi: nz(ci.hi), resamples, seed: bootstrapSeed });
    };
    add('accuracy', accuracyStatistic(basePred, bs.y), accuracyStatistic(pred, y));
    const levels = r.evaluation.groupLevels;
    if (levels && bs.group && r.evaluation.samples.group) {
      add('worstGroupAccuracy', worstGroupAccuracyStatistic(basePred, bs.y, bs.group, levels.length), worstGroupAccuracyStatistic(pred, y, r.evaluation.samples.group, levels.length));
    }
    add('robustAccuracy', robustAccuracyStatistic(lossesOf(baseline.evaluation), basePred, bs.y, bEval), robustAccuracyStatistic(lossesOf(r.evaluation), pred, y, bEval));
  }
  if (skippedSplit.length) bootstrapNote = `No paired interval for ${skippedSplit.join(', ')}: not scored on the same test rows as ${baseline.meta.name}.`;
  if (runsIn.length === 1) bootstrapNote = 'One run only: nothing to compare.';

  // ---- effective robustness against the ERM run of the same dataset and split
  const erEntries: z.infer<typeof EffectiveRobustnessSchema>[] = [];
  let erNote: string | undefined;
  if (!erm) erNote = 'No ERM run in this report: effective robustness needs one (train an ERM run on the same dataset and split).';
  for (const r of runs) {
    for (const c of r.evaluation.stress.curves) {
      let ermRR: number | null = null;
      if (erm && sameRows(erm.evaluation, runsIn.find((x) => x.meta.id === r.meta.id)!.evaluation)) {
        ermRR = erm.evaluation.stress.curves.find((e) => e.test === c.test && e.modality === c.modality)?.relativeRobustness ?? null;
      }
      erEntries.push({
        runId: r.meta.id, test: c.test, modality: c.modality, relativeRobustness: c.relativeRobustness,
        ermRelativeRobustness: ermRR, effectiveRobustness: finite(ermRR) && finite(c.relativeRobustness) && ermRR > 0 ? c.relativeRobustness / ermRR : null,
      });
    }
  }

  // ---- comparison table
  const rows = runs.map((r) => {
    const e = r.evaluation, d = e.distributional;
    const er = erEntries.filter((x) => x.runId === r.meta.id);
    return {
      runId: r.meta.id, name: r.meta.name, method: r.meta.method, fusion: r.meta.fusion,
      trainingB: nz(r.meta.B),
      metrics: e.nominal.metrics,
      worstGroupAccuracy: e.groups ? e.groups.worstGroupAccuracy : null,
      robustAccuracy: d.robustAccuracy, chi2Exact: d.chi2Exact, chi2ClosedForm: d.chi2ClosedForm, cvar10: d.cvar10, cvar20: d.cvar20,
      meanRelativeRobustness: meanOf(er.map((x) => x.relativeRobustness)),
      meanEffectiveRobustness: meanOf(er.map((x) => x.effectiveRobustness)),
    };
  });

  // ---- train × test missing-modality matrix
  const allMods: string[] = [];
  for (const r of runs) for (const m of r.evaluation.modalityNames) if (!allMods.includes(m)) allMods.push(m);
  const missingMatrix = {
    columns: ['none', ...allMods],
    rows: runs.map((r) => {
      const e = r.evaluation;
      return {
        runId: r.meta.id,
        label: r.meta.name,
        trainModalities: e.modalityNames,
        cells: [
          { accuracy: e.nominal.metrics.accuracy ?? null, notUsed: false },
          ...allMods.map((m) => {
            if (!e.modalityNames.includes(m)) return { accuracy: e.nominal.metrics.accuracy ?? null, notUsed: true };
            const p = e.stress.points.find((x) => x.test === 'missing-modality' && x.modality === m);
            return { accuracy: p ? p.accuracy : null, notUsed: false };
          }),
        ],
      };
    }),
  };

  const severities = first.evaluation.stress.severities.filter((s) => s > 0);
  const referenceSeverity = severities.length ? severities.reduce((b, s) => (Math.abs(s - 0.5) < Math.abs(b - 0.5) ? s : b)) : null;

  const metricLabels: Record<string, { label: string; higherIsBetter: boolean }> = {};
  for (const m of listMetrics()) metricLabels[m.name] = { label: m.label, higherIsBetter: m.higherIsBetter };
  const stressLabels: Record<string, string> = {};
  for (const r of runs) for (const c of [...r.evaluation.stress.curves, ...r.evaluation.stress.points]) {
    try { stressLabels[c.test] = getStressTest(c.test).label; } catch { stressLabels[c.test] = c.test; }
  }

  const model: ReportModel = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    title: opts.title ?? `Robustness report — ${first.meta.dataset.name}`,
    generatedAt: opts.generatedAt ?? new Date().toISOString(),
    appVersion: opts.appVersion ?? first.meta.appVersion,
    bEval, bEvalSource, referenceSeverity,
    dataset: first.meta.dataset,
    summary: [],
    warnings,
    metricLabels, stressLabels,
    runs,
    comparison: { baselineRunId: baseline.meta.id, baselineReason, rows, bootstrap, bootstrapNote },
    effectiveRobustness: { ermRunId: erm ? erm.meta.id : null, entries: erEntries, note: erNote },
    missingMatrix,
    loeo: buildLoeo(runs),
    references: buildReferences(runs),
    exposure: runs.map((r) => exposureOf(r, runs.length === 1)),
  };
  model.summary = writeSummary(model);
  return ReportModelSchema.parse(JSON.parse(JSON.stringify(model)));
}

// ---------------------------------------------------------------- leave-one-environment-out

/** The held-out group of a leave-one-group-out run, from its config (`config.split.heldOutGroup`). */
export function heldOutGroupOf(meta: RunMeta): string | null {
  const split = meta.config.split as { kind?: unknown; heldOutGroup?: unknown } | undefined;
  return split && split.kind === 'leave-one-group-out' && typeof split.heldOutGroup === 'string' ? split.heldOutGroup : null;
}

/** The LOEO table from the runs that used a leave-one-group-out split; null when there are none. */
export function buildLoeo(runs: ReportRun[]): Loeo | null {
  const loeoRuns = runs.map((r) => ({ r, g: heldOutGroupOf(r.meta) })).filter((x): x is { r: ReportRun; g: string } => x.g !== null);
  if (!loeoRuns.length) return null;
  // Held-out groups in the dataset's level order (levels no run's evaluation names go last, as met).
  const order = loeoRuns.find((x) => x.r.evaluation.groupLevels?.length)?.r.evaluation.groupLevels ?? [];
  const rank = (g: string) => { const i = order.indexOf(g); return i < 0 ? order.length : i; };
  const groups = [...new Set(loeoRuns.map((x) => x.g))].sort((a, b) => rank(a) - rank(b));
  const keys: { method: string; fusion: string }[] = [];
  for (const { r } of loeoRuns) if (!keys.some((k) => k.method === r.meta.method && k.fusion === r.meta.fusion)) keys.push({ method: r.meta.method, fusion: r.meta.fusion });
  const ambiguous = (method: string) => keys.filter((k) => k.method === method).length > 1;
  const rows = keys.map(({ method, fusion }) => {
    const cells = groups.map((g) => {
      const of = loeoRuns.filter((x) => x.g === g && x.r.meta.method === method && x.r.meta.fusion === fusion).map((x) => x.r);
      const accs = of.map((r) => r.evaluation.nominal.metrics.accuracy).filter(finite);
      const mean = accs.length ? accs.reduce((a, b) => a + b, 0) / accs.length : null;
      const sd = accs.length > 1 ? Math.sqrt(accs.reduce((a, v) => a + (v - mean!) ** 2, 0) / (accs.length - 1)) : null;
      return { accuracy: mean, sd, n: of.length ? of[0].evaluation.nTest : null, runIds: of.map((r) => r.meta.id) };
    });
    let worst: number | null = null, worstGroup: string | null = null;
    cells.forEach((c, i) => { if (finite(c.accuracy) && (worst === null || c.accuracy < worst)) { worst = c.accuracy; worstGroup = groups[i]; } });
    return { method, fusion, label: ambiguous(method) ? `${method} · ${fusion}` : method, cells, mean: meanOf(cells.map((c) => c.accuracy)), worst, worstGroup };
  });
  const gaps = rows.filter((r) => r.cells.some((c) => !c.runIds.length)).map((r) => r.label);
  const note = gaps.length
    ? `Not every group was held out for ${gaps.join(', ')}: mean and worst cover only the groups present (train one run per group for the full picture).`
    : undefined;
  return { groups, rows, ...(note ? { note } : {}) };
}

// ---------------------------------------------------------------- references (METHOD.md §5)

type RefMetrics = z.infer<typeof ReferenceRowSchema>['metrics'];
const REF_WHAT = { majority: 'the majority class', 'logistic-regression': 'logistic regression' } as const;
const REF_LABEL = { majority: 'Majority class', 'logistic-regression': 'Logistic regression' } as const;

/** The reference metrics of one run, by kind (absent when the run has none of that kind). */
function referenceMetrics(r: ReportRun): { kind: keyof typeof REF_LABEL; metrics: RefMetrics }[] {
  const ref = r.evaluation.references;
  if (!ref) return [];
  const out: { kind: keyof typeof REF_LABEL; metrics: RefMetrics }[] = [];
  if (finite(ref.majorityAccuracy)) {
    out.push({ kind: 'majority', metrics: { accuracy: ref.majorityAccuracy, balancedAccuracy: null, macroF1: null, logLoss: null, robustAccuracy: null, worstGroupAccuracy: null } });
  }
  const lr = ref.logisticRegression;
  if (lr) out.push({ kind: 'logistic-regression', metrics: { ...lr, worstGroupAccuracy: lr.worstGroupAccuracy ?? null } });
  return out;
}

/** "A", "A and B", "A, B and C". */
function listNames(names: string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

const f3 = (v: number | null | undefined) => (finite(v) ? v.toFixed(3) : 'n/a');

/** One reference's values across runs: a single number, or the range when runs have different ones. */
function refValueText(values: number[]): string {
  const lo = Math.min(...values), hi = Math.max(...values);
  return lo === hi ? f3(lo) : `${f3(lo)}–${f3(hi)}`;
}

/** Whether each run's accuracy beats each of its references, in one sentence. */
export function referenceSentence(runs: ReportRun[]): string | null {
  const entries = runs.flatMap((r) => referenceMetrics(r).filter((x) => finite(x.metrics.accuracy)).map((x) => ({ r, kind: x.kind, ref: x.metrics.accuracy!, acc: r.evaluation.nominal.metrics.accuracy })));
  if (!entries.length) return null;
  const kinds = (['majority', 'logistic-regression'] as const).filter((k) => entries.some((e) => e.kind === k));
  if (runs.length === 1) {
    const parts = kinds.map((k) => { const e = entries.find((x) => x.kind === k)!; return { beats: finite(e.acc) && e.acc > e.ref, text: `${REF_WHAT[k]} (${f3(e.ref)})` }; });
    const acc = runs[0].evaluation.nominal.metrics.accuracy;
    const verb = (b: boolean) => (b ? 'beats' : 'does not beat');
    const body = parts.length === 2 && parts[0].beats !== parts[1].beats
      ? `${verb(parts[0].beats)} ${parts[0].text} but ${parts[1].beats ? 'beats' : 'not'} ${parts[1].text}`
      : `${verb(parts[0].beats)} ${parts.map((p) => p.text).join(' and ')}`;
    return `With accuracy ${f3(acc)}, the model ${body}.`;
  }
  const clauses = kinds.map((k) => {
    const of = entries.filter((e) => e.kind === k);
    const what = `${REF_WHAT[k]} (accuracy ${refValueText(of.map((e) => e.ref))})`;
    const winners = of.filter((e) => finite(e.acc) && e.acc > e.ref).map((e) => e.r.meta.name);
    const losers = of.filter((e) => !(finite(e.acc) && e.acc > e.ref)).map((e) => e.r.meta.name);
    const all = of.length === runs.length;
    if (!losers.length) return `${all ? 'every run beats' : `${listNames(winners)} beat${winners.length === 1 ? 's' : ''}`} ${what}`;
    if (!winners.length) return `${all ? 'no run beats' : `${listNames(losers)} ${losers.length === 1 ? 'does' : 'do'} not beat`} ${what}`;
    return `${listNames(winners)} beat${winners.length === 1 ? 's' : ''} ${what} and ${listNames(losers)} ${losers.length === 1 ? 'does' : 'do'} not`;
  });
  const text = clauses.join('; ');
  return text.charAt(0).toUpperCase() + text.slice(1) + '.';
}

/** The reference rows of the report: one per distinct (kind, values), with the runs they belong to. */
export function buildReferences(runs: ReportRun[]): References {
  const rows: References['rows'] = [];
  for (const r of runs) {
    for (const { kind, metrics } of referenceMetrics(r)) {
      const same = rows.find((x) => x.kind === kind && JSON.stringify(x.metrics) === JSON.stringify(metrics));
      if (same) same.runIds.push(r.meta.id);
      else rows.push({ kind, label: REF_LABEL[kind], metrics, runIds: [r.meta.id] });
    }
  }
  const notes = [...new Set(runs.map((r) => r.evaluation.references?.note).filter((x): x is string => !!x))];
  const without = runs.filter((r) => !r.evaluation.references).map((r) => r.meta.name);
  if (without.length) notes.push(`No reference rows are stored with ${without.length === runs.length ? 'these runs' : listNames(without)} (they are computed for runs evaluated from v2 on).`);
  const noLr = runs.filter((r) => r.evaluation.references && !r.evaluation.references.logisticRegression).map((r) => r.meta.name);
  if (noLr.length) notes.push(`The logistic-regression reference could not be trained for ${listNames(noLr)}.`);
  return { rows, sentence: referenceSentence(runs), notes };
}

// ---------------------------------------------------------------- modality shift sensitivity (METHOD.md §5)

/** Below this largest share, no single modality's shift moves the loss much (said so in words). */
export const LOW_EXPOSURE_SHARE = 0.05;

/** The run has a modality whose share reaches `LOW_EXPOSURE_SHARE`. */
export const isExposed = (e: Exposure): boolean => e.modality !== null && finite(e.share) && e.share >= LOW_EXPOSURE_SHARE;

/** Why a run has no shift sensitivity, as a note ("<run>: modality shift sensitivity <why>." in a comparison). */
export function noExposure(run: { id: string; name: string }, single: boolean, why: string): Exposure {
  return { runId: run.id, modality: null, share: null, risk: null, sentence: `${single ? 'Modality shift sensitivity:' : `${run.name}: modality shift sensitivity`} ${why}.` };
}

/** The modality of largest share for one run, with the sentence the report prints. */
export function exposureOf(r: ReportRun, single: boolean): Exposure {
  const s = r.evaluation.shiftSensitivity;
  const who = single ? 'This model' : r.meta.name;
  const none = (why: string) => noExposure(r.meta, single, why);
  if (!s) return none('not computed for runs evaluated before v2');
  if (!s.available) return none(`not computed (${s.reason})`);
  const top = s.modalities.filter((m) => finite(m.share)).reduce<(typeof s.modalities)[number] | undefined>((a, b) => (!a || b.share! > a.share! ? b : a), undefined);
  if (!top) return none('undefined (the test losses do not vary)');
  const numbers = `share ${f2(top.share)}; R_k at ρ = ${s.rho}: ${f2(top.risk)}`;
  const sentence = top.share! < LOW_EXPOSURE_SHARE
    ? `${who} shows little exposure to a shift in any single modality (largest: ${top.modality}, ${numbers}).`
    : `${who} is most exposed to a shift in ${top.modality} (${numbers}).`;
  return { runId: r.meta.id, modality: top.modality, share: top.share, risk: top.risk, sentence };
}

// ---------------------------------------------------------------- plain-words summary

/** A few sentences from the numbers: best runs, where accuracy breaks, missing modalities, significant differences. */
export function writeSummary(m: ReportModel): string[] {
  const out: string[] = [];
  const runs = m.runs;
  const name = (id: string) => runs.find((r) => r.meta.id === id)?.meta.name ?? id;
  const acc = (r: ReportRun) => r.evaluation.nominal.metrics.accuracy;
  const nTest = runs[0].evaluation.nTest;
  const mods = runs[0].evaluation.modalityNames;
  out.push(`${runs.length === 1 ? 'One run' : `${runs.length} runs`} on ${m.dataset.name}: ${nTest} test rows, ${mods.length} modalit${mods.length === 1 ? 'y' : 'ies'} (${mods.join(', ')}); distributional metrics at B_eval = ${m.bEval.toFixed(3)}.`);

  const best = (f: (r: ReportRun) => number | null | undefined) => {
    let b: ReportRun | undefined, bv = -Infinity;
    for (const r of runs) { const v = f(r); if (finite(v) && v > bv) { bv = v; b = r; } }
    return b ? { run: b, value: bv } : undefined;
  };
  if (runs.length > 1) {
    const ba = best(acc), br = best((r) => r.evaluation.distributional.robustAccuracy);
    if (ba && br) {
      out.push(ba.run === br.run
        ? `${ba.run.meta.name} has both the best accuracy (${f2(ba.value)}) and the best robust accuracy (${f2(br.value)}).`
        : `Best accuracy: ${ba.run.meta.name} (${f2(ba.value)}); best robust accuracy: ${br.run.meta.name} (${f2(br.value)}).`);
    } else if (ba) out.push(`Best accuracy: ${ba.run.meta.name} (${f2(ba.value)}).`);
  } else {
    const r = runs[0];
    const g = r.evaluation.groups;
    const ra = r.evaluation.distributional.robustAccuracy;
    out.push(`Accuracy ${f2(acc(r))}${finite(ra) ? `; robust accuracy ${f2(ra)}` : ''}${g ? `; worst-group accuracy ${f2(g.worstGroupAccuracy)}${g.worstGroup ? ` (${groupInWords(g.worstGroup)})` : ''}` : ''}.`);
  }
  if (m.references.sentence) out.push(m.references.sentence);
  if (runs.length === 1) out.push(m.exposure[0].sentence);
  else {
    const exposed = m.exposure.filter(isExposed);
    const flat = m.exposure.filter((e) => e.modality !== null && !isExposed(e)).map((e) => name(e.runId));
    const parts = [
      ...(exposed.length ? [`most exposed modality: ${exposed.map((e) => `${e.modality} for ${name(e.runId)} (share ${f2(e.share)})`).join(', ')}`] : []),
      ...(flat.length ? [`little exposure to any single modality for ${listNames(flat)}`] : []),
    ];
    if (parts.length) out.push(`Modality shift sensitivity: ${parts.join('; ')}.`);
  }

  // Where it breaks: each run's largest drop over modality × corruption at the reference severity.
  const s = m.referenceSeverity;
  const base = runs.find((r) => r.meta.id === m.comparison.baselineRunId) ?? runs[0];
  if (s !== null) for (const r of runs) { const line = breakSentence(r, s, m.stressLabels, runs.length > 1); if (line) out.push(line); }
  // Missing modalities: the worst one for the baseline.
  const miss = base.evaluation.stress.points.filter((p) => p.test === 'missing-modality' && finite(p.accuracy));
  if (miss.length) {
    const worst = miss.reduce((a, b) => (b.accuracy! < a.accuracy! ? b : a));
    out.push(`Without the ${worst.modality} modality${runs.length > 1 ? `, ${base.meta.name}` : ''} drops to ${f2(worst.accuracy)} accuracy (from ${f2(acc(base))}).`);
  }

  // Leave-one-environment-out: accuracy on each held-out environment, then mean and worst.
  if (m.loeo) {
    const lo = m.loeo;
    lo.groups.slice(0, 6).forEach((g, gi) => {
      const parts = lo.rows.filter((r) => finite(r.cells[gi].accuracy)).map((r, i) => `${r.label}${i === 0 ? ' accuracy' : ''} ${f2(r.cells[gi].accuracy)}`);
      if (parts.length) out.push(`Leaving out ${g}: ${parts.join(', ')}.`);
    });
    if (lo.groups.length > 1) {
      out.push(`Across ${lo.groups.length} held-out environments: ${lo.rows.map((r) => `${r.label} mean ${f2(r.mean)}, worst ${f2(r.worst)}${r.worstGroup ? ` (${r.worstGroup})` : ''}`).join('; ')}.`);
    }
  }

  // Paired bootstrap: which differences exclude 0.
  for (const b of m.comparison.bootstrap) {
    if (!finite(b.lo) || !finite(b.hi) || !finite(b.difference)) continue;
    if (b.lo > 0 || b.hi < 0) {
      const what = b.metric === 'accuracy' ? 'accuracy' : b.metric === 'robustAccuracy' ? 'robust accuracy' : 'worst-group accuracy';
      out.push(`${name(b.runId)} vs ${name(b.baselineRunId)}: ${what} ${b.difference >= 0 ? '+' : ''}${b.difference.toFixed(3)} (95% CI ${b.lo.toFixed(3)} to ${b.hi.toFixed(3)}), a difference the bootstrap does not attribute to chance.`);
    }
  }
  if (runs.length > 1 && !m.comparison.bootstrap.some((b) => finite(b.lo) && (b.lo! > 0 || b.hi! < 0)) && m.comparison.bootstrap.length) {
    out.push(`No difference from ${name(m.comparison.baselineRunId)} is real: every paired-bootstrap 95% interval includes 0.`);
  }
  return out;
}


/** A run's accuracy drop per modality × corruption at severity `s` (from the clean point of the same curve). */
function stressDrops(r: ReportRun, s: number): { mod: string; test: string; from: number; to: number }[] {
  const drops: { mod: string; test: string; from: number; to: number }[] = [];
  for (const c of r.evaluation.stress.curves) {
    const i = c.severities.indexOf(s);
    if (i < 0 || !finite(c.accuracyMean[0]) || !finite(c.accuracyMean[i])) continue;
    drops.push({ mod: c.modality, test: c.test, from: c.accuracyMean[0]!, to: c.accuracyMean[i]! });
  }
  return drops.sort((a, b) => (b.from - b.to) - (a.from - a.to));
}

/**
 * One sentence on where a run breaks: its largest drop and the runner-up, or that nothing moves it.
 * `named`: prefix the run's name (comparison reports); a single-run report speaks of "the model".
 */
function breakSentence(r: ReportRun, s: number, labels: Record<string, string>, named: boolean): string | null {
  const drops = stressDrops(r, s);
  if (drops.length === 0) return null;
  const who = named ? r.meta.name : 'The model';
  const [top, next] = drops;
  const what = (d: (typeof drops)[number]) => `${(labels[d.test] ?? d.test).toLowerCase()} on ${d.mod}`;
  if (top.from - top.to < 0.005) return `${who} holds under every single-modality corruption at severity ${s}: no accuracy drop reaches 0.005.`;
  const then = next && next.from - next.to >= 0.005 ? `; next comes ${what(next)} (${f2(next.from)} → ${f2(next.to)})` : '; no other corruption costs 0.005 or more';
  return `${who} breaks most under ${what(top)}: accuracy ${f2(top.from)} → ${f2(top.to)} at severity ${s}${then}.`;
}
