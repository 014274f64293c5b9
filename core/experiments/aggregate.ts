/**
 * The aggregate of an experiment, computed from its runs' stored evaluations only (pure: no store,
 * no model). Per configuration, each metric over its seeds (core/experiments/statistics.ts); per
 * configuration, seed-paired comparisons against ERM at its fusion and against ERM with early
 * fusion (core/experiments/pairing.ts); the reference rows over seeds. METHOD.md §5.
 */
import type { RunEvaluation } from '../evaluate/schema';
import { DEFAULT_BOOTSTRAP_SEED, DEFAULT_RESAMPLES } from '../evaluate/bootstrap';
import type { RunCell } from '../store/types';
import { metricStatistic, sameTestRows, seedPairedBootstrap, type SeedPair } from './pairing';
import { runMetrics, type RunMetrics } from './run-metrics';
import {
  COMPARED_METRICS, type CellStatus, type ComparedMetric, type Comparison, type ConfigurationAggregate, type ExperimentAggregate,
  type ExperimentReferences, type ReferenceAggregate, type StatusCounts,
} from './schema';
import { CONFIDENCE_LEVEL, summarize } from './statistics';

/** One grid cell as the aggregate sees it: its current run's status and, once it succeeded, its evaluation. */
export interface ExperimentCellInput {
  runId: number | null;
  cell: RunCell;
  status: CellStatus;
  evaluation?: RunEvaluation | null;
  /** The training radius B the run used (its results' B; 0 for ERM), when known. */
  trainingB?: number | null;
}

export interface AggregateOptions {
  resamples?: number;
  bootstrapSeed?: number;
  level?: number;
  /** false: configurations and references only, no bootstrap (listings). Default true. */
  comparisons?: boolean;
}

interface Scored { input: ExperimentCellInput; evaluation: RunEvaluation; metrics: RunMetrics; seed: number }

export function aggregateExperiment(cells: readonly ExperimentCellInput[], opts: AggregateOptions = {}): ExperimentAggregate {
  const notes: string[] = [];
  const groups = new Map<string, ExperimentCellInput[]>();
  for (const c of cells) groups.set(c.cell.configuration, [...(groups.get(c.cell.configuration) ?? []), c]);
  const scored = new Map<string, Scored[]>();
  const configurations = [...groups].map(([label, cs]) => {
    const runs = scoredRuns(cs, notes);
    scored.set(label, runs);
    return aggregateConfiguration(label, cs, runs, opts.level);
  });
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const bootstrapSeed = opts.bootstrapSeed ?? DEFAULT_BOOTSTRAP_SEED;
  const comparisons = opts.comparisons === false ? [] : configurations.flatMap((b) => ermReferences(configurations, b).flatMap(({ a, against }) =>
    COMPARED_METRICS.flatMap((metric) => {
      const c = compare(a, b, scored.get(a.label)!, scored.get(b.label)!, metric, against, { resamples, bootstrapSeed, level: opts.level });
      return c ? [c] : [];
    })));
  return {
    configurations,
    comparisons,
    references: aggregateReferences([...scored.values()].flat(), opts.level),
    statistics: { level: opts.level ?? CONFIDENCE_LEVEL, interval: 'student-t', resamples, bootstrapSeed },
    notes,
  };
}

/** The succeeded runs of a configuration with their evaluations and metrics, by seed ascending. */
function scoredRuns(cells: readonly ExperimentCellInput[], notes: string[]): Scored[] {
  const out: Scored[] = [];
  for (const input of cells) {
    if (input.status !== 'succeeded') continue;
    if (!input.evaluation) { notes.push(`Run ${input.runId} (${input.cell.configuration}, seed ${input.cell.seed}) succeeded but has no stored evaluation; it is left out.`); continue; }
    out.push({ input, evaluation: input.evaluation, metrics: runMetrics(input.evaluation), seed: input.cell.seed ?? 0 });
  }
  return out.sort((x, y) => x.seed - y.seed);
}

function aggregateConfiguration(label: string, cells: readonly ExperimentCellInput[], runs: readonly Scored[], level?: number): ConfigurationAggregate {
  const { method, fusion, radius, heldOut } = cells[0].cell;
  const over = (f: (m: RunMetrics) => number | null | undefined) => summarize(runs.map((r) => f(r.metrics)), level);
  const statusCounts = countStatuses(cells);
  return {
    label, method, fusion, ...(radius !== undefined ? { radius } : {}), ...(heldOut !== undefined ? { heldOut } : {}),
    seeds: runs.map((r) => r.seed),
    runIds: runs.map((r) => r.input.runId!),
    cells: cells.length,
    statusCounts,
    trainingB: summarize(runs.map((r) => r.input.trainingB), level),
    metrics: {
      accuracy: over((m) => m.accuracy),
      robustAccuracy: over((m) => m.robustAccuracy),
      macroF1: over((m) => m.macroF1),
      logLoss: over((m) => m.logLoss),
      ...(runs.some((r) => r.metrics.worstGroupAccuracy !== undefined) ? { worstGroupAccuracy: over((m) => m.worstGroupAccuracy) } : {}),
      meanStressAccuracy: over((m) => m.meanStressAccuracy),
    },
  };
}

/** How many cells are in each status. */
export function countStatuses(cells: readonly { status: CellStatus }[]): StatusCounts {
  const counts: StatusCounts = {};
  for (const c of cells) counts[c.status] = (counts[c.status] ?? 0) + 1;
  return counts;
}

/** The ERM configuration at `fusion` on the same held-out group as `c` (the reference of comparisons and the frontier's B = 0). */
export function ermConfiguration<C extends Pick<ConfigurationAggregate, 'method' | 'fusion' | 'heldOut' | 'radius'>>(configs: readonly C[], fusion: string | null, heldOut: string | undefined): C | undefined {
  return configs.find((x) => x.method === 'erm' && x.fusion === fusion && x.heldOut === heldOut && x.radius === undefined);
}

/** What `b` is compared with: ERM at its fusion, and ERM-early when that is another configuration. */
function ermReferences(configs: readonly ConfigurationAggregate[], b: ConfigurationAggregate): { a: ConfigurationAggregate; against: Comparison['against'] }[] {
  const refs: { a: ConfigurationAggregate; against: Comparison['against'] }[] = [];
  const same = ermConfiguration(configs, b.fusion, b.heldOut);
  const early = ermConfiguration(configs, 'early', b.heldOut);
  if (same && same !== b) refs.push({ a: same, against: 'erm-same-fusion' });
  if (early && early !== b && early !== same) refs.push({ a: early, against: 'erm-early' });
  return refs;
}

/** A seed-paired comparison of b against a on `metric`; undefined when the metric does not apply (no groups). */
function compare(
  a: ConfigurationAggregate, b: ConfigurationAggregate, runsA: readonly Scored[], runsB: readonly Scored[], metric: ComparedMetric,
  against: Comparison['against'], opts: { resamples: number; bootstrapSeed: number; level?: number },
): Comparison | undefined {
  const pairs: SeedPair[] = [];
  const unpaired: number[] = [];
  const movedRadius: number[] = [];
  for (const ra of runsA) {
    const rb = runsB.find((r) => r.seed === ra.seed);
    if (!rb) continue;
    if (!sameTestRows(ra.evaluation, rb.evaluation)) { unpaired.push(ra.seed); continue; }
    // Robust accuracy of both runs at the reference run's B_eval, so the pair meets on equal terms.
    const bEval = ra.evaluation.distributional.bEval;
    if (metric === 'robustAccuracy' && Math.abs(rb.evaluation.distributional.bEval - bEval) > 1e-12) movedRadius.push(ra.seed);
    const statA = metricStatistic(ra.evaluation, metric, bEval);
    const statB = metricStatistic(rb.evaluation, metric, bEval);
    if (!statA || !statB) return undefined;
    pairs.push({ seed: ra.seed, n: ra.evaluation.samples.y.length, statA, statB });
  }
  if (metric === 'worstGroupAccuracy' && !a.metrics.worstGroupAccuracy) return undefined;
  const notes: string[] = [];
  if (unpaired.length) notes.push(`seed${unpaired.length > 1 ? 's' : ''} ${unpaired.join(', ')} left out: the two runs were not scored on the same test rows`);
  if (movedRadius.length) notes.push(`robust accuracy of ${b.label} re-scored at the B_eval of ${a.label} for seed${movedRadius.length > 1 ? 's' : ''} ${movedRadius.join(', ')}`);
  const base = { a: a.label, b: b.label, against, metric, resamples: opts.resamples, bootstrapSeed: opts.bootstrapSeed };
  if (pairs.length === 0) {
    notes.push('no seed where both configurations succeeded on the same test rows');
    return { ...base, seeds: [], meanDiff: null, ci: null, real: false, note: notes.join('; ') + '.' };
  }
  const ci = seedPairedBootstrap(pairs, { resamples: opts.resamples, seed: opts.bootstrapSeed, level: opts.level });
  const interval: [number, number] | null = Number.isFinite(ci.lo) && Number.isFinite(ci.hi) ? [ci.lo, ci.hi] : null;
  return {
    ...base, seeds: pairs.map((p) => p.seed), meanDiff: Number.isFinite(ci.meanDiff) ? ci.meanDiff : null, ci: interval,
    real: interval !== null && (interval[0] > 0 || interval[1] < 0), ...(notes.length ? { note: notes.join('; ') + '.' } : {}),
  };
}

/**
 * The reference rows over seeds: one per split (seed × held-out group) — every run of a split
 * carries the same references —, overall and per held-out group.
 */
function aggregateReferences(runs: readonly Scored[], level?: number): ExperimentReferences {
  const bySplit = new Map<string, { heldOut?: string; refs: NonNullable<RunEvaluation['references']> }>();
  for (const r of runs) {
    const key = `${r.input.cell.heldOut ?? ''}\u0000${r.seed}`;
    if (!bySplit.has(key) && r.evaluation.references) bySplit.set(key, { heldOut: r.input.cell.heldOut, refs: r.evaluation.references });
  }
  const splits = [...bySplit.values()];
  const heldOut = [...new Set(splits.map((s) => s.heldOut).filter((h): h is string => h !== undefined))];
  return {
    ...referenceAggregate(splits.map((s) => s.refs), level),
    ...(heldOut.length ? { byHeldOut: Object.fromEntries(heldOut.map((h) => [h, referenceAggregate(splits.filter((s) => s.heldOut === h).map((s) => s.refs), level)])) } : {}),
  };
}

function referenceAggregate(refs: readonly NonNullable<RunEvaluation['references']>[], level?: number): ReferenceAggregate {
  const lr = refs.map((r) => r.logisticRegression);
  const over = (f: (l: NonNullable<(typeof lr)[number]>) => number | null | undefined) => summarize(lr.map((l) => (l ? f(l) : null)), level);
  return {
    splits: refs.length,
    majorityAccuracy: summarize(refs.map((r) => r.majorityAccuracy), level),
    logisticRegression: lr.some((l) => l) ? {
      accuracy: over((l) => l.accuracy), balancedAccuracy: over((l) => l.balancedAccuracy), macroF1: over((l) => l.macroF1),
      logLoss: over((l) => l.logLoss), robustAccuracy: over((l) => l.robustAccuracy),
      ...(lr.some((l) => l?.worstGroupAccuracy !== undefined) ? { worstGroupAccuracy: over((l) => l.worstGroupAccuracy) } : {}),
    } : null,
  };
}
